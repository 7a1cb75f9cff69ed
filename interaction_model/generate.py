"""Generate ``interaction_model/<locale>.json`` (one per English locale) from the triage core's
answer-word data.

The sample utterances come from ``triage.vocabulary`` (yes, no, "I don't know", commands, number
carrier phrases), the same source as the core's parser and the local recognizer grammars, so the
two front ends cannot drift apart. ``tests/test_skill_model.py`` proves the committed JSON equals
what this module generates, for every locale.

    python -m interaction_model.generate          # rewrite every locale's model
    python -m interaction_model.generate --check  # exit 1 if any locale's model is out of date
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from triage.locales import DEFAULT_LOCALE, supported_locales
from triage.vocabulary import (
    command_phrases,
    dont_know_phrases,
    hedged_no_phrases,
    hedged_yes_phrases,
    no_phrases,
    number_carriers,
    rate_phrases,
    yes_phrases,
)
from triage.vocabulary import unit_words as core_unit_words

MODEL_DIR = Path(__file__).resolve().parent
# The locales the skill is published in, from the core's locale data (triage/data/locales.json);
# each gets its own model file and manifest entry.
LOCALES = supported_locales()
MODEL_PATH = MODEL_DIR / f"{DEFAULT_LOCALE}.json"
INVOCATION_NAME = "spine check"

START_INTENT = "StartAssessmentIntent"
NUMBER_INTENT = "AnswerNumberIntent"
DONT_KNOW_INTENT = "DontKnowIntent"
MORE_INTENT = "MoreIntent"  # "more" after the result: every reason, pattern and tip
# "summary", "keep a copy": at the result, the whole summary on a card in the Alexa app; before it, stop
# and keep what was answered (issue 10). Samples from the core's "summary" command words.
SUMMARY_INTENT = "SummaryIntent"
# A yes or no said with doubt ("probably", "I don't think so"): never a certain answer, so these are
# not samples of AMAZON.YesIntent/NoIntent. The handlers pass the hedge to the core, which reads it
# back, or counts it as "I don't know" on a red-flag question.
HEDGED_YES_INTENT = "HedgedYesIntent"
HEDGED_NO_INTENT = "HedgedNoIntent"
# "slower" and "faster": the voice front ends' own commands (the speaking rate), words from the core's
# answer-word data ("rate_commands"), as the offline voice uses them.
RATE_INTENTS = {"slower": "SlowerIntent", "faster": "FasterIntent"}
NUMBER_SLOT = "number"
UNIT_SLOT = "unit"
UNIT_TYPE = "DurationUnit"

# How a person asks to begin ("Alexa, ask spine check to ...", "... about ..."). These are not
# answers to a question, so they are not part of the core's answer-word data. Alexa strips the
# launch phrase and its connecting word ("ask spine check to", "ask spine check about"), so both the
# bare request and the one with "about" kept are samples.
START_PHRASES = (
    "check my back pain",
    "check my back",
    "check my back pain and leg numbness",
    "my back pain and leg numbness",
    "about my back pain and leg numbness",
    "about my back pain",
    "about my back",
    "check my leg numbness",
    "check my sciatica",
    "start the assessment",
    "start an assessment",
    "start a back pain check",
    "begin the assessment",
    "begin the check",
    "start the check",
    "assess my back pain",
    "do a back pain check",
    "my back hurts",
    "i have back pain",
)

# Which core command each built-in intent (and MoreIntent, ours) carries. AMAZON.CancelIntent gets the word "cancel"
# (the core treats it as stop) so that no sample sits in two intents.
COMMAND_INTENTS = {
    "help": "AMAZON.HelpIntent",
    "repeat": "AMAZON.RepeatIntent",
    "back": "AMAZON.PreviousIntent",
    "start_over": "AMAZON.StartOverIntent",
    "stop": "AMAZON.StopIntent",
    "more": MORE_INTENT,
    "summary": SUMMARY_INTENT,
}
CANCEL_WORDS = ("cancel",)

# Built-ins Alexa fills with its own out-of-domain model or device gestures; they take no samples.
SAMPLELESS_INTENTS = ("AMAZON.NavigateHomeIntent", "AMAZON.FallbackIntent")

_NOT_SAMPLE_CHARS = re.compile(r"[^a-z' .{}]")


def normalize_sample(text: str) -> str:
    """The form Alexa compares samples in: lower case, single spaces."""
    return " ".join(text.lower().split())


def _clean(phrases: list[str] | tuple[str, ...]) -> list[str]:
    """Normalized, without duplicates, order kept; refuses characters Alexa does not allow."""
    seen: set[str] = set()
    out: list[str] = []
    for phrase in phrases:
        sample = normalize_sample(phrase)
        if _NOT_SAMPLE_CHARS.search(sample):
            raise ValueError(f"sample {sample!r} has characters Alexa does not accept")
        if sample and sample not in seen:
            seen.add(sample)
            out.append(sample)
    return out


def unit_words() -> list[str]:
    """Every spoken duration word the core converts ('day', 'days', 'fortnight', ...), from the core's
    unit words (``triage.vocabulary.unit_words``), the source of the unit slot type."""
    return sorted({word for words in core_unit_words().values() for word in words})


def unit_slot_values() -> list[dict[str, Any]]:
    """The custom slot type's values: each unit's first word as the value, the others as synonyms."""
    values = []
    for name, words in core_unit_words().items():
        value: dict[str, Any] = {"value": words[0]}
        if words[1:]:
            value["synonyms"] = words[1:]
        values.append({"id": name, "name": value})
    return values


def number_samples() -> list[str]:
    """Carrier phrases around the AMAZON.NUMBER slot. A trailing duration word becomes the
    ``{unit}`` slot, because the NUMBER slot alone would turn "three months" into "3"."""
    units = set(unit_words())
    frames: list[str] = []
    for unit in (None, "weeks", "years"):
        for frame in number_carriers(unit):
            words = frame.replace("{n}", "{" + NUMBER_SLOT + "}").split()
            if len(words) >= 2 and words[-2] == "{" + NUMBER_SLOT + "}" and words[-1] in units:
                words[-1] = "{" + UNIT_SLOT + "}"
            frames.append(" ".join(words))
    return _clean(frames)


def _intent(name: str, samples: list[str], slots: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    intent: dict[str, Any] = {"name": name}
    if slots:
        intent["slots"] = slots
    intent["samples"] = samples
    return intent


def build_model() -> dict[str, Any]:
    """The whole interaction model as a dict (ASK ``interactionModel`` format)."""
    commands = command_phrases()
    stop_words = [p for p in commands["stop"] if normalize_sample(p) not in CANCEL_WORDS]
    cancel_words = [p for p in commands["stop"] if normalize_sample(p) in CANCEL_WORDS]
    intents = [
        _intent(START_INTENT, _clean(START_PHRASES)),
        _intent("AMAZON.YesIntent", _clean(yes_phrases())),
        _intent("AMAZON.NoIntent", _clean(no_phrases())),
        _intent(
            NUMBER_INTENT,
            number_samples(),
            slots=[
                {"name": NUMBER_SLOT, "type": "AMAZON.NUMBER"},
                {"name": UNIT_SLOT, "type": UNIT_TYPE},
            ],
        ),
        _intent(DONT_KNOW_INTENT, _clean(dont_know_phrases())),
        _intent(HEDGED_YES_INTENT, _clean(hedged_yes_phrases())),
        _intent(HEDGED_NO_INTENT, _clean(hedged_no_phrases())),
    ]
    for command, intent_name in COMMAND_INTENTS.items():
        words = stop_words if command == "stop" else commands[command]
        intents.append(_intent(intent_name, _clean(words)))
    intents.append(_intent("AMAZON.CancelIntent", _clean(cancel_words)))
    rates = rate_phrases()
    intents.extend(_intent(intent_name, _clean(rates[rate])) for rate, intent_name in RATE_INTENTS.items())
    intents.extend(_intent(name, []) for name in SAMPLELESS_INTENTS)
    types = [{"name": UNIT_TYPE, "values": unit_slot_values()}]
    return {
        "interactionModel": {
            "languageModel": {"invocationName": INVOCATION_NAME, "intents": intents, "types": types}
        }
    }


def render(model: dict[str, Any]) -> str:
    """The committed text form: stable key order and indentation, trailing newline."""
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def model_path(locale: str, directory: Path = MODEL_DIR) -> Path:
    """Where a locale's model lives: ``interaction_model/en-GB.json``."""
    return directory / f"{locale}.json"


def build_models() -> dict[str, dict[str, Any]]:
    """Every locale's model. The English locales share the answer words, so their models are the
    same today; each has its own file so that a locale can differ (and the ASK CLI wants one per
    locale)."""
    return {locale: build_model() for locale in LOCALES}


def main(argv: list[str] | None = None) -> int:
    import argparse  # here: the skill imports this module's names, and argparse costs its cold start

    parser = argparse.ArgumentParser(prog="python -m interaction_model.generate",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if any committed model is out of date")
    parser.add_argument("--output-dir", type=Path, default=MODEL_DIR,
                        help="where the <locale>.json models live (default: this package)")
    args = parser.parse_args(argv)
    stale = []
    for locale, model in build_models().items():
        path = model_path(locale, args.output_dir)
        text = render(model)
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                stale.append(path)
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    for path in stale:
        print(f"{path} is out of date: run python -m interaction_model.generate", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
