"""The natural answers that issue 7 found refused or wrongly accepted, with what each person meant.

Shared by tests/test_triage_parsing.py (one row each must pass) and bench/natural_answers.py (prints
the share understood first time, for any checkout of the core). Each row: (reply, question id,
expected), where expected is one of
    ("answer", value)   taken as said          ("confirm", value)  read back first ("I heard 4...")
    ("dont_know",)      "I don't know"         ("command", name)   a command ("repeat")
    ("reask",)          asked again, nothing taken (not understood or out of range)
"""
from __future__ import annotations

from typing import Any

# Natural answers that were refused.
REFUSED: list[tuple[str, str, tuple[Any, ...]]] = [
    ("no, nothing like that", "cauda_equina_signs", ("answer", False)),
    ("yeah, tingling down my left leg", "leg_numbness_or_weakness", ("answer", True)),
    ("nope, it just came on", "major_trauma", ("answer", False)),
    ("no, it's been about three weeks", "numbness_is_new", ("answer", False)),
    ("y", "fever", ("answer", True)),
    ("n", "fever", ("answer", False)),
    ("I didn't", "major_trauma", ("answer", False)),
    ("it did", "major_trauma", ("answer", True)),
    ("I wasn't", "major_trauma", ("answer", False)),
    ("I do", "fever", ("answer", True)),
    ("I don't", "fever", ("answer", False)),
    ("just the left one", "both_legs", ("answer", False)),
    ("both", "both_legs", ("answer", True)),
    ("one leg", "both_legs", ("answer", False)),
    ("a couple of weeks", "duration_weeks", ("answer", 2)),
    ("a fortnight", "duration_weeks", ("answer", 2)),
    ("two months ago", "duration_weeks", ("answer", 9)),      # 8.7 weeks, rounded
    ("a year and a half", "duration_weeks", ("answer", 78)),  # 78.3 weeks
    ("48 hours", "duration_weeks", ("answer", 0)),
    ("never", "conservative_care_weeks", ("answer", 0)),
    ("I haven't", "conservative_care_weeks", ("answer", 0)),
    ("none", "conservative_care_weeks", ("answer", 0)),
    ("3 or 4", "pain_score", ("confirm", 4)),
    ("it's like a 3 or 4", "pain_score", ("confirm", 4)),
    ("about a 6, maybe 7", "pain_score", ("confirm", 7)),
    ("what?", "cauda_equina_signs", ("command", "repeat")),
    ("sorry?", "fever", ("command", "repeat")),
    ("pardon?", "pain_score", ("command", "repeat")),
    ("huh?", "duration_weeks", ("command", "repeat")),
]

# Answers that were wrongly accepted as certain or as the wrong kind of number.
WRONGLY_ACCEPTED: list[tuple[str, str, tuple[Any, ...]]] = [
    ("maybe no", "cauda_equina_signs", ("dont_know",)),
    ("maybe no", "morning_stiffness", ("confirm", False)),
    ("probably", "fever", ("dont_know",)),
    ("probably", "daily_impact", ("confirm", True)),
    ("I think not", "weight_loss", ("dont_know",)),
    ("I think not", "worse_walking_better_sitting", ("confirm", False)),
    ("7/10", "conservative_care_weeks", ("reask",)),
    ("ten out of ten", "conservative_care_weeks", ("reask",)),
    ("three weeks", "age", ("reask",)),
]

# Named in the requirements: vague amounts are not guessed.
VAGUE: list[tuple[str, str, tuple[Any, ...]]] = [
    ("a few weeks", "duration_weeks", ("reask",)),
    ("a while", "duration_weeks", ("reask",)),
    ("since last Tuesday", "duration_weeks", ("reask",)),
]

ISSUE_ROWS = REFUSED + WRONGLY_ACCEPTED


def meaning(text: str, question_id: str) -> tuple[Any, ...]:
    """What the core makes of a reply, in the form of the rows above (works on older cores too)."""
    from triage import load_questionnaire
    from triage.parsing import interpret

    found = interpret(text, load_questionnaire().questions[question_id])
    if found.kind in ("not_understood", "out_of_range"):
        return ("reask",)
    if found.kind == "dont_know":
        return ("dont_know",)
    if found.kind == "command":
        return ("command", found.value)
    return ("confirm" if getattr(found, "confirm", False) else "answer", found.value)


def understood(rows: list[tuple[str, str, tuple[Any, ...]]]) -> list[bool]:
    return [meaning(text, qid) == expected for text, qid, expected in rows]
