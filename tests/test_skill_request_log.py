"""One log line per request, plain or JSON, and never a person's answers: in process through the
Flask app and the Lambda entry, and from a real ``python -m skill serve`` process."""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import re
import sys
import urllib.request
from typing import Any, Iterator

import pytest
from conftest import StartServer
from test_skill_handlers import CALM_NUMBERS, SKILL_ID, Conversation, envelope, intent, launch, number
from test_skill_requests import number_with_unit, reached, unit_slot

from skill import build_skill, request_log
from skill.handlers import STATE_KEY
from skill.request_log import (
    LOG_FORMAT_ENV,
    configure_logging,
    resolve_format,
    safe_name,
)
from skill.web import create_app

FIELDS = {"source", "request_type", "intent", "locale", "outcome", "verification", "status",
          "latency_ms"}
# Slot values no log field could contain by chance (a latency is never nine digits).
SECRET_NUMBER = "123456789"
SECRET_UNIT = "fortnights"
SECRET_ATTRIBUTE = "saddle-numbness-marker"
PLAIN_LINE = re.compile(
    r"^\S+ \S+ INFO spine_check\.request: request source=(\S+) request_type=(\S+) intent=(\S+) "
    r"locale=(\S+) outcome=(\S+) verification=(.+) status=(\d+) latency_ms=([\d.]+)$")


