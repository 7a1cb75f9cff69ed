"""The skill's handlers, driven with real Alexa request envelopes.

Each request is JSON text deserialized by the skill's own serializer, run through ``skill.invoke``
and serialized back: the path the web endpoint and the Lambda entry take, minus HTTP.
The tests follow the questionnaire by what each turn expects, not by question order, so a
clinician can reorder the questions without breaking them.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from typing import Any
from xml.etree import ElementTree

import pytest
from ask_sdk_model import RequestEnvelope

from skill import build_skill
from skill.envelope import request_envelope
from skill.handlers import APOLOGY, STATE_KEY
from triage import read_state, start, step
from triage.vocabulary import with_rate_hint

# Attribute names earlier versions stored the spoken text under: forged values in them must never be spoken.
LAST_SPEECH_KEY = "last_speech"
LAST_REPROMPT_KEY = "last_reprompt"

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
# Mid-range answers that lead to a non-urgent outcome, by number question.
CALM_NUMBERS = {"age": "42", "duration_weeks": "3", "pain_score": "3",
                "conservative_care_weeks": "2"}


FIXED_TIME = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def envelope(request: dict[str, Any], attributes: Any = None, *, new: bool = False) -> dict[str, Any]:
    """A request envelope as Alexa sends it (fields the SDK reads; values made up)."""
    return request_envelope(request, attributes, app_id=SKILL_ID, new=new, timestamp=FIXED_TIME)


def launch() -> dict[str, Any]:
    return {"type": "LaunchRequest"}


def intent(name: str, **slots: str | None) -> dict[str, Any]:
    request: dict[str, Any] = {"type": "IntentRequest",
                               "intent": {"name": name, "confirmationStatus": "NONE"}}
    if slots:
        request["intent"]["slots"] = {
            slot: ({"name": slot, "confirmationStatus": "NONE"}
                   | ({} if value is None else {"value": value}))
            for slot, value in slots.items()
        }
    return request


def number(value: str | None, unit: str | None = None) -> dict[str, Any]:
    return intent("AnswerNumberIntent", number=value, **({"unit": unit} if unit else {}))


def invoke(body: dict[str, Any]) -> dict[str, Any]:
    """Deserialize, invoke and serialize with the real skill, as the endpoints do."""
    skill = build_skill()
    request_envelope = skill.serializer.deserialize(json.dumps(body), RequestEnvelope)
    response_envelope = skill.invoke(request_envelope=request_envelope, context=None)
    return json.loads(json.dumps(skill.serializer.serialize(response_envelope)))


def speech_text(reply: dict[str, Any], *, reprompt: bool = False) -> str:
    """The plain text of the reply's SSML; fails if the SSML is not well-formed XML."""
    response = reply["response"]
    speech = (response["reprompt"] if reprompt else response)["outputSpeech"]
    assert speech["type"] == "SSML"
    root = ElementTree.fromstring(speech["ssml"])
    assert root.tag == "speak"
    return "".join(root.itertext())


class Conversation:
    """One Alexa session: carries the session attributes from each reply to the next request."""

    def __init__(self) -> None:
        self.attributes: dict[str, Any] | None = None
        self.reply: dict[str, Any] = {}

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        self.reply = invoke(envelope(request, self.attributes, new=self.attributes is None))
        self.attributes = self.reply.get("sessionAttributes", self.attributes)
        return self.reply

    @property
    def text(self) -> str:
        return speech_text(self.reply)

    @property
    def ended(self) -> bool:
        return self.reply["response"].get("shouldEndSession") is True

    @property
    def finished(self) -> bool:
        """The result has been given (the session stays open after it)."""
        checked = read_state(self.state)
        return checked is not None and checked["done"] is True

    @property
    def state(self) -> dict[str, Any]:
        assert self.attributes is not None
        return self.attributes[STATE_KEY]

    def current_question(self) -> tuple[str | None, str | None]:
        """(question id, 'yes_no' | 'number') of the question the skill is waiting on."""
        checked = read_state(self.state)
        assert checked is not None
        turn = step(self.state, "repeat")
        return checked["current"], turn.expects

    def answer_calmly(self) -> dict[str, Any]:
        """'No' to yes/no questions, a mid-range number to number questions."""
        question_id, expects = self.current_question()
        if expects == "number":
            return self.send(number(CALM_NUMBERS.get(question_id or "", "2")))
        return self.send(intent("AMAZON.NoIntent"))


