"""The plain-text front end: one line per question, no colour or cursor codes, works with piped
stdin, so a screen reader reads it well and a script can drive it. End of input means stop."""
from __future__ import annotations

from typing import TextIO

from .conversation import Turn, start, step
from .locales import DEFAULT_LOCALE


def _show(turn: Turn, out: TextIO) -> None:
    out.write("Spine Check: " + turn.text + "\n")
    if turn.expects == "yes_no":
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
