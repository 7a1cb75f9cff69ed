"""What the summary tests of the text and offline voice front ends share: the scripted people, what a
written summary must say for them, and the watchers that prove nothing else was written or logged.

Scripts are built by walking the real core (triage.start / triage.step), so they follow the
questionnaire as it is, not a copy of it.
"""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import triage
from triage.summary import build_summary

ROOT = Path(__file__).resolve().parents[1]

# A leg symptom (a red flag) answered yes at the third question, then weeks and "I don't know" for the
# pain score: a specialist result. The red flag must come first in the summary.
SPECIALIST = {"cauda_equina_signs": "no", "major_trauma": "no", "leg_numbness_or_weakness": "yes",
              "leg_weakness": "no", "numbness_is_new": "no", "both_legs": "no", "serious_illness_signs": "no",
              "duration_weeks": "3", "pain_score": "I don't know"}
# No leg symptoms: age in years, one week, a pain score out of ten, "I don't know" to a yes/no question.
ROUTINE = {"cauda_equina_signs": "no", "major_trauma": "no", "leg_numbness_or_weakness": "no",
           "pain_below_knee": "no", "serious_illness_signs": "no", "age": "40", "duration_weeks": "1",
           "pain_score": "3", "daily_impact": "I don't know"}
# The bladder question answered yes: the emergency result at once.
EMERGENCY = {"cauda_equina_signs": "yes"}

# What each path's summary must say, answer by answer, in the order listed (red flags said yes first).
SPECIALIST_LINES = [
    "Do you have numbness, tingling or weakness in either leg? Your answer: Yes.",
    "Since this pain began, have you had any new numbness around your bottom or genitals, new trouble passing "
    "or controlling urine or stool, or a new change in sexual feeling or function? Your answer: No.",
    "Your answer: 3 weeks.",
    "Your answer: I don't know.",
]
ROUTINE_LINES = ["How old are you, in years? Your answer: 40 years.", "Your answer: 1 week.",
                 "Your answer: 3 out of 10.", "Your answer: I don't know."]


def script(answers: dict[str, str], stop_before: str | None = None) -> list[str]:
    """What the person types, question by question, until the result (or until `stop_before` is asked)."""
    turn, said = triage.start(), []
    while not turn.ended and turn.expects != "command" and turn.question_id != stop_before:
        reply = answers[turn.question_id]
        said.append(reply)
        turn = triage.step(turn.state, reply)
    return said


def final_state(replies: list[str]) -> dict[str, Any]:
    """The state the core reaches after these replies (the answers the summary must hold)."""
    turn = triage.start()
    for reply in replies:
        turn = triage.step(turn.state, reply)
    return turn.state


def answer_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("Question ")]


def assert_in_order(text: str, expected: list[str]) -> None:
    """Each expected piece is in a "Question N: ..." line, in this order."""
    lines = answer_lines(text)
    position = -1
    for piece in expected:
        found = [i for i, line in enumerate(lines) if piece in line and i > position]
        assert found, (piece, lines)
        position = found[0]


def answers_of(state: dict[str, Any]) -> list[str]:
    """The answer lines the summary of `state` must hold, from the core (question and answer text)."""
    record = build_summary(state, _any_time(), "en-US")
    return [f"{a.question} Your answer: {a.answer_text}." for a in record.answers]


def _any_time():
    from datetime import datetime, timezone

    return datetime(2026, 1, 1, tzinfo=timezone.utc)


STEM = re.compile(r"^spine-check-summary-\d{4}-\d{2}-\d{2}-\d{6}(-\d+)?$")


def summary_files(directory: Path) -> list[Path]:
    """Every summary file in `directory`, both kinds."""
    return sorted(p for p in directory.iterdir() if p.name.startswith("spine-check-summary-"))


def text_files(directory: Path) -> list[Path]:
    return [p for p in summary_files(directory) if p.name.endswith(".txt")]


