"""One log line per Alexa request: what kind of request it was, never what the person said.

Each request handled by the web endpoint or the Lambda entry produces exactly one line on the
``spine_check.request`` logger, with these fields:

- ``source``: ``web`` or ``lambda``
- ``request_type``: ``LaunchRequest``, ``IntentRequest``, ... (``-`` if the body never parsed)
- ``intent``: the intent name for an IntentRequest or CanFulfillIntentRequest, else ``-``; every
  intent that answers a question (yes, no, hedged yes or no, don't know, a number) is logged as
  ``answer``, so the line never says which answer was given
- ``outcome``: see below; for an IntentRequest it is always ``replied`` (or ``error``)
- ``locale``: the request's locale (``en-GB``), ``-`` if none
- ``outcome``: the kind of reply: ``replied`` (any IntentRequest answered), the core turn's kind for
  a LaunchRequest (``question``), ``can_fulfill_yes``/``can_fulfill_no``, ``silent`` (SessionEnded
  and the like), ``error`` (a handler failed), or ``rejected`` (refused before the skill ran)
- ``verification``: ``passed``, ``refused: <reason>``, ``off`` (local testing), ``app_id``
  (Lambda: only the application ID is checked) or ``-`` (the request never got that far)
- ``status``: the HTTP status (web) or 200/500 (Lambda)
- ``latency_ms``: wall time from the request's arrival to its reply, in milliseconds

Why no IntentRequest logs the kind of its reply: that kind depends on the answers. "outcome" right
after the first answer means yes to the emergency question; "confirm" means a hedged answer; "reask"
a number out of range; and a command's reply shows whether the result has been given ("more" says
the details after the result, help before it), which after few answers means a red flag. Operations
need the request count, errors, status and latency per request kind, and every line keeps those.
An ``ended`` flag is left out too: it would tell a stop from the last answer's emergency.
(Lines carry no session or user ID; on a busy endpoint lines of many sessions interleave.)

Never logged: slot values, session attributes, the answers, the outcome's tier, user or device IDs,
or any other request content. Names that come from the request (type, intent, locale) are logged
only if they look like names (letters, digits, ``._-``, at most 64 characters), so a forged
request cannot write arbitrary text into the log.

Format: ``plain`` (``key=value`` pairs, for a terminal) or ``json`` (one JSON object per line, for
a log service such as CloudWatch Logs, whose Logs Insights discovers the fields of JSON lines).
Chosen by :func:`configure_logging`, from ``--log-format`` or the ``SPINE_CHECK_LOG_FORMAT``
environment variable.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Iterator, TextIO

LOG_FORMAT_ENV = "SPINE_CHECK_LOG_FORMAT"
LOG_FORMATS = ("plain", "json")
REQUEST_LOGGER = "spine_check.request"
NONE = "-"
# What every answer intent is logged as, and every IntentRequest's outcome (module docstring).
ANSWER = "answer"
REPLIED = "replied"

_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_FIELDS = ("source", "request_type", "intent", "locale", "outcome", "verification", "status",
           "latency_ms")

request_logger = logging.getLogger(REQUEST_LOGGER)


def safe_name(value: Any) -> str:
    """``value`` if it is a short name-like string, else ``-`` (or ``other`` for any other text)."""
    if not isinstance(value, str) or not value:
        return NONE
    return value if _NAME.fullmatch(value) else "other"


class RequestRecord:
    """What is known about the request being handled; filled in as the request goes through.

    A plain class: a dataclass's generated methods would cost every Lambda cold start a millisecond."""

    __slots__ = ("source", "verification", "request_type", "intent", "locale", "outcome", "in_dialogue",
                 "started")

    def __init__(self, source: str, verification: str = NONE) -> None:
        self.source = source
        self.verification = verification
        self.request_type = NONE
        self.intent = NONE
        self.locale = NONE
        self.outcome = NONE
        self.in_dialogue = False
        self.started = time.perf_counter()

    def fields(self, status: int) -> dict[str, Any]:
        latency_ms = round((time.perf_counter() - self.started) * 1000, 1)
        return {"source": self.source, "request_type": self.request_type, "intent": self.intent,
                "locale": self.locale, "outcome": self.outcome, "verification": self.verification,
                "status": status, "latency_ms": latency_ms}


_current: ContextVar[RequestRecord | None] = ContextVar("spine_check_request", default=None)


def begin(source: str, *, verification: str = NONE) -> RequestRecord:
    """Start the record of a new request (one per thread or task; replaces any earlier one)."""
    record = RequestRecord(source=source, verification=verification)
    _current.set(record)
    return record


def current() -> RequestRecord | None:
    return _current.get()