@pytest.fixture
def log_stream() -> Iterator[Any]:
    """Yields a function that configures logging into a fresh buffer; restores the root logger."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)

    def configure(log_format: str) -> io.StringIO:
        stream = io.StringIO()
        configure_logging(log_format, stream)
        return stream

    yield configure
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def post(client: Any, body: dict[str, Any]) -> Any:
    return client.post("/alexa", data=json.dumps(body), headers={"Content-Type": "application/json"})


def conversation_with_secrets(client: Any) -> int:
    """A launch, answers, a number with an unknown unit and a forged attribute; the request count."""
    chat = reached("duration_weeks")
    attributes = {**(chat.attributes or {}), "note": SECRET_ATTRIBUTE}
    bodies = [
        envelope(launch(), None, new=True),
        envelope(intent("AMAZON.NoIntent"), attributes),
        envelope(number_with_unit(SECRET_NUMBER, unit_slot(SECRET_UNIT, "ER_SUCCESS_NO_MATCH")),
                 attributes),
        envelope(intent("AnswerNumberIntent", number=SECRET_NUMBER), attributes),
        envelope({"type": "SessionEndedRequest", "reason": "USER_INITIATED"}, attributes),
    ]
    for body in bodies:
        assert post(client, body).status_code == 200
    return len(bodies)


def assert_no_secrets(text: str) -> None:
    for secret in (SECRET_NUMBER, SECRET_UNIT, SECRET_ATTRIBUTE, "answers", STATE_KEY,
                   "amzn1.ask.account", "amzn1.ask.device"):
        assert secret not in text, secret


def test_plain_format_one_line_per_request_without_slot_values(log_stream: Any) -> None:
    stream = log_stream("plain")
    client = create_app(build_skill(), skill_id=SKILL_ID, verify=False).test_client()
    count = conversation_with_secrets(client)
    lines = [line for line in stream.getvalue().splitlines() if "spine_check.request" in line]
    assert len(lines) == count
    parsed = [PLAIN_LINE.match(line) for line in lines]
    assert all(parsed), lines
    rows = [match.groups() for match in parsed if match]
    assert [row[1] for row in rows] == ["LaunchRequest", "IntentRequest", "IntentRequest",
                                       "IntentRequest", "SessionEndedRequest"]
    assert [row[2] for row in rows] == ["-", "answer", "answer", "answer", "-"]
    assert [row[4] for row in rows] == ["question", "replied", "replied", "replied", "silent"]
    assert {row[5] for row in rows} == {"off"}
    assert {row[0] for row in rows} == {"web"} and {row[6] for row in rows} == {"200"}
    assert_no_secrets(stream.getvalue())


def test_json_format_one_object_per_line_without_slot_values(log_stream: Any) -> None:
    stream = log_stream("json")
    client = create_app(build_skill(), skill_id=SKILL_ID, verify=False).test_client()
    count = conversation_with_secrets(client)
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is JSON
    requests = [e for e in entries if e["logger"] == "spine_check.request"]
    assert len(requests) == count
    for entry in requests:
        assert FIELDS <= set(entry)
        assert entry["level"] == "INFO" and entry["message"] == "request"
        assert isinstance(entry["latency_ms"], float) and entry["latency_ms"] >= 0
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    assert requests[2]["outcome"] == "replied" and requests[2]["intent"] == "answer"
    assert requests[0]["locale"] == "en-US"
    assert_no_secrets(stream.getvalue())


def test_rejected_and_refused_requests_are_logged(log_stream: Any) -> None:
    stream = log_stream("json")
    client = create_app(build_skill(), skill_id=SKILL_ID, verify=False).test_client()
    assert client.post("/alexa", data=b"{not json", headers={"Content-Type": "application/json"}
                       ).status_code == 400
    assert post(client, envelope(launch()) | {"context": {"System": {"application": {
        "applicationId": "amzn1.ask.skill.another"}}}}).status_code == 400
    assert client.get("/healthz").status_code == 200  # health checks are not request lines
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    requests = [e for e in entries if e["logger"] == "spine_check.request"]
    assert [(e["outcome"], e["status"]) for e in requests] == [("rejected", 400), ("rejected", 400)]
    assert requests[1]["verification"] == "refused: request is not for this skill"


def test_a_refusal_by_signature_verification_is_logged(log_stream: Any) -> None:
    stream = log_stream("plain")
    client = create_app(build_skill(), skill_id=SKILL_ID).test_client()
    assert post(client, envelope(launch())).status_code == 400  # no signature headers
    line = stream.getvalue().strip().splitlines()[-1]
    match = PLAIN_LINE.match(line)
    assert match, line
    assert match.group(6) == "refused: missing certificate chain URL"
    assert match.group(5) == "rejected"


def test_a_handler_error_is_logged_as_error_without_content(log_stream: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import skill.handlers as handlers

    def broken_step(state: Any, utterance: str, locale: Any = None) -> Any:
        raise ValueError(f"{utterance} {SECRET_ATTRIBUTE}")

    monkeypatch.setattr(handlers, "step", broken_step)
    stream = log_stream("json")
    client = create_app(build_skill(), skill_id=SKILL_ID, verify=False).test_client()
    assert post(client, envelope(intent("AMAZON.YesIntent"), {"x": 1})).status_code == 200
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["outcome"] for e in entries if e["logger"] == "spine_check.request"] == ["error"]
    assert any(e["level"] == "ERROR" and "ValueError" in e["message"] for e in entries)
    assert_no_secrets(stream.getvalue())


def test_lambda_entry_logs_one_line_per_event(log_stream: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The Lambda entry reads its configuration at import: a fresh copy in local-test mode.
    monkeypatch.delenv("SPINE_CHECK_SKILL_ID", raising=False)
    monkeypatch.setenv("SPINE_CHECK_LOCAL_TEST", "1")
    monkeypatch.delitem(sys.modules, "skill.lambda_function", raising=False)
    lambda_handler = importlib.import_module("skill.lambda_function").lambda_handler

    stream = log_stream("json")
    chat = reached("duration_weeks")
    body = envelope(number_with_unit(SECRET_NUMBER, unit_slot(SECRET_UNIT, "ER_SUCCESS_NO_MATCH")),
                    chat.attributes)
    reply = lambda_handler(body, None)
    assert reply["response"]["outputSpeech"]
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    (entry,) = [e for e in entries if e["logger"] == "spine_check.request"]
    assert entry["source"] == "lambda" and entry["outcome"] == "replied" and entry["status"] == 200
    assert_no_secrets(stream.getvalue())


@pytest.mark.parametrize(("value", "expected"), [
    ("AMAZON.YesIntent", "AMAZON.YesIntent"), ("en-GB", "en-GB"), (None, "-"), ("", "-"),
    (7, "-"), ("x" * 65, "other"), ("Yes\nINFO forged line", "other"), ('a" b', "other"),
])
def test_names_from_the_request_cannot_forge_log_lines(value: Any, expected: str) -> None:
    assert safe_name(value) == expected


@pytest.mark.parametrize(("option", "environ", "expected"), [
    (None, {}, "plain"), ("json", {}, "json"), (None, {LOG_FORMAT_ENV: "json"}, "json"),
    (None, {LOG_FORMAT_ENV: " JSON "}, "json"), ("plain", {LOG_FORMAT_ENV: "json"}, "plain"),
])
def test_format_choice(option: str | None, environ: dict[str, str], expected: str) -> None:
    assert resolve_format(option, environ) == expected


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="plain, json"):
        resolve_format(None, {LOG_FORMAT_ENV: "xml"})


def test_configure_twice_leaves_one_handler(log_stream: Any) -> None:
    log_stream("plain")
    log_stream("json")
    assert len(logging.getLogger().handlers) == 1


def test_configure_without_replace_keeps_a_host_s_logging(log_stream: Any) -> None:
    stream = log_stream("plain")
    assert configure_logging("json", io.StringIO(), replace=False) is None
    logging.getLogger("spine_check.test").info("kept")
    assert "kept" in stream.getvalue()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    assert configure_logging("json", stream, replace=False) is not None


def test_track_outside_a_request_is_harmless() -> None:
    request_log.note_outcome("question")  # no current record: nothing happens, nothing raised
    request_log.finish(200)


@pytest.mark.parametrize("how", ["option", "environment"])
def test_served_skill_logs_json_lines(start_skill_server: StartServer, how: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A real served process: every request line on stderr is one JSON object."""
    if how == "environment":
        monkeypatch.setenv(LOG_FORMAT_ENV, "json")
        server = start_skill_server()
    else:
        monkeypatch.delenv(LOG_FORMAT_ENV, raising=False)
        server = start_skill_server("--log-format", "json")
    for body in (envelope(launch(), None, new=True),
                 envelope(intent("AnswerNumberIntent", number=SECRET_NUMBER), None, new=True)):
        request = urllib.request.Request(f"{server.url}/alexa", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    log = server.log()
    requests = [json.loads(line) for line in log.splitlines()
                if line.startswith("{") and '"spine_check.request"' in line]
    assert [e["request_type"] for e in requests] == ["LaunchRequest", "IntentRequest"], log
    assert all(FIELDS <= set(e) for e in requests)
    assert_no_secrets(log)


def test_serve_refuses_an_unknown_log_format() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "skill", "serve", "--no-verify"],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, LOG_FORMAT_ENV: "xml"})
    assert result.returncode == 2
    assert "plain, json" in result.stderr


