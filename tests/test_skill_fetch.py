"""The certificate chain download (``fetch_url``) against a local HTTPS server standing in for S3.

A TLS server with a certificate from a test CA serves, per path, a good chain and every kind of
bad answer a download can get: redirects, statuses other than 200, oversized bodies (with a length
and chunked), a body dripped slowly, no answer at all, and malformed HTTP (a bad status line, a
body cut short, a header line too long). The production opener is used (redirect refusal, TLS
verification), given a context that trusts the test CA. End to end, the Flask app with a verifier
whose fetch goes to this server answers every one of them with a JSON 400, never a 500.
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from bench.skill_turn import build_minimal_skill
from skill.verification import (
    DOWNLOAD_ERRORS,
    MAX_CHAIN_BYTES,
    RequestVerifier,
    fetch_url,
    make_opener,
)
from skill.web import create_app
from test_skill_verification import (
    CERT_URL,
    SKILL_ID,
    Clock,
    Pki,
    _body,
    assert_rejected,
    make_pki,
    sign,
)

S3 = "https://s3.amazonaws.com"
DRIP_SECONDS = 6.0  # how long the dripping path takes to send its whole (small) body


def _tls_material(tmp_dir: Any) -> tuple[ssl.SSLContext, ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting the test CA, client context trusting nothing)."""
    now = datetime.now(timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Local S3 stand-in CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_file, key_file = tmp_dir / "server.pem", tmp_dir / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    trusting = ssl.create_default_context(
        cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    distrusting = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, but trusts no CA
    return server, trusting, distrusting


def _response(status: str, body: bytes, *headers: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class _Handler(socketserver.BaseRequestHandler):
    server: "_StandIn"

    def handle(self) -> None:
        try:
            conn = self.server.tls.wrap_socket(self.request, server_side=True)
        except (OSError, ssl.SSLError):
            return  # a client that refused our certificate
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode()
            self.server.paths.append(path)
            try:
                self.server.routes[path](conn)
            except OSError:
                pass  # the client gave up (a deadline passed): expected for the slow paths


class _StandIn(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext, routes: dict[str, Callable[[ssl.SSLSocket], None]]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls, self.routes, self.paths = tls, routes, []


def _routes(chain: bytes, stop: threading.Event) -> dict[str, Callable[[ssl.SSLSocket], None]]:
    def send(payload: bytes) -> Callable[[ssl.SSLSocket], None]:
        return lambda conn: conn.sendall(payload)

    def chunked(conn: ssl.SSLSocket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        piece = b"A" * 8192
        for _ in range(MAX_CHAIN_BYTES // len(piece) + 4):
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.sendall(b"0\r\n\r\n")

    def drip(conn: ssl.SSLSocket) -> None:
        # Each byte comes well within any per-operation timeout; only a total deadline stops it.
        body = chain[:30]
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                     % len(body))
        for byte in body:
            if stop.wait(DRIP_SECONDS / len(body)):
                return
            conn.sendall(bytes([byte]))

    def hang(conn: ssl.SSLSocket) -> None:
        stop.wait(30)

    return {
        "/echo.api/good.pem": send(_response("200 OK", chain)),
        "/echo.api/redirect.pem": send(_response("302 Found", b"",
                                                 "Location: /echo.api/good.pem")),
        "/echo.api/permanent-redirect.pem": send(_response("301 Moved Permanently", b"",
                                                           "Location: /echo.api/good.pem")),
        "/echo.api/non-authoritative.pem": send(_response("203 Non-Authoritative Information",
                                                          chain)),
        "/echo.api/partial-content.pem": send(_response("206 Partial Content", chain)),
        "/echo.api/not-found.pem": send(_response("404 Not Found", b"no such key")),
        "/echo.api/server-error.pem": send(_response("500 Internal Server Error", b"")),
        "/echo.api/too-large.pem": send(_response("200 OK", chain + b"\n" * MAX_CHAIN_BYTES)),
        "/echo.api/too-large-chunked.pem": chunked,
        "/echo.api/bad-status-line.pem": send(b"HTCPCP/1.0 418 I'm a teapot\r\n\r\n"),
        "/echo.api/cut-short.pem": send(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"
                                        + chain[:100]),
        "/echo.api/header-too-long.pem": send(b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000
                                              + b"\r\nContent-Length: 2\r\n\r\nok"),
        "/echo.api/too-many-headers.pem": send(b"HTTP/1.1 200 OK\r\n"
                                               + b"X-A: b\r\n" * 200 + b"\r\n"),
        "/echo.api/closed.pem": send(b""),
        "/echo.api/drip.pem": drip,
        "/echo.api/hang.pem": hang,
    }


@dataclass
class LocalS3:
    base: str
    trusting: ssl.SSLContext
    distrusting: ssl.SSLContext
    server: _StandIn

    def url(self, name: str) -> str:
        return f"{self.base}/echo.api/{name}"

    def fetch(self, url: str, *, deadline_seconds: float = 3.0) -> bytes:
        """The production fetch_url and opener, sent here instead of to S3."""
        return fetch_url(url.replace(S3, self.base), opener=make_opener(self.trusting),
                         deadline_seconds=deadline_seconds)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def local_s3(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalS3]:
    server_tls, trusting, distrusting = _tls_material(tmp_path_factory.mktemp("tls"))
    stop = threading.Event()
    server = _StandIn(server_tls, _routes(pki.chains["good"], stop))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalS3(f"https://127.0.0.1:{server.server_address[1]}", trusting, distrusting, server)
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def test_good_chain_is_downloaded(local_s3: LocalS3, pki: Pki) -> None:
    assert local_s3.fetch(local_s3.url("good.pem")) == pki.chains["good"]


BAD_DOWNLOADS = [
    "redirect.pem", "permanent-redirect.pem", "non-authoritative.pem", "partial-content.pem",
    "not-found.pem", "server-error.pem", "too-large.pem", "too-large-chunked.pem",
    "bad-status-line.pem", "cut-short.pem", "header-too-long.pem", "too-many-headers.pem",
    "closed.pem",
]


@pytest.mark.parametrize("name", BAD_DOWNLOADS)
def test_bad_download_raises_a_download_error(local_s3: LocalS3, name: str) -> None:
    with pytest.raises(DOWNLOAD_ERRORS):
        local_s3.fetch(local_s3.url(name))


def test_redirect_is_not_followed(local_s3: LocalS3) -> None:
    before = len(local_s3.server.paths)
    with pytest.raises(DOWNLOAD_ERRORS):
        local_s3.fetch(local_s3.url("redirect.pem"))
    assert local_s3.server.paths[before:] == ["/echo.api/redirect.pem"]


def test_server_certificate_is_verified(local_s3: LocalS3) -> None:
    with pytest.raises(DOWNLOAD_ERRORS):
        fetch_url(local_s3.url("good.pem"), opener=make_opener(local_s3.distrusting))
    # The default opener trusts the system store, which does not hold the test CA either.
    with pytest.raises(DOWNLOAD_ERRORS):
        fetch_url(local_s3.url("good.pem"))


@pytest.mark.parametrize(("name", "deadline"), [("drip.pem", 1.0), ("hang.pem", 1.0)])
def test_download_stops_at_its_deadline(local_s3: LocalS3, name: str, deadline: float) -> None:
    started = time.monotonic()
    with pytest.raises(DOWNLOAD_ERRORS):
        local_s3.fetch(local_s3.url(name), deadline_seconds=deadline)
    # A dripping server sends a byte well within every per-operation timeout: only the total
    # deadline ends it (the last read may take up to one more timeout).
    assert time.monotonic() - started < 2 * deadline + 0.5 < DRIP_SECONDS


def test_no_connection_is_a_download_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(DOWNLOAD_ERRORS):
        fetch_url(f"https://127.0.0.1:{port}/echo.api/x.pem", deadline_seconds=1.0)


# --- end to end: the endpoint answers 400 for every bad download ------------------------------

@pytest.mark.parametrize("name", [*BAD_DOWNLOADS, "drip.pem", "hang.pem"])
def test_endpoint_answers_400_for_every_bad_download(local_s3: LocalS3, pki: Pki,
                                                     name: str) -> None:
    def fetch(url: str) -> bytes:
        return local_s3.fetch(url, deadline_seconds=1.0)

    verifier = RequestVerifier(SKILL_ID, trust_roots=[pki.root], fetch=fetch, clock=Clock(),
                               fetch_deadline_seconds=1.0)
    client = create_app(build_minimal_skill(), skill_id=SKILL_ID, verifier=verifier).test_client()
    body = _body()
    response = client.post("/alexa", data=body, headers=sign(body, pki.leaf_key,
                                                               f"{S3}/echo.api/{name}"))
    assert_rejected(response, fragment="fetch")


def test_endpoint_accepts_a_request_whose_chain_came_from_the_local_server(
    local_s3: LocalS3, pki: Pki
) -> None:
    verifier = RequestVerifier(SKILL_ID, trust_roots=[pki.root], fetch=local_s3.fetch,
                               clock=Clock())
    client = create_app(build_minimal_skill(), skill_id=SKILL_ID, verifier=verifier).test_client()
    body = _body()
    url = CERT_URL.replace("echo-api-cert-test.pem", "good.pem")
    response = client.post("/alexa", data=body, headers=sign(body, pki.leaf_key, url))
    assert response.status_code == 200, response.get_json()

