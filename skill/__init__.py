"""Spine Check as an Alexa skill: ``build_skill()`` returns the ask-sdk-core ``CustomSkill``.

The handlers (skill/handlers.py) only turn intents into the core's plain-text replies and the
core's turns into speech; the web endpoint (skill/web.py) and the Lambda entry
(skill/lambda_function.py) serve the same skill object.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the SDK is imported when the skill is built, so `skill.envelope` starts fast
    from ask_sdk_core.skill import CustomSkill

__all__ = ["build_skill"]


@lru_cache(maxsize=1)
def build_skill() -> CustomSkill:
    """The skill with every handler registered; built once per process (it holds no state)."""
    # Imported here so that `python -m skill serve --help` and its refusals stay instant.
    from ask_sdk_core.skill_builder import SkillBuilder

    from skill.handlers import (
        EXCEPTION_HANDLERS,
        REQUEST_HANDLERS,
        REQUEST_INTERCEPTORS,
        RESPONSE_INTERCEPTORS,
    )

    builder = SkillBuilder()
    for interceptor in REQUEST_INTERCEPTORS:
        builder.add_global_request_interceptor(interceptor)
    for response_interceptor in RESPONSE_INTERCEPTORS:
        builder.add_global_response_interceptor(response_interceptor)
    for handler in REQUEST_HANDLERS:
        builder.add_request_handler(handler)
    for exception_handler in EXCEPTION_HANDLERS:
        builder.add_exception_handler(exception_handler)
    return builder.create()
