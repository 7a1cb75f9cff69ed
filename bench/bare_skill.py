"""The baseline for the skill benchmarks: a bare ask-sdk-core skill with one handler that returns
speak + ask, the least a real skill can do.

It lives in a module of its own, importing nothing but the SDK, so that timing its cold start
times the SDK and nothing else (bench/skill_turn.py imports much more of the standard library).
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import Response


class SpeakAndAsk(AbstractRequestHandler):
    """Answers every request with one spoken question."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak("Does it hurt?").ask("Does it hurt?").response


def build_skill() -> CustomSkill:
    """The bare skill: one handler, no exception handlers, no state."""
    builder = SkillBuilder()
    builder.add_request_handler(SpeakAndAsk())
    return builder.create()
