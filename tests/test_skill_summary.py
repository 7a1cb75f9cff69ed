"""The summary on Alexa (issue 10): "summary" / "keep a copy" puts the person's summary on a Simple
card in the Alexa app, and nothing else ever sends a card (the app keeps every card, and nothing about
a person's answers is written anywhere unless they ask).

Everything goes through the real skill and real ask-sdk request and response objects (test_skill_handlers
helpers), the Flask app, or the real HTTP server in a subprocess.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from conftest import StartServer
from test_skill_handlers import (
    CALM_NUMBERS,
    FIXED_TIME,
    SKILL_ID,
    Conversation,
    envelope,
    intent,
    invoke,
    launch,
    number,
    speech_text,
)
from test_skill_locales import EXPECTED as LOCALE_NUMBERS
from test_skill_locales import ALL_SPOKEN, ALL_WRITTEN, assert_says_only, in_locale
from triage_paths import all_paths
from summary_scenarios import capture_all_logging

from interaction_model.generate import LOCALES, SUMMARY_INTENT
from skill.handlers import (
    CARD_CUT_NOTE,
    CARD_TITLE,
    MAX_CARD_CHARS,
    NOTHING_TO_SUMMARIZE,
    STATE_KEY,
    SUMMARY_SENT,
    SUMMARY_SENT_STOPPED,
    fit_card,
    summary_card,
)
from skill import build_skill
from skill.web import create_app
from triage import next_question, read_state, start, step
from triage.conversation import new_state
from triage.summary import build_summary, person_text, spoken_time

SUMMARY = intent(SUMMARY_INTENT)
# Alexa's limit on a whole response ("Response format", Alexa Skills Kit JSON interface reference:
# 24 kilobytes); counted here in thousands of bytes of the serialized reply, the stricter reading.
MAX_RESPONSE_BYTES = 24_000


def expected_card(state: Any, locale: str = "en-US", created: datetime = FIXED_TIME) -> dict[str, str]:
    """The card a summary of ``state`` must be: the core's person_text, whole."""
    text = person_text(build_summary(state, created, locale))
    assert text.startswith(CARD_TITLE + "\n")
    return {"type": "Simple", "title": CARD_TITLE, "content": text.split("\n", 1)[1]}  # the title once


def card_of(reply: dict[str, Any]) -> dict[str, Any] | None:
    return reply["response"].get("card")


def card_text(reply: dict[str, Any]) -> str:
    """The content of the reply's card; fails if there is none."""
    card = card_of(reply)
    assert card is not None, "no card"
    return str(card["content"])


def to_result(chat: Conversation, *, first: dict[str, Any] | None = None) -> Conversation:
    """Launch, then calm answers (``first`` instead of the first one) until the result."""
    chat.send(launch())
    if first is not None:
        chat.send(first)
    while not chat.finished:
        chat.answer_calmly()
    return chat


# --- at the result, before it, in a new session ------------------------------------------------------

def test_summary_at_the_result_puts_the_whole_summary_on_a_card_and_keeps_the_session() -> None:
    chat = to_result(Conversation())
    at_result = chat.state
    assert card_of(chat.reply) is None  # the result itself: no card
    reply = chat.send(SUMMARY)
    core = step(at_result, "summary")
    assert core.kind == "summary" and not core.ended
    assert card_of(reply) == expected_card(at_result)
    content = card_text(reply)
    assert CARD_TITLE not in content  # said once, as the card's title
    # What issue 10 asks the person's summary to hold, on the card.
    for part in ("1 May 2024 at 12:00 UTC", "What to do:", "Whom to see:", "Why:", "Your answer: No.",
                 "42 years", "3 weeks", "Advice:", "Warning signs to watch for:", "Call 911",
                 "not a diagnosis", "Questions and rules version 1.1, build "):
        assert part in content, part
    assert speech_text(reply) == f"{SUMMARY_SENT} {core.speech}"
    assert reply["response"]["shouldEndSession"] is False
    assert speech_text(reply, reprompt=True) == core.reprompt
    assert chat.state == at_result