def assert_written_pair(text_path: Path, state: dict[str, Any], status: str = "completed",
                        locale: str = "en-US") -> tuple[str, dict]:
    """The two files of one summary: same name but the ending, owner-only, and holding exactly what the
    core makes of `state` (the person's text, and the clinic's FHIR Bundle as JSON). Returns both."""
    import stat

    from triage.fhir import summary_bundle
    from triage.summary import person_text

    assert text_path.name.endswith(".txt") and STEM.match(text_path.name.removesuffix(".txt")), text_path
    fhir_path = text_path.with_name(text_path.name.removesuffix(".txt") + ".fhir.json")
    for path in (text_path, fhir_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path  # health data: the owner only
    text, bundle = text_path.read_text(), json.loads(fhir_path.read_text())
    record = build_summary(state, _parse_time(bundle["timestamp"]), locale)
    assert record.status == status and bundle["language"] == locale
    assert text == person_text(record)
    assert _without_ids(bundle) == _without_ids(summary_bundle(record))
    response = bundle["entry"][0]["resource"]
    assert response["resourceType"] == "QuestionnaireResponse" and response["status"] == status
    assert [item["linkId"] for item in response["item"]] == [a.question_id for a in record.answers]
    return text, bundle


def _parse_time(stamp: str):
    from datetime import datetime

    return datetime.fromisoformat(stamp)


def _without_ids(value: Any) -> Any:
    """The bundle with its entry UUIDs (made from the exact creation time, microseconds included) blanked."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    if isinstance(value, str) and value.startswith("urn:uuid:"):
        return "urn:uuid:..."
    return value


def tree(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file under these folders with its size and modification time (to see anything new)."""
    found: dict[str, tuple[int, int]] = {}
    for root in roots:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                path = Path(dirpath, name)
                try:
                    info = path.stat()
                except OSError:
                    continue
                found[str(path)] = (info.st_size, info.st_mtime_ns)
    return found


# A subprocess wrapper that records every file the Python code opens for writing (audit event "open",
# PEP 578) and prints them as one JSON line on stderr at exit. Text mode is pure Python, so this sees
# every write it could make; the folder listings see the rest.
AUDIT_MARK = "AUDIT-OPENS-FOR-WRITING:"
_AUDIT_WRAPPER = """
import atexit, json, os, runpy, sys
_written = []
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
def _hook(event, args):
    if event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & _WRITE):
            _written.append([str(path), flags if isinstance(flags, int) else 0])
    elif event in ("os.rename", "os.remove", "os.mkdir", "shutil.copyfile", "os.symlink", "os.link"):
        _written.append([event + " " + str(args[0]), 0])
atexit.register(lambda: sys.stderr.write("{mark}" + json.dumps(_written) + "\\n"))
sys.addaudithook(_hook)
sys.argv = [{module!r}] + sys.argv[1:]
runpy.run_module({module!r}, run_name="__main__", alter_sys=True)
"""


def run_audited(module: str, args: list[str], stdin: str, cwd: Path, env: dict[str, str],
                **kwargs: Any) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run `python -m module args` with stdin; returns the finished process and the paths it opened
    for writing (the audit line is taken out of its stderr). An unnamed temporary file (O_TMPFILE:
    the writability check of --summary-dir, which leaves no name behind) is not counted."""
    code = _AUDIT_WRAPPER.format(mark=AUDIT_MARK, module=module)
    result = subprocess.run([sys.executable, "-c", code, *args], input=stdin, capture_output=True, text=True,
                            cwd=cwd, env=env, timeout=120, **kwargs)
    opened: list[str] = []
    kept = []
    tmpfile = getattr(os, "O_TMPFILE", 0)
    for line in result.stderr.splitlines(keepends=True):
        if line.startswith(AUDIT_MARK):
            opened = [path for path, flags in json.loads(line[len(AUDIT_MARK):])
                      if not (tmpfile and flags & tmpfile == tmpfile)]
        else:
            kept.append(line)
    result.stderr = "".join(kept)
    return result, opened


def clean_env(home: Path, tmp: Path) -> dict[str, str]:
    """The environment for a front end under test: its own HOME and TMPDIR (to list afterwards), no
    byte-code files, the checkout importable from any folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), PYTHONDONTWRITEBYTECODE="1", VOSK_MODEL_PATH="",
               PYTHONPATH=str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""))
    return env


class Captured(logging.Handler):
    """Every log record of every logger, at DEBUG, formatted as the handlers would print it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []  # with their extra fields, for structured logs

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


def capture_all_logging() -> Iterator[Captured]:
    """A generator fixture body: the root logger at DEBUG with a capturing handler, restored after."""
    root = logging.getLogger()
    handler = Captured()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s %(args)s"))
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def health_words(state: dict[str, Any]) -> list[str]:
    """Words that would show an answer or a reason leaked into a log: each answer line of the summary
    of `state`, each reason and each question asked."""
    record = build_summary(state, _any_time(), "en-US")
    words = [f"Your answer: {a.answer_text}" for a in record.answers] + [a.question for a in record.answers]
    return words + list(record.reasons) + [record.message]


# In this process: a hook (PEP 578 audit events; it cannot be removed, so it is installed once and
# records only while a watch is on) that lists every file opened for writing.
_WATCHES: list[list[str]] = []
_HOOKED = False


def _write_watcher(event: str, args: tuple) -> None:
    if not _WATCHES or event != "open":
        return
    path, mode, flags = args
    wants_write = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & wants_write):
        _WATCHES[-1].append(str(path))


class watch_writes:
    """`with watch_writes() as opened:` -> every path this process opened for writing meanwhile."""

    def __enter__(self) -> list[str]:
        global _HOOKED
        if not _HOOKED:
            sys.addaudithook(_write_watcher)
            _HOOKED = True
        _WATCHES.append([])
        return _WATCHES[-1]

    def __exit__(self, *exc: object) -> None:
        _WATCHES.pop()
