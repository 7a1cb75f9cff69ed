"""Command line: `python -m triage [text]` runs the text assessment; `assess` answers it from a JSON
map of concepts on stdin (`--summary`, `--fhir`: the summary a person can keep, in words or as a FHIR
Bundle); `questions` prints the questionnaire as JSON; `fhir-questionnaire` prints it as a FHIR R4
Questionnaire and `fhir-codesystem` its urgency tiers as a CodeSystem; `parse` prints what one reply means (see triage.parse_cli)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from contextlib import redirect_stderr, redirect_stdout
from typing import Any, TextIO

from .conversation import Turn, render_outcome, start, step
from .fhir import questionnaire_resource, summary_bundle, tier_code_system
from .knowledge import derive
from .locales import DEFAULT_LOCALE, UnknownLocale, get_locale, supported_locales
from .outcome import build_outcome, outcome_speech
from .model import load_questionnaire, load_rules
from . import parse_cli
from .cli_exit import run_main
from .summary import build_summary, person_text
from .summary_files import SummaryWriteError, check_directory
from .text_mode import run


class InputError(ValueError):
    """Bad assess input; the message is printed as one line."""


def _check_concepts(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError("input must be one JSON object mapping concepts to values")
    types = load_questionnaire().concept_types
    for key, value in data.items():
        if key not in types:
            raise InputError(f"unknown concept {key!r}; valid concepts: {', '.join(sorted(types))}")
        if value is None:
            continue
        if types[key] == "yes_no" and not isinstance(value, bool):
            raise InputError(f"concept {key!r} needs true or false, got {json.dumps(value)}")
        if types[key] == "number":
            if not isinstance(value, int) or isinstance(value, bool):
                raise InputError(f"concept {key!r} needs a whole number, got {json.dumps(value)}")
            lo, hi = _ranges()[key]
            if not lo <= value <= hi:
                raise InputError(f"concept {key!r} must be from {lo} to {hi}, got {value}")
    return data


def _ranges() -> dict[str, tuple[int, int]]:
    return {q.concepts[0]: q.range for q in load_questionnaire().questions.values() if q.range}


def _reply_for(question_concepts: tuple[str, ...], qtype: str, facts: dict[str, Any]) -> str:
    values = [facts.get(c) for c in question_concepts]
    if qtype == "number":
        return "I don't know" if values[0] is None else str(values[0])
    if any(v is True for v in values):
        return "yes"
    if all(v is False for v in values):
        return "no"
    return "I don't know"


def answered_turn(facts: dict[str, Any], locale: str = DEFAULT_LOCALE) -> Turn:
    """The turn at the result after answering each question in order from `facts` (yes if any of its
    concepts is true, no if all are false, else "I don't know"); its `state` is what a summary is made of."""
    questionnaire = load_questionnaire()
    turn = start(locale)
    while not turn.ended and turn.question_id is not None:
        question = questionnaire.questions[turn.question_id]
        reply = _reply_for(question.concepts, question.type, facts)
        turn = step(turn.state, reply, locale)
    return turn


def assess(facts: dict[str, Any], locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """Run the questionnaire in order, answering each question from `facts`; texts are in `locale`'s
    written form, and `speech` is what a voice front end says for the result (spoken form)."""
    questionnaire = load_questionnaire()
    turn = answered_turn(facts, locale)
    outcome = dict(turn.outcome or {})
    # The same answers, now knowing which facts were given: a fact left out is "not said" rather than
    # "not sure" (only "I don't know", said as such, is that), and a group member given as false is not
    # named. Only the sentences about unknown points change; the tier and the rules are the same.
    answers = [(qid, value) for qid, value in turn.state["answers"]]
    built = build_outcome(derive(questionnaire, answers), [qid for qid, _ in answers], facts=facts)
    where = get_locale(locale)
    outcome["reasons"] = render_outcome(built, where)["reasons"]
    speech = where.render(outcome_speech(built), spoken=True)  # the result as said, from these reasons
    return {key: outcome[key] for key in ("tier", "specialist", "patterns", "reasons", "advice", "disclaimer",
                                          "asked")} | {"unsure": outcome.get("unsure", []),
                                                       "rules_fired": outcome.get("rules_fired", []),
                                                       "speech": speech}


def questions_json() -> list[dict[str, Any]]:
    return [{"id": q.id, "concepts": list(q.concepts), "type": q.type, "range": list(q.range) if q.range else None,
             "unit": q.unit, "red_flag": q.red_flag, "prompt": q.prompt, "short": q.short, "help": q.help,
             "ask_if": q.ask_if, "source": q.source}
            for q in load_questionnaire().questions.values()]


def _spoken_condition(expr: Any) -> str:
    """A condition in plain words for the README's rules table."""
    if "yes" in expr:
        return expr["yes"]
    if "no" in expr:
        return f"not {expr['no']}"
    if "any_yes" in expr:
        return "any of " + ", ".join(expr["any_yes"])
    if "all" in expr:
        return " and ".join(_spoken_condition(e) for e in expr["all"])
    if "any" in expr:
        return "(" + " or ".join(_spoken_condition(e) for e in expr["any"]) + ")"
    if "not" in expr:
        return f"not ({_spoken_condition(expr['not'])})"
    if "known" in expr:
        return f"known: {_spoken_condition(expr['known'])}"
    symbols = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "eq": "="}
    op = next(k for k in expr if k in symbols)
    return f"{expr['num']} {symbols[op]} {expr[op]}"


