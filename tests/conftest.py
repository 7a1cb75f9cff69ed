"""Shared pytest fixtures: a real skill web server in a subprocess, on a free loopback port.

``live_skill_server`` serves the real skill (``skill:build_skill``) with ``--no-verify`` and yields
its base URL, e.g. ``http://127.0.0.1:40123``; POST request envelopes to ``{base}/alexa``.
``start_skill_server`` starts others (another skill factory, more options) and stops them at the
end of the test. Both need nothing but the loopback interface.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SkillServer:
    """A running ``python -m skill serve`` subprocess."""

    url: str
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return server_log(self.process)


StartServer = Callable[..., SkillServer]


def free_port() -> int:
    """A loopback port that was free a moment ago (the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spawn(command: list[str]) -> subprocess.Popen[bytes]:
    # stderr goes to a file, not a pipe: nobody reads a pipe while the server runs, and a full
    # pipe would block the server's logging and so the server.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=dict(os.environ),
                               stdout=subprocess.DEVNULL, stderr=log)
    process.log = log  # type: ignore[attr-defined]
    return process


def server_log(process: subprocess.Popen[bytes]) -> str:
    """What the server has written to stderr so far."""
    log = process.log  # type: ignore[attr-defined]
    log.seek(0)
    return log.read().decode(errors="replace")


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"skill server exited with {process.returncode}: {server_log(process)}"
            )
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise RuntimeError(f"skill server at {base_url} did not become healthy in {timeout} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log.close()  # type: ignore[attr-defined]


@pytest.fixture
def start_skill_server() -> Iterator[StartServer]:
    """Call with extra ``serve`` arguments; returns a SkillServer. Defaults: --no-verify, 2 threads."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(
        *args: str, threads: int = 2, verify: bool = False, timeout: float = 30.0
    ) -> SkillServer:
        port = free_port()
        command = [sys.executable, "-m", "skill", "serve", "--host", "127.0.0.1",
                   "--port", str(port), "--threads", str(threads), *args]
        if not verify:
            command.append("--no-verify")
        process = _spawn(command)
        processes.append(process)
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(base_url, process, timeout)
        return SkillServer(base_url, process)

    yield start
    for process in processes:
        _stop(process)


@pytest.fixture(scope="module")
def live_skill_server() -> Iterator[str]:
    """The real skill served over HTTP (verification off, loopback only); yields the base URL."""
    port = free_port()
    process = _spawn(
        [sys.executable, "-m", "skill", "serve", "--no-verify", "--host", "127.0.0.1",
         "--port", str(port), "--threads", "2"]
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, 30.0)
        yield base_url
    finally:
        _stop(process)
