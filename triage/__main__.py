"""Command line: `python -m triage [text]` runs the text assessment; `assess` answers it from a JSON
map of concepts on stdin; `questions` prints the questionnaire as JSON."""
from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from .conversation import start, step
from .model import load_questionnaire, load_rules
from .text_mode import run

USAGE = "usage: python -m triage [text | assess | questions | rules-table | parse --expect yes_no|number ... TEXT]"


class InputError(ValueError):
    """Bad assess input; the message is printed as one line."""


def _check_concepts(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError("input must be one JSON object mapping concepts to values")
    types = load_questionnaire().concept_types
    for key, value in data.items():
        if key not in types:
            raise InputError(f"unknown concept {key!r}")
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


def assess(facts: dict[str, Any]) -> dict[str, Any]:
    """Run the questionnaire in order, answering each question from `facts`."""
    questionnaire = load_questionnaire()
    turn = start()
    while not turn.ended and turn.question_id is not None:
        question = questionnaire.questions[turn.question_id]
        reply = _reply_for(question.concepts, question.type, facts)
        turn = step(turn.state, reply)
    outcome = dict(turn.outcome or {})
    return {key: outcome[key] for key in ("tier", "specialist", "patterns", "reasons", "advice", "disclaimer",
                                          "asked")} | {"unsure": outcome.get("unsure", []),
                                                       "rules_fired": outcome.get("rules_fired", [])}


def questions_json() -> list[dict[str, Any]]:
    return [{"id": q.id, "concepts": list(q.concepts), "type": q.type, "range": list(q.range) if q.range else None,
             "unit": q.unit, "red_flag": q.red_flag, "prompt": q.prompt, "reprompt": q.reprompt, "help": q.help,
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


def rules_table() -> str:
    """The rules as a Markdown table, generated from data/rules.json (the README embeds it)."""
    rules = load_rules()
    rows = ["| rule | when | tier | who | source |", "|---|---|---|---|---|"]
    for rule in rules.rules:
        rows.append(f"| `{rule.id}` | {_spoken_condition(rule.when)} | {rule.tier} | {rule.specialist} | "
                    f"{rule.source} |")
    d = rules.default
    rows.append(f"| (none of the above) | - | {d.tier} | {d.specialist} | {d.source} |")
    return "\n".join(rows) + "\n"


def main(argv: list[str], stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    command = argv[0] if argv else "text"
    if command == "text" and len(argv) <= 1:
        return run(stdin, stdout)
    if command == "questions" and len(argv) == 1:
        json.dump(questions_json(), stdout, indent=2)
        stdout.write("\n")
        return 0
    if command == "rules-table" and len(argv) == 1:
        stdout.write(rules_table())
        return 0
    if command == "parse":
        from .parse_cli import main as parse_main
        return parse_main(argv[1:], stdout, stderr)
    if command == "assess" and len(argv) == 1:
        try:
            try:
                data = json.loads(stdin.read())
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
            result = assess(_check_concepts(data))
        except InputError as exc:
            stderr.write(f"error: {exc}\n")
            return 2
        json.dump(result, stdout)
        stdout.write("\n")
        return 0
    stderr.write(USAGE + "\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
