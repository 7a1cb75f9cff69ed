"""One small handler per intent: map the intent and its slots to the core's plain-text reply,
and the core's ``Turn`` back to speech, reprompt and session attributes (and, only when the person
asks for a summary, a card).

No clinical logic lives here. The core parses the canonical words ("yes", "7", "go back", "")
exactly as it parses a typed answer, re-asks when it does not understand, and restarts politely
when the state in the session attributes is garbled or tampered with.
"""

from __future__ import annotations

import dataclasses
import logging
import traceback
from datetime import datetime, timezone
from typing import Any

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentRequest,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)
from ask_sdk_model.ui import SimpleCard
from ask_sdk_runtime.exceptions import DispatchException

from interaction_model.generate import (
    DONT_KNOW_INTENT,
    HEDGED_NO_INTENT,
    HEDGED_YES_INTENT,
    LOCALES,
    MORE_INTENT,
    NUMBER_INTENT,
    NUMBER_SLOT,
    RATE_INTENTS,
    START_INTENT,
    SUMMARY_INTENT,
    UNIT_SLOT,
    build_model,
    unit_words,
)
from skill import request_log
from skill.speech import DEFAULT_RATE, RATES, ssml
from triage import Turn, read_state, start, step
from triage.vocabulary import with_rate_hint
from triage.locales import DEFAULT_LOCALE, UnknownLocale, get_locale

logger = logging.getLogger(__name__)

STATE_KEY = "triage"
RATE_KEY = "speaking_rate"  # one of skill.speech.RATES; absent means the default
SLOWER_OK = "Okay, more slowly."
FASTER_OK = "Okay, faster."
SLOWEST = "This is the slowest I can speak."
FASTEST = "This is the fastest I can speak."
# The only card the skill sends: the person's summary, when they ask for it (issue 10: nothing about
# their answers is written anywhere unless they ask, and the Alexa app keeps every card it is sent).
CARD_TITLE = "Spine Check summary"
# Alexa refuses a card whose title and content together are over 8,000 characters ("Include a Card in
# Your Skill's Response", Alexa Skills Kit docs). The longest summary of any path is far shorter
# (tests/test_skill_summary.py checks every path); the cut is a last resort, so the reply stays valid.
MAX_CARD_CHARS = 8000
CARD_CUT_NOTE = "This summary was too long for one card and was cut short here."
SUMMARY_SENT = "I've put your full summary in the Alexa app."
SUMMARY_SENT_STOPPED = "I've put a summary of your answers so far in the Alexa app."
NOTHING_TO_SUMMARIZE = ("There is nothing to summarize yet: I keep no answers once a check has ended. "
                        "Let's do the check now, and at the end, say summary to keep a copy.")
APOLOGY = "Sorry, something went wrong on my side. Please say your answer again, or say start over."
ALREADY_STARTED = "We are in the middle of the check; to begin again, say start over."

_LANGUAGE_MODEL = build_model()["interactionModel"]["languageModel"]
MODEL_INTENTS = frozenset(intent["name"] for intent in _LANGUAGE_MODEL["intents"])


def _custom_slot_words(language_model: dict[str, Any]) -> dict[str, frozenset[str]]:
    """Each slot of a custom type -> every word its type lists (values and synonyms), lower case.
    Alexa resolves such a slot against that list and says whether it matched; built-in types
    (AMAZON.NUMBER) carry no resolution."""
    types = {
        slot_type["name"]: frozenset(
            word.lower() for value in slot_type["values"]
            for word in (value["name"]["value"], *value["name"].get("synonyms", [])))
        for slot_type in language_model.get("types", [])
    }
    return {slot["name"]: types[slot["type"]] for intent in language_model["intents"]
            for slot in intent.get("slots", []) if slot["type"] in types}


CUSTOM_SLOT_WORDS = _custom_slot_words(_LANGUAGE_MODEL)
# The duration words, from the core's unit words through the model's DurationUnit type.
_UNITS = CUSTOM_SLOT_WORDS.get(UNIT_SLOT, frozenset(unit_words()))
# What a reply that Alexa heard but could not resolve becomes: the core's "not understood" re-ask.
NOT_UNDERSTOOD = ""


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


