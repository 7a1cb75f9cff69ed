"""One small handler per intent: map the intent and its slots to the core's plain-text reply,
and the core's ``Turn`` back to speech, reprompt, card and session attributes.

No clinical logic lives here. The core parses the canonical words ("yes", "7", "go back", "")
exactly as it parses a typed answer, re-asks when it does not understand, and restarts politely
when the state in the session attributes is garbled or tampered with.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from ask_sdk_core.utils import is_request_type
from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.ui import SimpleCard
from ask_sdk_runtime.exceptions import DispatchException

from interaction_model.generate import (
    DONT_KNOW_INTENT,
    HEDGED_NO_INTENT,
    HEDGED_YES_INTENT,
    NUMBER_INTENT,
    NUMBER_SLOT,
    START_INTENT,
    UNIT_SLOT,
    unit_words,
)
from skill.speech import MAX_SPEECH_CHARS, ssml
from triage import Turn, outcome_summary, read_state, start, step

logger = logging.getLogger(__name__)

STATE_KEY = "triage"
LAST_SPEECH_KEY = "last_speech"
LAST_REPROMPT_KEY = "last_reprompt"
CARD_TITLE = "Spine Check result"
APOLOGY = "Sorry, something went wrong on my side. Please say your answer again, or say start over."

_UNITS = frozenset(unit_words())


def _attributes(handler_input: HandlerInput) -> dict[str, Any]:
    """The session attributes as a dict; anything else (tampered) is replaced by an empty one."""
    if handler_input.request_envelope.session is None:
        # No session (not sent for custom-skill requests, but possible in a forged one): the
        # SDK refuses session attributes then, so the turn's state is simply not kept.
        return {}
    manager = handler_input.attributes_manager
    attributes = manager.session_attributes
    if not isinstance(attributes, dict):
        attributes = {}
        manager.session_attributes = attributes
    return attributes


def _state(handler_input: HandlerInput) -> Any:
    # Passed to the core unchecked on purpose: step() validates it and restarts on bad state.
    return _attributes(handler_input).get(STATE_KEY)


def _intent_name(handler_input: HandlerInput) -> str | None:
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or request.intent is None:
        return None
    name = request.intent.name
    return name if isinstance(name, str) else None


def _slot_text(handler_input: HandlerInput, slot_name: str) -> str:
    """A slot's value as heard, or "" when it is missing or not a string."""
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or request.intent is None:
        return ""
    slots = request.intent.slots
    if not isinstance(slots, dict):
        return ""
    slot = slots.get(slot_name)
    value = getattr(slot, "value", None)
    return value if isinstance(value, str) else ""


def respond(handler_input: HandlerInput, turn: Turn) -> Response:
    """Speak a core turn; keep the state and what was said (for Repeat) in the session."""
    attributes = _attributes(handler_input)
    attributes[STATE_KEY] = turn.state
    attributes[LAST_SPEECH_KEY] = turn.text
    attributes[LAST_REPROMPT_KEY] = turn.reprompt
    builder = handler_input.response_builder.speak(ssml(turn.text))
    if turn.ended:
        builder.set_should_end_session(True)
    else:
        # Every question has a reprompt in the core; the question itself is the safe fallback.
        builder.ask(ssml(turn.reprompt or turn.text))
    if turn.outcome is not None:
        builder.set_card(SimpleCard(title=CARD_TITLE, content=outcome_summary(turn.outcome)))
    return builder.response


class _IntentHandler(AbstractRequestHandler):
    """Base: an intent whose meaning is one canonical reply to the core."""

    intent_name: str = ""
    utterance: str = ""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return _intent_name(handler_input) == self.intent_name

    def reply(self, handler_input: HandlerInput) -> str:
        return self.utterance

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, step(_state(handler_input), self.reply(handler_input)))


