"""Alexa request verification for a skill served as a web service.

Implements Amazon's rules for custom skills hosted as web services
("Host a Custom Skill as a Web Service", section "Verify requests sent by Alexa"):

1. ``SignatureCertChainUrl``: https, host ``s3.amazonaws.com`` (case-insensitive), normalized path
   beginning ``/echo.api/`` (case-sensitive), port 443 if one is given.
2. The PEM chain at that URL: every certificate in date, the chain valid to a trusted root, and the
   signing (first) certificate's Subject Alternative Names containing ``echo-api.amazon.com``.
3. ``Signature-256``: base64 RSA PKCS#1 v1.5 signature with SHA-256 over the raw request body.
4. ``request.timestamp`` within 150 seconds of now, in either direction.
5. The application ID (``context.System.application.applicationId``, falling back to
   ``session.application.applicationId``) equal to the configured skill ID.

Verification uses the ``cryptography`` package directly (its Rust X.509 path builder for the chain)
because flask-ask-sdk cannot be imported here: its dependency chain ends in oscrypto 1.3.0, which
fails to parse OpenSSL 3 version strings.

The legacy SHA-1 ``Signature`` header is deliberately ignored: Alexa sends ``Signature-256`` on
every request, and accepting SHA-1 as an alternative would only allow a downgrade to a broken hash.

Nothing here logs or returns request bodies: they carry a person's health answers.
"""

from __future__ import annotations

import base64
import binascii
import logging
import posixpath
import ssl
import threading
import urllib.error
import urllib.request
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import verification as x509_verification

# Shared with the Lambda entry, which must not import cryptography; re-exported for callers here.
from skill.request_checks import VerificationError as VerificationError
from skill.request_checks import application_id_of as application_id_of
from skill.request_checks import check_application_id as check_application_id

logger = logging.getLogger(__name__)

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
ALEXA_CERT_HOST = "s3.amazonaws.com"
ALEXA_CERT_PATH_PREFIX = "/echo.api/"
ALEXA_SAN = "echo-api.amazon.com"
TIMESTAMP_TOLERANCE = timedelta(seconds=150)

# Alexa gives a skill 8 s to answer in total; a slow certificate fetch must leave room for the turn.
FETCH_TIMEOUT_SECONDS = 3.0
# Amazon's chain is a few KiB; the cap stops a hostile or broken response from eating memory.
MAX_CHAIN_BYTES = 128 * 1024
# Alexa rotates a handful of signing certificates; a small bound keeps memory fixed regardless.
MAX_CACHED_CHAINS = 16

Fetcher = Callable[[str], bytes]
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def normalize_cert_url(url: str) -> str:
    """Check a ``SignatureCertChainUrl`` against Amazon's rules and return it normalized.

    Dot segments are removed before the path check, so ``/echo.api/../x`` is refused and
    ``/echo.api/../echo.api/cert.pem`` is accepted as ``/echo.api/cert.pem``.
    """
    if not isinstance(url, str) or not url:
        raise VerificationError(400, "missing certificate chain URL")
    # Percent-escapes and backslashes could hide dot segments from the normalization below, and
    # Amazon's real URLs never contain them, so refusing them costs nothing.
    if "%" in url or "\\" in url or any(ord(ch) < 0x21 for ch in url):
        raise VerificationError(400, "certificate chain URL contains forbidden characters")
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise VerificationError(400, "certificate chain URL must use https")
    if parts.username is not None or parts.password is not None:
        raise VerificationError(400, "certificate chain URL must not carry credentials")
    if (parts.hostname or "").lower() != ALEXA_CERT_HOST:
        raise VerificationError(400, "certificate chain URL has the wrong host")
    try:
        port = parts.port
    except ValueError:
        raise VerificationError(400, "certificate chain URL has an invalid port") from None
    if port is not None and port != 443:
        raise VerificationError(400, "certificate chain URL has the wrong port")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if not path.startswith(ALEXA_CERT_PATH_PREFIX):
        raise VerificationError(400, "certificate chain URL has the wrong path")
    return urlunsplit(("https", ALEXA_CERT_HOST, path, parts.query, ""))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: the chain must come from the URL that passed the checks."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(
    _NoRedirect(), urllib.request.HTTPSHandler(context=ssl.create_default_context())
)