def test_summary_before_any_answer_sends_no_card_and_asks_the_question_again() -> None:
    """An empty summary would end the check by mistake and leave an empty card in the app."""
    chat = Conversation()
    chat.send(launch())
    before = chat.state
    reply = chat.send(SUMMARY)
    assert card_of(reply) is None and reply["response"]["shouldEndSession"] is False
    assert speech_text(reply) == step(before, "summary").speech
    assert speech_text(reply).startswith("There is nothing to keep yet")


@pytest.mark.parametrize("answers_before", [1, 4])
def test_summary_before_the_result_keeps_what_was_answered_and_ends(answers_before: int) -> None:
    chat = Conversation()
    chat.send(launch())
    for _ in range(answers_before):
        chat.answer_calmly()
    before = chat.state
    reply = chat.send(SUMMARY)
    core = step(before, "summary")
    assert core.kind == "summary" and core.ended
    assert card_of(reply) == expected_card(before)
    content = card_text(reply)
    assert "You stopped before the end of the questions." in content
    assert content.count("Question ") == answers_before
    assert speech_text(reply) == f"{SUMMARY_SENT_STOPPED} {core.speech}"
    # What the stopped summary says to do is said, not only put on the card; then the goodbye.
    assert speech_text(reply).startswith(SUMMARY_SENT_STOPPED + " You stopped before the end")
    assert "Please see a doctor within 24 to 48 hours." in speech_text(reply) and "Goodbye." in speech_text(reply)
    assert reply["response"]["shouldEndSession"] is True
    assert "reprompt" not in reply["response"] and "sessionAttributes" not in reply


def test_summary_during_a_read_back_asks_for_its_yes_or_no_first() -> None:
    """"I heard no. Is that right?" then "summary": no card yet (a copy now would leave that answer
    out); the read-back again, the session open; after "yes", a summary holds the answer."""
    chat = Conversation()
    chat.send(launch())
    while step(chat.state, "repeat").red_flag or step(chat.state, "repeat").expects != "yes_no":
        chat.answer_calmly()  # to the first question that is not a red flag (where a hedge is read back)
    answered = len(chat.state["answers"])
    chat.send(intent("HedgedNoIntent"))  # "probably not": read back, not yet an answer
    pending = chat.state
    assert read_state(pending) is not None and pending.get("pending") is not None
    reply = chat.send(SUMMARY)
    assert card_of(reply) is None and reply["response"]["shouldEndSession"] is False
    assert speech_text(reply) == step(pending, "summary").speech
    assert speech_text(reply).startswith("Before I keep a copy") and chat.state == pending
    chat.send(intent("AMAZON.YesIntent"))
    reply = chat.send(SUMMARY)
    assert card_text(reply).count("Question ") == answered + 1  # the settled answer is in it


@pytest.mark.parametrize("attributes", [None, {}], ids=["new-session", "empty-attributes"])
def test_summary_in_a_new_session_says_there_is_nothing_yet_and_starts_the_check(attributes: Any) -> None:
    """"Alexa, ask spine check for a summary": no answers outlive a session, so there is nothing to
    summarize; the person asked for Spine Check, so the check starts (the short welcome, whose
    emergency sentence comes first) rather than leaving them with nothing."""
    reply = invoke(envelope(SUMMARY, attributes, new=True))
    assert card_of(reply) is None
    assert speech_text(reply) == f"{NOTHING_TO_SUMMARIZE} {start(returning=True).speech}"
    assert reply["response"]["shouldEndSession"] is False
    assert speech_text(reply, reprompt=True) == start().reprompt
    assert reply["sessionAttributes"][STATE_KEY] == start().state


@pytest.mark.parametrize("state", [{"v": 1, "answers": [["age", 42]], "done": False}, "garbage", 7,
                                   {**new_state(), "answers": [], "done": True}],
                         ids=["skipped-red-flags", "string", "number", "done-without-answers"])
def test_summary_of_unreadable_state_restarts_without_a_card(state: Any) -> None:
    reply = invoke(envelope(SUMMARY, {STATE_KEY: state}))
    assert card_of(reply) is None
    assert speech_text(reply).startswith("Sorry, I lost our place")
    assert reply["sessionAttributes"][STATE_KEY]["answers"] == []