def assert_question_turn(reply: dict[str, Any]) -> None:
    response = reply["response"]
    assert response["shouldEndSession"] is False
    assert speech_text(reply) and speech_text(reply, reprompt=True)


def first_question_text() -> str:
    return start().speech


# --- launch and a complete assessment ------------------------------------------------------

def test_launch_welcomes_with_the_emergency_line_then_asks() -> None:
    chat = Conversation()
    reply = chat.send(launch())
    assert_question_turn(reply)
    first_sentence = re.split(r"(?<=[.;])\s", chat.text)[0]
    # Spoken digit by digit ("nine one one"), never as a quantity (issue 7, requirement 4).
    assert "call nine one one" in chat.text.split("?")[0].lower() and "911" not in chat.text
    assert "welcome to spine check" in first_sentence.lower()
    assert chat.text == start().speech
    assert speech_text(reply, reprompt=True) == start().reprompt
    assert read_state(chat.state) is not None


def test_one_shot_start_intent_starts_with_the_emergency_line_and_first_question() -> None:
    chat = Conversation()
    chat.send(intent("StartAssessmentIntent"))
    assert "call nine one one" in chat.text
    assert chat.state == start().state


def test_complete_assessment_gives_the_result_keeps_the_session_open_and_sends_no_card() -> None:
    chat = Conversation()
    chat.send(launch())
    for _ in range(20):
        reply = chat.answer_calmly()
        if chat.finished:
            break
        assert_question_turn(reply)
    assert chat.finished, "no outcome after 20 answers"
    outcome = read_state(chat.state)
    assert outcome is not None and outcome["done"] is True
    assert outcome["outcome_tier"] != "emergency"
    # Issue 10: nothing about the answers is written unless the person asks, and the Alexa app keeps
    # every card, so the result sends none; it offers the summary instead (tests/test_skill_summary.py).
    assert "card" not in chat.reply["response"]
    final = step(chat.state, "repeat")
    assert final.outcome is not None
    # The session stays open: the offer is the reprompt, the summary offered just before it.
    assert_question_turn(reply)
    assert speech_text(reply, reprompt=True) == final.reprompt
    assert chat.text == final.speech and "Alexa app" not in chat.text
    assert chat.text.endswith(f"Say summary to keep a copy. {final.reprompt}")
    assert chat.text.count("not a diagnosis") == 1


@pytest.mark.parametrize("name,kind", [("AMAZON.RepeatIntent", "repeat"), ("MoreIntent", "more"),
                                       ("AMAZON.HelpIntent", "help"), ("AMAZON.YesIntent", "reask"),
                                       ("AMAZON.FallbackIntent", "reask")])
def test_after_the_result_the_session_stays_open(name: str, kind: str) -> None:
    chat = Conversation()
    chat.send(launch())
    while not chat.finished:
        chat.answer_calmly()
    at_result = chat.state
    reply = chat.send(intent(name))
    expected = step(at_result, {"AMAZON.RepeatIntent": "repeat", "MoreIntent": "more", "AMAZON.HelpIntent": "help",
                                "AMAZON.YesIntent": "yes", "AMAZON.FallbackIntent": ""}[name])
    assert expected.kind == kind
    # The result said again is the core's words (the summary offer included), and no card.
    assert chat.text == (with_rate_hint(expected.speech) if kind == "help" else expected.speech)
    assert "card" not in reply["response"]
    assert_question_turn(reply) and chat.state == at_result
    if name == "MoreIntent":
        assert expected.outcome is not None
        assert all(reason in chat.text for reason in expected.outcome["reasons"])


def test_go_back_after_the_result_reopens_the_last_question() -> None:
    chat = Conversation()
    chat.send(launch())
    while not chat.finished:
        chat.answer_calmly()
    at_result = read_state(chat.state)
    assert at_result is not None
    reply = chat.send(intent("AMAZON.PreviousIntent"))
    assert_question_turn(reply) and chat.text.startswith("Going back.")
    reopened = read_state(chat.state)
    assert reopened is not None and reopened["done"] is False
    assert reopened["answers"] == at_result["answers"][:-1] and reopened["current"] == at_result["answers"][-1][0]


def test_every_question_turn_has_a_reprompt_ending_with_the_expected_answers() -> None:
    chat = Conversation()
    chat.send(launch())
    while not chat.finished:
        reprompt = speech_text(chat.reply, reprompt=True)
        assert reprompt.endswith("or I don't know.")
        chat.answer_calmly()


