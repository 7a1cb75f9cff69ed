"""The skill's web endpoint: a small Flask app with ``POST /alexa`` and ``GET /healthz``.

Every failure caused by the request is a JSON 4xx (``{"error": "..."}``); only a bug of ours is a
500, and that never echoes or logs request content, which holds a person's health answers.
"""

from __future__ import annotations

import json
import logging
import traceback
from typing import Any

import flask
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from ask_sdk_runtime.exceptions import DispatchException
from werkzeug.exceptions import HTTPException

from skill import request_log
from skill.envelope_compat import normalize_envelope
from skill.verification import RequestVerifier, VerificationError, check_application_id

logger = logging.getLogger(__name__)

# Alexa requests are a few KiB; anything this large is not one.
MAX_BODY_BYTES = 64 * 1024
# Real envelopes nest about ten deep and this skill's session attributes five. The ASK SDK's
# deserializer recurses once per level and hits Python's recursion limit a few hundred levels down,
# so nesting is bounded before the SDK sees the request.
MAX_JSON_DEPTH = 64


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


def _error(status: int, message: str) -> flask.Response:
    response = flask.jsonify(error=message)
    response.status_code = status
    return response


def create_app(
    skill: CustomSkill,
    *,
    skill_id: str | None,
    verify: bool = True,
    verifier: RequestVerifier | None = None,
) -> flask.Flask:
    """Build the Flask app around ``skill``.

    With ``verify`` on (the default) a skill ID is required; ``verifier`` may be passed to inject a
    trust store, fetcher or clock. With ``verify`` off, a configured ``skill_id`` is still checked
    against each request's application ID, since that costs nothing and catches misrouted traffic.
    """
    if verify and not skill_id:
        raise ValueError("request verification needs a skill ID")
    if verify and verifier is None:
        verifier = RequestVerifier(skill_id)  # type: ignore[arg-type]
    if not verify:
        verifier = None

    app = flask.Flask(__name__)
    # One byte over the limit: Werkzeug stops a chunked (length-less) body at the limit without
    # complaint, so reading limit + 1 bytes is how an oversized one shows itself (checked below).
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES + 1

    @app.get("/healthz")
    def healthz() -> flask.Response:
        return flask.jsonify(status="ok")

    @app.post("/alexa")
    def alexa() -> flask.Response:
        if flask.request.mimetype != "application/json":
            return _error(415, "content type must be application/json")
        # A Content-Length over the limit is refused by Werkzeug with 413 before reading.
        body = flask.request.get_data(cache=False)
        if len(body) > MAX_BODY_BYTES:
            return _error(413, "request body too large")
        if verifier is not None:
            verifier.verify_signature(dict(flask.request.headers.items()), body)
        try:
            envelope = json.loads(body)
        except (ValueError, RecursionError):
            return _error(400, "body is not valid JSON")
        if not isinstance(envelope, dict) or not isinstance(envelope.get("request"), dict):
            return _error(400, "body is not an Alexa request envelope")
        if json_depth(envelope) > MAX_JSON_DEPTH:
            return _error(400, f"request nests deeper than {MAX_JSON_DEPTH} levels")
        envelope = normalize_envelope(envelope)  # numeric timestamps, null context, as Alexa sends
        # The SDK's deserializer quietly accepts some wrong shapes here; handlers would then crash.
        if any(not isinstance(envelope.get(key, {}), dict) for key in ("session", "context")):
            return _error(400, "session and context must be objects")
        if verifier is not None:
            verifier.verify_envelope(envelope)
        elif skill_id:
            check_application_id(envelope, skill_id)
        try:
            request_envelope = skill.serializer.deserialize(json.dumps(envelope), RequestEnvelope)
        except (SerializationException, ValueError, TypeError, AttributeError, RecursionError):
            # The SDK's deserializer turns most wrong-typed fields into SerializationException but
            # lets a few plain Python errors through; all of them mean the input is malformed.
            return _error(400, "request envelope has missing or wrong-typed fields")
        if request_envelope.request is None:
            return _error(400, "request envelope has no request")
        try:
            response_envelope = skill.invoke(request_envelope=request_envelope, context=None)
        except DispatchException:
            # No handler claims this request type; a skill with a catch-all never gets here.
            return _error(400, "request type not supported")
        return flask.jsonify(skill.serializer.serialize(response_envelope))

    request_log.install(app, verifying=verifier is not None)

    @app.errorhandler(VerificationError)
    def verification_failed(exc: VerificationError) -> flask.Response:
        request_log.note_verification(f"refused: {exc.message}")  # our fixed message, no content
        return _error(exc.status_code, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> flask.Response:
        return _error(exc.code or 400, exc.name.lower())

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> flask.Response:
        # Type and stack only: exception messages (the SDK's included) can quote the request body.
        logger.error(
            "internal error handling a request: %s\n%s",
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return _error(500, "internal error")

    return app
