"""Alexa request envelopes built locally, for tests, the benchmark and trying the endpoint by hand.

Alexa itself sends these; here they carry made-up ids and the fields the ASK SDK reads.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

LOCAL_USER = "amzn1.ask.account.local"


def request_envelope(request: dict[str, Any], attributes: dict[str, Any] | None = None, *, app_id: str,
                     new: bool | None = None, timestamp: datetime | None = None) -> dict[str, Any]:
    """An envelope around `request` (its `type` and any fields; they override the defaults here).

    `new` defaults to "no session attributes yet"; `timestamp` to now, as verification expects."""
    application = {"applicationId": app_id}
    stamp = (timestamp or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "1.0",
        "session": {
            "new": attributes is None if new is None else new,
            "sessionId": "amzn1.echo-api.session.local",
            "application": application,
            "attributes": {} if attributes is None else attributes,
            "user": {"userId": LOCAL_USER},
        },
        "context": {
            "System": {
                "application": application,
                "user": {"userId": LOCAL_USER},
                "device": {"deviceId": "amzn1.ask.device.local", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": {"requestId": "amzn1.echo-api.request.local", "timestamp": stamp, "locale": "en-US",
                    **request},
    }
