"""The skill in every English locale (issue 9 §5): the request's locale reaches the core, so every
emergency path says that locale's number, spoken digit by digit (as the core's locale data says
it), and sends no card (the summary card, written in digits, only when asked: test_skill_summary.py);
an unknown or missing locale gets en-US.

Every emergency path of the questionnaire is run through the real skill in every locale: the
session attributes before the last answer come from the core (the same state the skill keeps), and
the last answer is a real IntentRequest carrying the locale."""

from __future__ import annotations

from typing import Any

import pytest
from test_skill_handlers import envelope, intent, invoke, launch, number, speech_text
from triage_paths import all_paths, outcome_of

from interaction_model.generate import LOCALES, START_INTENT
from skill.handlers import STATE_KEY
from triage import start, step
from triage.knowledge import UNKNOWN
from triage.locales import get_locale

# issue 9 §5: the number each locale must give, and how Alexa must say it (digit by digit).
EXPECTED = {
    "en-US": ("911", "nine one one"),
    "en-CA": ("911", "nine one one"),
    "en-GB": ("999", "nine nine nine"),
    "en-AU": ("000", "triple zero"),
    "en-IN": ("112", "one one two"),
}
ALL_WRITTEN = {written for written, _ in EXPECTED.values()}
ALL_SPOKEN = {spoken for _, spoken in EXPECTED.values()}


def in_locale(request: dict[str, Any], attributes: Any, locale: str | None, *,
              new: bool = False) -> dict[str, Any]:
    body = envelope(request, attributes, new=new)
    if locale is None:
        body["request"].pop("locale", None)
    else:
        body["request"]["locale"] = locale
    return body


def answer_request(value: Any) -> dict[str, Any]:
    if value == UNKNOWN:
        return intent("DontKnowIntent")
    if value is True:
        return intent("AMAZON.YesIntent")
    if value is False:
        return intent("AMAZON.NoIntent")
    return number(str(value))


def assert_says_only(locale: str, text: str, *, written: bool) -> None:
    """``text`` names this locale's number (in the written or spoken form) and no other's."""
    number, spoken = EXPECTED[locale]
    mine, others = (number, ALL_WRITTEN) if written else (spoken, ALL_SPOKEN)
    assert mine in text, (locale, text)
    for other in others - {mine}:
        assert other not in text, (locale, other, text)
    if not written:
        for digits in ALL_WRITTEN:
            assert digits not in text, (locale, digits, text)  # never a quantity to a synthesizer


def test_expected_numbers_are_the_core_s_locale_data() -> None:
    assert set(LOCALES) == set(EXPECTED)
    for tag, (written, spoken) in EXPECTED.items():
        locale = get_locale(tag)
        assert (locale.emergency_number, locale.emergency_number_spoken) == (written, spoken)


@pytest.fixture(scope="module")
def emergency_paths() -> list[tuple[dict[str, Any], Any]]:
    """(session attributes before the last answer, the last answer) of every emergency path."""
    found = []
    for answers in all_paths():
        if outcome_of(answers)["tier"] != "emergency":
            continue
        turn = start()
        for qid, value in answers[:-1]:
            assert turn.question_id == qid
            turn = step(turn.state, _utterance(value))
        assert turn.question_id == answers[-1][0]
        found.append(({STATE_KEY: turn.state}, answers[-1][1]))
    assert len(found) > 500
    return found


def _utterance(value: Any) -> str:
    if value == UNKNOWN:
        return "I don't know"
    return {True: "yes", False: "no"}.get(value, str(value))  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def emergency_replies(emergency_paths: list[tuple[dict[str, Any], Any]]) -> Any:
    """locale -> the skill's reply to the last answer of every emergency path (computed once)."""
    cache: dict[str, list[dict[str, Any]]] = {}

    def replies(locale: str) -> list[dict[str, Any]]:
        if locale not in cache:
            cache[locale] = [invoke(in_locale(answer_request(last), attributes, locale))
                             for attributes, last in emergency_paths]
        return cache[locale]

    return replies


