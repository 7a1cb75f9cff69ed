"""Checks every way into the skill shares: the web endpoint (skill/web.py) and the Lambda entry
(skill/lambda_function.py) both turn a parsed Alexa request envelope into a response through here.

Only the standard library and ask-sdk-core: the Lambda entry imports this, and a Lambda turn needs
no ``cryptography`` (signature checks are for web services only; see skill/verification.py).

Every refusal is a ``VerificationError`` with a fixed message. No message here quotes the request,
because a request carries a person's health answers, and errors end up in logs.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, cast

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from ask_sdk_runtime.exceptions import DispatchException

from skill.envelope_compat import normalize_envelope

# Alexa requests are a few KiB; anything this large is not one.
MAX_ENVELOPE_BYTES = 64 * 1024
# Real envelopes nest about ten deep and this skill's session attributes five. The ASK SDK's
# deserializer recurses once per level and hits Python's recursion limit a few hundred levels down,
# so nesting is bounded before the SDK sees the request.
MAX_JSON_DEPTH = 64

class VerificationError(Exception):
    """A request was refused; ``status_code`` is the HTTP status to answer with."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def json_depth(value: Any) -> int:
    """How deeply ``value`` (parsed JSON) nests containers: 0 for a scalar, 1 for ``[]`` or ``{}``.

    Iterative, so it cannot itself run out of stack on hostile input.
    """
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth + 1)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def check_envelope_shape(envelope: object) -> dict[str, Any]:
    """``envelope`` normalized (skill/envelope_compat.py) if it is an object with a ``request``
    object, nested at most ``MAX_JSON_DEPTH`` deep, with ``session`` and ``context`` objects where
    present; else ``VerificationError`` (400).

    The SDK's deserializer quietly accepts some wrong shapes here; handlers would then crash."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("request"), dict):
        raise VerificationError(400, "body is not an Alexa request envelope")
    if json_depth(envelope) > MAX_JSON_DEPTH:
        raise VerificationError(400, f"request nests deeper than {MAX_JSON_DEPTH} levels")
    normalized = normalize_envelope(envelope)  # numeric timestamps, null context, as Alexa sends
    if any(not isinstance(normalized.get(key, {}), dict) for key in ("session", "context")):
        raise VerificationError(400, "session and context must be objects")
    return normalized


def application_id_of(envelope: Mapping[str, Any]) -> str | None:
    """The application ID of a request envelope: context first, then session (older requests)."""
    for outer, inner in (("context", "System"), ("session", None)):
        node: Any = envelope.get(outer)
        if inner is not None and isinstance(node, dict):
            node = node.get(inner)
        if isinstance(node, dict):
            application = node.get("application")
            if isinstance(application, dict):
                app_id = application.get("applicationId")
                if isinstance(app_id, str):
                    return app_id
    return None


def check_application_id(envelope: Mapping[str, Any], skill_id: str) -> None:
    """Refuse a request addressed to another skill."""
    if application_id_of(envelope) != skill_id:
        raise VerificationError(400, "request is not for this skill")


def deserialize_envelope(skill: CustomSkill, text: str) -> RequestEnvelope:
    """The SDK's ``RequestEnvelope`` for JSON ``text`` already passed ``check_envelope_shape``."""
    try:
        request_envelope = skill.serializer.deserialize(text, RequestEnvelope)
    except (SerializationException, ValueError, TypeError, AttributeError, RecursionError):
        # The SDK's deserializer turns most wrong-typed fields into SerializationException but
        # lets a few plain Python errors through; all of them mean the input is malformed. Their
        # messages quote the request, so none of them is passed on.
        raise VerificationError(400, "request envelope has missing or wrong-typed fields") from None
    if request_envelope.request is None:
        raise VerificationError(400, "request envelope has no request")
    return cast(RequestEnvelope, request_envelope)


def respond(skill: CustomSkill, request_envelope: RequestEnvelope, context: Any = None) -> dict[str, Any]:
    """Run the skill on one request; the response envelope as a JSON-ready dict."""
    try:
        response_envelope = skill.invoke(request_envelope=request_envelope, context=context)
    except DispatchException:
        # No handler claims this request type; a skill with a catch-all never gets here.
        raise VerificationError(400, "request type not supported") from None
    return cast(dict[str, Any], skill.serializer.serialize(response_envelope))


def handle_envelope(skill: CustomSkill, envelope: object, *, skill_id: str | None,
                    context: Any = None) -> dict[str, Any]:
    """Every check for an already-parsed envelope, then the skill's response as a dict.

    Used as is by the Lambda entry; the web endpoint runs the same steps with the signature and
    timestamp checks in between."""
    checked = check_envelope_shape(envelope)
    try:
        text = json.dumps(checked)
    except (ValueError, TypeError, RecursionError):
        raise VerificationError(400, "body is not valid JSON") from None
    if len(text.encode("utf-8")) > MAX_ENVELOPE_BYTES:
        raise VerificationError(413, "request body too large")
    if skill_id is not None:
        check_application_id(checked, skill_id)
    return respond(skill, deserialize_envelope(skill, text), context)