def test_emergency_exit_on_a_red_flag() -> None:
    chat = Conversation()
    chat.send(launch())
    reply = chat.send(intent("AMAZON.YesIntent"))  # the first question is the cauda equina screen
    assert_question_turn(reply)  # the session stays open for repeat, more, go back
    assert chat.text.startswith("This could be an emergency. Call nine one one")
    assert "911" not in chat.text and "Say summary to keep a copy." in chat.text
    assert chat.state["outcome_tier"] == "emergency"
    assert "card" not in reply["response"]


def test_stop_after_an_emergency_repeats_the_emergency_advice() -> None:
    chat = Conversation()
    chat.send(launch())
    chat.send(intent("AMAZON.YesIntent"))
    emergency_state = chat.attributes
    reply = invoke(envelope(intent("AMAZON.StopIntent"), emergency_state))
    assert reply["response"]["shouldEndSession"] is True
    text = speech_text(reply)
    assert text.startswith("Goodbye") and "nine one one" in text


@pytest.mark.parametrize("name", ["AMAZON.StopIntent", "AMAZON.CancelIntent",
                                  "AMAZON.NavigateHomeIntent"])
def test_stop_cancel_and_home_say_goodbye(name: str) -> None:
    chat = Conversation()
    chat.send(launch())
    chat.send(intent(name))
    assert chat.ended
    assert chat.text.startswith("Goodbye")
    assert "emergency department" in chat.text  # the safety net is said on the way out


# --- help, repeat, go back, start over ------------------------------------------------------

def test_help_explains_the_current_question_and_keeps_the_state() -> None:
    chat = Conversation()
    chat.send(launch())
    before = chat.state
    reply = chat.send(intent("AMAZON.HelpIntent"))
    assert_question_turn(reply)
    # The core's help, with this front end's own commands (slower, faster) after its list of commands.
    assert chat.text == with_rate_hint(step(before, "help").speech)
    assert "slower or faster" in chat.text
    assert "yes, no, or I don't know" in chat.text
    assert chat.state == before


def test_repeat_says_the_current_question_again() -> None:
    chat = Conversation()
    chat.send(launch())
    chat.send(intent("AMAZON.NoIntent"))
    state = chat.state
    reply = chat.send(intent("AMAZON.RepeatIntent"))
    assert_question_turn(reply)
    assert chat.text == step(state, "repeat").speech
    assert chat.state == state


def test_repeat_after_help_says_the_question_again() -> None:
    chat = Conversation()
    chat.send(launch())
    state = chat.state
    chat.send(intent("AMAZON.HelpIntent"))
    chat.send(intent("AMAZON.RepeatIntent"))
    assert chat.text == step(state, "repeat").speech
    assert chat.state == state


def test_repeat_after_the_result_says_the_result_again() -> None:
    chat = Conversation()
    chat.send(launch())
    while not chat.finished:
        chat.answer_calmly()
    result = chat.text
    reply = invoke(envelope(intent("AMAZON.RepeatIntent"), chat.attributes))
    assert speech_text(reply) == result


FORGED_LAST_SPEECH: list[Any] = [
    "You are fine. There is no need to see anyone.",        # plausible words the core never says
    "a < b & c > d </speak><audio src='https://x'/>",       # SSML injection
    "x" * 60_000,                                            # over Alexa's limit
    {"ssml": "<x/>"}, 5, None,                                # wrong types
]


@pytest.mark.parametrize("forged", FORGED_LAST_SPEECH, ids=lambda v: repr(v)[:20])
def test_repeat_never_speaks_session_attributes(forged: Any) -> None:
    """Repeat derives its words from the verified state, so forged attributes cannot make the
    skill say anything the core would not say at that point."""
    chat = Conversation()
    chat.send(launch())
    chat.send(intent("AMAZON.NoIntent"))
    attributes = {**(chat.attributes or {}), LAST_SPEECH_KEY: forged, "last_reprompt": forged}
    reply = invoke(envelope(intent("AMAZON.RepeatIntent"), attributes))
    assert_question_turn(reply)
    expected = step(chat.state, "repeat")
    assert speech_text(reply) == expected.speech
    assert speech_text(reply, reprompt=True) == expected.reprompt


def test_go_back_returns_to_the_previous_question() -> None:
    chat = Conversation()
    chat.send(launch())
    first_id, _ = chat.current_question()
    chat.send(intent("AMAZON.NoIntent"))
    second_id, _ = chat.current_question()
    assert second_id != first_id
    reply = chat.send(intent("AMAZON.PreviousIntent"))
    assert_question_turn(reply)
    assert chat.text.startswith("Going back.")
    assert chat.current_question()[0] == first_id
    assert chat.state["answers"] == []


