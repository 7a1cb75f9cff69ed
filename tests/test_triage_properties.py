"""Property tests on step(): whatever is said, in any order, the conversation never crashes, its state
stays valid JSON that reads back, paths stay within ten questions, and garbage state restarts cleanly."""
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from triage import load_questionnaire, read_state, start, step
from triage.model import MAX_QUESTIONS, TIERS

UTTERANCES = ["yes", "no", "I don't know", "seven", "0", "10", "eleven", "-3", "42", "three months", "repeat",
              "help", "go back", "start over", "banana", "", "yes no", "1e9", "\u00e9\u00e8", "stop", "maybe",
              "3 or 4", "maybe no", "probably", "two or three months", "no, five", "what?", "\u22123", "more"]
utterance = st.one_of(st.sampled_from(UTTERANCES), st.text(max_size=40))


@settings(max_examples=300, deadline=None)
@given(st.lists(utterance, max_size=40))
def test_any_sequence_of_replies_keeps_a_valid_state(replies):
    turn = start()
    for reply in replies:
        previous = turn
        turn = step(turn.state, reply)
        assert turn.text.strip()
        state = json.loads(json.dumps(turn.state))  # plain JSON, round-trips
        assert read_state(state) is not None
        assert len(state["answers"]) <= MAX_QUESTIONS
        if turn.expects in ("yes_no", "number"):
            assert turn.reprompt and turn.question_id and not turn.ended
        if turn.expects == "command":  # after the result: open, with the offer as the reprompt
            assert turn.reprompt and turn.outcome and not turn.ended and turn.state["done"]
        if turn.kind == "outcome":
            assert turn.outcome["tier"] in TIERS and not turn.ended
            assert turn.speech.endswith(turn.reprompt)
        if turn.kind in ("reask", "help", "repeat", "more", "confirm"):
            # a re-ask or read-back never loses or adds an answer
            assert (turn.state["answers"], turn.state["current"]) == (previous.state["answers"],
                                                                      previous.state["current"])
        assert turn.ended == (turn.kind == "stopped")  # only stop ends the conversation
        if turn.kind == "stopped":
            break


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
                    max_leaves=20),
       utterance)
def test_garbled_state_restarts_cleanly(garbage, reply):
    turn = step(garbage if not isinstance(garbage, dict) or garbage else {"v": 1}, reply)
    assert turn.kind in ("restarted", "question") and turn.question_id == "cauda_equina_signs"
    assert turn.state["answers"] == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["yes", "no", "I don't know", "5", "70"]), min_size=1, max_size=12),
       st.integers(min_value=0, max_value=11), st.sampled_from([True, False, "unknown", 99, "x", None]))
def test_tampered_answers_are_refused(replies, index, forged):
    turn = start()
    for reply in replies:
        if turn.ended:
            break
        turn = step(turn.state, reply)
    state = json.loads(json.dumps(turn.state))
    if not state["answers"]:
        return
    i = index % len(state["answers"])
    question = load_questionnaire().questions[state["answers"][i][0]]
    state["answers"][i][1] = forged
    checked = read_state(state)
    if question.type == "yes_no":
        valid = isinstance(forged, bool) or forged == "unknown"
    else:
        lo, hi = question.range
        valid = forged == "unknown" or (type(forged) is int and lo <= forged <= hi)
    if not valid:
        assert checked is None  # a value no reply could have produced is refused outright
    elif checked is not None:  # a valid forgery survives only on a path consistent with it
        assert checked["answers"][i][1] == forged


def test_skipping_a_red_flag_in_state_is_refused():
    turn = step(start().state, "no")
    state = json.loads(json.dumps(turn.state))
    state["answers"] = [["major_trauma", False]]
    state["current"] = "leg_numbness_or_weakness"
    assert read_state(state) is None
    assert step(state, "no").kind == "restarted"


def test_go_back_changes_the_previous_answer():
    turn = step(step(start().state, "no").state, "no")
    back = step(turn.state, "go back")
    assert back.question_id == "major_trauma" and len(back.state["answers"]) == 1
    changed = step(back.state, "yes")
    assert changed.outcome["tier"] == "emergency"


def test_emergency_then_stop_repeats_emergency_advice():
    turn = step(start().state, "yes")
    assert turn.outcome["tier"] == "emergency" and turn.text.startswith("This could be an emergency.")
    goodbye = step(turn.state, "stop")
    assert "911" in goodbye.text and goodbye.kind == "stopped"
