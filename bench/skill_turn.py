"""Benchmark of one skill turn: in process, cold start and HTTP under gunicorn.

(Work in progress: the minimal reference skill below is also served by the tests.)
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import Response


class _SpeakAndAsk(AbstractRequestHandler):
    """Answers every request with one spoken question: the least a real skill can do."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak("Does it hurt?").ask("Does it hurt?").response


def build_minimal_skill() -> CustomSkill:
    """The reference point: an ask-sdk-core skill with one handler returning speak + ask."""
    builder = SkillBuilder()
    builder.add_request_handler(_SpeakAndAsk())
    return builder.create()
