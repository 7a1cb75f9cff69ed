"""Command line for the skill: ``python -m skill serve``.

Serves the web endpoint with gunicorn. Request verification is on by default and then needs a skill
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
    serve = commands.add_parser("serve", help="serve POST /alexa and GET /healthz with gunicorn")
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
    serve.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
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
    """Check the options, build the app and run gunicorn until it is stopped."""
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
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
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
    from gunicorn.app.base import BaseApplication

    from skill.web import create_app

    app = create_app(load_factory(args.skill_factory)(), skill_id=args.skill_id, verify=verify)
    if not verify:
        banner = "!" * 72
        print(
            f"{banner}\nWARNING: Alexa request verification is OFF (--no-verify).\n"
            f"Anyone who can reach {args.host}:{args.port} can send this skill any request.\n"
            f"Use this for local testing only.\n{banner}",
            file=sys.stderr,
            flush=True,
        )

    class _Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", [_bind_address(args.host, args.port)])
            self.cfg.set("workers", args.workers)
            # Alexa waits 8 s for an answer; a worker stuck longer than that is of no use to anyone.
            self.cfg.set("timeout", 10)
            self.cfg.set("proc_name", "spine-check-skill")

        def load(self) -> Any:
            return app

    _Server().run()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse already refuses unknown commands


if __name__ == "__main__":
    sys.exit(main())
