"""AWS Lambda entry: ``lambda_handler(event, context)`` over the same skill the web endpoint serves.

Handler setting: ``skill.lambda_function.lambda_handler`` (runtime python3.11 or python3.12,
x86_64; ``bash scripts/build_lambda.sh`` builds the package, ``template.yaml`` deploys it).

The skill ID is required: set ``SPINE_CHECK_SKILL_ID`` to the skill's application ID
(``amzn1.ask.skill...``). Without it the module refuses to load, so a misconfigured function fails
at its first start instead of answering requests meant for another skill; only
``SPINE_CHECK_LOCAL_TEST=1`` (a test on your own machine) lifts that. Lambda needs no signature
check: the Alexa Skills Kit trigger ties the function to the skill ID, and the ID is checked here too.

Every event is checked as the web endpoint checks a request (skill/request_checks.py). One that is
not an Alexa request for this skill raises ``VerificationError``, which Lambda reports as a failed
invocation; its message is fixed text and never quotes the event, which holds health answers.

Imports only what a Lambda turn needs (no ``cryptography``, no trust store), and builds the skill
once per container, at import, during the cold start.
"""

from __future__ import annotations

import logging
import os
import traceback
from typing import Any, Mapping

from skill import build_skill, request_log
from skill.request_checks import VerificationError, handle_envelope

SKILL_ID_ENV = "SPINE_CHECK_SKILL_ID"
LOCAL_TEST_ENV = "SPINE_CHECK_LOCAL_TEST"

logger = logging.getLogger(__name__)


class InternalError(Exception):
    """A bug of ours while answering; the original error is logged by type and stack only."""


def configured_skill_id(environ: Mapping[str, str] = os.environ) -> str | None:
    """The skill ID to require, or None for a local test; raises RuntimeError when it is missing."""
    skill_id = environ.get(SKILL_ID_ENV, "").strip()
    if skill_id:
        return skill_id
    if environ.get(LOCAL_TEST_ENV) == "1":
        return None
    raise RuntimeError(
        f"set {SKILL_ID_ENV} to the skill's application ID (amzn1.ask.skill...); "
        f"for a test on your own machine only, set {LOCAL_TEST_ENV}=1 instead"
    )


_skill_id = configured_skill_id()
_skill = build_skill()
if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:  # in Lambda only: one JSON line per request
    request_log.configure_logging(request_log.resolve_format(None, dict(os.environ), "json"))


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    """Handle one Alexa request envelope and return the response envelope as a dict.

    Raises ``VerificationError`` for an event that is not an Alexa request for this skill and
    ``InternalError`` for a bug of ours; neither message quotes the event. Each call writes one
    request log line (skill/request_log.py)."""
    with request_log.track("lambda", verification="app_id" if _skill_id else "off"):
        return _handle(event, context)


def _handle(event: Any, context: Any) -> dict[str, Any]:
    try:
        return handle_envelope(_skill, event, skill_id=_skill_id, context=context)
    except VerificationError:
        raise  # fixed text; request_log.track records the refusal
    except Exception as exc:
        # The SDK's messages can quote the request: type and stack only, and the new error is
        # raised "from None" so that Lambda's report does not carry the original either.
        logger.error("internal error handling a request: %s\n%s", type(exc).__name__,
                     "".join(traceback.format_tb(exc.__traceback__)))
        raise InternalError("internal error") from None
