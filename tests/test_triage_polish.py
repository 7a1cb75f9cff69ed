"""Small things a fresh user noticed, each fixed for its kind: lists said with "and" (never ";"), number
prompts that show a sanity bound as a range, and state whose types only look right."""
import pytest

from triage import load_questionnaire, start, step
from triage.model import CONCEPTS

from triage_paths import all_paths, answers_from_facts, outcome_of

NOTHING = {c: False for c in CONCEPTS} | {"age": 40, "duration_weeks": 1, "tried_conservative_care_weeks": 0,
                                         "pain_score": 3}


@pytest.mark.parametrize("unsure, sentence", [
    (["age", "duration_weeks"], "You were not sure about your age and how long you have had the pain."),
    (["age"], "You were not sure about your age."),
])
def test_points_not_sure_about_are_an_and_list(unsure, sentence):
    answers = answers_from_facts(NOTHING | {c: None for c in unsure})
    reasons = outcome_of(answers)["reasons"]
    assert any(r.startswith(sentence) for r in reasons), reasons


def test_no_reason_on_any_path_is_joined_with_a_semicolon():
    """The points are a list said with "and"; the note after them ("A clinician should check those
    points; when unsure, ...") is one sentence of its own."""
    for answers in all_paths():
        for reason in outcome_of(answers)["reasons"]:
            if reason.startswith("You were not sure about"):
                assert ";" not in reason.split(". A clinician")[0], (answers, reason)


def test_assess_names_points_not_given_as_an_and_list():
    from triage.__main__ import assess

    result = assess({"saddle_numbness": False, "bladder_or_bowel_change": False, "new_sexual_dysfunction": False,
                     "recent_major_trauma": False, "leg_numbness_or_tingling": False, "leg_weakness": False})
    not_given = [r for r in result["reasons"] if r.startswith("You did not say")]
    assert not_given and ";" not in not_given[0].split(". A clinician")[0], not_given
