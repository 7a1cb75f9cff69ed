"""The plain-text front end: one line per question, no colour or cursor codes, works with piped
stdin, so a screen reader reads it well and a script can drive it. The result is printed in full
(every reason, pattern and tip) and the conversation stays open after it for repeat, more, go back,
start over or stop. End of input means stop."""
from __future__ import annotations

from typing import TextIO

from .conversation import Turn, start, step
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
    elif turn.expects == "yes_no":
        out.write("(yes, no, or I don't know) > ")
    elif turn.expects == "number":
        lo, hi = turn.number_range or (0, 0)
        out.write(f"(a number from {lo} to {hi}, or I don't know) > ")
    out.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run(stdin: TextIO, stdout: TextIO, locale: str = DEFAULT_LOCALE, returning: bool = False) -> int:
    """Run one whole assessment in `locale` (see triage.start); returns the exit status (0)."""
    turn = start(locale, returning=returning)
    _show(turn, stdout)
    while not turn.ended:
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            turn = step(turn.state, "stop", locale)
        else:
            if not _is_tty(stdin):
                stdout.write(line.strip() + "\n")  # echo scripted answers so the transcript reads well
            turn = step(turn.state, line.strip(), locale)
        _show(turn, stdout)
    return 0
