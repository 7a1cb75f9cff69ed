"""Benchmark: normal Alexa requests while slow clients hold connections open.

Run from the repository root::

    .venv/bin/python bench/slow_clients.py            # 50 slow clients, 200 req/s for 30 s
    .venv/bin/python bench/slow_clients.py --quick    # 10 s of load
    .venv/bin/python bench/slow_clients.py --serve-args="--threads 2"  # any other serve options

It starts ``python -m skill serve --no-verify`` on 127.0.0.1 (the real skill), then opens the slow
connections, each one of two kinds, alternating:

- *slow headers*: sends ``POST /alexa HTTP/1.1`` and one header, then one more header byte a second,
  never finishing the header block (a "slowloris" client);
- *slow body*: sends complete headers announcing a 2000-byte body, then one body byte a second.

Each slow client reconnects at once if the server drops it, so the pressure stays for the whole
run. While they are open, an open-loop client (``bench.skill_turn.open_loop``) sends realistic
request envelopes at a fixed rate on fresh connections and measures latency from each request's
scheduled send time, so queueing counts. It prints requests/s, p50/p99/max latency, errors, how
long ``GET /healthz`` takes with the slow clients open, and how many slow clients were still
connected at the end (target: p99 < 50 ms at 200 req/s with 50 slow clients, 0 errors).

Everything stays on the loopback interface. Note ``uptime`` with any figure: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.skill_turn import (  # noqa: E402 - needs the repository on sys.path
    REAL_FACTORY,
    _percentile,
    _start_server,
    open_loop,
    realistic_bodies,
)

SLOW_HEADERS = b"POST /alexa HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
SLOW_BODY = (b"POST /alexa HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 2000\r\n\r\n{")


class SlowClients:
    """``count`` connections that each send a request one byte a second and never finish it."""

    def __init__(self, host: str, port: int, count: int, interval: float = 1.0) -> None:
        self.host, self.port, self.count, self.interval = host, port, count, interval
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                         for i in range(count)]
        self.connected = [False] * count
        self.reconnects = 0
        self._lock = threading.Lock()

    def __enter__(self) -> "SlowClients":
        for thread in self._threads:
            thread.start()
        # Give every slow client time to connect and send its first bytes.
        deadline = time.monotonic() + 5
        while not all(self.connected) and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _run(self, index: int) -> None:
        opening = SLOW_HEADERS if index % 2 == 0 else SLOW_BODY
        drip = b"X" if index % 2 == 0 else b" "
        while not self._stop.is_set():
            try:
                with socket.create_connection((self.host, self.port), timeout=5) as sock:
                    sock.sendall(opening)
                    self.connected[index] = True
                    while not self._stop.wait(self.interval):
                        sock.sendall(drip)
            except OSError:
                pass
            self.connected[index] = False
            if not self._stop.is_set():
                with self._lock:
                    self.reconnects += 1
                self._stop.wait(0.05)


def healthz_seconds(base: str, timeout: float = 30.0) -> float:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=timeout) as response:
            response.read()
    except OSError:
        return float("inf")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s of load instead of 30 s")
    parser.add_argument("--slow", type=int, default=50, help="slow connections (default 50)")
    parser.add_argument("--rate", type=float, default=200.0, help="normal requests per second")
    parser.add_argument("--duration", type=float, default=None, help="seconds of load")
    parser.add_argument("--serve-args", default="", help="extra options for python -m skill serve")
    args = parser.parse_args(argv)
    duration = args.duration or (10.0 if args.quick else 30.0)
    # A SIGTERM (e.g. from `timeout`) must still stop the server this script started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from skill import build_skill

    bodies = [body.encode() for body in realistic_bodies(build_skill()).values()]
    extra = shlex.split(args.serve_args)
    process, base, log = _start_server(REAL_FACTORY, extra)
    load = os.getloadavg()
    try:
        host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
        quiet_healthz = healthz_seconds(base)
        with SlowClients(host, port, args.slow) as slow:
            held = sum(slow.connected)
            stalled_healthz = healthz_seconds(base)
            open_loop(host, port, bodies, rate=args.rate, duration=2.0)  # warm up
            result = open_loop(host, port, bodies, rate=args.rate, duration=duration)
            still = sum(slow.connected)
            reconnects = slow.reconnects
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - the benchmark must always clean up its server
            process.kill()
        log.close()
    lat = result.latencies or [float("nan")]
    print(f"slow clients: {args.slow} opened, {held} held at start, {still} still connected at the"
          f" end, {reconnects} reconnects (server dropped them); serve options: "
          f"{' '.join(extra) or '(defaults)'}")
    print(f"GET /healthz: {quiet_healthz * 1e3:.1f} ms without slow clients, "
          f"{stalled_healthz * 1e3:.1f} ms with them")
    print(f"open loop at {args.rate:.0f} req/s for {result.duration:.1f} s: "
          f"{result.ok / result.duration:.1f} req/s, p50 {_percentile(lat, 0.5) * 1e3:.2f} ms, "
          f"p99 {_percentile(lat, 0.99) * 1e3:.2f} ms, max {max(lat) * 1e3:.2f} ms, errors "
          f"{result.errors}/{result.sent} (target p99 < 50 ms, 0 errors)")
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"({os.cpu_count()} CPUs, shared machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
