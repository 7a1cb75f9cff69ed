"""The Lambda entry (skill/lambda_function.py): real ask-sdk request and response objects through
``lambda_handler``, every kind of bad event refused without quoting it, and the skill ID required.

The module reads its configuration at import (once per Lambda container), so each test imports a
fresh copy under the environment it needs.
"""

from __future__ import annotations

import importlib
import logging
import sys
from types import ModuleType
from typing import Any

import pytest
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill_builder import SkillBuilder

from skill.envelope import request_envelope
from skill.request_checks import MAX_ENVELOPE_BYTES, VerificationError

OUR_SKILL = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
OTHER_SKILL = "amzn1.ask.skill.99999999-8888-7777-6666-555555555555"
# Planted in bad events: must never appear in an error message or a log line.
SECRET = "MY-HEALTH-ANSWER-7f3a"


def fresh_entry(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    """Import skill.lambda_function anew with exactly these SPINE_CHECK_* variables set."""
    for name in ("SPINE_CHECK_SKILL_ID", "SPINE_CHECK_LOCAL_TEST"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "skill.lambda_function", raising=False)
    return importlib.import_module("skill.lambda_function")


@pytest.fixture
def entry(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return fresh_entry(monkeypatch, SPINE_CHECK_SKILL_ID=OUR_SKILL)


def launch(app_id: str = OUR_SKILL) -> dict[str, Any]:
    return request_envelope({"type": "LaunchRequest"}, app_id=app_id)


def speech(response: dict[str, Any]) -> str:
    return response["response"]["outputSpeech"]["ssml"]


def test_launch_request_gets_the_welcome_and_the_first_question(entry):
    response = entry.lambda_handler(launch(), None)
    assert "Welcome to Spine Check" in speech(response)
    assert response["response"]["shouldEndSession"] is False
    assert response["sessionAttributes"]["triage"]


def test_a_dialogue_carries_session_attributes_from_turn_to_turn(entry):
    first = entry.lambda_handler(launch(), None)
    no = request_envelope({"type": "IntentRequest", "intent": {"name": "AMAZON.NoIntent",
                                                               "confirmationStatus": "NONE"}},
                          first["sessionAttributes"], app_id=OUR_SKILL)
    second = entry.lambda_handler(no, None)
    assert speech(second) != speech(first)
    assert second["sessionAttributes"]["triage"] != first["sessionAttributes"]["triage"]


def _nested(depth: int) -> Any:
    value: Any = SECRET
    for _ in range(depth):
        value = {"x": value}
    return value


def _with(path: tuple[str, ...], value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    event = base or launch()
    node = event
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return event


# Every kind of event that is not an Alexa request for this skill.
BAD_EVENTS = [
    ("None", None),
    ("a string", SECRET),
    ("a number", 42),
    ("a list", [SECRET]),
    ("an empty object", {}),
    ("no request", {"version": "1.0", "session": {"attributes": {"a": SECRET}}}),
    ("request is a string", {"request": SECRET}),
    ("request has no type", _with(("request",), {"requestId": SECRET})),
    ("session is a list", _with(("session",), [SECRET])),
    ("context is a string", _with(("context",), SECRET)),
    ("timestamp is not a date", _with(("request", "timestamp"), SECRET)),
    ("intent is a string", _with(("request",), {"type": "IntentRequest", "requestId": "r",
                                                "timestamp": "2024-01-01T00:00:00Z", "intent": SECRET})),
    ("attributes nested 600 deep", _with(("session", "attributes"), _nested(600))),
    ("attributes over 64 KiB", _with(("session", "attributes"), {"a": SECRET * (MAX_ENVELOPE_BYTES // 20)})),
    ("request for another skill", launch(OTHER_SKILL)),
    ("no application ID anywhere", _with(("context",), {}, _with(("session", "application"), {}))),
    ("unknown request type", _with(("request", "type"), "Messaging.MessageReceived")),
]


@pytest.mark.parametrize("name, event", BAD_EVENTS, ids=[row[0] for row in BAD_EVENTS])
def test_bad_events_are_refused_without_quoting_them(entry, caplog, name, event):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(VerificationError) as refused:
        entry.lambda_handler(event, None)
    assert refused.value.status_code in (400, 413)
    # What Lambda reports and logs: the message, the exception chain and every log record.
    assert SECRET not in str(refused.value)
    assert refused.value.__cause__ is None
    assert refused.value.__suppress_context__ or refused.value.__context__ is None
    assert SECRET not in caplog.text


def test_a_bug_of_ours_is_reported_without_its_message(entry, monkeypatch, caplog):
    """A real SDK skill whose handler fails with request content in its message, and no exception
    handler: only the error's type and stack reach the log and Lambda's report."""

    class Failing(AbstractRequestHandler):
        def can_handle(self, handler_input):
            return True

        def handle(self, handler_input):
            raise ValueError(f"cannot read {SECRET}")

    builder = SkillBuilder()
    builder.add_request_handler(Failing())
    monkeypatch.setattr(entry, "_skill", builder.create())
    caplog.set_level(logging.DEBUG)
    with pytest.raises(entry.InternalError) as failed:
        entry.lambda_handler(launch(), None)
    assert str(failed.value) == "internal error"
    assert failed.value.__suppress_context__
    assert "ValueError" in caplog.text and SECRET not in caplog.text


def test_entry_refuses_a_request_for_another_skill(monkeypatch):
    """Catches a typo in the environment variable's name: the entry would then either refuse to
    load (no skill ID) or, worse, answer every skill's requests."""
    entry = fresh_entry(monkeypatch, SPINE_CHECK_SKILL_ID=OUR_SKILL)
    assert "Welcome" in speech(entry.lambda_handler(launch(OUR_SKILL), None))
    with pytest.raises(VerificationError, match="not for this skill"):
        entry.lambda_handler(launch(OTHER_SKILL), None)


@pytest.mark.parametrize("env", [{}, {"SPINE_CHECK_SKILL_ID": "  "}, {"SPINE_CHECK_LOCAL_TEST": "0"},
                                 {"SPINE_CHECK_LOCAL_TEST": "yes please"}])
def test_entry_refuses_to_load_without_a_skill_id(monkeypatch, env):
    with pytest.raises(RuntimeError, match="set SPINE_CHECK_SKILL_ID") as refused:
        fresh_entry(monkeypatch, **env)
    assert "SPINE_CHECK_LOCAL_TEST=1" in str(refused.value)


def test_local_test_mode_runs_without_a_skill_id(monkeypatch):
    entry = fresh_entry(monkeypatch, SPINE_CHECK_LOCAL_TEST="1")
    assert "Welcome" in speech(entry.lambda_handler(launch(OTHER_SKILL), None))
    # A skill ID, when given, is still checked in local test mode.
    entry = fresh_entry(monkeypatch, SPINE_CHECK_LOCAL_TEST="1", SPINE_CHECK_SKILL_ID=OUR_SKILL)
    with pytest.raises(VerificationError):
        entry.lambda_handler(launch(OTHER_SKILL), None)