def note_request(request_type: Any, intent: Any = None, locale: Any = None, *,
                 answer: bool = False) -> None:
    """Record the request's type, intent name and locale (sanitized: see :func:`safe_name`).

    ``answer``: the intent answers a question; it is logged as ``answer``, whichever answer it
    was. An IntentRequest's outcome is logged as ``replied`` (see the module docstring)."""
    record = _current.get()
    if record is not None:
        record.request_type = safe_name(request_type)
        record.intent = ANSWER if answer else safe_name(intent)
        record.locale = safe_name(locale)
        record.in_dialogue = request_type == "IntentRequest"


def note_outcome(kind: str) -> None:
    """Record the kind of reply (a fixed word chosen by our code, never request content); for an
    IntentRequest only ``error`` is kept, any other kind is logged as ``replied``."""
    record = _current.get()
    if record is not None:
        record.outcome = REPLIED if record.in_dialogue and kind != "error" else kind


def note_verification(result: str) -> None:
    """Record the verification result: ``passed``, ``refused: <our reason>``, ``off``, ..."""
    record = _current.get()
    if record is not None:
        record.verification = result


def finish(status: int) -> None:
    """Write the request's one line and forget the record."""
    record = _current.get()
    if record is None:
        return
    _current.set(None)
    if record.outcome == NONE and status >= 400:
        record.outcome = "error" if status >= 500 else "rejected"
    fields = record.fields(status)
    level = logging.ERROR if status >= 500 else logging.INFO
    request_logger.log(level, "request %s", _plain_fields(fields), extra={"request": fields})


@contextmanager
def track(source: str, *, verification: str = NONE) -> Iterator[RequestRecord]:
    """``with track("lambda"):`` around one request: logs its line when the block ends.

    If the block raises, the line says status 500 and outcome ``error``; an exception that
    carries a 4xx ``status_code`` and a ``message`` (skill.verification.VerificationError) is
    logged as a refusal with that fixed message instead."""
    record = begin(source, verification=verification)
    try:
        yield record
    except BaseException as exc:
        status = getattr(exc, "status_code", None)
        message = getattr(exc, "message", None)
        if isinstance(status, int) and 400 <= status < 500 and isinstance(message, str):
            record.verification = f"refused: {message}"
            finish(status)
        else:
            finish(500)
        raise
    finish(200)


def install(app: Any, *, verifying: bool, endpoint: str = "alexa") -> None:
    """Log one line per request to the Flask view ``endpoint`` (not health checks).

    The verification result is ``off`` when not ``verifying``; else ``refused: ...`` if the view
    noted a refusal, ``passed`` if the request reached the skill, ``-`` if it was turned away
    before verification finished (wrong content type, body too large, not JSON)."""
    import flask  # only the web endpoint needs it; the Lambda entry must not import it

    @app.before_request
    def _begin() -> None:
        if flask.request.endpoint == endpoint:
            begin("web", verification=NONE if verifying else "off")

    @app.after_request
    def _finish(response: Any) -> Any:
        record = _current.get()
        if record is not None:
            if record.verification == NONE and record.request_type != NONE:
                record.verification = "passed"
            finish(response.status_code)
        return response


def _plain_fields(fields: dict[str, Any]) -> str:
    return " ".join(f"{key}={fields[key]}" for key in _FIELDS)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and for request lines their fields.

    A request line carries its fields at the top level (``"intent": "AMAZON.HelpIntent"``), so a log
    service can filter on them; an exception's traceback goes in ``"exception"``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
        }
        request_fields = getattr(record, "request", None)
        if isinstance(request_fields, dict):
            entry["message"] = "request"
            entry.update(request_fields)
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def make_formatter(log_format: str) -> logging.Formatter:
    """The formatter for ``plain`` or ``json``; ValueError for anything else."""
    if log_format == "json":
        return JsonFormatter()
    if log_format == "plain":
        return logging.Formatter(PLAIN_FORMAT)
    raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")


def resolve_format(option: str | None, environ: dict[str, str], default: str = "plain") -> str:
    """The format from the command-line option, else ``$SPINE_CHECK_LOG_FORMAT``, else ``default``."""
    chosen = option or environ.get(LOG_FORMAT_ENV) or default
    chosen = chosen.strip().lower()
    if chosen not in LOG_FORMATS:
        raise ValueError(f"{LOG_FORMAT_ENV} / --log-format must be one of "
                         f"{', '.join(LOG_FORMATS)}, got {chosen!r}")
    return chosen


def configure_logging(log_format: str, stream: TextIO | None = None,
                      level: int = logging.INFO, *, replace: bool = True) -> logging.Handler | None:
    """Send INFO and above from every logger to ``stream`` (default stderr) in ``log_format``.

    Replaces every handler on the root logger: one this function installed earlier, and the one
    AWS Lambda's runtime installs (its own prefix would break JSON lines). Calling it twice leaves
    one handler. With ``replace=False`` (a WSGI module imported by a host that may have set up
    logging itself) it does nothing if the root logger already has a handler, and returns None."""
    root = logging.getLogger()
    if not replace and root.handlers:
        return None
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(log_format))
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
