"""JSON bodies for the errors waitress answers itself, so that every request at fault gets a JSON 4xx.

waitress refuses some requests before the Flask app sees them: a body over its buffer limit (413,
from the Content-Length at once, or as a chunked body grows past it), headers over their limit
(431), a malformed request line or header (400). Its own reply is ``text/plain``; these classes make
it ``{"error": "..."}`` with the same status, like the app's own refusals (skill/web.py).
"""

from __future__ import annotations

import json
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask

# The app's wording for the same refusal, so a client sees one message whichever layer refused.
_MESSAGES = {413: "request body too large"}


class JsonErrorTask(ErrorTask):
    """waitress's error reply with a JSON body; the status and closing the connection unchanged."""

    def execute(self) -> None:
        error = self.request.error
        body = json.dumps({"error": _MESSAGES.get(error.code, error.reason.lower())}).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class JsonErrorChannel(HTTPChannel):
    error_task_class = JsonErrorTask


def use_json_errors(server: Any) -> None:
    """Make ``server`` (what ``waitress.server.create_server`` returned: one listening server, or
    a MultiSocketServer when the host resolves to several addresses) answer its errors in JSON."""
    servers = [server] if isinstance(server, BaseWSGIServer) else [
        each for each in getattr(server, "map", {}).values() if isinstance(each, BaseWSGIServer)]
    if not servers:
        raise TypeError(f"not a waitress server: {type(server).__name__}")
    for each in servers:
        each.channel_class = JsonErrorChannel
