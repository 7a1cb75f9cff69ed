"""Helpers shared by the path tests: enumerate every path of the questionnaire and answer it from facts."""
from __future__ import annotations

from typing import Any, Iterator

from triage import load_questionnaire, next_question
from triage.knowledge import UNKNOWN, derive
from triage.model import TIERS
from triage.outcome import build_outcome

# Numbers at and around every threshold in the rules and skip logic, plus the range ends.
BOUNDARIES = {
    "age": [0, 15, 16, 19, 20, 44, 45, 49, 50, 69, 70, 120],
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


def reply_for(value: Any) -> str:
    """What a person types to give a stored answer: "yes", "no", "I don't know" or the number."""
    if value == UNKNOWN:
        return "I don't know"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def tier_rank(tier: str) -> int:
    return TIERS.index(tier)


# ---------------------------------------------------------------------------------------------------
# Reasons only from what was said (issue 7, requirement 3). This checker reads the spoken words of an
# outcome and the answers of its path only; it knows nothing of how the reasons are built, so the same
# check measures the code before and after a change:
#   .venv/bin/python tests/triage_paths.py     # paths on which each property is broken
# ---------------------------------------------------------------------------------------------------
import re  # noqa: E402  (kept next to the checker it serves)

# How each concept is recognised in a spoken reason (lower case). Order matters only for readability.
CONCEPT_MARKERS: dict[str, tuple[str, ...]] = {
    "saddle_numbness": ("bottom or genitals", "saddle"),
    "bladder_or_bowel_change": ("bladder", "bowel"),
    "new_sexual_dysfunction": ("sexual",),
    "recent_major_trauma": ("accident", "a fall", "or fall"),
    "leg_numbness_or_tingling": ("tingling",),
    "leg_weakness": ("weak",),
    "weakness_getting_worse": ("getting worse",),
    "numbness_is_new": ("is new", "numbness started", "tingling started"),
    "pain_radiates_below_knee": ("below the knee",),
    "both_legs": ("both legs",),
    "both_legs_recent": ("last two weeks",),
    "fever": ("fever",),
    "infection_risk": ("infection", "immune", "injecting", "wound"),
    "cancer_history": ("cancer",),
    "unexplained_weight_loss": ("weight",),
    "osteoporosis_or_steroids": ("thin bones", "steroid"),
    "worse_walking_better_sitting": ("walking",),
    "morning_stiffness_over_30min": ("stiff",),
    "pain_at_night_or_rest": ("at night", "at rest"),
    "limits_daily_activities": ("daily activities",),
}
# A concept said yes to that implies another (a worsening weakness is a weakness).
IMPLIED_BY = {"leg_weakness": "weakness_getting_worse", "leg_numbness_or_tingling": "numbness_is_new",
              "both_legs": "both_legs_recent"}
# Where the cited facts of a "Because you said ..." sentence end and advice begins.
_ADVICE_TAIL = re.compile(r"(;|, so |\. |, which |, and it is |, and new back pain |, back pain | and is worth)")
# Conditional advice, and the concept whose "no" makes it not apply.
CONDITIONAL = {"if you have a fever": "fever"}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def what_was_said(answers: list[tuple[str, Any]]) -> dict[str, set]:
    """yes: concepts answered yes alone; groups: members of group questions answered yes; no: denied;
    unsure: concepts of questions answered "I don't know"; numbers: every number given."""
    questionnaire = load_questionnaire()
    said: dict[str, set] = {"yes": set(), "group": set(), "no": set(), "unsure": set(), "numbers": set()}
    for qid, value in answers:
        question = questionnaire.questions[qid]
        if value == UNKNOWN:
            said["unsure"].update(question.concepts)
        elif question.type == "number":
            said["numbers"].add(value)
        elif value is False:
            said["no"].update(question.concepts)
        elif len(question.concepts) == 1:
            said["yes"].update(question.concepts)
        else:
            said["group"].update(question.concepts)
    said["no"] -= said["yes"]
    return said


def reason_violations(answers: list[tuple[str, Any]], outcome: dict[str, Any]) -> dict[str, list[str]]:
    """Each requirement-3 property broken by this outcome, with the offending words:
    cites_unsaid: a reason cites a concept the person did not say yes (or I don't know) to, or one
      they denied (a group answered yes names a member later answered no);
    unsure_unsaid: "not sure about" names a concept not answered "I don't know", or one later denied;
    conditional: conditional advice whose condition the person denied;
    repeated: a sentence, or the facts of a reason, said twice;
    wrong_number: a number in a reason that the person did not give."""
    said = what_was_said(answers)
    allowed = said["yes"] | said["unsure"] | (said["group"] - said["no"])
    broken: dict[str, list[str]] = {}

    def flag(name: str, words: str) -> None:
        broken.setdefault(name, []).append(words)

    facts_said: list[str] = []
    numbers_said: list[tuple[str, str]] = []
    for reason in outcome["reasons"]:
        for sentence in _sentences(reason):
            lower = sentence.lower()
            if lower.startswith("you were not sure about") or lower.startswith("you did not say"):
                cited = lower.split(". ")[0]
                for concept, markers in CONCEPT_MARKERS.items():
                    if not any(m in cited for m in markers) or lower.startswith("you did not say"):
                        continue
                    if concept in said["no"] or (concept not in said["unsure"]
                                                 and IMPLIED_BY.get(concept) not in said["unsure"]):
                        flag("unsure_unsaid", f"{concept}: {sentence}")
                continue
            if "you said" not in lower:
                continue
            cited = _ADVICE_TAIL.split(lower.split("you said", 1)[1])[0]
            facts_said.append(cited.strip(" ."))
            for concept, markers in CONCEPT_MARKERS.items():
                if any(m in cited for m in markers) and concept not in allowed \
                        and IMPLIED_BY.get(concept) not in allowed:
                    flag("cites_unsaid", f"{concept}: {sentence}")
            numbers_said.extend({(n, kind) for n, kind in re.findall(
                r"\b(\d+)( weeks of treatment| weeks| out of 10|)", cited)})
            for number in re.findall(r"\b\d+\b", cited):
                if int(number) not in said["numbers"] | {10, 2}:  # "out of 10", "two weeks" may be spoken
                    flag("wrong_number", f"{number}: {sentence}")
    spoken = [outcome.get("message", "")] + list(outcome["reasons"]) + list(outcome["advice"])
    for text in spoken:
        for phrase, concept in CONDITIONAL.items():
            if phrase in text.lower() and concept in said["no"]:
                flag("conditional", f"{phrase!r} after no to {concept}: {text}")
    sentences = [s.lower() for text in spoken for s in _sentences(text)]
    for sentence in {s for s in sentences if sentences.count(s) > 1}:
        flag("repeated", sentence)
    for fact in {f for f in facts_said if facts_said.count(f) > 1}:
        flag("repeated", f"fact said twice: {fact}")
    for number, kind in {f for f in numbers_said if numbers_said.count(f) > 1}:
        flag("repeated", f"number said twice: {number}{kind}")
    return broken


# What each condition named in a spoken pattern needs the person to have said (yes, or "I don't
# know"): one of these concepts. Read from the spoken words, like the reasons above.
PATTERN_MARKERS: dict[str, tuple[str, ...]] = {
    "cauda equina": ("saddle_numbness", "bladder_or_bowel_change", "new_sexual_dysfunction", "both_legs"),
    "infection": ("fever", "infection_risk"),
    "cancer": ("cancer_history", "unexplained_weight_loss"),
    "fracture": ("recent_major_trauma", "osteoporosis_or_steroids"),
    "nerve root": ("leg_numbness_or_tingling", "pain_radiates_below_knee", "leg_weakness", "weakness_getting_worse",
                   "numbness_is_new", "both_legs"),
    "getting weaker": ("weakness_getting_worse",),
    "stenosis": ("worse_walking_better_sitting",),
    "inflammatory": ("morning_stiffness_over_30min",),
}
_PATTERN_OPENINGS = ("your answers are consistent with", "they are also consistent with")


def pattern_violations(answers: list[tuple[str, Any]], outcome: dict[str, Any]) -> list[str]:
    """Spoken pattern sentences (in the full printout) that name a condition none of whose supporting
    concepts the person said yes or "I don't know" to (a group answered yes counts for its members
    not later denied)."""
    from triage.outcome import outcome_summary
    said = what_was_said(answers)
    allowed = said["yes"] | said["unsure"] | (said["group"] - said["no"])
    broken = []
    for line in outcome_summary(outcome).lower().splitlines():
        if not line.startswith(_PATTERN_OPENINGS):
            continue
        for marker, concepts in PATTERN_MARKERS.items():
            if marker in line and allowed.isdisjoint(concepts):
                broken.append(f"{marker}: {line}")
    return broken


def main() -> None:
    """Count the paths on which each reason property is broken, and show one example of each."""
    from collections import Counter
    counts: Counter = Counter()
    examples: dict[str, tuple] = {}
    total = broken_paths = pattern_broken = 0
    for answers in all_paths():
        total += 1
        broken = reason_violations(answers, outcome_of(answers))
        broken_paths += bool(broken)
        for name, words in broken.items():
            counts[name] += 1
            examples.setdefault(name, (answers, words[0]))
        pattern_broken += bool(pattern_violations(answers, outcome_of(answers)))
    print(f"paths: {total}; paths with any reason property broken: {broken_paths}")
    print(f"paths with a spoken pattern naming a condition not said: {pattern_broken}")
    for name in ("cites_unsaid", "unsure_unsaid", "conditional", "repeated", "wrong_number"):
        print(f"  {name}: {counts[name]}")
    for name, (answers, words) in examples.items():
        print(f"e.g. {name}: {words}\n     path: {answers}")


if __name__ == "__main__":
    main()
