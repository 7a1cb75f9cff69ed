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
import http.client
import logging
import os
import posixpath
import ssl
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
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

# Alexa gives a skill 8 s to answer in total; a certificate download (DNS, connect, TLS, headers and
# body together) must leave room for the turn, so it has one overall deadline.
FETCH_DEADLINE_SECONDS = 3.0
# Amazon's chain is a few KiB; the cap stops a hostile or broken response from eating memory.
MAX_CHAIN_BYTES = 128 * 1024
# Alexa rotates a handful of signing certificates; a small bound keeps memory fixed regardless.
MAX_CACHED_CHAINS = 16
# Unsigned requests choose the URL, so downloads are bounded: at most this many at once...
MAX_CONCURRENT_FETCHES = 4
# ... and a URL whose download or chain failed is refused without a new download for a while
# (long enough to blunt a flood, short enough that a passing network fault heals by itself).
FAILED_FETCH_RETRY_SECONDS = 15.0
MAX_CACHED_FAILURES = 256
# RSA signature lengths in bytes for 2048-, 3072- and 4096-bit keys (Amazon signs with 2048).
# A signature of any other length cannot verify, so it is refused before anything is downloaded.
PLAUSIBLE_SIGNATURE_BYTES = frozenset({256, 384, 512})
# Where the trust store comes from when SSL_CERT_FILE does not say (Debian's ca-certificates).
CA_BUNDLE_ENV = "SSL_CERT_FILE"

Fetcher = Callable[[str], bytes]
Clock = Callable[[], datetime]


class TrustStoreError(RuntimeError):
    """The system CA bundle is missing or holds no usable certificate; the message says which."""


class FetchError(OSError):
    """A certificate chain download failed (bad status, too large, past its deadline)."""


# Everything a download of untrusted content can raise: socket and TLS errors (OSError, which
# includes urllib's URLError and HTTPError), malformed HTTP (http.client.HTTPException:
# BadStatusLine, IncompleteRead, LineTooLong, ...) and malformed URLs or values (ValueError).
DOWNLOAD_ERRORS = (OSError, http.client.HTTPException, ValueError)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def normalize_cert_url(url: str) -> str:
    """Check a ``SignatureCertChainUrl`` against Amazon's rules and return it normalized.

    Dot segments are removed before the path check, so ``/echo.api/../x`` is refused and
    ``/echo.api/../echo.api/cert.pem`` is accepted as ``/echo.api/cert.pem``. Query strings and
    fragments are refused: Amazon's URLs have none, and each new query would be a new cache key,
    so a new download. Raises VerificationError (400) for every malformed URL.
    """
    if not isinstance(url, str) or not url:
        raise VerificationError(400, "missing certificate chain URL")
    # Percent-escapes and backslashes could hide dot segments from the normalization below, and
    # Amazon's real URLs never contain them, so refusing them costs nothing.
    if "%" in url or "\\" in url or any(ord(ch) < 0x21 for ch in url):
        raise VerificationError(400, "certificate chain URL contains forbidden characters")
    if "?" in url or "#" in url:
        raise VerificationError(400, "certificate chain URL must not have a query or fragment")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: "https://[/echo.api/x.pem"
        raise VerificationError(400, "certificate chain URL is malformed") from None
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
    return urlunsplit(("https", ALEXA_CERT_HOST, path, "", ""))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: the chain must come from the URL that passed the checks."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def make_opener(context: ssl.SSLContext | None = None) -> urllib.request.OpenerDirector:
    """A urllib opener that refuses redirects and verifies TLS with ``context``.

    ``context`` defaults to the system trust store; tests pass one that trusts their own CA.
    """
    return urllib.request.build_opener(
        _NoRedirect(),
        urllib.request.HTTPSHandler(context=context or ssl.create_default_context()),
    )