def speaking_rate(handler_input: HandlerInput) -> str:
    """The speaking rate kept in the session: one of RATES, else (missing, or a forged value that
    would otherwise be written into the SSML) the default."""
    rate = _attributes(handler_input).get(RATE_KEY)
    return rate if isinstance(rate, str) and rate in RATES else DEFAULT_RATE


def _set_speaking_rate(handler_input: HandlerInput, rate: str) -> None:
    attributes = _attributes(handler_input)
    if rate == DEFAULT_RATE:
        attributes.pop(RATE_KEY, None)
    else:
        attributes[RATE_KEY] = rate


def _intent_name(handler_input: HandlerInput) -> str | None:
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or request.intent is None:
        return None
    name = request.intent.name
    return name if isinstance(name, str) else None


def request_locale(handler_input: HandlerInput) -> str:
    """The request's locale ("en-GB") if the skill is published in it, else en-US: a missing or
    unknown locale gets the default English turn rather than an error. The core takes it on every
    turn (it picks the emergency number and wording); it is not kept in the session, because
    Alexa sends it with every request."""
    locale = getattr(handler_input.request_envelope.request, "locale", None)
    if not isinstance(locale, str):
        return DEFAULT_LOCALE
    try:
        return get_locale(locale).tag  # "en-gb" and "en_GB" are en-GB too
    except UnknownLocale:
        return DEFAULT_LOCALE


def _slot(handler_input: HandlerInput, slot_name: str) -> Any:
    request = handler_input.request_envelope.request
    intent = getattr(request, "intent", None)
    slots = getattr(intent, "slots", None)
    return slots.get(slot_name) if isinstance(slots, dict) else None


def _slot_text(handler_input: HandlerInput, slot_name: str) -> str:
    """A slot's value as heard, or "" when it is missing or not a string."""
    value = getattr(_slot(handler_input, slot_name), "value", None)
    return value if isinstance(value, str) else ""


def has_unresolved_custom_slot(handler_input: HandlerInput) -> bool:
    """True if any custom slot of the request holds a value Alexa did not resolve to its list."""
    for slot_name, words in CUSTOM_SLOT_WORDS.items():
        try:
            resolved_slot_value(handler_input, slot_name, words)
        except UnresolvedSlot:
            return True
    return False


class UnresolvedSlot(Exception):
    """A custom slot's value did not match the model's list (or could not be resolved)."""


def resolved_slot_value(handler_input: HandlerInput, slot_name: str, allowed: frozenset[str]) -> str:
    """A custom slot's value in its canonical form, "" when the slot is empty.

    Alexa fills a custom slot with whatever it heard, in or out of the list, and says in
    ``resolutions`` whether it matched: ER_SUCCESS_MATCH gives the canonical value (a synonym
    becomes its value); ER_SUCCESS_NO_MATCH ("48 hours" for a duration unit) or a resolution error
    raises UnresolvedSlot, so the caller re-asks instead of dropping or guessing the word. Without
    resolutions (an older or test client) the value is taken only if it is one of ``allowed``."""
    slot = _slot(handler_input, slot_name)
    heard = _slot_text(handler_input, slot_name).strip().lower()
    authorities = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None)
    if not heard and not authorities:
        return ""
    if authorities:
        # The SDK loaded this when it read the resolutions; a LaunchRequest (a cold start) never needs it.
        from ask_sdk_model.slu.entityresolution import StatusCode

        for authority in authorities:
            code = getattr(getattr(authority, "status", None), "code", None)
            values = getattr(authority, "values", None) or []
            if code == StatusCode.ER_SUCCESS_MATCH and values:
                name = getattr(getattr(values[0], "value", None), "name", None)
                if isinstance(name, str) and name.lower() in allowed:
                    return name.lower()
        raise UnresolvedSlot(slot_name)
    if heard in allowed:
        return heard
    raise UnresolvedSlot(slot_name)


