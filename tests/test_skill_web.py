"""The web endpoint, the serve CLI, the WSGI and Lambda entries, in process and over real HTTP.

In-process tests use a tiny ask-sdk-core skill (the benchmark's reference skill) so they test the
web layer alone; the live-server tests also drive the real skill when ``skill.build_skill`` exists.
Signature verification itself is covered in test_skill_verification.py.
"""

from __future__ import annotations

import http.client
import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import Response

from bench.skill_turn import build_minimal_skill
from skill.__main__ import is_loopback
from skill.envelope import request_envelope
from skill.web import MAX_BODY_BYTES, create_app

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKILL_ID = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"
SECRET = "numbness-in-the-saddle-area"


def envelope(request_type: str = "LaunchRequest", *, app_id: str = SKILL_ID,
             attributes: dict[str, Any] | None = None, **request: Any) -> dict[str, Any]:
    return request_envelope({"type": request_type, **request}, attributes, app_id=app_id)


def intent(name: str, slots: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    return envelope("IntentRequest", intent={"name": name, "confirmationStatus": "NONE",
                                             "slots": slots or {}}, **kwargs)


@pytest.fixture
def client() -> Any:
    return create_app(build_minimal_skill(), skill_id=None, verify=False).test_client()


def post_json(client: Any, payload: Any, content_type: str = "application/json") -> Any:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post("/alexa", data=data, headers={"Content-Type": content_type})


def assert_json_error(response: Any, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.is_json
    assert set(response.get_json()) == {"error"}


# --- in process -----------------------------------------------------------------------------

def test_healthz(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_launch_request_gets_speech(client: Any) -> None:
    response = post_json(client, envelope())
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == "1.0"
    assert body["response"]["outputSpeech"]["ssml"] == "<speak>Does it hurt?</speak>"
    assert body["response"]["shouldEndSession"] is False


def test_charset_in_content_type_is_accepted(client: Any) -> None:
    assert post_json(client, envelope(), "application/json; charset=utf-8").status_code == 200


@pytest.mark.parametrize(
    ("payload", "content_type", "status"),
    [
        pytest.param(b"x" * (MAX_BODY_BYTES + 1), "application/json", 413, id="too-large"),
        pytest.param(b"{}", "text/plain", 415, id="text-plain"),
        pytest.param(b"{}", "application/x-www-form-urlencoded", 415, id="form"),
        pytest.param(b"{}", "", 415, id="no-content-type"),
        pytest.param(b"{not json", "application/json", 400, id="bad-json"),
        pytest.param(b"", "application/json", 400, id="empty"),
        pytest.param(b"\xff\xfe\x00", "application/json", 400, id="not-utf8"),
        pytest.param(b"[" * 20000 + b"]" * 20000, "application/json", 400, id="deep-nesting"),
        pytest.param(b"[]", "application/json", 400, id="array"),
        pytest.param(b'"LaunchRequest"', "application/json", 400, id="string"),
        pytest.param(b"null", "application/json", 400, id="null"),
        pytest.param(b'{"version": "1.0"}', "application/json", 400, id="no-request"),
        pytest.param(b'{"request": "LaunchRequest"}', "application/json", 400, id="request-str"),
        pytest.param(b'{"request": {}}', "application/json", 400, id="request-no-type"),
        pytest.param(b'{"request": {"type": "Bogus"}}', "application/json", 400, id="unknown-type"),
        pytest.param(b'{"request": {"type": 7}}', "application/json", 400, id="type-int"),
        pytest.param(b'{"request": {"type": "LaunchRequest", "timestamp": "soon"}}',
                     "application/json", 400, id="bad-timestamp"),
        pytest.param(b'{"request": {"type": "IntentRequest", "intent": {"name": "X", "slots": []}}}',
                     "application/json", 400, id="slots-list"),
        pytest.param(b'{"request": {"type": "LaunchRequest"}, "session": "x"}',
                     "application/json", 400, id="session-str"),
        pytest.param(b'{"request": {"type": "LaunchRequest"}, "context": []}',
                     "application/json", 400, id="context-list"),
    ],
)
def test_bad_input_gets_a_json_4xx(client: Any, payload: bytes, content_type: str,
                                   status: int) -> None:
    assert_json_error(post_json(client, payload, content_type), status)


@pytest.mark.parametrize(("size", "status"), [(MAX_BODY_BYTES, 200), (MAX_BODY_BYTES + 1, 413)])
def test_body_size_limit_is_exact(client: Any, size: int, status: int) -> None:
    base = json.dumps({"request": {"type": "LaunchRequest"}, "pad": ""})
    body = base[:-2] + "x" * (size - len(base)) + '"}'
    assert len(body) == size
    assert post_json(client, body.encode()).status_code == status


def test_wrong_methods_and_paths_get_json_errors(client: Any) -> None:
    assert_json_error(client.get("/alexa"), 405)
    assert_json_error(client.post("/nope", data=b"{}"), 404)
    assert_json_error(client.post("/healthz"), 405)


def test_configured_skill_id_is_checked_without_verification() -> None:
    app = create_app(build_minimal_skill(), skill_id=SKILL_ID, verify=False)
    client = app.test_client()
    assert post_json(client, envelope()).status_code == 200
    assert_json_error(post_json(client, envelope(app_id="amzn1.ask.skill.other")), 400)


class _Broken(AbstractRequestHandler):
    """A handler with a bug whose message quotes the person's answer."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes = handler_input.attributes_manager.session_attributes
        raise ValueError(f"cannot handle {attributes}")


def test_server_bug_is_a_500_without_request_content(caplog: pytest.LogCaptureFixture) -> None:
    builder = SkillBuilder()
    builder.add_request_handler(_Broken())
    client = create_app(builder.create(), skill_id=None, verify=False).test_client()
    with caplog.at_level("DEBUG"):
        response = post_json(client, envelope(attributes={"answer": SECRET}))
    assert_json_error(response, 500)
    assert SECRET not in response.get_data(as_text=True)
    assert "ValueError" in caplog.text
    assert SECRET not in caplog.text


def test_bad_input_is_not_logged(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("DEBUG"):
        payload = json.dumps({"request": {"type": "Bogus", "note": SECRET}}).encode()
        response = post_json(client, payload)
    assert response.status_code == 400
    assert SECRET not in response.get_data(as_text=True)
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("LOCALHOST", True), ("0.0.0.0", False), ("::", False),
     ("192.168.1.5", False), ("example.com", False), ("localhost.evil.com", False)],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# --- the serve CLI as a subprocess ----------------------------------------------------------

def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "SPINE_CHECK_SKILL_ID"}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "skill", *args], cwd=REPO_ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_serve_without_skill_id_is_refused() -> None:
    result = run_cli("serve", "--host", "127.0.0.1", "--port", "1")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "skill ID" in lines[0] and "SPINE_CHECK_SKILL_ID" in lines[0]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.com"])
def test_no_verify_off_loopback_is_refused(host: str) -> None:
    result = run_cli("serve", "--host", host, "--port", "1", "--no-verify")
    assert result.returncode == 2
    assert "--no-verify" in result.stderr and "loopback" in result.stderr


def test_no_verify_is_refused_even_with_a_skill_id() -> None:
    result = run_cli("serve", "--host", "0.0.0.0", "--port", "1", "--no-verify",
                     env={"SPINE_CHECK_SKILL_ID": SKILL_ID})
    assert result.returncode == 2


# --- a real HTTP server ---------------------------------------------------------------------

MINIMAL = ("--skill-factory", "bench.skill_turn:build_minimal_skill")


def http_post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, Any]:
    request = urllib.request.Request(f"{url}/alexa", data=body, method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_live_server_serves_and_survives_bad_input(start_skill_server: Any) -> None:
    server = start_skill_server(*MINIMAL)
    assert "verification is OFF" in server.log()
    status, body = http_post(server.url, json.dumps(envelope()).encode())
    assert status == 200 and body["response"]["outputSpeech"]["type"] == "SSML"
    for payload, content_type, expected in [
        (b"{not json", "application/json", 400),
        (b"{}", "text/plain", 415),
        (b"x" * (MAX_BODY_BYTES + 1), "application/json", 413),
        (json.dumps({"request": {"type": "Bogus", "note": SECRET}}).encode(), "application/json",
         400),
    ]:
        status, body = http_post(server.url, payload, content_type)
        assert status == expected and "error" in body
    status, _ = http_post(server.url, json.dumps(envelope()).encode())
    assert status == 200
    assert SECRET not in server.log()


def test_live_server_refuses_oversized_chunked_body(start_skill_server: Any) -> None:
    server = start_skill_server(*MINIMAL)
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    chunks = (b"x" * 8192 for _ in range(MAX_BODY_BYTES // 8192 + 2))
    connection.request("POST", "/alexa", body=chunks, encode_chunked=True,
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 413
    assert "error" in json.loads(response.read())
    connection.close()


SLOW_OPENINGS = {
    # Never finishes its header block ("slowloris").
    "headers": b"POST /alexa HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: ",
    # Announces a body and never sends all of it.
    "body": b"POST /alexa HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 5000\r\n\r\n{",
    # Connects and says nothing.
    "silent": b"",
}


@pytest.mark.parametrize("kind", sorted(SLOW_OPENINGS))
def test_slow_clients_do_not_stall_the_server(start_skill_server: Any, kind: str) -> None:
    """More slow connections than the server has threads: real requests are still answered at
    once (the synchronous gunicorn workers used before took 10 s, until their timeout)."""
    server = start_skill_server(*MINIMAL, threads=2)
    parts = urlsplit(server.url)
    slow = []
    try:
        for _ in range(8):
            sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
            sock.sendall(SLOW_OPENINGS[kind])
            slow.append(sock)
        time.sleep(0.3)  # let the server take them all in
        for sock in slow:
            sock.sendall(b"a" if kind != "silent" else b"")  # still dripping
        started = time.monotonic()
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
            assert response.status == 200
        status, body = http_post(server.url, json.dumps(envelope()).encode())
        assert status == 200 and body["response"]["outputSpeech"]["ssml"]
        assert time.monotonic() - started < 2.0
    finally:
        for sock in slow:
            sock.close()


class _CountingStream:
    """A request body stream that records how much the app read of it."""

    def __init__(self, size: int) -> None:
        self.size, self.read_bytes = size, 0

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.read_bytes if n is None or n < 0 else min(n, self.size - self.read_bytes)
        self.read_bytes += n
        return b" " * n

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)


def _post_stream(client: Any, stream: _CountingStream, *, announce: bool) -> tuple[int, Any]:
    """POST ``stream`` straight through WSGI: with its Content-Length, or chunked (no length)."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path="/alexa", method="POST",
                             headers={"Content-Type": "application/json"}).get_environ()
    environ["wsgi.input"] = stream
    if announce:
        environ["CONTENT_LENGTH"] = str(stream.size)
    else:
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    body, status, _ = run_wsgi_app(client.application, environ, buffered=True)
    return int(status.split()[0]), json.loads(b"".join(body))


def test_announced_oversized_body_is_refused_without_reading_it(client: Any) -> None:
    stream = _CountingStream(50 * 1024 * 1024)
    status, payload = _post_stream(client, stream, announce=True)
    assert status == 413 and set(payload) == {"error"}
    assert stream.read_bytes == 0  # refused on the Content-Length alone


def test_oversized_body_of_unknown_length_is_read_no_further_than_the_limit(client: Any) -> None:
    stream = _CountingStream(50 * 1024 * 1024)
    status, payload = _post_stream(client, stream, announce=False)
    assert status == 413 and set(payload) == {"error"}
    assert stream.read_bytes <= MAX_BODY_BYTES + 1 + 64 * 1024  # at most one buffer past it


def test_serve_refuses_to_start_without_a_ca_bundle(tmp_path: Any) -> None:
    missing = tmp_path / "no-such-bundle.pem"
    result = run_cli("serve", "--host", "127.0.0.1", "--port", "1",
                     env={"SPINE_CHECK_SKILL_ID": SKILL_ID, "SSL_CERT_FILE": str(missing)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "CA bundle" in lines[0] and str(missing) in lines[0]


def test_serve_refuses_a_ca_bundle_without_certificates(tmp_path: Any) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")
    result = run_cli("serve", "--host", "127.0.0.1", "--port", "1",
                     env={"SPINE_CHECK_SKILL_ID": SKILL_ID, "SSL_CERT_FILE": str(empty)})
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "no trusted root" in result.stderr


def test_app_with_verification_refuses_to_build_without_a_ca_bundle(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skill.verification import TrustStoreError

    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(TrustStoreError, match="CA bundle"):
        create_app(build_minimal_skill(), skill_id=SKILL_ID)


def test_live_server_with_verification_refuses_unsigned_requests(start_skill_server: Any) -> None:
    server = start_skill_server(*MINIMAL, "--skill-id", SKILL_ID, verify=True)
    assert "verification is OFF" not in server.log()
    status, body = http_post(server.url, json.dumps(envelope()).encode())
    assert status == 400 and "certificate chain URL" in body["error"]


def _real_skill_available() -> bool:
    try:
        module = importlib.import_module("skill")
    except ImportError:
        return False
    return hasattr(module, "build_skill")


needs_real_skill = pytest.mark.skipif(
    not _real_skill_available(), reason="skill.build_skill (part B) is not there yet"
)


@needs_real_skill
def test_real_skill_over_http(live_skill_server: str) -> None:
    status, launch = http_post(live_skill_server, json.dumps(envelope()).encode())
    assert status == 200
    assert launch["response"]["outputSpeech"]["ssml"]
    assert launch["response"]["reprompt"]["outputSpeech"]["ssml"]
    assert launch["response"].get("shouldEndSession") is False
    attributes = launch.get("sessionAttributes") or {}
    status, reply = http_post(
        live_skill_server,
        json.dumps(intent("AMAZON.YesIntent", attributes=attributes)).encode(),
    )
    assert status == 200 and reply["response"]["outputSpeech"]["ssml"]


def _number(value: Any) -> dict[str, Any]:
    return {"number": {"name": "number", "value": value, "confirmationStatus": "NONE"}}


REAL_SKILL_CASES = {
    "launch": envelope(),
    "session-ended": envelope("SessionEndedRequest", reason="USER_INITIATED"),
    "unknown-intent": intent("NoSuchIntent"),
    "number-empty": intent("AnswerNumberIntent", {"number": {"name": "number"}}),
    "number-question-mark": intent("AnswerNumberIntent", _number("?")),
    "number-word": intent("AnswerNumberIntent", _number("eleven")),
    "number-negative": intent("AnswerNumberIntent", _number("-3")),
    "number-huge": intent("AnswerNumberIntent", _number("1e9")),
    "number-long-string": intent("AnswerNumberIntent", _number("9" * 5000)),
    "number-unicode": intent("AnswerNumberIntent", _number("\u0663\U0001f600")),
    "attributes-garbled": intent("AMAZON.YesIntent", attributes={"triage": "garbage"}),
    "attributes-wrong-types": intent("AMAZON.YesIntent",
                                     attributes={"triage": {"answers": [1, 2], "asked": 7}}),
    "no-session": {k: v for k, v in intent("AMAZON.YesIntent").items() if k != "session"},
    "player-event": envelope("AudioPlayer.PlaybackStarted", token="t", offsetInMilliseconds=0),
}


@needs_real_skill
@pytest.mark.parametrize("name", sorted(REAL_SKILL_CASES))
def test_real_skill_answers_odd_requests_without_5xx(name: str) -> None:
    from skill import build_skill

    client = create_app(build_skill(), skill_id=None, verify=False).test_client()
    response = post_json(client, REAL_SKILL_CASES[name])
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code == 200:
        assert "response" in response.get_json()
    else:
        assert_json_error(response, response.status_code)


@needs_real_skill
def test_lambda_handler_matches_the_web_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    from skill import build_skill

    # The Lambda entry reads its configuration at import: a fresh copy in local-test mode.
    monkeypatch.delenv("SPINE_CHECK_SKILL_ID", raising=False)
    monkeypatch.setenv("SPINE_CHECK_LOCAL_TEST", "1")
    monkeypatch.delitem(sys.modules, "skill.lambda_function", raising=False)
    lambda_handler = importlib.import_module("skill.lambda_function").lambda_handler

    event = envelope()
    via_lambda = lambda_handler(event, None)
    client = create_app(build_skill(), skill_id=None, verify=False).test_client()
    via_web = post_json(client, event).get_json()
    assert via_lambda["response"] == via_web["response"]
    assert via_lambda.get("sessionAttributes") == via_web.get("sessionAttributes")


@needs_real_skill
def test_wsgi_refuses_to_load_without_skill_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPINE_CHECK_SKILL_ID", raising=False)
    sys.modules.pop("skill.wsgi", None)
    with pytest.raises(RuntimeError, match="SPINE_CHECK_SKILL_ID"):
        importlib.import_module("skill.wsgi")
    monkeypatch.setenv("SPINE_CHECK_SKILL_ID", SKILL_ID)
    sys.modules.pop("skill.wsgi", None)
    wsgi = importlib.import_module("skill.wsgi")
    response = wsgi.app.test_client().post("/alexa", json=envelope())
    assert response.status_code == 400  # unsigned: verification is always on here
    sys.modules.pop("skill.wsgi", None)


# --- set-up errors and the server's own refusals ---------------------------------------------------


@pytest.mark.parametrize("case", ["port in use", "address not on this machine", "unparsable host",
                                  "unknown skill factory"])
def test_setup_errors_are_one_line_and_exit_2(case: str) -> None:
    """Every way ``serve`` cannot start: one ``error:`` line, no traceback, exit 2."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        in_use = str(holder.getsockname()[1])
        args = {
            "port in use": ["--host", "127.0.0.1", "--port", in_use, "--no-verify"],
            "address not on this machine": ["--host", "192.0.2.1", "--port", in_use],
            "unparsable host": ["--host", "256.1.1.1", "--port", in_use],
            "unknown skill factory": ["--host", "127.0.0.1", "--port", "0", "--no-verify",
                                      "--skill-factory", "no_such_module:build"],
        }[case]
        result = run_cli("serve", *args, env={"SPINE_CHECK_SKILL_ID": SKILL_ID})
    finally:
        holder.close()
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr


def _raw_exchange(url: str, request: bytes) -> tuple[int, str, Any]:
    """Send ``request`` as is and read the reply: (status, content type, JSON body).

    http.client reads the reply, skipping an interim "100 Continue" as clients do."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.getheader("Content-Type", ""), json.loads(response.read())


FIVE_MB = 5 * 1024 * 1024
SERVER_REFUSALS = {
    "5 MB body announced, reply read first": (
        b"POST /alexa HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % FIVE_MB, 413),
    "headers over 16 KiB": (
        b"POST /alexa HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", 431),
    "malformed header": (b"POST /alexa HTTP/1.1\r\nHost x\r\n\r\n", 400),
}


@pytest.mark.parametrize("case", sorted(SERVER_REFUSALS))
def test_refusals_before_the_app_are_json_too(start_skill_server: Any, case: str) -> None:
    """waitress refuses these before Flask runs; the reply is still the JSON error (README)."""
    server = start_skill_server(*MINIMAL)
    request, expected = SERVER_REFUSALS[case]
    status, content_type, body = _raw_exchange(server.url, request)
    assert status == expected
    assert content_type == "application/json" and isinstance(body.get("error"), str)
    if expected == 413:
        assert body == {"error": "request body too large"}  # the app's own wording


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_posting_5_mb_gets_the_json_413(start_skill_server: Any, tmp_path: Any) -> None:
    """The README's curl, with a 5 MB body: curl announces it (Expect: 100-continue); the reply is
    the JSON 413, not waitress's plain text."""
    server = start_skill_server(*MINIMAL)
    (tmp_path / "big.json").write_bytes(b"x" * FIVE_MB)
    result = subprocess.run(
        ["curl", "-s", "-w", "\\n%{http_code} %{content_type}", "-X", "POST",
         "-H", "Content-Type: application/json", "--data-binary", f"@{tmp_path / 'big.json'}",
         f"{server.url}/alexa"], capture_output=True, text=True, timeout=60)
    body, _, status_line = result.stdout.rpartition("\n")
    assert status_line == "413 application/json", result.stdout
    assert json.loads(body) == {"error": "request body too large"}