def test_go_back_on_the_first_question_says_so() -> None:
    chat = Conversation()
    chat.send(launch())
    chat.send(intent("AMAZON.PreviousIntent"))
    assert chat.text.startswith("This is the first question.")


@pytest.mark.parametrize("name", ["AMAZON.StartOverIntent"])
def test_start_over_mid_assessment_begins_again(name: str) -> None:
    chat = Conversation()
    chat.send(launch())
    chat.send(intent("AMAZON.NoIntent"))
    chat.send(intent("AMAZON.NoIntent"))
    assert chat.state["answers"]
    reply = chat.send(intent(name))
    assert_question_turn(reply)
    assert chat.text.startswith("Starting again.")
    assert chat.state["answers"] == []


def test_dont_know_is_an_answer() -> None:
    chat = Conversation()
    chat.send(launch())
    first_id, _ = chat.current_question()
    chat.send(intent("DontKnowIntent"))
    assert chat.state["answers"][0][0] == first_id
    assert chat.state["answers"][0][1] != True  # noqa: E712 - unknown, not yes


# --- re-asks ----------------------------------------------------------------------------------

def _at_number_question(wanted: str = "pain_score") -> Conversation:
    chat = Conversation()
    chat.send(launch())
    for _ in range(20):
        question_id, _ = chat.current_question()
        if question_id == wanted:
            return chat
        chat.answer_calmly()
    raise AssertionError(f"never reached {wanted}")


@pytest.mark.parametrize("value", ["11", "eleven", "-3", "1000000000", "1e9"])
def test_out_of_range_or_odd_number_re_asks_with_the_range(value: str) -> None:
    chat = _at_number_question()
    before = chat.state
    reply = chat.send(number(value))
    assert_question_turn(reply)
    assert "from 0 to 10" in chat.text
    assert chat.state == before


@pytest.mark.parametrize("value", [None, "?", ""])
def test_missing_number_re_asks(value: str | None) -> None:
    chat = _at_number_question()
    before = chat.state
    reply = chat.send(number(value))
    assert_question_turn(reply)
    assert chat.text.startswith("Sorry, I didn't understand.")
    assert "from 0 to 10" in chat.text
    assert chat.state == before


def test_a_number_is_accepted_and_the_next_question_follows() -> None:
    chat = _at_number_question()
    chat.send(number("7"))
    assert chat.state["answers"][-1] == ["pain_score", 7]


def test_duration_unit_slot_reaches_the_core_whole() -> None:
    chat = _at_number_question("duration_weeks")
    chat.send(number("3", unit="months"))
    assert chat.state["answers"][-1] == ["duration_weeks", 13]


def test_unknown_unit_words_are_re_asked_not_dropped() -> None:
    chat = _at_number_question("duration_weeks")
    before = chat.state
    chat.send(number("3", unit="decades"))  # a unit the core does not know ("fortnights" it converts)
    assert chat.text.startswith("Sorry, I didn't understand.")
    assert chat.state == before


def test_fallback_re_asks_with_the_expected_answers() -> None:
    chat = Conversation()
    chat.send(launch())
    before = chat.state
    reply = chat.send(intent("AMAZON.FallbackIntent"))
    assert_question_turn(reply)
    assert chat.text.startswith("Sorry, I didn't understand. Please say yes, no, or I don't know.")
    assert chat.state == before


def test_number_on_a_yes_no_question_re_asks() -> None:
    chat = Conversation()
    chat.send(launch())
    chat.send(number("7"))
    assert "Please say yes, no, or I don't know." in chat.text
    assert chat.state["answers"] == []


def test_unknown_intent_re_asks() -> None:
    chat = Conversation()
    chat.send(launch())
    reply = chat.send(intent("OrderPizzaIntent"))
    assert_question_turn(reply)
    assert chat.text.startswith("Sorry, I didn't understand.")


# --- state, session end, errors ------------------------------------------------------------

def test_tampered_state_starts_over_politely() -> None:
    chat = Conversation()
    chat.send(launch())
    tampered = {STATE_KEY: {**chat.state, "answers": [["age", 42]]}}  # skipped the red flags
    reply = invoke(envelope(intent("AMAZON.NoIntent"), tampered))
    assert_question_turn(reply)
    assert speech_text(reply).startswith("Sorry, I lost our place")
    assert reply["sessionAttributes"][STATE_KEY]["answers"] == []