def respond(handler_input: HandlerInput, turn: Turn, card: SimpleCard | None = None) -> Response:
    """Speak a core turn and keep its state in the session (Repeat re-derives its words from the state).

    card: sent with the reply; only SummaryHandler passes one (the person asked for a summary)."""
    request_log.note_outcome(turn.kind)
    attributes = _attributes(handler_input)
    attributes[STATE_KEY] = turn.state
    rate = speaking_rate(handler_input)
    _set_speaking_rate(handler_input, rate)  # a forged rate is not sent back
    speech = turn.speech
    if turn.kind == "help":
        # Help in a voice front end lists every command, slower and faster included (issue 7).
        speech = with_rate_hint(speech)
    # The spoken form: the emergency number in words, digit by digit ("nine one one").
    builder = handler_input.response_builder.speak(ssml(speech, rate))
    if turn.ended:
        builder.set_should_end_session(True)
    else:
        # Every question has a reprompt in the core; the question itself is the safe fallback.
        builder.ask(ssml(turn.reprompt or turn.speech, rate))
    if card is not None:
        builder.set_card(card)
    return builder.response


def _said_first(turn: Turn, sentence: str) -> Turn:
    """The turn with ``sentence`` said (and written) before its own words."""
    return dataclasses.replace(turn, text=f"{sentence} {turn.text}", speech=f"{sentence} {turn.speech}")


def request_time(handler_input: HandlerInput) -> datetime:
    """When the person asked, in UTC: the request's ``timestamp`` (Alexa sends ISO 8601 in UTC, and
    skill/envelope_compat.py turns the simulator's epoch milliseconds into that). A timestamp without
    a zone is taken as UTC; a missing or unreadable one (a forged request) gives the time now."""
    stamp = getattr(handler_input.request_envelope.request, "timestamp", None)
    if not isinstance(stamp, datetime):
        return datetime.now(timezone.utc)
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        return stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc)


def fit_card(content: str, limit: int = MAX_CARD_CHARS - len(CARD_TITLE)) -> str:
    """``content`` if it fits in ``limit`` characters, else its whole lines that fit followed by
    CARD_CUT_NOTE: an over-long card would make Alexa refuse the whole reply."""
    if len(content) <= limit:
        return content
    kept = content[:max(0, limit - len(CARD_CUT_NOTE) - 1)]
    kept = kept[:kept.rfind("\n") + 1] if "\n" in kept else ""
    return f"{kept}{CARD_CUT_NOTE}"


def summary_card(state: Any, created: datetime, locale: str) -> SimpleCard:
    """The Simple card holding the person's summary of ``state`` (triage.summary.person_text): the
    time, what to do, whom to see, the reasons, every question and answer, advice, warning signs,
    disclaimer and version. Raises triage.summary.NotASummaryState for a state the core did not make."""
    # Imported on a summary request only: a Lambda cold start (a LaunchRequest) never pays for them.
    from triage.summary import build_summary, person_text

    text = person_text(build_summary(state, created, locale))
    # The text opens with its own title ("Spine Check summary"); the card shows the title already.
    text = text.split("\n", 1)[1] if text.startswith(CARD_TITLE + "\n") else text
    return SimpleCard(title=CARD_TITLE, content=fit_card(text))


class _IntentHandler(AbstractRequestHandler):
    """Base: an intent whose meaning is one canonical reply to the core."""

    intent_name: str = ""
    utterance: str = ""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return _intent_name(handler_input) == self.intent_name

    def reply(self, handler_input: HandlerInput) -> str:
        return self.utterance

    def handle(self, handler_input: HandlerInput) -> Response:
        # A custom slot value Alexa could not match is re-asked, whatever the intent: never
        # dropped, never guessed.
        reply = NOT_UNDERSTOOD if has_unresolved_custom_slot(handler_input) else self.reply(handler_input)
        return respond(handler_input, step(_state(handler_input), reply, request_locale(handler_input)))


