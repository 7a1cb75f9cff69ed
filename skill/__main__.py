"""Command line for the skill: ``python -m skill serve``.

Serves the web endpoint with waitress: one process whose I/O thread reads every request in full
(headers and body) before a worker thread sees it, so slow or idle clients hold only a connection
slot and a buffer, never a worker. Request verification is on by default and then needs a skill
ID (``--skill-id`` or the environment variable ``SPINE_CHECK_SKILL_ID``); ``--no-verify`` is for
local testing only and is refused on anything but a loopback address.
"""

from __future__ import annotations

import argparse
import importlib
import ipaddress
import os
import sys
from typing import Any, Callable

from skill.request_log import LOG_FORMAT_ENV, LOG_FORMATS, configure_logging, resolve_format

SKILL_ID_ENV = "SPINE_CHECK_SKILL_ID"
DEFAULT_FACTORY = "skill:build_skill"

# Waitress settings. A connection slot is a file descriptor and a small buffer, so many can be open;
# the limit keeps a flood of connections from exhausting descriptors (poll() has no 1024 cap).
CONNECTION_LIMIT = 1000
# Alexa sends a request at once and waits at most 8 s for the reply: a connection silent for longer
# than this is closed (checked every CLEANUP_INTERVAL seconds).
IDLE_TIMEOUT_SECONDS = 15
CLEANUP_INTERVAL_SECONDS = 5
# Alexa's headers are a few hundred bytes. Bodies over the endpoint's own 64 KiB limit are refused
# by the app with a JSON 413; waitress refuses what is far beyond that (a Content-Length over it at
# once, a chunked body as soon as it passes it) without buffering it all, also with a JSON 413
# (skill/waitress_errors.py). The two limits differ on purpose: the app's is the real one, waitress's
# only bounds the memory a request can take before the app sees it.
MAX_HEADER_BYTES = 16 * 1024
MAX_BUFFERED_BODY_BYTES = 1024 * 1024


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the name localhost."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_factory(spec: str) -> Callable[[], Any]:
    """Resolve ``module:function``; the hook lets tests and benchmarks serve another skill."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"skill factory must look like module:function, got {spec!r}")
    return getattr(importlib.import_module(module_name), attr)


def _bind_address(host: str, port: int) -> str:
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m skill", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve POST /alexa and GET /healthz with waitress")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    serve.add_argument(
        "--skill-id",
        default=os.environ.get(SKILL_ID_ENV),
        help=f"the skill's application ID (default: ${SKILL_ID_ENV})",
    )
    serve.add_argument(
        "--no-verify",
        action="store_true",
        help="skip Alexa request verification (loopback addresses only; for local testing)",
    )
    serve.add_argument("--threads", type=int, default=4,
                       help="worker threads running the skill (default 4)")
    serve.add_argument("--log-format", choices=LOG_FORMATS, default=None,
                       help=f"plain (a terminal) or json (a log service); default ${LOG_FORMAT_ENV}"
                            " or plain")
    serve.add_argument(
        "--skill-factory",
        default=DEFAULT_FACTORY,
        help=f"module:function that builds the CustomSkill (default {DEFAULT_FACTORY})",
    )
    return parser


def serve(args: argparse.Namespace) -> int:
    """Check the options, load the trust store, build the app and serve it until stopped."""
    verify = not args.no_verify
    if verify and not args.skill_id:
        print(
            f"error: request verification needs the skill ID: pass --skill-id or set {SKILL_ID_ENV}"
            " (use --no-verify on a loopback address for local testing)",
            file=sys.stderr,
        )
        return 2
    if not verify and not is_loopback(args.host):
        print(
            f"error: --no-verify is only allowed on a loopback address, not {args.host}",
            file=sys.stderr,
        )
        return 2
    if args.threads < 1:
        print("error: --threads must be at least 1", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print("error: --port must be between 0 and 65535", file=sys.stderr)
        return 2
    try:
        configure_logging(resolve_format(args.log_format, dict(os.environ)))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    # Imported late so the refusals above are instant and work without the skill's dependencies.
    from waitress.server import create_server

    from skill.verification import RequestVerifier, TrustStoreError
    from skill.waitress_errors import use_json_errors
    from skill.web import create_app

    verifier = None
    if verify:
        try:
            # The trust store is loaded now, not on the first request: without it every request
            # would fail, so the server must not start.
            verifier = RequestVerifier(args.skill_id)
        except TrustStoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        factory = load_factory(args.skill_factory)
    except (ImportError, AttributeError, ValueError) as exc:
        print(f"error: cannot load --skill-factory {args.skill_factory}: {exc}", file=sys.stderr)
        return 2
    app = create_app(factory(), skill_id=args.skill_id, verify=verify, verifier=verifier)
    address = _bind_address(args.host, args.port)
    try:
        server = create_server(
            app,
            listen=address,
            threads=args.threads,
            connection_limit=CONNECTION_LIMIT,
            channel_timeout=IDLE_TIMEOUT_SECONDS,
            cleanup_interval=CLEANUP_INTERVAL_SECONDS,
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=MAX_BUFFERED_BODY_BYTES,
            asyncore_use_poll=True,
            ident="spine-check",
        )
    except (OSError, ValueError) as exc:
        # Binding failed: port in use (EADDRINUSE), an address not on this machine
        # (EADDRNOTAVAIL), a port below 1024 without privilege (EACCES), or a host waitress cannot
        # parse or resolve (ValueError, socket.gaierror). A set-up error: one line, exit 2.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"error: cannot listen on {address}: {reason}", file=sys.stderr)
        return 2
    use_json_errors(server)  # waitress's own refusals (413, 431, 400) in JSON like the app's
    if not verify:
        banner = "!" * 72
        print(
            f"{banner}\nWARNING: Alexa request verification is OFF (--no-verify).\n"
            f"Anyone who can reach {args.host}:{args.port} can send this skill any request.\n"
            f"Use this for local testing only.\n{banner}",
            file=sys.stderr,
            flush=True,
        )
    print(f"serving POST /alexa and GET /healthz on http://{address}", file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse already refuses unknown commands


if __name__ == "__main__":
    sys.exit(main())
