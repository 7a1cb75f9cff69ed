"""Alexa request verification, end to end through the Flask app, with a PKI made in the test.

A test root CA, an intermediate and an echo-api.amazon.com signing certificate (RSA 2048) are
generated once per session; the certificate fetcher and the clock are injected, so nothing here
touches the network.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bench.skill_turn import build_minimal_skill
from skill.envelope import request_envelope
from skill.verification import (
    FAILED_FETCH_RETRY_SECONDS,
    MAX_CACHED_CHAINS,
    MAX_CONCURRENT_FETCHES,
    RequestVerifier,
    VerificationError,
    application_id_of,
    load_system_trust_roots,
    normalize_cert_url,
)
from skill.web import create_app

SKILL_ID = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=timezone.utc)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _cert(
    cn: str,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    san: list[str] | None = None,
    not_before: datetime = NOW - timedelta(days=30),
    not_after: datetime = NOW + timedelta(days=30),
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=True,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        ).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
    if san is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in san]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@dataclass
class Pki:
    root: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    other_key: rsa.RSAPrivateKey
    chains: dict[str, bytes] = field(default_factory=dict)


@pytest.fixture(scope="session")
def pki() -> Pki:
    return make_pki()


def make_pki() -> Pki:
    """A test root, intermediate and signing certificates, and chains good and bad (see below)."""
    root_key, inter_key, leaf_key, other_key = _key(), _key(), _key(), _key()
    root = _cert("Test Root CA", root_key, None, root_key, ca=True,
                 not_before=NOW - timedelta(days=3650), not_after=NOW + timedelta(days=3650))
    inter = _cert("Test Intermediate CA", inter_key, root, root_key, ca=True,
                  not_before=NOW - timedelta(days=365), not_after=NOW + timedelta(days=365))
    leaf = _cert("echo-api.amazon.com", leaf_key, inter, inter_key, ca=False,
                 san=["echo-api.amazon.com"])
    # Same names and keys but a root the verifier does not trust.
    rogue_root = _cert("Test Root CA", other_key, None, other_key, ca=True,
                       not_before=NOW - timedelta(days=3650), not_after=NOW + timedelta(days=3650))
    rogue_inter = _cert("Test Intermediate CA", inter_key, rogue_root, other_key, ca=True)
    rogue_leaf = _cert("echo-api.amazon.com", leaf_key, rogue_inter, inter_key, ca=False,
                       san=["echo-api.amazon.com"])
    pki = Pki(root=root, leaf_key=leaf_key, other_key=other_key)
    pki.chains = {
        "good": _pem(leaf, inter),
        "good_with_root": _pem(leaf, inter, root),
        "expired": _pem(
            _cert("echo-api.amazon.com", leaf_key, inter, inter_key, ca=False,
                  san=["echo-api.amazon.com"], not_before=NOW - timedelta(days=60),
                  not_after=NOW - timedelta(days=1)),
            inter,
        ),
        "not_yet_valid": _pem(
            _cert("echo-api.amazon.com", leaf_key, inter, inter_key, ca=False,
                  san=["echo-api.amazon.com"], not_before=NOW + timedelta(days=1),
                  not_after=NOW + timedelta(days=60)),
            inter,
        ),
        "wrong_san": _pem(
            _cert("echo-api.amazon.com", leaf_key, inter, inter_key, ca=False,
                  san=["evil.example.com"]),
            inter,
        ),
        "wildcard_san": _pem(
            _cert("echo-api.amazon.com", leaf_key, inter, inter_key, ca=False, san=["*.amazon.com"]),
            inter,
        ),
        "no_san": _pem(
            _cert("echo-api.amazon.com", leaf_key, inter, inter_key, ca=False, san=None), inter
        ),
        "untrusted": _pem(rogue_leaf, rogue_inter, rogue_root),
        "self_signed_leaf": _pem(
            _cert("echo-api.amazon.com", leaf_key, None, leaf_key, ca=False,
                  san=["echo-api.amazon.com"])
        ),
        "missing_intermediate": _pem(leaf),
        # Everything right but the key type: an EC key cannot check an RSA signature.
        "ec_leaf": _pem(
            _cert("echo-api.amazon.com", ec.generate_private_key(ec.SECP256R1()), inter, inter_key,
                  ca=False, san=["echo-api.amazon.com"]),
            inter,
        ),
        "garbage": b"-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n",
    }
    return pki


def envelope(
    *,
    timestamp: datetime = NOW,
    app_id: str = SKILL_ID,
    request_type: str = "LaunchRequest",
) -> dict[str, Any]:
    return request_envelope({"type": request_type}, app_id=app_id, new=True, timestamp=timestamp)


def sign(body: bytes, key: rsa.RSAPrivateKey, url: str = CERT_URL) -> dict[str, str]:
    signature = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "SignatureCertChainUrl": url,
        "Signature-256": base64.b64encode(signature).decode("ascii"),
    }


class Fetcher:
    """Serves one chain for any URL and counts fetches."""

    def __init__(self, chain: bytes) -> None:
        self.chain = chain
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.chain


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Endpoint:
    client: Any
    fetcher: Fetcher
    clock: Clock
    verifier: RequestVerifier

    def post(self, body: bytes, headers: dict[str, str]) -> Any:
        return self.client.post("/alexa", data=body, headers=headers)


@pytest.fixture
def make_endpoint(pki: Pki) -> Callable[..., Endpoint]:
    def make(chain: str = "good") -> Endpoint:
        fetcher, clock = Fetcher(pki.chains[chain]), Clock()
        verifier = RequestVerifier(SKILL_ID, trust_roots=[pki.root], fetch=fetcher, clock=clock)
        app = create_app(build_minimal_skill(), skill_id=SKILL_ID, verifier=verifier)
        return Endpoint(app.test_client(), fetcher, clock, verifier)

    return make


def _body(**kwargs: Any) -> bytes:
    return json.dumps(envelope(**kwargs)).encode()


def assert_rejected(response: Any, *, fragment: str = "") -> None:
    assert 400 <= response.status_code < 500, response.status_code
    assert response.is_json
    error = response.get_json()["error"]
    assert isinstance(error, str) and error
    assert fragment in error


# --- accepted -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "url",
    [
        CERT_URL,
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert-test.pem",
        "https://S3.AmazonAWS.COM/echo.api/echo-api-cert-test.pem",
        "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-test.pem",
    ],
)
def test_correctly_signed_request_is_accepted(make_endpoint: Any, pki: Pki, url: str) -> None:
    endpoint = make_endpoint()
    body = _body()
    response = endpoint.post(body, sign(body, pki.leaf_key, url))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["response"]["outputSpeech"]["ssml"] == "<speak>Does it hurt?</speak>"
    # The fetched URL is the normalized one.
    assert endpoint.fetcher.urls == [CERT_URL]


def test_chain_including_the_root_is_accepted(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint("good_with_root")
    body = _body()
    assert endpoint.post(body, sign(body, pki.leaf_key)).status_code == 200


@pytest.mark.parametrize("offset", [-149, 0, 149])
def test_timestamp_within_tolerance_is_accepted(make_endpoint: Any, pki: Pki, offset: int) -> None:
    endpoint = make_endpoint()
    body = _body(timestamp=NOW + timedelta(seconds=offset))
    assert endpoint.post(body, sign(body, pki.leaf_key)).status_code == 200


def test_application_id_falls_back_to_session() -> None:
    env = envelope()
    del env["context"]
    assert application_id_of(env) == SKILL_ID
    assert application_id_of({"request": {}}) is None


# --- rejected: the certificate URL ----------------------------------------------------------

@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", id="scheme-http"),
        pytest.param("ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem", id="scheme-ftp"),
        pytest.param("https://notamazon.com/echo.api/echo-api-cert.pem", id="host"),
        pytest.param("https://s3.amazonaws.com.evil.com/echo.api/cert.pem", id="host-suffix"),
        pytest.param("https://s3.amazonaws.com@evil.com/echo.api/cert.pem", id="host-userinfo"),
        pytest.param("https://evil.com@s3.amazonaws.com/echo.api/cert.pem", id="userinfo"),
        pytest.param("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", id="path-case"),
        pytest.param("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", id="path"),
        pytest.param("https://s3.amazonaws.com/echo.api/../x", id="path-traversal"),
        pytest.param("https://s3.amazonaws.com/echo.api/../../echo.api.x/c.pem", id="traversal-2"),
        pytest.param("https://s3.amazonaws.com/echo.api/%2e%2e/x.pem", id="traversal-escaped"),
        pytest.param("https://s3.amazonaws.com/echo.api", id="path-no-slash"),
        pytest.param("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", id="port"),
        pytest.param("https://s3.amazonaws.com:80/echo.api/echo-api-cert.pem", id="port-80"),
        pytest.param("https://s3.amazonaws.com:99999/echo.api/cert.pem", id="port-invalid"),
        pytest.param("", id="empty"),
        pytest.param("not a url", id="garbage"),
        pytest.param("https://[/echo.api/x.pem", id="unclosed-ipv6-bracket"),
        pytest.param("https://[::1/echo.api/x.pem", id="unclosed-ipv6-address"),
        pytest.param("https://s3.amazonaws.com/echo.api/cert.pem?x=1", id="query"),
        pytest.param("https://s3.amazonaws.com/echo.api/cert.pem?", id="empty-query"),
        pytest.param("https://s3.amazonaws.com/echo.api/cert.pem#f", id="fragment"),
        pytest.param("https://s3.amazonaws.com/echo.api/cert.pem?a#b", id="query-and-fragment"),
    ],
)
def test_bad_cert_url_is_rejected(make_endpoint: Any, pki: Pki, url: str) -> None:
    endpoint = make_endpoint()
    body = _body()
    response = endpoint.post(body, sign(body, pki.leaf_key, url))
    assert_rejected(response, fragment="certificate chain URL")
    assert endpoint.fetcher.urls == []  # refused before any fetch


def test_missing_cert_url_header_is_rejected(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    body = _body()
    headers = sign(body, pki.leaf_key)
    del headers["SignatureCertChainUrl"]
    assert_rejected(endpoint.post(body, headers))


def test_normalize_cert_url_matches_amazons_examples() -> None:
    assert normalize_cert_url("https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem") == (
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
    )
    with pytest.raises(VerificationError) as info:
        normalize_cert_url("https://s3.amazonaws.com/echo.api/../x")
    assert info.value.status_code == 400


# --- rejected: the certificate chain --------------------------------------------------------

@pytest.mark.parametrize(
    ("chain", "fragment"),
    [
        ("expired", "out of date"),
        ("not_yet_valid", "out of date"),
        ("wrong_san", "echo-api.amazon.com"),
        ("wildcard_san", "echo-api.amazon.com"),
        ("no_san", "echo-api.amazon.com"),
        ("untrusted", "not trusted"),
        ("self_signed_leaf", "not trusted"),
        ("missing_intermediate", "not trusted"),
        ("garbage", "PEM"),
        ("ec_leaf", "RSA key"),
    ],
)
def test_bad_chain_is_rejected(make_endpoint: Any, pki: Pki, chain: str, fragment: str) -> None:
    endpoint = make_endpoint(chain)
    body = _body()
    assert_rejected(endpoint.post(body, sign(body, pki.leaf_key)), fragment=fragment)


def test_unreachable_chain_is_rejected(pki: Pki) -> None:
    def failing_fetch(url: str) -> bytes:
        raise OSError("connection refused")

    verifier = RequestVerifier(SKILL_ID, trust_roots=[pki.root], fetch=failing_fetch, clock=Clock())
    client = create_app(build_minimal_skill(), skill_id=SKILL_ID, verifier=verifier).test_client()
    body = _body()
    assert_rejected(client.post("/alexa", data=body, headers=sign(body, pki.leaf_key)),
                    fragment="fetch")


# --- rejected: the signature ----------------------------------------------------------------

def test_signature_by_another_key_is_rejected(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    body = _body()
    assert_rejected(endpoint.post(body, sign(body, pki.other_key)), fragment="signature")


def test_body_changed_after_signing_is_rejected(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    body = _body()
    headers = sign(body, pki.leaf_key)
    tampered = json.loads(body)
    tampered["session"]["attributes"] = {"answers": {"bladder": False}}
    assert_rejected(endpoint.post(json.dumps(tampered).encode(), headers), fragment="signature")
    # Even one whitespace byte counts: the signature is over the raw body.
    assert_rejected(endpoint.post(body + b" ", headers), fragment="signature")


def _b64(length: int) -> str:
    return base64.b64encode(b"\x01" * length).decode()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("not base64!!", id="not-base64"),
        pytest.param(None, id="missing"),
        pytest.param(_b64(5), id="5-bytes"),
        pytest.param(_b64(128), id="rsa-1024-too-weak"),
        pytest.param(_b64(255), id="255-bytes"),
        pytest.param(_b64(257), id="257-bytes"),
        pytest.param(_b64(1024), id="rsa-8192-implausible"),
        pytest.param(_b64(40_000), id="huge"),
    ],
)
def test_malformed_signature_header_is_rejected_before_any_fetch(
    make_endpoint: Any, pki: Pki, value: str | None
) -> None:
    endpoint = make_endpoint()
    body = _body()
    headers = sign(body, pki.leaf_key)
    if value is None:
        del headers["Signature-256"]
    else:
        headers["Signature-256"] = value
    assert_rejected(endpoint.post(body, headers))
    assert endpoint.fetcher.urls == []  # nothing downloaded for a signature that cannot verify


@pytest.mark.parametrize("length", [256, 384, 512])
def test_plausible_signature_length_is_checked_against_the_key(
    make_endpoint: Any, pki: Pki, length: int
) -> None:
    endpoint = make_endpoint()
    body = _body()
    headers = sign(body, pki.leaf_key)
    headers["Signature-256"] = _b64(length)
    assert_rejected(endpoint.post(body, headers), fragment="signature does not match")
    assert endpoint.fetcher.urls == [CERT_URL]


def test_legacy_sha1_signature_alone_is_rejected(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    body = _body()
    headers = sign(body, pki.leaf_key)
    del headers["Signature-256"]
    sha1 = pki.leaf_key.sign(body, padding.PKCS1v15(), hashes.SHA1())
    headers["Signature"] = base64.b64encode(sha1).decode()
    assert_rejected(endpoint.post(body, headers), fragment="Signature-256")


# --- rejected: timestamp and application ID -------------------------------------------------

@pytest.mark.parametrize(
    "offset", [pytest.param(-151, id="stale"), pytest.param(151, id="future"),
               pytest.param(-86400, id="a-day-old")]
)
def test_timestamp_outside_tolerance_is_rejected(make_endpoint: Any, pki: Pki, offset: int) -> None:
    endpoint = make_endpoint()
    body = _body(timestamp=NOW + timedelta(seconds=offset))
    assert_rejected(endpoint.post(body, sign(body, pki.leaf_key)), fragment="timestamp")


@pytest.mark.parametrize("timestamp", [None, 1717243200000, "yesterday", "2030-06-01T12:00:00"])
def test_malformed_timestamp_is_rejected(make_endpoint: Any, pki: Pki, timestamp: Any) -> None:
    endpoint = make_endpoint()
    env = envelope()
    env["request"]["timestamp"] = timestamp
    body = json.dumps(env).encode()
    assert_rejected(endpoint.post(body, sign(body, pki.leaf_key)), fragment="timestamp")


def test_wrong_skill_id_is_rejected(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    body = _body(app_id="amzn1.ask.skill.someone-else")
    assert_rejected(endpoint.post(body, sign(body, pki.leaf_key)), fragment="not for this skill")


def test_missing_application_id_is_rejected(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    env = envelope()
    del env["context"]
    del env["session"]
    body = json.dumps(env).encode()
    assert_rejected(endpoint.post(body, sign(body, pki.leaf_key)), fragment="not for this skill")


def test_unsigned_garbage_is_rejected_before_parsing(make_endpoint: Any) -> None:
    endpoint = make_endpoint()
    response = endpoint.post(b"{not json", {"Content-Type": "application/json"})
    assert_rejected(response)
    assert endpoint.fetcher.urls == []


# --- the certificate cache ------------------------------------------------------------------

def test_second_request_does_not_refetch_the_chain(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    for _ in range(3):
        body = _body()
        assert endpoint.post(body, sign(body, pki.leaf_key)).status_code == 200
    assert endpoint.fetcher.urls == [CERT_URL]
    # A differently spelled URL that normalizes to the same one shares the cache entry.
    body = _body()
    url = "https://S3.amazonaws.com:443/echo.api/../echo.api/echo-api-cert-test.pem"
    assert endpoint.post(body, sign(body, pki.leaf_key, url)).status_code == 200
    assert endpoint.fetcher.urls == [CERT_URL]


def test_cache_honours_certificate_expiry(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    body = _body()
    assert endpoint.post(body, sign(body, pki.leaf_key)).status_code == 200
    # Past the leaf's expiry the cached chain is dropped, fetched again, and found out of date.
    endpoint.clock.now = NOW + timedelta(days=31)
    body = _body(timestamp=endpoint.clock.now)
    assert_rejected(endpoint.post(body, sign(body, pki.leaf_key)), fragment="out of date")
    assert endpoint.fetcher.urls == [CERT_URL, CERT_URL]


def test_failed_chain_is_cached_briefly(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint("untrusted")
    for _ in range(3):
        body = _body()
        assert_rejected(endpoint.post(body, sign(body, pki.leaf_key)), fragment="not trusted")
    assert endpoint.fetcher.urls == [CERT_URL]  # the failure was remembered, not re-fetched
    # ... but only briefly: a passing fault must heal by itself.
    endpoint.clock.now = NOW + timedelta(seconds=FAILED_FETCH_RETRY_SECONDS + 1)
    endpoint.fetcher.chain = pki.chains["good"]
    body = _body(timestamp=endpoint.clock.now)
    assert endpoint.post(body, sign(body, pki.leaf_key)).status_code == 200
    assert endpoint.fetcher.urls == [CERT_URL, CERT_URL]


def test_failed_download_is_cached_briefly(pki: Pki) -> None:
    calls: list[str] = []

    def failing_fetch(url: str) -> bytes:
        calls.append(url)
        raise ConnectionResetError("reset by peer")

    clock = Clock()
    verifier = RequestVerifier(SKILL_ID, trust_roots=[pki.root], fetch=failing_fetch, clock=clock)
    body = _body()
    for _ in range(3):
        with pytest.raises(VerificationError, match="fetch"):
            verifier.verify_signature(sign(body, pki.leaf_key), body)
    assert calls == [CERT_URL]


def test_cache_evicts_the_least_recently_used_chain(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    urls = [f"https://s3.amazonaws.com/echo.api/cert-{i}.pem" for i in range(MAX_CACHED_CHAINS + 1)]
    for url in urls:
        body = _body()
        assert endpoint.post(body, sign(body, pki.leaf_key, url)).status_code == 200
    assert endpoint.fetcher.urls == urls
    # The cache holds MAX_CACHED_CHAINS: the most recent one is still there, the first was evicted.
    for url in (urls[-1], urls[0]):
        body = _body()
        assert endpoint.post(body, sign(body, pki.leaf_key, url)).status_code == 200
    assert endpoint.fetcher.urls == urls + [urls[0]]


def test_cached_chain_is_not_used_before_it_is_valid(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    body = _body()
    assert endpoint.post(body, sign(body, pki.leaf_key)).status_code == 200
    # The clock goes back before the leaf's notBefore (a clock fix, or a replayed old request
    # checked against a skewed clock): the cached chain must not vouch for that moment.
    endpoint.clock.now = NOW - timedelta(days=31)
    body = _body(timestamp=endpoint.clock.now)
    assert_rejected(endpoint.post(body, sign(body, pki.leaf_key)), fragment="out of date")
    assert endpoint.fetcher.urls == [CERT_URL, CERT_URL]


class BlockingFetcher:
    """A fetch that hangs (like a DNS lookup that never answers) until released; counts calls."""

    def __init__(self, chain: bytes) -> None:
        self.chain = chain
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        with self.lock:
            self.urls.append(url)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            self.release.wait(30)
            return self.chain
        finally:
            with self.lock:
                self.running -= 1


def test_download_has_an_overall_deadline_covering_everything(pki: Pki) -> None:
    fetcher = BlockingFetcher(pki.chains["good"])
    verifier = RequestVerifier(SKILL_ID, trust_roots=[pki.root], fetch=fetcher, clock=Clock(),
                               fetch_deadline_seconds=0.5)
    body = _body()
    started = time.monotonic()
    try:
        with pytest.raises(VerificationError, match="in time") as info:
            verifier.verify_signature(sign(body, pki.leaf_key), body)
        assert info.value.status_code == 400
        assert time.monotonic() - started < 2.0
    finally:
        fetcher.release.set()


def test_concurrent_downloads_are_bounded(pki: Pki) -> None:
    fetcher = BlockingFetcher(pki.chains["good"])
    verifier = RequestVerifier(SKILL_ID, trust_roots=[pki.root], fetch=fetcher, clock=Clock(),
                               fetch_deadline_seconds=1.0)
    body = _body()
    statuses: list[int] = []

    def attempt(i: int) -> None:
        url = f"https://s3.amazonaws.com/echo.api/flood-{i}.pem"
        try:
            verifier.verify_signature(sign(body, pki.leaf_key, url), body)
            statuses.append(200)
        except VerificationError as exc:
            statuses.append(exc.status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(3 * MAX_CONCURRENT_FETCHES)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        # Downloads still hanging after their deadline keep their slots: no new ones start.
        assert fetcher.most_at_once == MAX_CONCURRENT_FETCHES
        assert len(fetcher.urls) == MAX_CONCURRENT_FETCHES
        assert sorted(statuses) == [400] * MAX_CONCURRENT_FETCHES + [503] * (
            2 * MAX_CONCURRENT_FETCHES)
    finally:
        fetcher.release.set()
    # Once they end, the slots are free again.
    deadline = time.monotonic() + 5
    while fetcher.running and time.monotonic() < deadline:
        time.sleep(0.01)
    fetcher.release.set()
    verifier.verify_signature(sign(body, pki.leaf_key, CERT_URL), body)


def test_simultaneous_requests_for_one_chain_share_one_download(pki: Pki) -> None:
    fetcher = BlockingFetcher(pki.chains["good"])
    verifier = RequestVerifier(SKILL_ID, trust_roots=[pki.root], fetch=fetcher, clock=Clock())
    body = _body()
    errors: list[Exception] = []

    def attempt() -> None:
        try:
            verifier.verify_signature(sign(body, pki.leaf_key), body)
        except VerificationError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    fetcher.release.set()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert fetcher.urls == [CERT_URL]


# --- the order of the checks ----------------------------------------------------------------

def test_body_is_not_parsed_before_the_signature_is_checked(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint()
    garbage = b"{not json" + b"[" * 5000
    # Signed by the right key: passes the signature, then fails as JSON.
    assert_rejected(endpoint.post(garbage, sign(garbage, pki.leaf_key)), fragment="JSON")
    # Signed by another key: the signature is refused first, so the JSON parser never saw it.
    response = endpoint.post(garbage, sign(garbage, pki.other_key))
    assert_rejected(response, fragment="signature does not match")


@pytest.mark.parametrize(
    ("context_id", "session_id", "accepted"),
    [
        pytest.param(SKILL_ID, SKILL_ID, True, id="both-ours"),
        pytest.param(SKILL_ID, "amzn1.ask.skill.other", True, id="context-ours-session-other"),
        pytest.param("amzn1.ask.skill.other", SKILL_ID, False, id="context-other-session-ours"),
        pytest.param(None, SKILL_ID, True, id="no-context-session-ours"),
        pytest.param(None, "amzn1.ask.skill.other", False, id="no-context-session-other"),
        pytest.param("amzn1.ask.skill.other", None, False, id="context-other-no-session"),
    ],
)
def test_context_application_id_wins_over_the_session(
    make_endpoint: Any, pki: Pki, context_id: str | None, session_id: str | None, accepted: bool
) -> None:
    """Amazon: context.System.application is authoritative; session.application is older."""
    env = envelope()
    for key, app_id in (("context", context_id), ("session", session_id)):
        node = env["context"]["System"] if key == "context" else env["session"]
        if app_id is None:
            del node["application"]
        else:
            node["application"] = {"applicationId": app_id}
    body = json.dumps(env).encode()
    response = make_endpoint().post(body, sign(body, pki.leaf_key))
    if accepted:
        assert response.status_code == 200, response.get_json()
    else:
        assert_rejected(response, fragment="not for this skill")


# --- configuration --------------------------------------------------------------------------

def test_verification_without_skill_id_is_refused() -> None:
    with pytest.raises(ValueError):
        create_app(build_minimal_skill(), skill_id=None)
    with pytest.raises(ValueError):
        RequestVerifier("")


def test_system_trust_store_loads() -> None:
    roots = load_system_trust_roots()
    assert len(roots) > 10


def test_default_verifier_rejects_test_chain_against_system_roots(pki: Pki) -> None:
    # Our test root is not in the system store, so the default trust store must refuse it.
    verifier = RequestVerifier(SKILL_ID, fetch=Fetcher(pki.chains["good"]), clock=Clock())
    body = _body()
    with pytest.raises(VerificationError, match="not trusted"):
        verifier.verify_signature(sign(body, pki.leaf_key), body)


# Amazon's real echo-api.amazon.com chain (public certificates: leaf valid 2026-07-28 to
# 2027-02-10, Amazon RSA 2048 M01, Amazon Root CA 1 cross-signed by Starfield). Its authenticity
# needs no trust in where it was copied from: it only passes if it chains to a system root.
REAL_AMAZON_CHAIN = b"""\
-----BEGIN CERTIFICATE-----
MIIFxzCCBK+gAwIBAgIQD4h7C+HbtXhZNwE7PpuCJzANBgkqhkiG9w0BAQsFADA8
MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRwwGgYDVQQDExNBbWF6b24g
UlNBIDIwNDggTTAxMB4XDTI2MDcyODAwMDAwMFoXDTI3MDIxMDIzNTk1OVowHjEc
MBoGA1UEAxMTZWNoby1hcGkuYW1hem9uLmNvbTCCASIwDQYJKoZIhvcNAQEBBQAD
ggEPADCCAQoCggEBALto22k1FHbDHjmTqOvjHLSraECZ+AqIUOFZdky2f2TTBkFv
pLaG/TbZ6M+tgoIfScGK3lzBzSg2q0fYMi1dlWVrnyXHrpUNrOeEYdoG18EMPy/8
mZDMlCAzI+uRQ7Q5HW6mNhtw2ioLOfROGr4y8HR2wZf42Gxz9d3nOc5kVMLafXaA
7y6ZjdY5creh6PueLf+uyqNXaTifR9xGYt/SC0zqAlQuK4y54uLh+7LZ+cTGG6oo
dsR5Tae9kr3Xk9UGoGGsNht6ORFQAszOe16IJ3+97SjSVINisacu7dG1rmA0GcXX
6JME+1JGww0uXfXl3diDE26Rlx1cW5pjEOpikXsCAwEAAaOCAuEwggLdMB8GA1Ud
IwQYMBaAFIG4DmOKiRIY5fo7O1CVn+blkBOFMB0GA1UdDgQWBBSS3TDoKzEY/MG3
ilqLpvGMd8r7mzAeBgNVHREEFzAVghNlY2hvLWFwaS5hbWF6b24uY29tMBMGA1Ud
IAQMMAowCAYGZ4EMAQIBMA4GA1UdDwEB/wQEAwIFoDATBgNVHSUEDDAKBggrBgEF
BQcDATA7BgNVHR8ENDAyMDCgLqAshipodHRwOi8vY3JsLnIybTAxLmFtYXpvbnRy
dXN0LmNvbS9yMm0wMS5jcmwwdQYIKwYBBQUHAQEEaTBnMC0GCCsGAQUFBzABhiFo
dHRwOi8vb2NzcC5yMm0wMS5hbWF6b250cnVzdC5jb20wNgYIKwYBBQUHMAKGKmh0
dHA6Ly9jcnQucjJtMDEuYW1hem9udHJ1c3QuY29tL3IybTAxLmNlcjAMBgNVHRMB
Af8EAjAAMIIBfQYKKwYBBAHWeQIEAgSCAW0EggFpAWcAdwBMY9yY5Zwdq4j2Hoo9
3q6Pq0SjN3tfm5TD+6Gc/MG+JgAAAZ+mtyKkAAAEAwBIMEYCIQDo1nW9CNKmcwFW
1BoSi+yva6OdMkJvi68XWswhoUswEgIhAIcB6bxA3R+1JY3F97Rbcil698hfQa3q
sn4xuolwOYchAHUA1tWNqdAXU/NqSqDHV0kCr+vH3CzTjNn3ZMgMiRkenwIAAAGf
prciuAAABAMARjBEAiAx9GLJFXrRSbPLRNoLBH5X3z0eXo+MFY3yxuJ64YVlZAIg
fs18u2hHBKh+q6zuofY2g0plVmQXcjQ+0/LYjbCrRZwAdQAcn2gs6frwRWlQ+BuW
iofd2zIQ2EzmyLLjglJKxM9ZnwAAAZ+mtyL7AAAEAwBGMEQCIHZFiZ1K8hJHwo8A
VM509myfAmp20SkiX+zyYfUYMtDnAiAub0yq8H2Kp/hQgksJ8J5mlIlQ5atO0unH
d90X9zPevDANBgkqhkiG9w0BAQsFAAOCAQEAZXtQdsFhcI86RDY/3kjY0BvkSpX1
ZjUBWnwEGyItlaQ85ABTVgvxg5Z2Gt3+w2835kCSOmfSWU478UMcxNDn1o1mrQ3Q
NanoZxNABcqP6qm0yr4FmsA+brzLcyT3nNK5CsE7ZbG8uUzzyDODug8/kaHnYqBU
4doEocgSNIyjXulQDLmMuavT+eJx3DDqqfZdXZeKz7trBcqeyZDAICc3w9LPwCpd
UuiJjGPwQBqO+927qirMKs4xajarNTOHRvoHnI4wGZBOtAi8BY6VI6iyD/MPlXji
SjNjM2hKIJsXebx1xK1ee0IBQVcGL677hWpjYv/aiuY47uVoqlrZpzy3iw==
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIIEXjCCA0agAwIBAgITB3MSOAudZoijOx7Zv5zNpo4ODzANBgkqhkiG9w0BAQsF
ADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6
b24gUm9vdCBDQSAxMB4XDTIyMDgyMzIyMjEyOFoXDTMwMDgyMzIyMjEyOFowPDEL
MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEcMBoGA1UEAxMTQW1hem9uIFJT
QSAyMDQ4IE0wMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAOtxLKnL
H4gokjIwr4pXD3i3NyWVVYesZ1yX0yLI2qIUZ2t88Gfa4gMqs1YSXca1R/lnCKeT
epWSGA+0+fkQNpp/L4C2T7oTTsddUx7g3ZYzByDTlrwS5HRQQqEFE3O1T5tEJP4t
f+28IoXsNiEzl3UGzicYgtzj2cWCB41eJgEmJmcf2T8TzzK6a614ZPyq/w4CPAff
nAV4coz96nW3AyiE2uhuB4zQUIXvgVSycW7sbWLvj5TDXunEpNCRwC4kkZjK7rol
jtT2cbb7W2s4Bkg3R42G3PLqBvt2N32e/0JOTViCk8/iccJ4sXqrS1uUN4iB5Nmv
JK74csVl+0u0UecCAwEAAaOCAVowggFWMBIGA1UdEwEB/wQIMAYBAf8CAQAwDgYD
VR0PAQH/BAQDAgGGMB0GA1UdJQQWMBQGCCsGAQUFBwMBBggrBgEFBQcDAjAdBgNV
HQ4EFgQUgbgOY4qJEhjl+js7UJWf5uWQE4UwHwYDVR0jBBgwFoAUhBjMhTTsvAyU
lC4IWZzHshBOCggwewYIKwYBBQUHAQEEbzBtMC8GCCsGAQUFBzABhiNodHRwOi8v
b2NzcC5yb290Y2ExLmFtYXpvbnRydXN0LmNvbTA6BggrBgEFBQcwAoYuaHR0cDov
L2NydC5yb290Y2ExLmFtYXpvbnRydXN0LmNvbS9yb290Y2ExLmNlcjA/BgNVHR8E
ODA2MDSgMqAwhi5odHRwOi8vY3JsLnJvb3RjYTEuYW1hem9udHJ1c3QuY29tL3Jv
b3RjYTEuY3JsMBMGA1UdIAQMMAowCAYGZ4EMAQIBMA0GCSqGSIb3DQEBCwUAA4IB
AQCtAN4CBSMuBjJitGuxlBbkEUDeK/pZwTXv4KqPK0G50fOHOQAd8j21p0cMBgbG
kfMHVwLU7b0XwZCav0h1ogdPMN1KakK1DT0VwA/+hFvGPJnMV1Kx2G4S1ZaSk0uU
5QfoiYIIano01J5k4T2HapKQmmOhS/iPtuo00wW+IMLeBuKMn3OLn005hcrOGTad
hcmeyfhQP7Z+iKHvyoQGi1C0ClymHETx/chhQGDyYSWqB/THwnN15AwLQo0E5V9E
SJlbe4mBlqeInUsNYugExNf+tOiybcrswBy8OFsd34XOW3rjSUtsuafd9AWySa3h
xRRrwszrzX/WWGm6wyB+f7C4
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIIEkjCCA3qgAwIBAgITBn+USionzfP6wq4rAfkI7rnExjANBgkqhkiG9w0BAQsF
ADCBmDELMAkGA1UEBhMCVVMxEDAOBgNVBAgTB0FyaXpvbmExEzARBgNVBAcTClNj
b3R0c2RhbGUxJTAjBgNVBAoTHFN0YXJmaWVsZCBUZWNobm9sb2dpZXMsIEluYy4x
OzA5BgNVBAMTMlN0YXJmaWVsZCBTZXJ2aWNlcyBSb290IENlcnRpZmljYXRlIEF1
dGhvcml0eSAtIEcyMB4XDTE1MDUyNTEyMDAwMFoXDTM3MTIzMTAxMDAwMFowOTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJv
b3QgQ0EgMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALJ4gHHKeNXj
ca9HgFB0fW7Y14h29Jlo91ghYPl0hAEvrAIthtOgQ3pOsqTQNroBvo3bSMgHFzZM
9O6II8c+6zf1tRn4SWiw3te5djgdYZ6k/oI2peVKVuRF4fn9tBb6dNqcmzU5L/qw
IFAGbHrQgLKm+a/sRxmPUDgH3KKHOVj4utWp+UhnMJbulHheb4mjUcAwhmahRWa6
VOujw5H5SNz/0egwLX0tdHA114gk957EWW67c4cX8jJGKLhD+rcdqsq08p8kDi1L
93FcXmn/6pUCyziKrlA4b9v7LWIbxcceVOF34GfID5yHI9Y/QCB/IIDEgEw+OyQm
jgSubJrIqg0CAwEAAaOCATEwggEtMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/
BAQDAgGGMB0GA1UdDgQWBBSEGMyFNOy8DJSULghZnMeyEE4KCDAfBgNVHSMEGDAW
gBScXwDfqgHXMCs4iKK4bUqc8hGRgzB4BggrBgEFBQcBAQRsMGowLgYIKwYBBQUH
MAGGImh0dHA6Ly9vY3NwLnJvb3RnMi5hbWF6b250cnVzdC5jb20wOAYIKwYBBQUH
MAKGLGh0dHA6Ly9jcnQucm9vdGcyLmFtYXpvbnRydXN0LmNvbS9yb290ZzIuY2Vy
MD0GA1UdHwQ2MDQwMqAwoC6GLGh0dHA6Ly9jcmwucm9vdGcyLmFtYXpvbnRydXN0
LmNvbS9yb290ZzIuY3JsMBEGA1UdIAQKMAgwBgYEVR0gADANBgkqhkiG9w0BAQsF
AAOCAQEAYjdCXLwQtT6LLOkMm2xF4gcAevnFWAu5CIw+7bMlPLVvUOTNNWqnkzSW
MiGpSESrnO09tKpzbeR/FoCJbM8oAxiDR3mjEH4wW6w7sGDgd9QIpuEdfF7Au/ma
eyKdpwAJfqxGF4PcnCZXmTA5YpaP7dreqsXMGz7KQ2hsVxa81Q4gLv7/wmpdLqBK
bRRYh5TmOTFffHPLkIhqhBGWJ6bt2YFGpn6jcgAKUj6DiAdjd4lpFw85hdKrCEVN
0FE6/V1dN2RMfjCyVSRCnTawXZwXgWHxyvkQAiSr6w10kY17RSlQOYiypok1JR4U
akcjMS9cmvqtmg5iUaQqqcT5NJ0hGA==
-----END CERTIFICATE-----
"""


def test_real_amazon_chain_passes_against_the_system_trust_store() -> None:
    # Proves the strict path-building policy accepts what Alexa really sends.
    when = datetime(2026, 9, 1, tzinfo=timezone.utc)
    verifier = RequestVerifier(SKILL_ID, clock=lambda: when)
    entry = verifier.validate_chain(REAL_AMAZON_CHAIN)
    assert entry.valid_until == datetime(2027, 2, 10, 23, 59, 59, tzinfo=timezone.utc)


def test_real_amazon_chain_is_refused_once_expired_or_untrusted(pki: Pki) -> None:
    later = datetime(2027, 3, 1, tzinfo=timezone.utc)
    with pytest.raises(VerificationError, match="out of date"):
        RequestVerifier(SKILL_ID, clock=lambda: later).validate_chain(REAL_AMAZON_CHAIN)
    when = datetime(2026, 9, 1, tzinfo=timezone.utc)
    with pytest.raises(VerificationError, match="not trusted"):
        RequestVerifier(SKILL_ID, trust_roots=[pki.root], clock=lambda: when).validate_chain(
            REAL_AMAZON_CHAIN
        )


def test_rejection_does_not_echo_or_log_the_body(
    make_endpoint: Any, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint = make_endpoint()
    env = envelope(app_id="amzn1.ask.skill.someone-else")
    env["session"]["attributes"] = {"secret_answer": "numb-saddle-area"}
    body = json.dumps(env).encode()
    with caplog.at_level("DEBUG"):
        response = endpoint.post(body, sign(body, pki.leaf_key))
    assert_rejected(response)
    assert "numb-saddle-area" not in response.get_data(as_text=True)
    assert "numb-saddle-area" not in caplog.text


def test_envelope_is_not_mutated_by_verification() -> None:
    env = envelope()
    before = copy.deepcopy(env)
    RequestVerifier(SKILL_ID, trust_roots=[], clock=Clock()).verify_envelope(env)
    assert env == before
