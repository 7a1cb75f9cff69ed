"""WSGI entry for any WSGI server, e.g. ``waitress-serve --listen 127.0.0.1:8080 skill.wsgi:app``
behind a TLS-terminating proxy (``python -m skill serve`` does the same with tuned limits).

Verification is always on here; the skill ID comes from ``SPINE_CHECK_SKILL_ID`` and the app
refuses to load without it or without a readable CA bundle (TrustStoreError), so a misconfigured
deployment fails at start rather than serving unverified requests or failing every one.
"""

from __future__ import annotations

import os

import flask

from skill import build_skill
from skill.request_log import configure_logging, resolve_format
from skill.web import create_app

SKILL_ID_ENV = "SPINE_CHECK_SKILL_ID"


def _create() -> flask.Flask:
    skill_id = os.environ.get(SKILL_ID_ENV)
    if not skill_id:
        raise RuntimeError(f"set {SKILL_ID_ENV} to the skill's application ID before starting")
    # One line per request, plain or JSON by $SPINE_CHECK_LOG_FORMAT (skill/request_log.py),
    # unless the host has set up logging already.
    configure_logging(resolve_format(None, dict(os.environ)), replace=False)
    return create_app(build_skill(), skill_id=skill_id, verify=True)


app = _create()