# --- answers cannot be read from the log ---------------------------------------------------------

YES, NO = intent("AMAZON.YesIntent"), intent("AMAZON.NoIntent")
MAYBE_YES, MAYBE_NO = intent("HedgedYesIntent"), intent("HedgedNoIntent")
DONT_KNOW = intent("DontKnowIntent")
# SummaryIntent: the summary's own request is logged like any command, whatever the answers.
AFTER = [intent("MoreIntent"), intent("AMAZON.RepeatIntent"), intent("SummaryIntent"), intent("AMAZON.HelpIntent"),
         intent("AMAZON.StopIntent")]


def calm(count: int) -> list[dict[str, Any]]:
    """The answers of a calm path, in question order: 'no' to yes/no, a mid-range number."""
    chat = Conversation()
    chat.send(launch())
    sent: list[dict[str, Any]] = []
    while len(sent) < count and not chat.finished:
        question_id, expects = chat.current_question()
        sent.append(number(CALM_NUMBERS.get(question_id or "", "2")) if expects == "number" else NO)
        chat.answer_calmly()
    return sent


def dialogue_log(client: Any, stream: io.StringIO, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Launch, the answers, then more/repeat/summary/help/stop and the session's end, each request carrying
    back the attributes of the reply before; the request lines logged, without time or latency."""
    stream.seek(0)
    stream.truncate()
    attributes: Any = None
    for request in [launch(), *answers, *AFTER, {"type": "SessionEndedRequest", "reason": "USER_INITIATED"}]:
        reply = post(client, envelope(request, attributes, new=attributes is None)).get_json()
        attributes = reply.get("sessionAttributes", attributes)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [{key: value for key, value in line.items() if key not in ("time", "latency_ms")}
            for line in lines if line["logger"] == "spine_check.request"]


def _with(answers: list[dict[str, Any]], turn: int, answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [*answers[:turn], answer, *answers[turn + 1:]]


# Each row: two paths that differ in one answer at one turn (and so may differ in everything the
# skill says after it: an emergency at once, a read-back, the next question, a re-ask).
ANSWER_PAIRS = {
    "yes or no to the emergency question": (0, YES, NO),
    "maybe yes or no to the emergency question": (0, MAYBE_YES, NO),
    "don't know or no to the emergency question": (0, DONT_KNOW, NO),
    "maybe no or yes to the second question": (1, MAYBE_NO, YES),
    "yes or no to the second question": (1, YES, NO),
    "yes or no at the fourth answer": (3, YES, NO),
    "a number out of range or in range": (-1, number("900"), None),
    "a number or don't know": (-1, DONT_KNOW, None),
}


@pytest.mark.parametrize("name", sorted(ANSWER_PAIRS))
def test_the_log_lines_are_the_same_whatever_the_answers(log_stream: Any, name: str) -> None:
    stream = log_stream("json")
    client = create_app(build_skill(), skill_id=SKILL_ID, verify=False).test_client()
    answers = calm(20)
    turn, first, second = ANSWER_PAIRS[name]
    if turn == -1:  # the first number question, against its calm number
        turn = next(i for i, request in enumerate(answers) if request["intent"]["name"] == "AnswerNumberIntent")
        second = answers[turn]
    one = dialogue_log(client, stream, _with(answers, turn, first))
    other = dialogue_log(client, stream, _with(answers, turn, second))
    assert len(one) == len(answers) + len(AFTER) + 2
    assert one == other
    assert {line["intent"] for line in one[1:len(answers) + 1]} == {"answer"}
    assert {line["outcome"] for line in one[1:-1]} == {"replied"}
    for line in one:  # no answer intent's name anywhere in the line
        assert not any(word in json.dumps(line) for word in
                       ("YesIntent", "NoIntent", "Hedged", "DontKnow", "AnswerNumber", "confirm"))
