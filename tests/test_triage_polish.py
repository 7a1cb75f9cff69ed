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


# question id -> (what its number prompt and help say, what they must not say)
NUMBER_WORDING = {
    "age": ("your age in years", "from 0 to 120"),
    "duration_weeks": ("a number of weeks", "to 2600"),
    "conservative_care_weeks": ("a number of weeks", "to 2600"),
    "pain_score": ("a number from 0 to 10", None),
}


@pytest.mark.parametrize("question_id", NUMBER_WORDING)
def test_a_sanity_bound_is_never_shown_as_a_range(question_id):
    """Weeks and years say their unit; only a scale says its range. Checked in the text prompt, the
    help, the reprompt and the re-ask of an impossible number."""
    import io

    from triage.conversation import expectation_text
    from triage.text_mode import _show, number_hint
    from triage.conversation import Turn

    question = load_questionnaire().questions[question_id]
    said, never = NUMBER_WORDING[question_id]
    turn = Turn(text=question.prompt, state={}, kind="question", expects="number", question_id=question_id,
                number_range=question.range)
    out = io.StringIO()
    _show(turn, out)
    assert said in number_hint(turn) and out.getvalue().endswith(f"({number_hint(turn)}, or I don't know) > ")
    texts = [out.getvalue(), expectation_text(question)]
    turn = start()
    for reply in answers_to(question_id):
        turn = step(turn.state, reply)
    assert turn.question_id == question_id
    state = turn.state
    texts += [step(state, "help").text, step(state, "help").reprompt, step(state, "99999").text]
    assert "not possible for this question" in texts[-1]
    for text in texts:
        assert never is None or never not in text, text


def answers_to(question_id: str) -> list[str]:
    """Replies that reach `question_id` from the start."""
    if question_id == "conservative_care_weeks":  # asked after leg symptoms that have lasted
        return ["no", "no", "yes", "no", "no", "no", "no", "8"]
    return ["no"] * 5 + {"age": [], "duration_weeks": ["40"], "pain_score": ["40", "1"]}[question_id]


def _state_at_age_with_answers():
    turn = start()
    for reply in ["no"] * 5:
        turn = step(turn.state, reply)
    turn = step(turn.state, "40")
    assert turn.question_id == "duration_weeks"
    return turn.state


# A state that only looks right: each field with a value that compares equal to a valid one in Python
# (True == 1, 1.0 == 1) or a near miss of its type. Every row is refused (the conversation restarts).
LOOKALIKES = {
    "version True": lambda s: {**s, "v": True},
    "version 1.0": lambda s: {**s, "v": 1.0},
    "version '1'": lambda s: {**s, "v": "1"},
    "done 0": lambda s: {**s, "done": 0},
    "done 'false'": lambda s: {**s, "done": "false"},
    "yes/no answer 0": lambda s: {**s, "answers": [["cauda_equina_signs", 0], *s["answers"][1:]]},
    "yes/no answer 'no'": lambda s: {**s, "answers": [["cauda_equina_signs", "no"], *s["answers"][1:]]},
    "age 40.0": lambda s: {**s, "answers": [*s["answers"][:-1], ["age", 40.0]]},
    "age True": lambda s: {**s, "answers": [*s["answers"][:-1], ["age", True]]},
    "age '40'": lambda s: {**s, "answers": [*s["answers"][:-1], ["age", "40"]]},
    "answer as a tuple-like dict": lambda s: {**s, "answers": [{"0": "cauda_equina_signs", "1": False}]},
    "pending True for weeks": lambda s: {**s, "pending": {"value": True}},
    "pending 3.0 for weeks": lambda s: {**s, "pending": {"value": 3.0}},
}


@pytest.mark.parametrize("change", LOOKALIKES)
def test_a_state_that_only_looks_right_is_refused(change):
    from triage import read_state

    state = _state_at_age_with_answers()
    assert read_state(state) == state
    assert read_state(LOOKALIKES[change](state)) is None
    assert step(LOOKALIKES[change](state), "5").kind == "restarted"