class LaunchRequestHandler(AbstractRequestHandler):
    """"Alexa, open spine check": the welcome with the emergency advice, then the first question."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, start())


class StartAssessmentHandler(_IntentHandler):
    """"Ask spine check to check my back pain": a new assessment, at any time."""

    intent_name = START_INTENT
    utterance = "start over"

    def handle(self, handler_input: HandlerInput) -> Response:
        state = _state(handler_input)
        # A fresh session gets the full welcome; mid-assessment the core says "Starting again."
        return respond(handler_input, start() if state is None else step(state, self.utterance))


class YesHandler(_IntentHandler):
    intent_name = "AMAZON.YesIntent"
    utterance = "yes"


class NoHandler(_IntentHandler):
    intent_name = "AMAZON.NoIntent"
    utterance = "no"


class HedgedYesHandler(_IntentHandler):
    """"Probably", "I think so": the core reads it back, or takes it as "I don't know" on a red flag."""
    intent_name = HEDGED_YES_INTENT
    utterance = "probably"


class HedgedNoHandler(_IntentHandler):
    intent_name = HEDGED_NO_INTENT
    utterance = "probably not"


class AnswerNumberHandler(_IntentHandler):
    """The AMAZON.NUMBER slot as heard ("7", "?" or missing); the core parses and range-checks it."""

    intent_name = NUMBER_INTENT

    def reply(self, handler_input: HandlerInput) -> str:
        number = _slot_text(handler_input, NUMBER_SLOT)
        unit = _slot_text(handler_input, UNIT_SLOT).lower()
        # "3 months" must reach the core whole: it converts to weeks. Unknown unit words are dropped.
        return f"{number} {unit}" if number and unit in _UNITS else number


class DontKnowHandler(_IntentHandler):
    intent_name = DONT_KNOW_INTENT
    utterance = "I don't know"


class HelpHandler(_IntentHandler):
    intent_name = "AMAZON.HelpIntent"
    utterance = "help"


class PreviousHandler(_IntentHandler):
    intent_name = "AMAZON.PreviousIntent"
    utterance = "go back"


class StartOverHandler(_IntentHandler):
    intent_name = "AMAZON.StartOverIntent"
    utterance = "start over"


class StopHandler(_IntentHandler):
    intent_name = "AMAZON.StopIntent"
    utterance = "stop"


class CancelHandler(StopHandler):
    intent_name = "AMAZON.CancelIntent"


class NavigateHomeHandler(StopHandler):
    intent_name = "AMAZON.NavigateHomeIntent"


class FallbackHandler(_IntentHandler):
    """Nothing understood: the core re-asks with the expected answers spoken."""

    intent_name = "AMAZON.FallbackIntent"
    utterance = ""


class RepeatHandler(_IntentHandler):
    """Replays the last response as it was said; asks the core only when there is none to replay."""

    intent_name = "AMAZON.RepeatIntent"
    utterance = "repeat"

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes = _attributes(handler_input)
        state = read_state(attributes.get(STATE_KEY))
        speech = attributes.get(LAST_SPEECH_KEY)
        reprompt = attributes.get(LAST_REPROMPT_KEY)
        replayable = (
            state is not None
            and not state["done"]
            and isinstance(speech, str)
            and 0 < len(speech) <= MAX_SPEECH_CHARS
            and isinstance(reprompt, str)
            and 0 < len(reprompt) <= MAX_SPEECH_CHARS
        )
        if not replayable:
            return super().handle(handler_input)
        # str() only for the type checker: `replayable` has already checked both are strings.
        return handler_input.response_builder.speak(ssml(str(speech))).ask(ssml(str(reprompt))).response


class UnknownIntentHandler(AbstractRequestHandler):
    """An intent this model does not have (an old model, a tampered request): treated as not
    understood, so the person hears the question again rather than an error."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, step(_state(handler_input), ""))


class SessionEndedHandler(AbstractRequestHandler):
    """The session is over (timeout, user exit, error): nothing may be spoken."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        reason = getattr(request, "reason", None)
        # The reason is an enum from Alexa, never the person's words.
        logger.info("session ended: %s", getattr(reason, "value", "unknown"))
        return handler_input.response_builder.response


class SystemExceptionHandler(AbstractRequestHandler):
    """Alexa reports that our last response was invalid; it accepts no speech in reply."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("System.ExceptionEncountered")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        logger.warning("Alexa reported an error with our response: %s",
                       getattr(getattr(error, "object_type", None), "value", "unknown"))
        return handler_input.response_builder.response


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Any error in a handler: a short spoken apology; logged by type and stack only (no answers,
    no body). A request type no handler claims is left to the caller (the web endpoint answers
    400): an apology spoken to, say, an AudioPlayer event would be an invalid response."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return not isinstance(exception, DispatchException)

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        # Type and stack only: exception messages can quote slot values or attributes.
        logger.error("error in a skill handler: %s\n%s", type(exception).__name__,
                     "".join(traceback.format_tb(exception.__traceback__)))
        return (handler_input.response_builder.speak(ssml(APOLOGY)).ask(ssml(APOLOGY))
                .response)


REQUEST_HANDLERS: tuple[AbstractRequestHandler, ...] = (
    LaunchRequestHandler(),
    StartAssessmentHandler(),
    YesHandler(),
    NoHandler(),
    HedgedYesHandler(),
    HedgedNoHandler(),
    AnswerNumberHandler(),
    DontKnowHandler(),
    HelpHandler(),
    RepeatHandler(),
    PreviousHandler(),
    StartOverHandler(),
    StopHandler(),
    CancelHandler(),
    NavigateHomeHandler(),
    FallbackHandler(),
    SessionEndedHandler(),
    SystemExceptionHandler(),
    UnknownIntentHandler(),  # last: it claims every intent the others did not
)
EXCEPTION_HANDLERS: tuple[AbstractExceptionHandler, ...] = (CatchAllExceptionHandler(),)
