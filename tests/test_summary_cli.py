"""`python -m triage assess --summary / --fhir [--time ISO8601]` and the README's summary examples,
which are the exact output of the commands shown above them.

Regenerate the README examples after a change to the questions, rules or summary wording:
    .venv/bin/python tests/test_summary_cli.py --write
"""
from __future__ import annotations

import io
import json
import re
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script (--write) from the checkout

from triage.__main__ import answered_turn, main  # noqa: E402
from triage.fhir import summary_bundle  # noqa: E402
from triage.summary import build_summary, person_text  # noqa: E402

README = ROOT / "README.md"
EXAMPLE = re.compile(r"<!-- summary-example -->\n```sh\n(?P<command>.*?)\n```\n.*?```(?:text|json)\n(?P<output>.*?)```"
                     r"(?P<tail>.*?)<!-- /summary-example -->", re.S)
REGENERATE = ".venv/bin/python tests/test_summary_cli.py --write"
URGENT = {"saddle_numbness": False, "bladder_or_bowel_change": False, "new_sexual_dysfunction": False,
          "recent_major_trauma": False, "leg_numbness_or_tingling": True, "leg_weakness": True,
          "weakness_getting_worse": False, "both_legs": None}
TIME = "2026-11-30T15:04:05+00:00"


def run(argv: list[str], stdin: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_fhir_prints_the_bundle_of_the_answers_it_reads() -> None:
    code, out, err = run(["assess", "--fhir", "--time", TIME, "--locale", "en-GB"], json.dumps(URGENT))
    assert code == 0 and err == ""
    bundle = json.loads(out)
    Bundle.model_validate(bundle)
    record = build_summary(answered_turn(URGENT, "en-GB").state, datetime.fromisoformat(TIME), "en-GB")
    assert bundle == summary_bundle(record)
    assessment = bundle["entry"][1]["resource"]
    assert assessment["prediction"][0]["qualitativeRisk"]["coding"][0]["code"] == "urgent"
    assert bundle["timestamp"] == TIME and bundle["language"] == "en-GB"
    both_legs = next(i for i in bundle["entry"][0]["resource"]["item"] if i["linkId"] == "both_legs")
    assert "valueCoding" not in both_legs["answer"][0], "null is 'I don't know'"


def test_summary_prints_the_persons_text() -> None:
    code, out, err = run(["assess", "--summary", "--time", "2026-11-30T10:04:05-05:00"], json.dumps(URGENT))
    assert code == 0 and err == ""
    record = build_summary(answered_turn(URGENT).state, datetime.fromisoformat("2026-11-30T10:04:05-05:00"))
    assert out == person_text(record)
    assert "Made on 30 November 2026 at 10:04, UTC minus 5 hours." in out
    assert "Please see a doctor within 24 to 48 hours" in out


@pytest.mark.parametrize("option", ["--summary", "--fhir"])
def test_the_same_time_gives_the_same_output_and_another_time_another(option: str) -> None:
    first = run(["assess", option, "--time", TIME], json.dumps(URGENT))[1]
    assert run(["assess", option, "--time", TIME], json.dumps(URGENT))[1] == first
    assert run(["assess", option, "--time", "2026-11-30T15:05:05+00:00"], json.dumps(URGENT))[1] != first


def test_without_time_it_is_now_in_local_time_with_its_offset() -> None:
    before = datetime.now().astimezone().replace(microsecond=0)
    code, out, _ = run(["assess", "--fhir"], "{}")
    after = datetime.now().astimezone()
    made = datetime.fromisoformat(json.loads(out)["timestamp"])
    assert code == 0 and made.utcoffset() == before.utcoffset()
    assert before <= made <= after


@pytest.mark.parametrize("time,problem", [
    ("yesterday", "not an ISO 8601 date and time"),
    ("", "not an ISO 8601 date and time"),
    ("2026-13-01T10:00:00+00:00", "not an ISO 8601 date and time"),
    ("2026-11-31T10:00:00Z", "not an ISO 8601 date and time"),
    ("2026-11-30T10:00:00+25:00", "not an ISO 8601 date and time"),
    ("2026-11-30T10:00:00", "has no UTC offset"),
    ("2026-11-30", "has no UTC offset"),
])
@pytest.mark.parametrize("option", ["--summary", "--fhir"])
def test_a_bad_time_is_a_one_line_error(time: str, problem: str, option: str) -> None:
    code, out, err = run(["assess", option, "--time", time], json.dumps(URGENT))
    assert code == 2 and out == ""
    assert err.startswith("error: --time") and problem in err and err.count("\n") == 1, err


@pytest.mark.parametrize("argv,stdin,problem", [
    (["assess", "--fhir"], "{not json", "invalid JSON"),
    (["assess", "--summary"], '{"age": 300}', "must be from 0 to 120"),
    (["assess", "--fhir"], '{"name": "Ann"}', "unknown concept"),
    (["assess", "--time", TIME], "{}", "--time needs --summary or --fhir"),
])
def test_bad_input_prints_no_summary(argv: list[str], stdin: str, problem: str) -> None:
    code, out, err = run(argv, stdin)
    assert code == 2 and out == "" and problem in err and err.count("\n") == 1, err


def test_summary_and_fhir_together_are_a_usage_error() -> None:
    code, out, err = run(["assess", "--summary", "--fhir"], "{}")
    assert code == 2 and out == "" and "not allowed with" in err


def test_the_command_line_works_as_a_program() -> None:
    result = subprocess.run([sys.executable, "-m", "triage", "assess", "--fhir", "--time", "2026-11-30T15:04:05Z"],
                            cwd=ROOT, input=json.dumps(URGENT), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["timestamp"] == TIME


# --- The README examples ------------------------------------------------------------------------------

def example_output(command: str) -> str:
    """What the README's `echo '<json>' | .venv/bin/python -m triage assess ...` prints."""
    words = shlex.split(command)
    assert words[0] == "echo" and words[2:6] == ["|", ".venv/bin/python", "-m", "triage"], command
    code, out, err = run(words[6:], words[1])
    assert code == 0, err
    return out


def readme_examples(text: str) -> list[re.Match[str]]:
    return list(EXAMPLE.finditer(text))


def test_readme_examples_are_what_the_code_prints() -> None:
    examples = readme_examples(README.read_text(encoding="utf-8"))
    kinds = []
    for example in examples:
        printed = example_output(example["command"])
        assert example["output"] == printed, f"README summary example out of date; regenerate: {REGENERATE}"
        tier: Any = (json.loads(printed)["entry"][1]["resource"]["prediction"][0]["qualitativeRisk"]["coding"][0]
                     ["code"] if "--fhir" in example["command"] else
                     "urgent" if "within 24 to 48 hours" in printed else "self_care" if "self-care" in printed else None)
        kinds.append(("fhir" if "--fhir" in example["command"] else "text", tier))
    assert sorted(kinds) == [("fhir", "self_care"), ("fhir", "urgent"), ("text", "self_care"), ("text", "urgent")]


def rewrite_readme() -> None:
    text = README.read_text(encoding="utf-8")

    def fresh(example: re.Match[str]) -> str:
        whole = example.group(0)
        start, end = example.span("output")
        offset = example.start()
        return whole[:start - offset] + example_output(example["command"]) + whole[end - offset:]
    README.write_text(EXAMPLE.sub(fresh, text), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(f"usage: {REGENERATE}")
    rewrite_readme()
    print(f"README.md: {len(readme_examples(README.read_text(encoding='utf-8')))} summary examples regenerated")

