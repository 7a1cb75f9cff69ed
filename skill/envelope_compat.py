"""Request envelopes as Alexa really sends them, made readable by the ASK SDK's deserializer.

Captured traffic differs from the documented format in ways the SDK refuses with an error:

- ``request.timestamp`` as a number: the developer console's simulator sends epoch milliseconds
  (``1501507326551``) instead of ISO 8601; other projects' parsers broke on it in July 2017
  (AreYouFreeBusy/AlexaSkillsKit.NET#37, mikeflynn/go-alexa#16, johnwheeler/flask-ask#152).
- ``"context": null`` or ``"session": null``: a missing object spelled as null.

Everything else Alexa adds (Viewport and APL fields, ``person``, fields no SDK version knows yet)
the SDK already ignores or reads; see the test rows in tests/test_skill_requests.py.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

# Epoch values above this are milliseconds (1e11 seconds is the year 5138).
_MILLISECONDS_FROM = 1e11
_OPTIONAL_OBJECTS = ("session", "context")


def iso_timestamp(value: Any) -> Any:
    """An epoch number (seconds or milliseconds) as ISO 8601 UTC text; anything else unchanged
    (verification and the deserializer then refuse what is not a timestamp)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    seconds = value / 1000 if abs(value) >= _MILLISECONDS_FROM else value
    try:
        moment = datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return value
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize_envelope(envelope: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``envelope`` with a numeric ``request.timestamp`` as ISO text and ``null``
    session or context left out. The caller has checked that it is a dict with a dict request."""
    normalized = {key: value for key, value in envelope.items()
                  if not (key in _OPTIONAL_OBJECTS and value is None)}
    request = envelope.get("request")
    if isinstance(request, dict) and "timestamp" in request:
        normalized["request"] = {**request, "timestamp": iso_timestamp(request["timestamp"])}
    return normalized
