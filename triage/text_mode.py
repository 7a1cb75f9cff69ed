"""The plain-text front end: one line per question, no colour or cursor codes, works with piped
stdin, so a screen reader reads it well and a script can drive it. The result is printed in full
(every reason, pattern and tip) and the conversation stays open after it for repeat, more, go back,
start over, summary or stop. End of input means stop.

"summary" writes the person's summary (triage.summary_files) in the folder they chose and prints
where; nothing is written otherwise. At the result the conversation stays open after it; before the
result it ends the assessment, keeping what was answered. A failed write says why and loses nothing.
"""
from __future__ import annotations

import os
from typing import TextIO

from .cli_exit import INTERRUPTED
from .conversation import Turn, start, step
from .model import load_questionnaire
from .outcome import outcome_summary
from .locales import DEFAULT_LOCALE
from .summary_files import KEPT_AT_RESULT, KEPT_BEFORE_RESULT, SavedSummary, SummaryWriteError, path_lines, \
    save_summary


def _show(turn: Turn, out: TextIO) -> None:
    if turn.outcome is not None and turn.kind in ("outcome", "repeat"):
        # The full printout, one item a line: what to do, patterns, every reason, advice, disclaimer.
        out.write("Spine Check: " + outcome_summary(turn.outcome).replace("\n", "\n  ") + "\n")
        out.write("  " + _offer(turn) + "\n")
    else:
        out.write("Spine Check: " + turn.text + "\n")
    if turn.expects == "command":
        out.write("(repeat, more, summary, go back, start over, or stop) > ")
    elif turn.expects == "yes_no" and turn.state.get("pending") is not None:  # "I heard 4 weeks. Is that right?"
        out.write("(yes, no, or say the answer again) > ")
    elif turn.expects == "yes_no":
        out.write("(yes, no, or I don't know) > ")
    elif turn.expects == "number":
        out.write(f"({number_hint(turn)}, or I don't know) > ")
    out.flush()


def _offer(turn: Turn) -> str:
    """The printout's last line: what can be said next, after "Say summary to keep a copy." where the
    core's own words for this turn offer it (the result, and its repeat), so it is offered once."""
    offer = turn.reprompt or ""
    summary_offer = load_questionnaire().phrases["summary_offer"]
    return f"{summary_offer} {offer}" if summary_offer in turn.text and summary_offer not in offer else offer


def saved_lines(saved: SavedSummary) -> str:
    """Where the summary went, both files by their whole path, one a line."""
    return "Spine Check: Your summary is saved.\n" + path_lines(saved)


def _summary(turn: Turn, out: TextIO, locale: str, summary_dir: str | os.PathLike[str]) -> Turn:
    """Write the summary the person asked for (a Turn of kind "summary") and print where, then return
    the turn to show. If it cannot be written: print why and lose nothing: at the result the
    conversation stays open; before it, the assessment carries on with the current question."""
    try:
        saved = save_summary(turn.state, locale, summary_dir)
    except SummaryWriteError as exc:
        if not turn.ended:
            out.write(f"Spine Check: {exc} {KEPT_AT_RESULT}\n")
            return turn
        out.write(f"Spine Check: {exc} {KEPT_BEFORE_RESULT}\n")
        return step(turn.state, "repeat", locale)
    out.write(saved_lines(saved))
    return turn


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


def run(stdin: TextIO | None, stdout: TextIO, locale: str = DEFAULT_LOCALE, returning: bool = False,
        summary_dir: str | os.PathLike[str] = ".") -> int:
    """Run one whole assessment in `locale` (see triage.start). Returns the exit status: 0, or 130
    after Ctrl-C (KeyboardInterrupt), which, like the end of input, says goodbye as "stop" does
    (after an emergency result that repeats the emergency line) instead of a traceback.
    summary_dir: the folder a summary is written in when the person says "summary" (and only then)."""
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
                if turn.kind == "summary":
                    turn = _summary(turn, stdout, locale, summary_dir)
            _show(turn, stdout)
    except KeyboardInterrupt:
        stdout.write("\n")
        _show(step(turn.state, "stop", locale), stdout)
        return INTERRUPTED
    return 0