def fetch_url(url: str) -> bytes:
    """Fetch a certificate chain over HTTPS with a short timeout and a size cap."""
    with _opener.open(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
        if response.status != 200:
            raise OSError(f"HTTP {response.status}")
        data = response.read(MAX_CHAIN_BYTES + 1)
    if len(data) > MAX_CHAIN_BYTES:
        raise OSError("certificate chain too large")
    return data


def load_system_trust_roots() -> list[x509.Certificate]:
    """Load the system CA bundle (Debian: /etc/ssl/certs/ca-certificates.crt)."""
    paths = ssl.get_default_verify_paths()
    cafile = paths.cafile or paths.openssl_cafile
    with open(cafile, "rb") as handle:
        data = handle.read()
    roots: list[x509.Certificate] = []
    marker = b"-----END CERTIFICATE-----"
    # Parsed one by one so that a single odd certificate in the bundle does not lose all the rest.
    for block in data.split(marker):
        start = block.find(b"-----BEGIN CERTIFICATE-----")
        if start < 0:
            continue
        try:
            # Some distribution roots predate RFC 5280's positive-serial rule; they are still the
            # distribution's trust decision, so the deprecation warning is noise here.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                roots.append(x509.load_pem_x509_certificate(block[start:] + marker))
        except ValueError:
            logger.debug("skipping an unparsable certificate in %s", cafile)
    if not roots:
        raise RuntimeError(f"no trusted root certificates found in {cafile}")
    return roots


@dataclass(frozen=True)
class _CachedChain:
    public_key: rsa.RSAPublicKey
    valid_from: datetime
    valid_until: datetime


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                return candidate
    return value


def _parse_timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise VerificationError(400, "request timestamp missing or not a string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise VerificationError(400, "request timestamp is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise VerificationError(400, "request timestamp has no time zone")
    return parsed


class RequestVerifier:
    """Verifies Alexa requests; one instance per process, so the certificate cache is shared.

    ``trust_roots``, ``fetch`` and ``clock`` are injectable so tests can use their own CA, serve
    chains without a network and move time.
    """

    def __init__(
        self,
        skill_id: str,
        *,
        trust_roots: Sequence[x509.Certificate] | None = None,
        fetch: Fetcher | None = None,
        clock: Clock | None = None,
    ) -> None:
        if not skill_id:
            raise ValueError("a skill ID is required to verify requests")
        self.skill_id = skill_id
        self._trust_roots = list(trust_roots) if trust_roots is not None else None
        self._store: x509_verification.Store | None = None
        self._fetch = fetch or fetch_url
        self._clock = clock or _utcnow
        self._cache: OrderedDict[str, _CachedChain] = OrderedDict()
        # gunicorn may run threaded workers; the lock keeps the cache consistent between them.
        self._lock = threading.Lock()

    def _trust_store(self) -> x509_verification.Store:
        # Built lazily: parsing ~150 system roots costs milliseconds we need not pay at import.
        if self._store is None:
            roots = self._trust_roots if self._trust_roots is not None else load_system_trust_roots()
            self._store = x509_verification.Store(roots)
        return self._store

    def verify(self, headers: Mapping[str, str], body: bytes, envelope: Mapping[str, Any]) -> None:
        """Run every check; ``envelope`` is the already-parsed ``body``."""
        self.verify_signature(headers, body)
        self.verify_envelope(envelope)

    def verify_signature(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check the certificate chain URL, the chain and the SHA-256 signature of ``body``."""
        url = normalize_cert_url(_header(headers, CERT_URL_HEADER) or "")
        encoded = _header(headers, SIGNATURE_HEADER)
        if not encoded:
            raise VerificationError(400, f"missing {SIGNATURE_HEADER} header")
        try:
            signature = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise VerificationError(400, "signature is not valid base64") from None
        public_key = self._signing_key(url)
        try:
            public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise VerificationError(400, "signature does not match the request body") from None

    def verify_envelope(self, envelope: Mapping[str, Any]) -> None:
        """Check the request timestamp and the application ID."""
        request = envelope.get("request")
        timestamp = _parse_timestamp(request.get("timestamp") if isinstance(request, dict) else None)
        if abs(self._clock() - timestamp) > TIMESTAMP_TOLERANCE:
            raise VerificationError(400, "request timestamp is too far from now")
        check_application_id(envelope, self.skill_id)

    def _signing_key(self, url: str) -> rsa.RSAPublicKey:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(url)
            if cached is not None and cached.valid_from <= now <= cached.valid_until:
                self._cache.move_to_end(url)
                return cached.public_key
        # Fetch outside the lock so one slow fetch does not stall requests with cached chains.
        try:
            data = self._fetch(url)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            logger.warning("could not fetch the Alexa certificate chain: %s", type(exc).__name__)
            raise VerificationError(400, "could not fetch the signing certificate chain") from None
        entry = self.validate_chain(data, now)
        with self._lock:
            self._cache[url] = entry
            self._cache.move_to_end(url)
            while len(self._cache) > MAX_CACHED_CHAINS:
                self._cache.popitem(last=False)
        return entry.public_key

    def validate_chain(self, data: bytes, now: datetime | None = None) -> _CachedChain:
        """Check a PEM chain (signing certificate first) at ``now``; raise VerificationError."""
        now = now or self._clock()
        try:
            certs = x509.load_pem_x509_certificates(data)
        except ValueError:
            raise VerificationError(400, "certificate chain is not valid PEM") from None
        leaf, intermediates = certs[0], certs[1:]
        # Checked here as well as by the path builder to give a clear reason for the common case.
        for cert in certs:
            if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
                raise VerificationError(400, "a certificate in the chain is out of date")
        try:
            san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = {name.lower() for name in san.get_values_for_type(x509.DNSName)}
        except x509.ExtensionNotFound:
            names = set()
        # An exact match, not a wildcard match: Amazon's rule names this one domain.
        if ALEXA_SAN not in names:
            raise VerificationError(400, f"signing certificate is not for {ALEXA_SAN}")
        verifier = (
            x509_verification.PolicyBuilder()
            .store(self._trust_store())
            .time(now)
            .build_server_verifier(x509_verification.DNSName(ALEXA_SAN))
        )
        try:
            chain = verifier.verify(leaf, intermediates)
        except x509_verification.VerificationError:
            raise VerificationError(400, "certificate chain is not trusted") from None
        public_key = leaf.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationError(400, "signing certificate does not hold an RSA key")
        return _CachedChain(
            public_key=public_key,
            valid_from=max(cert.not_valid_before_utc for cert in chain),
            valid_until=min(cert.not_valid_after_utc for cert in chain),
        )