def test_a_slow_speaking_rate_is_kept_for_the_summary_reply() -> None:
    chat = to_result(Conversation())
    chat.send(intent("SlowerIntent"))
    reply = chat.send(SUMMARY)
    opening = '<speak><prosody rate="slow">'
    assert reply["response"]["outputSpeech"]["ssml"].startswith(opening + SUMMARY_SENT)
    assert reply["response"]["reprompt"]["outputSpeech"]["ssml"].startswith(opening)
    assert card_of(reply) is not None


def test_the_card_is_dated_by_the_request_in_utc() -> None:
    chat = to_result(Conversation())
    body = envelope(SUMMARY, chat.attributes)
    body["request"]["timestamp"] = "2026-11-30T22:45:00+09:00"  # not what Alexa sends, but aware
    assert "Made on 30 November 2026 at 13:45 UTC." in card_text(invoke(body))
    body["request"]["timestamp"] = "2026-11-30T13:45:00"  # no zone: Alexa's clock is UTC
    assert "Made on 30 November 2026 at 13:45 UTC." in card_text(invoke(body))
    del body["request"]["timestamp"]  # none at all (a forged request): the time now
    before = datetime.now(timezone.utc)
    content = card_text(invoke(body))
    assert any(f"Made on {spoken_time(moment)}." in content for moment in (before, before + timedelta(minutes=1)))


def test_the_simulator_s_epoch_millisecond_timestamp_dates_the_card_over_http() -> None:
    client = create_app(build_skill(), skill_id=SKILL_ID, verify=False).test_client()
    chat = to_result(Conversation())
    body = envelope(SUMMARY, chat.attributes)
    body["request"]["timestamp"] = 1714564800000  # 2024-05-01T12:00:00Z, as the console sends it
    response = client.post("/alexa", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.get_json()["response"]["card"]["content"] == expected_card(chat.state)["content"]


# --- what people do around it --------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "request_body", "core_words"), [
    ("repeat", intent("AMAZON.RepeatIntent"), "repeat"),
    ("more", intent("MoreIntent"), "more"),
    ("go back", intent("AMAZON.PreviousIntent"), "go back"),
    ("start over", intent("AMAZON.StartOverIntent"), "start over"),
    ("stop", intent("AMAZON.StopIntent"), "stop"),
])
def test_after_the_summary_the_session_goes_on_as_before_and_no_card_follows(
        name: str, request_body: dict[str, Any], core_words: str) -> None:
    chat = to_result(Conversation())
    at_result = chat.state
    chat.send(SUMMARY)
    reply = chat.send(request_body)
    expected = step(at_result, core_words)
    assert speech_text(reply) == expected.speech
    assert card_of(reply) is None
    assert (reply["response"].get("shouldEndSession") is True) == expected.ended


def test_summary_twice_gives_the_same_card_twice() -> None:
    chat = to_result(Conversation())
    first = chat.send(SUMMARY)
    second = chat.send(SUMMARY)
    assert card_of(first) == card_of(second) == expected_card(chat.state)
    assert speech_text(first) == speech_text(second)


def test_after_go_back_and_a_changed_answer_the_card_holds_only_the_final_answer() -> None:
    chat = to_result(Conversation())
    last_question, last_value = read_state(chat.state)["answers"][-1]  # type: ignore[index]
    chat.send(intent("AMAZON.PreviousIntent"))
    changed = "AMAZON.YesIntent" if last_value is False else None
    chat.send(intent(changed) if changed else number("9"))
    while not chat.finished:
        chat.answer_calmly()
    reply = chat.send(SUMMARY)
    content = card_text(reply)
    assert card_of(reply) == expected_card(chat.state)
    prompt = load_prompt(last_question)
    lines = [line for line in content.splitlines() if prompt in line]
    assert len(lines) == 1, lines  # the question once, with its new answer
    assert lines[0].endswith("Your answer: Yes." if changed else "Your answer: 9 out of 10.")


def load_prompt(question_id: str) -> str:
    from triage import load_questionnaire

    return load_questionnaire().questions[question_id].prompt


