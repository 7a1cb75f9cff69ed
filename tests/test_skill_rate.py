"""'slower' and 'faster' on Alexa (issue 7, requirement 2): the speaking rate is kept in the session
attributes, checked on every read (a forged value is ignored, never written into the SSML), every
reply is said at it with SSML prosody, and the current question alone is said again at the new rate.
Through the real skill and real ask-sdk request and response objects."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from test_skill_handlers import Conversation, intent, launch, speech_text

from skill.handlers import FASTER_OK, FASTEST, RATE_KEY, SLOWER_OK, SLOWEST, STATE_KEY
from skill.speech import MAX_SSML_CHARS
from triage import step


def _rate_of(reply: dict[str, Any], reprompt: bool = False) -> str | None:
    """The prosody rate the reply's speech (or reprompt) is said at; None for the voice's normal rate."""
    speech = (reply["response"]["reprompt"] if reprompt else reply["response"])["outputSpeech"]["ssml"]
    root = ElementTree.fromstring(speech)
    if len(root) == 0:
        return None
    assert len(root) == 1 and root[0].tag == "prosody", speech[:80]
    return root[0].attrib["rate"]


@pytest.mark.parametrize(("said", "rates"), [
    (["slower"], ["slow"]),
    (["slower", "slower"], ["slow", "x-slow"]),
    (["slower", "slower", "slower"], ["slow", "x-slow", "x-slow"]),  # the slowest stays the slowest
    (["faster", "faster", "faster"], ["fast", "x-fast", "x-fast"]),
    (["slower", "faster"], ["slow", None]),  # back to the normal rate: no prosody tag at all
])
def test_each_step_changes_the_rate_of_every_later_reply(said: list[str], rates: list[str | None]) -> None:
    chat = Conversation()
    chat.send(launch())
    for word, rate in zip(said, rates, strict=True):
        chat.send(intent("SlowerIntent" if word == "slower" else "FasterIntent"))
        assert _rate_of(chat.reply) == rate and _rate_of(chat.reply, reprompt=True) == rate
        assert chat.attributes is not None and chat.attributes.get(RATE_KEY) == rate
    # The rate is kept for the answers that follow (and the next question is said at it).
    chat.send(intent("AMAZON.NoIntent"))
    assert _rate_of(chat.reply) == rates[-1]


@pytest.mark.parametrize(("said", "lead"), [
    (["slower"] * 3, SLOWEST), (["faster"] * 3, FASTEST), (["slower"], SLOWER_OK), (["faster"], FASTER_OK)])
def test_the_reply_says_what_happened_then_the_question_only(said: list[str], lead: str) -> None:
    chat = Conversation()
    chat.send(launch())
    chat.send(intent("AMAZON.NoIntent"))
    before = chat.state
    for word in said:
        chat.send(intent("SlowerIntent" if word == "slower" else "FasterIntent"))
    assert chat.text == f"{lead} {step(before, 'repeat').speech}"
    assert chat.state == before  # never an answer


FORGED = ['slow"><audio src="https://evil.example/x.mp3"/><prosody rate="slow', "200%", "SLOW", 3, None,
          ["slow"], {"rate": "slow"}, "", "medium", "xx-slow"]


@pytest.mark.parametrize("forged", FORGED)
def test_a_forged_rate_is_ignored(forged: Any) -> None:
    chat = Conversation()
    chat.send(launch())
    chat.attributes = {**(chat.attributes or {}), RATE_KEY: forged}
    chat.send(intent("AMAZON.NoIntent"))
    assert _rate_of(chat.reply) is None and "evil" not in chat.reply["response"]["outputSpeech"]["ssml"]
    # Not sent back either; and a step from it starts at the normal rate.
    assert RATE_KEY not in (chat.attributes or {})
    chat.attributes = {**(chat.attributes or {}), RATE_KEY: forged}
    chat.send(intent("SlowerIntent"))
    assert _rate_of(chat.reply) == "slow"


def test_help_names_slower_and_faster_and_is_said_at_the_rate() -> None:
    chat = Conversation()
    chat.send(launch())
    chat.send(intent("SlowerIntent"))
    chat.send(intent("AMAZON.HelpIntent"))
    assert "Say slower or faster" in chat.text and _rate_of(chat.reply) == "slow"


def test_a_long_reply_at_a_slow_rate_stays_within_alexas_limit() -> None:
    # The result's details ("more") are the longest speech; at a slow rate the tags count too.
    chat = Conversation()
    chat.send(launch())
    chat.send(intent("SlowerIntent"))
    while not chat.finished:
        chat.answer_calmly()
    chat.send(intent("MoreIntent"))
    assert len(chat.reply["response"]["outputSpeech"]["ssml"]) <= MAX_SSML_CHARS
    assert _rate_of(chat.reply) == "slow" and speech_text(chat.reply) == step(chat.state, "more").speech
    assert STATE_KEY in (chat.attributes or {})