@pytest.mark.parametrize("locale", LOCALES)
def test_every_emergency_path_in_every_locale(locale: str, emergency_replies: Any) -> None:
    for reply in emergency_replies(locale):
        assert reply["sessionAttributes"][STATE_KEY]["outcome_tier"] == "emergency"
        assert_says_only(locale, speech_text(reply), written=False)
        assert "card" not in reply["response"]  # only a summary asked for makes a card
        if locale == "en-GB":
            assert "A&E" in speech_text(reply)


def _replies_after_each_distinct_emergency(results: list[dict[str, Any]], request: dict[str, Any],
                                           locale: str) -> list[str]:
    """What the skill says to `request` sent after each distinct emergency result (one row per result)."""
    seen: set[str] = set()
    said = []
    for result in results:
        if speech_text(result) in seen:
            continue
        seen.add(speech_text(result))
        said.append(speech_text(invoke(in_locale(request, result["sessionAttributes"], locale))))
    return said


AFTER_EMERGENCY = {
    "stop": intent("AMAZON.StopIntent"),
    "cancel": intent("AMAZON.CancelIntent"),
    "navigate-home": intent("AMAZON.NavigateHomeIntent"),
    "repeat": intent("AMAZON.RepeatIntent"),
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(AFTER_EMERGENCY))
def test_after_an_emergency_the_advice_is_said_again_in_the_locale(
        locale: str, name: str, emergency_replies: Any) -> None:
    replies = _replies_after_each_distinct_emergency(emergency_replies(locale), AFTER_EMERGENCY[name], locale)
    for said in replies:
        assert_says_only(locale, said, written=False)
    assert replies


OTHER_AFTER_EMERGENCY = {
    "more": intent("MoreIntent"),
    "help": intent("AMAZON.HelpIntent"),
    "yes": intent("AMAZON.YesIntent"),
    "fallback": intent("AMAZON.FallbackIntent"),
    "previous": intent("AMAZON.PreviousIntent"),
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(OTHER_AFTER_EMERGENCY))
def test_after_an_emergency_nothing_names_another_locale_s_number(
        locale: str, name: str, emergency_replies: Any) -> None:
    _, spoken = EXPECTED[locale]
    for said in _replies_after_each_distinct_emergency(emergency_replies(locale), OTHER_AFTER_EMERGENCY[name], locale):
        for other in (ALL_SPOKEN - {spoken}) | ALL_WRITTEN:
            assert other not in said, (locale, name, other, said)


@pytest.mark.parametrize("locale", LOCALES)
def test_welcome_one_shot_and_goodbye_in_every_locale(locale: str) -> None:
    _, spoken = EXPECTED[locale]
    welcome = invoke(in_locale(launch(), None, locale, new=True))
    assert f"call {spoken} now" in speech_text(welcome)
    assert_says_only(locale, speech_text(welcome), written=False)
    one_shot = invoke(in_locale(intent(START_INTENT), None, locale, new=True))
    assert speech_text(one_shot) == start(locale, returning=True).speech
    assert_says_only(locale, speech_text(one_shot), written=False)
    goodbye = invoke(in_locale(intent("AMAZON.StopIntent"), None, locale, new=True))
    assert goodbye["response"]["shouldEndSession"] is True
    department = "A&E" if locale == "en-GB" else "emergency department"
    assert department in speech_text(goodbye)


@pytest.mark.parametrize(("sent", "used"), [
    ("en-GB", "en-GB"), ("en-gb", "en-GB"), ("en_AU", "en-AU"),
    (None, "en-US"), ("de-DE", "en-US"), ("en-NZ", "en-US"), ("", "en-US"), (7, "en-US"),
    (["en-GB"], "en-US"),
])
def test_unknown_or_missing_locale_falls_back_to_en_us(sent: Any, used: str) -> None:
    body = in_locale(launch(), None, "en-US", new=True)
    if sent is None:
        body["request"].pop("locale")
    else:
        body["request"]["locale"] = sent
    reply = invoke(body) if not isinstance(sent, (int, list)) else _invoke_raw(body)
    assert speech_text(reply) == start(used).speech


def _invoke_raw(body: dict[str, Any]) -> dict[str, Any]:
    """A wrong-typed locale: the SDK keeps whatever JSON gave it, and the skill must still answer."""
    return invoke(body)
