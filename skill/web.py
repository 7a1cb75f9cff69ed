"""The skill's web endpoint: a small Flask app with ``POST /alexa`` and ``GET /healthz``.

Every failure caused by the request is a JSON 4xx (``{"error": "..."}``); only a bug of ours is a
500, and that never echoes or logs request content, which holds a person's health answers.
"""

from __future__ import annotations

import json
import logging
import traceback

import flask
from ask_sdk_core.skill import CustomSkill
from werkzeug.exceptions import HTTPException

from skill import request_log
from skill.request_checks import (
    MAX_ENVELOPE_BYTES,
    VerificationError,
    check_application_id,
    check_envelope_shape,
    deserialize_envelope,
    respond,
)
from skill.verification import RequestVerifier

logger = logging.getLogger(__name__)

# Alexa requests are a few KiB; anything this large is not one (the Lambda entry's limit too).
MAX_BODY_BYTES = MAX_ENVELOPE_BYTES


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
        # The checks the Lambda entry makes too (skill/request_checks.py); each raises
        # VerificationError, answered below with its status.
        envelope = check_envelope_shape(envelope)  # normalized as Alexa really sends it
        if verifier is not None:
            verifier.verify_envelope(envelope)
        elif skill_id:
            check_application_id(envelope, skill_id)
        request_envelope = deserialize_envelope(skill, json.dumps(envelope))
        return flask.jsonify(respond(skill, request_envelope))

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