def test_after_start_over_the_summary_is_fresh() -> None:
    chat = to_result(Conversation(), first=intent("AMAZON.YesIntent"))  # an emergency at once
    assert read_state(chat.state)["outcome_tier"] == "emergency"  # type: ignore[index]
    chat.send(intent("AMAZON.StartOverIntent"))
    chat.send(intent("AMAZON.NoIntent"))
    reply = chat.send(SUMMARY)  # stopped after one new answer
    content = card_text(reply)
    assert content.count("Question ") == 1 and "Your answer: No." in content
    assert "Your answer: Yes." not in content and "This could be an emergency" not in content


@pytest.mark.parametrize("locale", LOCALES)
def test_in_every_locale_the_card_names_that_locale_s_emergency_number(locale: str) -> None:
    written, spoken = LOCALE_NUMBERS[locale]
    result = invoke(in_locale(launch(), None, locale, new=True))
    result = invoke(in_locale(intent("AMAZON.YesIntent"), result["sessionAttributes"], locale))
    reply = invoke(in_locale(SUMMARY, result["sessionAttributes"], locale))
    card = card_of(reply)
    assert card == expected_card(result["sessionAttributes"][STATE_KEY], locale)
    assert_says_only(locale, card_text(reply), written=True)
    said = speech_text(reply)
    assert said.startswith(SUMMARY_SENT)
    assert not any(other in said for other in ALL_WRITTEN | (ALL_SPOKEN - {spoken})), said
    # And the stopped summary of a check cut short after its first question, in the same locale.
    first = invoke(in_locale(launch(), None, locale, new=True))
    first = invoke(in_locale(intent("AMAZON.NoIntent"), first["sessionAttributes"], locale))
    stopped = invoke(in_locale(SUMMARY, first["sessionAttributes"], locale))
    assert_says_only(locale, card_text(stopped), written=True)
    assert written not in speech_text(stopped) and stopped["response"]["shouldEndSession"] is True


# --- only on request: a whole assessment, and what is logged ---------------------------------------------

def calm_answers() -> list[dict[str, Any]]:
    chat = Conversation()
    chat.send(launch())
    sent = []
    while not chat.finished:
        question_id, expects = chat.current_question()
        sent.append(number(CALM_NUMBERS.get(question_id or "", "2")) if expects == "number"
                    else intent("AMAZON.NoIntent"))
        chat.answer_calmly()
    return sent


AFTER_RESULT = [intent("MoreIntent"), intent("AMAZON.RepeatIntent"), intent("AMAZON.HelpIntent"),
                intent("AMAZON.PreviousIntent"), intent("AMAZON.NoIntent"), intent("AMAZON.StopIntent")]


def test_a_whole_assessment_without_asking_sends_no_card_in_process() -> None:
    chat = Conversation()
    replies = [chat.send(launch())]
    replies += [chat.send(request) for request in calm_answers()]
    assert chat.finished
    replies += [chat.send(request) for request in AFTER_RESULT]
    assert replies[-1]["response"]["shouldEndSession"] is True
    assert [card_of(reply) for reply in replies] == [None] * len(replies)


