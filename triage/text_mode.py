"""The plain-text front end: one line per question, no colour or cursor codes, works with piped
stdin, so a screen reader reads it well and a script can drive it. The result is printed in full
(every reason, pattern and tip) and the conversation stays open after it for repeat, more, go back,
start over or stop. End of input means stop."""
from __future__ import annotations

from typing import TextIO

from .cli_exit import INTERRUPTED
from .conversation import Turn, start, step
from .model import load_questionnaire
from .outcome import outcome_summary
from .locales import DEFAULT_LOCALE


def _show(turn: Turn, out: TextIO) -> None:
    if turn.outcome is not None and turn.kind in ("outcome", "repeat"):
        # The full printout, one item a line: what to do, patterns, every reason, advice, disclaimer.
        out.write("Spine Check: " + outcome_summary(turn.outcome).replace("\n", "\n  ") + "\n")
        out.write("  " + (turn.reprompt or "") + "\n")
    else:
        out.write("Spine Check: " + turn.text + "\n")
    if turn.expects == "command":
        out.write("(repeat, more, go back, start over, or stop) > ")
    elif turn.expects == "yes_no" and turn.state.get("pending") is not None:  # "I heard 4 weeks. Is that right?"
        out.write("(yes, no, or say the answer again) > ")
    elif turn.expects == "yes_no":
        out.write("(yes, no, or I don't know) > ")
    elif turn.expects == "number":
        out.write(f"({number_hint(turn)}, or I don't know) > ")
    out.flush()


def number_hint(turn: Turn) -> str:
    """What a number prompt shows: the unit where the range is only a sanity bound ("a number of
    weeks", not "a number from 0 to 2600"), the range where it is a scale ("a number from 0 to 10")."""
    question = load_questionnaire().questions[turn.question_id] if turn.question_id else None
    if question is not None and question.unit in UNIT_HINTS:
        return UNIT_HINTS[question.unit]
    lo, hi = turn.number_range or (0, 0)
    return f"a number from {lo} to {hi}"


UNIT_HINTS = {"weeks": "a number of weeks", "years": "your age in years"}


def _is_tty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def _read_line(stdin: TextIO | None) -> str:
    """One line, or "" for the end of input: also when there is no stdin at all (`<&-`), it is
    closed, or the terminal went away (EIO), so the end of input is a goodbye, never a traceback."""
    if stdin is None:
        return ""
    try:
        return stdin.readline()
    except (OSError, ValueError):
        return ""


def run(stdin: TextIO | None, stdout: TextIO, locale: str = DEFAULT_LOCALE, returning: bool = False) -> int:
    """Run one whole assessment in `locale` (see triage.start). Returns the exit status: 0, or 130
    after Ctrl-C (KeyboardInterrupt), which, like the end of input, says goodbye as "stop" does
    (after an emergency result that repeats the emergency line) instead of a traceback."""
    turn = start(locale, returning=returning)
    try:
        _show(turn, stdout)
        while not turn.ended:
            line = _read_line(stdin)
            if not line:
                stdout.write("\n")
                turn = step(turn.state, "stop", locale)
            else:
                if not _is_tty(stdin):
                    stdout.write(line.strip() + "\n")  # echo scripted answers so the transcript reads well
                turn = step(turn.state, line.strip(), locale)
            _show(turn, stdout)
    except KeyboardInterrupt:
        stdout.write("\n")
        _show(step(turn.state, "stop", locale), stdout)
        return INTERRUPTED
    return 0