def _source_link(source: str) -> str:
    """`docs/references.md#cauda-equina` as a Markdown link that works from the README."""
    return f"[{source.split('#', 1)[-1]}]({source})"


def rules_table() -> str:
    """The rules as a Markdown table, generated from data/rules.json (the README embeds it)."""
    rules = load_rules()
    rows = ["| rule | when | tier | who | source |", "|---|---|---|---|---|"]
    for rule in rules.rules:
        rows.append(f"| `{rule.id}` | {_spoken_condition(rule.when)} | {rule.tier} | {rule.specialist} | "
                    f"{_source_link(rule.source)} |")
    d = rules.default
    rows.append(f"| (none of the above) | - | {d.tier} | {d.specialist} | {_source_link(d.source)} |")
    return "\n".join(rows) + "\n"


def _summary_time(text: str | None) -> datetime:
    """--time as an aware datetime; without it, now in local time (with the local UTC offset)."""
    if text is None:
        return datetime.now().astimezone()
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"--time: {text!r} is not an ISO 8601 date and time, e.g. 2026-11-30T15:04:05+00:00") from exc
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError(f"--time: {text!r} has no UTC offset; add one, e.g. {when:%Y-%m-%dT%H:%M:%S}+00:00")
    return when


def _resource_json(resource: dict[str, Any]) -> str:
    """A FHIR resource as printed and committed: 2-space JSON, UTF-8 text, a final newline."""
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


def fhir_questionnaire_json() -> str:
    """The FHIR Questionnaire as committed in fhir/Questionnaire-spine-check.json (2-space JSON)."""
    return _resource_json(questionnaire_resource())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m triage", description="Spine Check: a back pain self-assessment (not a diagnosis).",
        epilog="With no command, runs the text assessment.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    text = commands.add_parser("text", help="the text assessment, one question per line (the default)")
    _add_locale(text)
    text.add_argument("--returning", action="store_true", help="skip the welcome (you have used it before)")
    add_summary_dir(text)
    assess_parser = commands.add_parser(
        "assess", help="read one JSON object {concept: value} on stdin, print the result as one JSON object")
    _add_locale(assess_parser)
    output = assess_parser.add_mutually_exclusive_group()
    output.add_argument("--summary", action="store_true",
                        help="print the summary a person can keep (plain text) instead of the result JSON")
    output.add_argument("--fhir", action="store_true",
                        help="print the clinic's summary instead: a FHIR R4 Bundle (QuestionnaireResponse + "
                             "RiskAssessment) as JSON")
    assess_parser.add_argument("--time", metavar="ISO8601",
                               help="when the summary is made, with its UTC offset, e.g. 2026-11-30T15:04:05+00:00 "
                                    "(default: now, in local time); the same time gives the same output")
    commands.add_parser("questions", help="print the questionnaire as JSON")
    commands.add_parser("fhir-questionnaire", help="print the questionnaire as a FHIR R4 Questionnaire (JSON)")
    commands.add_parser("fhir-codesystem", help="print the urgency tiers as a FHIR R4 CodeSystem (JSON)")
    commands.add_parser("rules-table", help="print the rules as the README's Markdown table")
    parse_cli.add_parser(commands)
    return parser