class LaunchRequestHandler(AbstractRequestHandler):
    """"Alexa, open spine check": the welcome with the emergency advice, then the first question."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, start(request_locale(handler_input)))


def one_shot_start(locale: str) -> Turn:
    """The first turn for "Alexa, ask spine check to check my back pain": the person has asked to
    start, so only the emergency sentence comes before the first question (the core's short
    welcome; the question's reprompt and help say what to answer)."""
    return start(locale, returning=True)


def goodbye(locale: str) -> Turn:
    """The core's goodbye, for stop before any assessment has started (a new session, or state
    that cannot be read): the same words as stopping at the first question, so the emergency
    safety net is said on the way out too."""
    return step(start(locale).state, "stop", locale)


class StartAssessmentHandler(_IntentHandler):
    """"Ask spine check to check my back pain": starts an assessment, from the first question.

    Mid-assessment it does not throw the answers away: a start phrase such as "my back hurts" said
    as an answer would otherwise restart the check. The current question is asked again with the
    way to restart ("start over") said first."""

    intent_name = START_INTENT
    utterance = "start over"

    def handle(self, handler_input: HandlerInput) -> Response:
        state = _state(handler_input)
        locale = request_locale(handler_input)
        if state is None:
            return respond(handler_input, one_shot_start(locale))
        checked = read_state(state)
        if checked is not None and not checked["done"]:
            turn = step(checked, "repeat", locale)
            return respond(handler_input, dataclasses.replace(
                turn, text=f"{ALREADY_STARTED} {turn.text}", speech=f"{ALREADY_STARTED} {turn.speech}",
                kind="reask"))
        # A finished check starts again; unreadable state restarts politely (the core says so).
        return respond(handler_input, step(state, self.utterance, locale))


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
        # Resolves: a unit Alexa could not match never gets here (the base class re-asks).
        unit = resolved_slot_value(handler_input, UNIT_SLOT, _UNITS)
        # "3 months" must reach the core whole: it converts to weeks.
        return f"{number} {unit}" if number and unit else number


class DontKnowHandler(_IntentHandler):
    intent_name = DONT_KNOW_INTENT
    utterance = "I don't know"


# The intents that answer a question: what they are is the person's answer, so the request log
# names none of them (skill/request_log.py).
ANSWER_INTENTS = frozenset(handler.intent_name for handler in (
    YesHandler, NoHandler, HedgedYesHandler, HedgedNoHandler, AnswerNumberHandler, DontKnowHandler))


class HelpHandler(_IntentHandler):
    intent_name = "AMAZON.HelpIntent"
    utterance = "help"


class MoreHandler(_IntentHandler):
    """"more" after the result: every reason, pattern and tip (before it: more about the question)."""

    intent_name = MORE_INTENT
    utterance = "more"


class PreviousHandler(_IntentHandler):
    intent_name = "AMAZON.PreviousIntent"
    utterance = "go back"


class StartOverHandler(_IntentHandler):
    intent_name = "AMAZON.StartOverIntent"
    utterance = "start over"


class StopHandler(_IntentHandler):
    """Stop ends the session in every state: mid-assessment and after the result the core says
    goodbye (repeating the emergency advice after an emergency); in a new session ("Alexa, tell
    spine check to stop") or with state that cannot be read, the same goodbye, never the welcome."""

    intent_name = "AMAZON.StopIntent"
    utterance = "stop"

    def handle(self, handler_input: HandlerInput) -> Response:
        state = read_state(_state(handler_input))
        locale = request_locale(handler_input)
        return respond(handler_input,
                       goodbye(locale) if state is None else step(state, self.utterance, locale))


class CancelHandler(StopHandler):
    intent_name = "AMAZON.CancelIntent"


class NavigateHomeHandler(StopHandler):
    intent_name = "AMAZON.NavigateHomeIntent"


class FallbackHandler(_IntentHandler):
    """Nothing understood: the core re-asks with the expected answers spoken."""

    intent_name = "AMAZON.FallbackIntent"
    utterance = ""


class SummaryHandler(_IntentHandler):
    """"summary", "keep a copy": the person's summary on a card in the Alexa app, said before what
    comes next. The only reply that carries a card (nothing is written unless the person asks).

    - At the result: the full summary; the session stays open with what can be said next.
    - Before the result: the core stops here and keeps what was answered: a "stopped" summary, then
      the goodbye, and the session ends.
    - A new session ("Alexa, ask spine check for a summary"): no answers are kept between sessions,
      so there is nothing to summarize; it says so and starts the check (the short welcome).
    - Unreadable state: the core's polite restart, and no card (there is nothing trustworthy to keep).
    """

    intent_name = SUMMARY_INTENT
    utterance = "summary"

    def handle(self, handler_input: HandlerInput) -> Response:
        state = _state(handler_input)
        locale = request_locale(handler_input)
        if has_unresolved_custom_slot(handler_input):
            return respond(handler_input, step(state, NOT_UNDERSTOOD, locale))
        if state is None:
            return respond(handler_input, _said_first(one_shot_start(locale), NOTHING_TO_SUMMARIZE))
        turn = step(state, self.utterance, locale)
        if turn.kind != "summary":
            return respond(handler_input, turn)
        card = summary_card(turn.state, request_time(handler_input), locale)
        sent = SUMMARY_SENT_STOPPED if turn.ended else SUMMARY_SENT
        return respond(handler_input, _said_first(turn, sent), card=card)


class RepeatHandler(_IntentHandler):
    """Says the current question (or the result) again. What is said is derived from the verified
    state by the core, never replayed from session attributes, which a forged request controls."""

    intent_name = "AMAZON.RepeatIntent"
    utterance = "repeat"


class RateHandler(AbstractRequestHandler):
    """"slower" / "faster": one step of the speaking rate (kept in the session, said with SSML
    prosody from now on), then the current question alone again at the new rate, as "repeat" gives
    it (after the result: the result's first part). Never an answer: the state is unchanged."""

    rate_command = ""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return _intent_name(handler_input) == RATE_INTENTS[self.rate_command]

    def handle(self, handler_input: HandlerInput) -> Response:
        current = RATES.index(speaking_rate(handler_input))
        wanted = current + (1 if self.rate_command == "faster" else -1)
        new = RATES[min(max(wanted, 0), len(RATES) - 1)]
        _set_speaking_rate(handler_input, new)
        state = _state(handler_input)
        turn = step(state, "repeat", request_locale(handler_input))
        if read_state(state) is None:
            # New session or unreadable state: the core's own first words (welcome, or "lost our place").
            return respond(handler_input, turn)
        if wanted != RATES.index(new):
            okay = FASTEST if self.rate_command == "faster" else SLOWEST
        else:
            okay = FASTER_OK if self.rate_command == "faster" else SLOWER_OK
        return respond(handler_input, dataclasses.replace(
            turn, text=f"{okay} {turn.text}", speech=f"{okay} {turn.speech}"))


class SlowerHandler(RateHandler):
    rate_command = "slower"


class FasterHandler(RateHandler):
    rate_command = "faster"


class UnknownIntentHandler(AbstractRequestHandler):
    """An intent this model does not have (an old model, a tampered request): treated as not
    understood, so the person hears the question again rather than an error."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, step(_state(handler_input), "", request_locale(handler_input)))


class CanFulfillIntentHandler(AbstractRequestHandler):
    """Name-free interaction: Alexa asks whether the skill can handle "check my back pain" before
    routing it here without the skill's name. YES for the start intent in a locale the skill is
    published in; NO for anything else (an answer or a command means nothing outside a
    conversation). It must have no effect and say nothing, and never fail: any surprise is a NO."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, CanFulfillIntentRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        try:
            verdict = self.verdict(handler_input)
        except Exception:  # noqa: BLE001 - a malformed request is a NO, never an error reply
            logger.info("CanFulfillIntentRequest could not be read; answering NO")
            verdict = CanFulfillIntent(can_fulfill=CanFulfillIntentValues.NO)
        yes = verdict.can_fulfill == CanFulfillIntentValues.YES
        request_log.note_outcome("can_fulfill_yes" if yes else "can_fulfill_no")
        return handler_input.response_builder.set_can_fulfill_intent(verdict).response

    @staticmethod
    def verdict(handler_input: HandlerInput) -> CanFulfillIntent:
        request = handler_input.request_envelope.request
        intent = getattr(request, "intent", None)
        locale = getattr(request, "locale", None)
        slots = getattr(intent, "slots", None) or {}
        known = getattr(intent, "name", None) == START_INTENT and locale in LOCALES
        # The start intent has no slots; any slot Alexa sends with it is one we do not know.
        slot_verdicts = {
            name: CanFulfillSlot(can_understand=CanUnderstandSlotValues.NO,
                                 can_fulfill=CanFulfillSlotValues.NO)
            for name in slots if isinstance(name, str)
        } if isinstance(slots, dict) else {}
        yes = known and not slot_verdicts
        return CanFulfillIntent(
            can_fulfill=CanFulfillIntentValues.YES if yes else CanFulfillIntentValues.NO,
            slots=slot_verdicts or None)


class SessionEndedHandler(AbstractRequestHandler):
    """The session is over (timeout, user exit, error): nothing may be spoken."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        reason = getattr(request, "reason", None)
        # The reason is an enum from Alexa, never the person's words.
        logger.info("session ended: %s", getattr(reason, "value", "unknown"))
        request_log.note_outcome("silent")
        return handler_input.response_builder.response


class SystemExceptionHandler(AbstractRequestHandler):
    """Alexa reports that our last response was invalid; it accepts no speech in reply."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("System.ExceptionEncountered")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        logger.warning("Alexa reported an error with our response: %s",
                       getattr(getattr(error, "object_type", None), "value", "unknown"))
        request_log.note_outcome("silent")
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
        request_log.note_outcome("error")
        try:
            rate = speaking_rate(handler_input)
        except Exception:  # noqa: BLE001 - the apology must be said whatever broke
            rate = DEFAULT_RATE
        return (handler_input.response_builder.speak(ssml(APOLOGY, rate)).ask(ssml(APOLOGY, rate))
                .response)


