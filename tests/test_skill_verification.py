"""Alexa request verification, end to end through the Flask app, with a PKI made in the test.

A test root CA, an intermediate and an echo-api.amazon.com signing certificate (RSA 2048) are
generated once per session; the certificate fetcher and the clock are injected, so nothing here
touches the network.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bench.skill_turn import build_minimal_skill
from skill.verification import (
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
    key: rsa.RSAPrivateKey,
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
        "garbage": b"-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n",
    }
    return pki


def envelope(
    *,
    timestamp: datetime = NOW,
    app_id: str = SKILL_ID,
    request_type: str = "LaunchRequest",
) -> dict[str, Any]:
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.test",
            "application": {"applicationId": app_id},
            "user": {"userId": "amzn1.ask.account.test"},
        },
        "context": {
            "System": {
                "application": {"applicationId": app_id},
                "user": {"userId": "amzn1.ask.account.test"},
                "device": {"deviceId": "amzn1.ask.device.test", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": {
            "type": request_type,
            "requestId": "amzn1.echo-api.request.test",
            "timestamp": timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "locale": "en-US",
        },
    }


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


@pytest.mark.parametrize(
    "value", ["", "not base64!!", base64.b64encode(b"short").decode(), None]
)
def test_malformed_signature_header_is_rejected(
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


def test_failed_chain_is_not_cached(make_endpoint: Any, pki: Pki) -> None:
    endpoint = make_endpoint("untrusted")
    for _ in range(2):
        body = _body()
        assert_rejected(endpoint.post(body, sign(body, pki.leaf_key)))
    assert len(endpoint.fetcher.urls) == 2


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