class HttpConversation:
    """A session against a served skill: each request carries the attributes of the reply before."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/alexa"
        self.attributes: Any = None

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        body = envelope(request, self.attributes, new=self.attributes is None)
        post = urllib.request.Request(self.url, data=json.dumps(body).encode(),
                                      headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(post, timeout=10) as response:
            assert response.status == 200
            reply: dict[str, Any] = json.loads(response.read())
        self.attributes = reply.get("sessionAttributes", self.attributes)
        return reply


def _request_lines(log: str) -> list[dict[str, Any]]:
    return [{key: value for key, value in json.loads(line).items() if key not in ("time", "latency_ms")}
            for line in log.splitlines() if line.startswith("{") and '"spine_check.request"' in line]


def _never_in_the_log(log: str, texts: list[str]) -> None:
    """No answer, question or summary line is in ``log``."""
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            if len(line) > 12:  # skip short headings ("Why:") a log word could hold
                assert line not in log, line
    for marker in ("Your answer", "Made on", "answers", STATE_KEY):
        assert marker not in log, marker


def test_over_http_only_the_summary_request_sends_a_card_and_the_log_holds_no_answer(
        start_skill_server: StartServer) -> None:
    """Three whole assessments through the served skill: calm without asking, calm with "summary"
    at the result, and an emergency with "summary". Only the summary replies carry a card, one
    each; the log lines of the two summaries' sessions are alike whatever the answers; no answer,
    question or card line reaches the server's log."""
    server = start_skill_server("--log-format", "json")
    answers = calm_answers()

    plain = HttpConversation(server.url)
    replies = [plain.send(request) for request in [launch(), *answers, *AFTER_RESULT]]
    assert all(card_of(reply) is None for reply in replies)

    calm = HttpConversation(server.url)
    calm_replies = [calm.send(request) for request in [launch(), *answers, SUMMARY, *AFTER_RESULT]]
    urgent = HttpConversation(server.url)
    urgent_requests = [launch(), intent("AMAZON.YesIntent"), *answers[1:], SUMMARY, *AFTER_RESULT]
    urgent_replies = [urgent.send(request) for request in urgent_requests]
    for replies_ in (calm_replies, urgent_replies):
        cards = [card_of(reply) for reply in replies_ if card_of(reply) is not None]
        assert len(cards) == 1 and cards[0]["title"] == CARD_TITLE  # type: ignore[index]
        assert card_of(replies_[len(answers) + 1]) is not None  # the reply to SummaryIntent
    assert "Call 911" in card_text(urgent_replies[len(answers) + 1])

    log = server.log()
    lines = _request_lines(log)
    per_session = len(answers) + len(AFTER_RESULT) + 1
    plain_lines = lines[:per_session]
    calm_lines = lines[per_session:2 * per_session + 1]
    urgent_lines = lines[2 * per_session + 1:]
    assert len(urgent_lines) == per_session + 1
    assert calm_lines == urgent_lines  # an emergency and a calm path log alike, summary included
    summary_line = calm_lines[len(answers) + 1]
    assert summary_line["intent"] == SUMMARY_INTENT and summary_line["outcome"] == "replied"
    assert [line["intent"] for line in plain_lines[1:len(answers) + 1]] == ["answer"] * len(answers)
    contents = [card_text(reply) for reply in (*calm_replies, *urgent_replies) if card_of(reply) is not None]
    _never_in_the_log(log, contents)


@pytest.fixture
def every_log_record() -> Iterator[list[logging.LogRecord]]:
    """Every record of every logger at DEBUG while the test runs (the SDK's own loggers included)."""
    for handler in capture_all_logging():
        yield handler.records


def test_nothing_logs_the_card_text_at_any_level(every_log_record: list[logging.LogRecord]) -> None:
    client = create_app(build_skill(), skill_id=SKILL_ID, verify=False).test_client()
    attributes: Any = None
    cards = []
    for request in [launch(), *calm_answers(), SUMMARY, intent("AMAZON.StopIntent")]:
        body = envelope(request, attributes, new=attributes is None)
        reply = client.post("/alexa", data=json.dumps(body), headers={"Content-Type": "application/json"}).get_json()
        attributes = reply.get("sessionAttributes", attributes)
        if card_of(reply) is not None:
            cards.append(card_text(reply))
    assert len(cards) == 1
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in every_log_record)
    _never_in_the_log(logged, cards)


# --- the card always fits ------------------------------------------------------------------------------

def _state_of(answers: list[tuple[str, Any]]) -> dict[str, Any]:
    following = next_question(answers)
    return {**new_state(), "answers": [list(a) for a in answers], "done": following is None,
            "current": None if following is None else following.id}


@pytest.fixture(scope="module")
def every_summary_state() -> list[dict[str, Any]]:
    """The state at every result of every enumerated path (completed), and at every question of every
    path (a stop there gives a stopped summary)."""
    paths = list(all_paths())
    prefixes = {tuple(path[:cut]) for path in paths for cut in range(len(path))}
    states = [_state_of(path) for path in paths] + [_state_of(list(prefix)) for prefix in sorted(prefixes, key=str)]
    assert len(paths) > 4000 and len(prefixes) > 1000
    return states