class RequestLogInterceptor(AbstractRequestInterceptor):
    """Notes each request's type, intent name and locale for its log line (skill/request_log.py);
    never a slot value or attribute. An intent that answers a question (ANSWER_INTENTS) is logged
    as ``answer``, never by its name: the name is the answer (yes, no, don't know). An intent name outside the model is logged as ``other``: a
    forged request could otherwise write any word into the log; so is a locale the skill is not
    published in."""

    def process(self, handler_input: HandlerInput) -> None:
        request = handler_input.request_envelope.request
        name = getattr(getattr(request, "intent", None), "name", None)
        locale = getattr(request, "locale", None)
        request_type = getattr(request, "object_type", None)
        request_log.note_request(
            request_type,
            (name if name in MODEL_INTENTS else "other") if name is not None else None,
            (locale if locale in LOCALES else "other") if locale is not None else None,
            answer=request_type == "IntentRequest" and name in ANSWER_INTENTS)



# Requests whose reply Alexa does not continue a session from: it ignores the body of a reply to
# SessionEnded and System.ExceptionEncountered, and a CanFulfillIntentRequest only asks a question.
NO_SESSION_REPLY_TYPES = ("SessionEndedRequest", "System.ExceptionEncountered",
                          "CanFulfillIntentRequest")