def add_summary_dir(parser: argparse.ArgumentParser) -> None:
    """--summary-dir DIR: where "summary" writes the person's summary (also used by local_voice)."""
    parser.add_argument("--summary-dir", metavar="DIR", default=None,
                        help="the folder a summary is saved in when you say summary (default: the current folder); "
                             "nothing is saved unless you ask")


def summary_dir_problem(args: argparse.Namespace) -> str | None:
    """One line saying why --summary-dir cannot be used (missing, not a folder, not writable), or None.
    Checked before the first question, so nobody answers ten questions to learn it at the end. The
    default (the current folder) is not checked up front: most people never ask for a summary, and if
    one is asked for and cannot be written, the person is told why and loses nothing."""
    if args.summary_dir is None:
        return None
    if not args.summary_dir.strip():  # `--summary-dir ""` (an unset variable) is a mistake, not "here"
        return "--summary-dir: an empty name is not a folder (leave the option out to save in the current folder)"
    try:
        args.summary_dir = str(check_directory(args.summary_dir))
    except SummaryWriteError as exc:
        return f"--summary-dir: {exc.reason}"
    return None


def _add_locale(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--locale", default=DEFAULT_LOCALE, type=_locale_tag, metavar="TAG",
                        help=f"emergency number and wording: {', '.join(supported_locales())} (default {DEFAULT_LOCALE})")


def _locale_tag(tag: str) -> str:
    try:
        return get_locale(tag).tag
    except UnknownLocale as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def main(argv: list[str], stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    """Exit status: 0, or 2 for bad arguments (a --summary-dir that cannot be written in included) or bad
    assess input (one line on stderr)."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["text", *argv]  # the text assessment is the default command
    parser = build_parser()
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or bad arguments (2)
        return int(exc.code or 0)
    if args.command == "text":
        problem = summary_dir_problem(args)
        if problem:
            stderr.write(f"error: {problem}\n")
            return 2
        return run(stdin, stdout, locale=args.locale, returning=args.returning,
                   summary_dir=args.summary_dir or os.curdir)
    if args.command == "questions":
        json.dump(questions_json(), stdout, indent=2)
        stdout.write("\n")
        return 0
    if args.command == "fhir-questionnaire":
        stdout.write(fhir_questionnaire_json())
        return 0
    if args.command == "fhir-codesystem":
        stdout.write(_resource_json(tier_code_system()))
        return 0
    if args.command == "rules-table":
        stdout.write(rules_table())
        return 0
    if args.command == "parse":
        return parse_cli.run(args, stdout, stderr)
    try:
        created = _summary_time(args.time) if args.summary or args.fhir else None
        if created is None and args.time is not None:
            raise InputError("--time needs --summary or --fhir (the result JSON has no time)")
        try:
            data = json.loads(stdin.read())
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
        facts = _check_concepts(data)
        if created is not None:
            record = build_summary(answered_turn(facts, args.locale).state, created, args.locale)
            stdout.write(person_text(record) if args.summary else _resource_json(summary_bundle(record)))
            return 0
        result = assess(facts, locale=args.locale)
    except InputError as exc:
        stderr.write(f"error: {exc}\n")
        return 2
    json.dump(result, stdout)
    stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(lambda: main(sys.argv[1:])))