@pytest.fixture(scope="module")
def card_sizes(every_summary_state: list[dict[str, Any]]) -> Any:
    """locale -> [(title + content characters, state)] for every summary state (computed once)."""
    cache: dict[str, list[tuple[int, dict[str, Any]]]] = {}

    def sizes(locale: str) -> list[tuple[int, dict[str, Any]]]:
        if locale not in cache:
            cards = [(summary_card(state, FIXED_TIME, locale), state) for state in every_summary_state]
            for card, _ in cards:
                assert CARD_CUT_NOTE not in (card.content or ""), "a card was cut"
                assert_says_only(locale, card.content or "", written=True)  # the locale's number, in digits
            cache[locale] = [(len(card.title or "") + len(card.content or ""), state) for card, state in cards]
        return cache[locale]

    return sizes


@pytest.mark.parametrize("locale", LOCALES)
def test_the_card_fits_alexa_s_limit_on_every_path(locale: str, card_sizes: Any) -> None:
    """Alexa refuses a card whose title and content together pass 8,000 characters; no summary on any
    path (completed or stopped at any question) comes near, so none is ever cut. Every card names the
    locale's emergency number in digits, and no other locale's (card_sizes checks both)."""
    sizes = [size for size, _ in card_sizes(locale)]
    assert len(sizes) > 5000
    assert 1000 < max(sizes) <= MAX_CARD_CHARS


@pytest.mark.parametrize("locale", LOCALES)
def test_the_longest_summary_reply_fits_alexa_s_response_limit(locale: str, card_sizes: Any) -> None:
    """The whole reply to "summary" on the path with the longest card, through the real skill, at
    the slowest rate (the longest SSML), is under Alexa's 24 KB response limit."""
    _, longest = max(((size, state) for size, state in card_sizes(locale) if state["done"]),
                     key=lambda item: item[0])
    reply = invoke(in_locale(SUMMARY, {STATE_KEY: longest, "speaking_rate": "x-slow"}, locale))
    assert card_of(reply) == expected_card(longest, locale)
    assert len(json.dumps(reply).encode("utf-8")) < MAX_RESPONSE_BYTES


@pytest.mark.parametrize(("content", "limit", "expected"), [
    ("short\n", 100, "short\n"),
    ("a" * 100, 100, "a" * 100),  # exactly at the limit: whole
    ("line one\nline two\n" + "x" * 200, 90, f"line one\nline two\n{CARD_CUT_NOTE}"),
    ("x" * 500, 200, CARD_CUT_NOTE),  # no whole line fits: only the note
])
def test_fit_card_cuts_at_a_whole_line_and_says_so(content: str, limit: int, expected: str) -> None:
    fitted = fit_card(content, limit)
    assert fitted == expected and len(fitted) <= max(limit, len(CARD_CUT_NOTE))


# --- the curl helper shows where the card went ---------------------------------------------------------

def test_envelope_speech_marks_the_card_and_card_prints_it(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from skill.envelope import main

    chat = to_result(Conversation())
    result, summary = tmp_path / "result.json", tmp_path / "summary.json"
    result.write_text(json.dumps(chat.reply), encoding="utf-8")
    summary.write_text(json.dumps(chat.send(SUMMARY)), encoding="utf-8")
    assert main(["speech", str(result)]) == 0 and main(["speech", str(summary)]) == 0
    said_result, said_summary = capsys.readouterr().out.splitlines()
    assert "[card:" not in said_result
    assert said_summary.startswith(f"Alexa: {SUMMARY_SENT}") and said_summary.endswith(f"[card: {CARD_TITLE}]")
    assert main(["card", str(summary)]) == 0
    assert capsys.readouterr().out == f"{CARD_TITLE}\n\n{card_text(chat.reply).rstrip()}\n"
    assert main(["card", str(result)]) == 1
    assert "has no card" in capsys.readouterr().err


def test_a_forged_summary_with_an_unmatched_custom_slot_is_re_asked_without_a_card() -> None:
    """Like every intent: a custom slot Alexa could not resolve is never acted on."""
    from test_skill_requests import unit_slot

    chat = to_result(Conversation())
    at_result = chat.state
    forged = intent(SUMMARY_INTENT)
    forged["intent"]["slots"] = {"unit": unit_slot("decades", "ER_SUCCESS_NO_MATCH")}
    reply = chat.send(forged)
    assert card_of(reply) is None
    assert speech_text(reply) == step(at_result, "").speech and chat.state == at_result