class NoAttributesWhenNoneAreNeeded(AbstractResponseInterceptor):
    """Session attributes hold the person's answers; a reply sends them back only when the session
    goes on (Alexa returns them with the next request). A reply to a request in
    NO_SESSION_REPLY_TYPES, or one that ends the session (stop, cancel, goodbye), carries none.
    (The SDK adds ``sessionAttributes`` to every reply in a session; None leaves them out.)"""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        if handler_input.request_envelope.session is None:
            return
        request_type = getattr(handler_input.request_envelope.request, "object_type", None)
        if (request_type in NO_SESSION_REPLY_TYPES
                or (response is not None and response.should_end_session is True)):
            handler_input.attributes_manager.session_attributes = None  # type: ignore[assignment]  # the SDK omits None


REQUEST_HANDLERS: tuple[AbstractRequestHandler, ...] = (
    CanFulfillIntentHandler(),
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
    MoreHandler(),
    SummaryHandler(),
    PreviousHandler(),
    StartOverHandler(),
    StopHandler(),
    CancelHandler(),
    NavigateHomeHandler(),
    FallbackHandler(),
    SlowerHandler(),
    FasterHandler(),
    SessionEndedHandler(),
    SystemExceptionHandler(),
    UnknownIntentHandler(),  # last: it claims every intent the others did not
)
EXCEPTION_HANDLERS: tuple[AbstractExceptionHandler, ...] = (CatchAllExceptionHandler(),)
REQUEST_INTERCEPTORS: tuple[AbstractRequestInterceptor, ...] = (RequestLogInterceptor(),)
RESPONSE_INTERCEPTORS: tuple[AbstractResponseInterceptor, ...] = (NoAttributesWhenNoneAreNeeded(),)