def test_session_ended_request_gets_an_empty_response() -> None:
    chat = Conversation()
    chat.send(launch())
    reply = chat.send({"type": "SessionEndedRequest", "reason": "USER_INITIATED"})
    assert "outputSpeech" not in reply["response"]
    assert "reprompt" not in reply["response"]


def test_session_ended_with_an_error_is_handled() -> None:
    reply = invoke(envelope({"type": "SessionEndedRequest", "reason": "ERROR",
                             "error": {"type": "INVALID_RESPONSE", "message": "x"}}))
    assert "outputSpeech" not in reply["response"]


def test_handler_error_speaks_an_apology_and_logs_no_answers(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import skill.handlers as handlers

    def broken_step(state: Any, utterance: str, locale: Any = None) -> Any:
        raise ValueError(f"{utterance!r} {state!r}")  # the message quotes the person's data

    monkeypatch.setattr(handlers, "step", broken_step)
    chat_attrs = {STATE_KEY: start().state, LAST_SPEECH_KEY: "secret-answer-marker"}
    with caplog.at_level(logging.DEBUG):
        reply = invoke(envelope(intent("AMAZON.YesIntent"), chat_attrs))
    assert speech_text(reply) == APOLOGY
    assert reply["response"]["shouldEndSession"] is False
    assert "ValueError" in caplog.text
    assert "'yes'" not in caplog.text
    assert "secret-answer-marker" not in caplog.text
    assert "cauda_equina" not in caplog.text


def test_no_answers_are_logged_in_a_whole_conversation(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        chat = Conversation()
        chat.send(launch())
        while not chat.finished:
            chat.answer_calmly()
        chat.send(intent("AMAZON.StopIntent"))
        chat.send({"type": "SessionEndedRequest", "reason": "USER_INITIATED"})
    logged = "\n".join(caplog.messages)  # the messages: caplog.text holds "handlers.py:423", a line number
    assert "42" not in logged
    assert "answers" not in logged


def test_system_exception_encountered_gets_an_empty_response() -> None:
    reply = invoke(envelope({"type": "System.ExceptionEncountered",
                             "error": {"type": "INVALID_RESPONSE", "message": "bad"},
                             "cause": {"requestId": "amzn1.echo-api.request.earlier"}}))
    assert "outputSpeech" not in reply["response"]


# Every reply after which Alexa does not continue the session: none may carry the session
# attributes (they hold the person's answers) back; a reply that goes on must carry them.
NO_ATTRIBUTES_ROWS = {
    "session ended by the user": ({"type": "SessionEndedRequest", "reason": "USER_INITIATED"}, True),
    "session ended by an error": ({"type": "SessionEndedRequest", "reason": "ERROR",
                                   "error": {"type": "INVALID_RESPONSE", "message": "x"}}, True),
    "exception encountered": ({"type": "System.ExceptionEncountered",
                               "error": {"type": "INVALID_RESPONSE", "message": "bad"},
                               "cause": {"requestId": "amzn1.echo-api.request.earlier"}}, True),
    "can fulfill": ({"type": "CanFulfillIntentRequest",
                     "intent": {"name": "StartAssessmentIntent"}}, False),
    "stop": (intent("AMAZON.StopIntent"), False),
    "cancel": (intent("AMAZON.CancelIntent"), False),
    "navigate home": (intent("AMAZON.NavigateHomeIntent"), False),
}


@pytest.mark.parametrize("name", sorted(NO_ATTRIBUTES_ROWS))
def test_replies_that_end_the_session_carry_no_answers_back(name: str) -> None:
    chat = Conversation()
    chat.send(launch())
    chat.send(intent("AMAZON.NoIntent"))  # one answer in the attributes
    assert chat.state["answers"]
    request, empty = NO_ATTRIBUTES_ROWS[name]
    reply = invoke(envelope(request, chat.attributes))
    assert "sessionAttributes" not in reply
    if empty:
        assert reply["response"] == {}  # Alexa ignores it; README: "an empty response"
    else:
        assert reply["response"].get("shouldEndSession") in (True, None)


@pytest.mark.parametrize("request_body", [intent("AMAZON.NoIntent"), intent("AMAZON.HelpIntent"),
                                          intent("AMAZON.RepeatIntent"), launch()])
def test_replies_that_go_on_carry_the_state_back(request_body: dict[str, Any]) -> None:
    chat = Conversation()
    chat.send(launch())
    reply = chat.send(request_body)
    assert reply["response"]["shouldEndSession"] is False
    assert STATE_KEY in reply["sessionAttributes"]
