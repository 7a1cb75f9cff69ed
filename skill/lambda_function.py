"""AWS Lambda entry: ``lambda_handler(event, context)`` over the same skill the web endpoint serves.

The skill is built once per Lambda container (at import, during the cold start) rather than per
event as ``SkillBuilder.lambda_handler()`` does. Lambda needs no signature check: the Alexa trigger
is tied to the skill ID in the Lambda console. If ``SPINE_CHECK_SKILL_ID`` is set, the application ID
is checked as well.
"""

from __future__ import annotations

import json
import os
from typing import Any, cast

from ask_sdk_model import RequestEnvelope

from skill import build_skill, request_log
from skill.envelope_compat import normalize_envelope
from skill.verification import check_application_id

_skill = build_skill()
_skill_id = os.environ.get("SPINE_CHECK_SKILL_ID") or None
if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:  # in Lambda only: one JSON line per request
    request_log.configure_logging(request_log.resolve_format(None, dict(os.environ), "json"))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handle one Alexa request envelope and return the response envelope as a dict."""
    with request_log.track("lambda", verification="app_id" if _skill_id else "off"):
        return _handle(event, context)


def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and isinstance(event.get("request"), dict):
        event = normalize_envelope(event)  # numeric timestamps, null context, as Alexa sends
    if _skill_id is not None:
        # Raises VerificationError; Lambda reports it to Alexa as a failed invocation.
        check_application_id(event, _skill_id)
    request_envelope = _skill.serializer.deserialize(json.dumps(event), RequestEnvelope)
    response_envelope = _skill.invoke(request_envelope=request_envelope, context=context)
    response = _skill.serializer.serialize(response_envelope)
    return cast(dict[str, Any], response)  # a ResponseEnvelope always serializes to a JSON object
