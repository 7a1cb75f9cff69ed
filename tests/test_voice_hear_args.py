"""`python -m local_voice hear` listens for the range the session's question would: --range as
given (LO <= HI), else the questionnaire's range for --unit, else the pain score's 0 to 10."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from local_voice.__main__ import build_hear_parser, hear_range
from triage import load_questionnaire

REPO_ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = load_questionnaire().questions


@pytest.mark.parametrize("argv, expected", [
    ([], (0, 10)),
    (["--range", "0", "10"], (0, 10)),
    (["--range", "3", "3"], (3, 3)),
    (["--range", "-5", "5"], (-5, 5)),
    (["--unit", "weeks"], QUESTIONS["duration_weeks"].range),
    (["--unit", "years"], QUESTIONS["age"].range),
    (["--unit", "weeks", "--range", "0", "52"], (0, 52)),
])
def test_hear_listens_for_the_range_the_session_would(argv: list[str], expected: tuple[int, int]) -> None:
    parser = build_hear_parser()
    args = parser.parse_args(["--expect", "number", *argv, "x.wav"])
    assert hear_range(args, parser) == tuple(expected)


@pytest.mark.parametrize("lo, hi", [("10", "0"), ("1", "0"), ("120", "16")])
def test_an_upside_down_range_is_one_usage_line_and_exit_2(lo: str, hi: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "local_voice", "hear", "--expect", "number", "--range", lo, hi,
                           str(tmp_path / "never-read.wav")], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "LO must not be above HI" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