def fetch_url(
    url: str,
    *,
    opener: urllib.request.OpenerDirector | None = None,
    deadline_seconds: float = FETCH_DEADLINE_SECONDS,
) -> bytes:
    """Download a certificate chain: status 200 only, no redirects, at most MAX_CHAIN_BYTES.

    Each socket operation times out at ``deadline_seconds`` and the body is read in pieces with the
    deadline checked between them, so a server trickling bytes cannot hold the download past it.
    (Name resolution cannot be interrupted here; RequestVerifier runs this in a worker thread and
    stops waiting at its own deadline, which covers DNS too.) Raises one of DOWNLOAD_ERRORS.
    """
    deadline = time.monotonic() + deadline_seconds
    with (opener or make_opener()).open(url, timeout=deadline_seconds) as response:
        if response.status != 200:
            raise FetchError(f"HTTP {response.status}")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_CHAIN_BYTES:
            if time.monotonic() > deadline:
                raise FetchError("certificate chain download passed its deadline")
            chunk = response.read1(16 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        # read1() reports a connection closed early as an empty read, not as an error.
        missing = response.length if size <= MAX_CHAIN_BYTES else None
    if size > MAX_CHAIN_BYTES:
        raise FetchError("certificate chain too large")
    if missing:
        raise http.client.IncompleteRead(b"".join(chunks), missing)
    return b"".join(chunks)


def trust_store_path() -> str:
    """The CA bundle file: $SSL_CERT_FILE if set, else OpenSSL's default (Debian's bundle)."""
    explicit = os.environ.get(CA_BUNDLE_ENV)
    if explicit:
        return explicit
    paths = ssl.get_default_verify_paths()
    return paths.cafile or paths.openssl_cafile


def load_system_trust_roots(cafile: str | None = None) -> list[x509.Certificate]:
    """Load the CA bundle (default ``trust_store_path()``); raise TrustStoreError if unusable."""
    cafile = cafile or trust_store_path()
    try:
        with open(cafile, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise TrustStoreError(
            f"cannot read the CA bundle {cafile} ({exc.strerror or type(exc).__name__}): install"
            f" the ca-certificates package or point {CA_BUNDLE_ENV} at a PEM bundle"
        ) from None
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
        raise TrustStoreError(f"no trusted root certificates found in the CA bundle {cafile}")
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


@dataclass(frozen=True)
class _Failure:
    message: str
    retry_at: datetime


class RequestVerifier:
    """Verifies Alexa requests; one instance per process, so the certificate cache is shared.

    The trust store is loaded when the verifier is made (TrustStoreError if it cannot be), so a
    server without one refuses to start instead of failing every request. ``trust_roots``,
    ``fetch`` and ``clock`` are injectable so tests can use their own CA, serve chains from a local
    server and move time; ``fetch_deadline_seconds`` bounds each download as a whole.
    """

    def __init__(
        self,
        skill_id: str,
        *,
        trust_roots: Sequence[x509.Certificate] | None = None,
        fetch: Fetcher | None = None,
        clock: Clock | None = None,
        fetch_deadline_seconds: float = FETCH_DEADLINE_SECONDS,
    ) -> None:
        if not skill_id:
            raise ValueError("a skill ID is required to verify requests")
        self.skill_id = skill_id
        roots = list(trust_roots) if trust_roots is not None else load_system_trust_roots()
        self._store = x509_verification.Store(roots) if roots else None
        self._fetch = fetch or fetch_url
        self._clock = clock or _utcnow
        self._deadline = fetch_deadline_seconds
        self._cache: OrderedDict[str, _CachedChain] = OrderedDict()
        self._failures: OrderedDict[str, _Failure] = OrderedDict()
        # The server runs the app in several threads; the lock keeps the caches consistent. It is
        # re-entrant because a finished future runs its callback (which takes it) at once.
        self._lock = threading.RLock()
        self._fetch_slots = threading.BoundedSemaphore(MAX_CONCURRENT_FETCHES)
        self._inflight: dict[str, Future[bytes]] = {}
        self._executor: ThreadPoolExecutor | None = None

    def verify(self, headers: Mapping[str, str], body: bytes, envelope: Mapping[str, Any]) -> None:
        """Run every check; ``envelope`` is the already-parsed ``body``."""
        self.verify_signature(headers, body)
        self.verify_envelope(envelope)

    def verify_signature(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check the certificate chain URL, the chain and the SHA-256 signature of ``body``.

        Everything that can be checked without a download (the URL, the signature's encoding and
        length) is checked before the chain is fetched.
        """
        url = normalize_cert_url(_header(headers, CERT_URL_HEADER) or "")
        encoded = _header(headers, SIGNATURE_HEADER)
        if not encoded:
            raise VerificationError(400, f"missing {SIGNATURE_HEADER} header")
        try:
            signature = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise VerificationError(400, "signature is not valid base64") from None
        if len(signature) not in PLAUSIBLE_SIGNATURE_BYTES:
            raise VerificationError(400, "signature length is not that of an RSA signature")
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
        cached = self._cached_key(url)
        if cached is not None:
            return cached
        try:
            entry = self.validate_chain(self._download(url), self._clock())
        except VerificationError as exc:
            if exc.status_code == 400:  # not "busy": that says nothing about this URL
                self._remember_failure(url, exc.message)
            raise
        with self._lock:
            self._cache[url] = entry
            self._cache.move_to_end(url)
            while len(self._cache) > MAX_CACHED_CHAINS:
                self._cache.popitem(last=False)
        return entry.public_key

    def _cached_key(self, url: str) -> rsa.RSAPublicKey | None:
        """The cached key for ``url`` if in date now; raises the cached failure if one is fresh."""
        now = self._clock()
        with self._lock:
            failure = self._failures.get(url)
            if failure is not None:
                if now < failure.retry_at:
                    raise VerificationError(400, failure.message)
                del self._failures[url]
            cached = self._cache.get(url)
            if cached is not None and cached.valid_from <= now <= cached.valid_until:
                self._cache.move_to_end(url)
                return cached.public_key
        return None

    def _remember_failure(self, url: str, message: str) -> None:
        with self._lock:
            retry_at = self._clock() + timedelta(seconds=FAILED_FETCH_RETRY_SECONDS)
            self._failures[url] = _Failure(message, retry_at)
            self._failures.move_to_end(url)
            while len(self._failures) > MAX_CACHED_FAILURES:
                self._failures.popitem(last=False)

    def _download(self, url: str) -> bytes:
        """Fetch ``url`` in a worker thread and wait for it at most the deadline, DNS included.

        Requests for a URL already being downloaded wait for that download instead of starting
        another. A slot is taken before a download starts and given back only when it really ends,
        so even a download still stuck after its deadline counts against MAX_CONCURRENT_FETCHES.
        """
        with self._lock:
            future = self._inflight.get(url)
        if future is None:
            if not self._fetch_slots.acquire(timeout=self._deadline):
                raise VerificationError(503, "too many certificate chain downloads in progress")
            with self._lock:
                future = self._inflight.get(url)
                if future is not None:  # another thread started it while this one waited
                    self._fetch_slots.release()
                else:
                    future = self._start_download(url)
        try:
            return future.result(timeout=self._deadline)
        except FutureTimeoutError:
            logger.warning("the Alexa certificate chain download passed its deadline")
            message = "could not fetch the signing certificate chain in time"
        except DOWNLOAD_ERRORS as exc:
            logger.warning("could not fetch the Alexa certificate chain: %s", type(exc).__name__)
            message = "could not fetch the signing certificate chain"
        raise VerificationError(400, message)

    def _start_download(self, url: str) -> Future[bytes]:
        """Submit the fetch (the caller holds a slot and the lock); the slot is freed when done."""
        if self._executor is None:
            # Made on first use, not at start: a forking server would not copy its threads.
            self._executor = ThreadPoolExecutor(MAX_CONCURRENT_FETCHES, "alexa-cert-fetch")
        try:
            future = self._executor.submit(self._fetch, url)
        except BaseException:
            self._fetch_slots.release()
            raise
        self._inflight[url] = future

        def finished(_: Future[bytes]) -> None:
            with self._lock:
                if self._inflight.get(url) is future:
                    del self._inflight[url]
            self._fetch_slots.release()

        future.add_done_callback(finished)
        return future

    def _trust_store(self) -> x509_verification.Store:
        if self._store is None:  # only when a test passes an empty list of roots
            raise VerificationError(400, "certificate chain is not trusted")
        return self._store

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
