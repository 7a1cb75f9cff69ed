"""`python -m triage parse`: what one reply means, as JSON, for tools that parse answers the core's way.

    python -m triage parse --expect yes_no|number [--range LO HI] [--unit weeks|years] TEXT

prints one JSON object and exits 0 (2 on bad arguments):
    {"answer": true|false|int|null, "command": NAME|null, "dont_know": bool}
- a command ("repeat", "what?", "go back") gives its name and answer null;
- "I don't know", and a hedged yes or no ("maybe no", "probably"), give dont_know true and answer null:
  a hedge is never a certain answer (the conversation reads it back off the red flags; a tool without
  the question cannot, so it gets the cautious reading);
- a number is whole weeks with --unit weeks (hours, days, months, years converted, rounded); a range
  ("3 or 4") or a hedged number ("maybe 7") gives the higher value, which the conversation reads back
  before taking; a number outside --range, a vague amount ("a few weeks") or a wrong unit ("7/10" for
  weeks, "three weeks" with --unit years) gives answer null.
"""
from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from .parsing import is_dont_know, parse_command, read_number, read_yes_no


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """The `parse` subcommand of `python -m triage` (commands: the subparsers action)."""
    parser = commands.add_parser(
        "parse", help="print what one reply means, as one JSON object",
        description='Print what one reply means, as one JSON object '
                    '{"answer": true|false|int|null, "command": NAME|null, "dont_know": bool}.')
    parser.add_argument("--expect", required=True, choices=("yes_no", "number"), help="the kind of answer wanted")
    parser.add_argument("--range", nargs=2, type=int, metavar=("LO", "HI"),
                        help="accept only numbers from LO to HI (number only)")
    parser.add_argument("--unit", choices=("weeks", "years"),
                        help="weeks: durations converted to whole weeks; years: an age (number only)")
    parser.add_argument("text", nargs="+", metavar="TEXT", help="the reply, as typed or as recognized")
    return parser


def meaning(text: str, expect: str, number_range: tuple[int, int] | None, unit: str | None) -> dict[str, Any]:
    """The JSON object for one reply (see the module docstring)."""
    result: dict[str, Any] = {"answer": None, "command": parse_command(text), "dont_know": False}
    if result["command"] is not None:
        return result
    if is_dont_know(text):
        return {**result, "dont_know": True}
    if expect == "yes_no":
        reading = read_yes_no(text)
        if reading.answer is None or reading.hedged or reading.dont_know:
            return {**result, "dont_know": reading.dont_know or reading.hedged}
        return {**result, "answer": reading.answer}
    number = read_number(text, unit)
    if number.value is None or (number_range is not None and not number_range[0] <= number.value <= number_range[1]):
        return result
    return {**result, "answer": number.value}


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Print the JSON object for parsed arguments; 2 for arguments that do not fit together."""
    if args.expect == "yes_no" and (args.range is not None or args.unit is not None):
        stderr.write("python -m triage parse: error: --range and --unit apply to --expect number only\n")
        return 2
    if args.range is not None and args.range[0] > args.range[1]:
        stderr.write("python -m triage parse: error: --range LO HI needs LO <= HI\n")
        return 2
    text = " ".join(args.text)
    json.dump(meaning(text, args.expect, tuple(args.range) if args.range else None, args.unit), stdout)
    stdout.write("\n")
    return 0
