"""Helpers shared by the path tests: enumerate every path of the questionnaire and answer it from facts."""
from __future__ import annotations

from typing import Any, Iterator

from triage import load_questionnaire, next_question
from triage.knowledge import UNKNOWN, derive
from triage.model import TIERS
from triage.outcome import build_outcome

# Numbers at and around every threshold in the rules and skip logic, plus the range ends.
BOUNDARIES = {
    "age": [0, 19, 20, 44, 45, 49, 50, 69, 70, 120],
    "duration_weeks": [0, 1, 2, 5, 6, 11, 12, 2600],
    "tried_conservative_care_weeks": [0, 5, 6, 11, 12, 2600],
    "pain_score": [0, 4, 5, 6, 7, 8, 10],
}


def choices(question) -> list[Any]:
    if question.type == "yes_no":
        return [True, False, UNKNOWN]
    return BOUNDARIES[question.concepts[0]] + [UNKNOWN]


def all_paths() -> Iterator[list[tuple[str, Any]]]:
    stack: list[list[tuple[str, Any]]] = [[]]
    while stack:
        answers = stack.pop()
        question = next_question(answers)
        if question is None:
            yield answers
            continue
        for choice in reversed(choices(question)):
            stack.append(answers + [(question.id, choice)])


def outcome_of(answers: list[tuple[str, Any]]) -> dict[str, Any]:
    return build_outcome(derive(load_questionnaire(), answers), [qid for qid, _ in answers])


def answers_from_facts(facts: dict[str, Any]) -> list[tuple[str, Any]]:
    """The `python -m triage assess` rule: yes if any concept is true, no if all false, else unknown."""
    questionnaire = load_questionnaire()
    answers: list[tuple[str, Any]] = []
    while (question := next_question(answers)) is not None:
        values = [facts.get(c) for c in question.concepts]
        if question.type == "number":
            value = UNKNOWN if values[0] is None else values[0]
        elif any(v is True for v in values):
            value = True
        elif all(v is False for v in values):
            value = False
        else:
            value = UNKNOWN
        answers.append((question.id, value))
    del questionnaire
    return answers


def tier_rank(tier: str) -> int:
    return TIERS.index(tier)
