"""Benchmark of the Lambda package: its size, and its cold start against a bare skill packaged the
same way.

Run from the repository root (about 2 minutes; ``--runs 5`` for a quicker look)::

    .venv/bin/python -m bench.lambda_cold_start

It builds two packages with scripts/build_lambda.py, the same way: the real skill
(``skill.lambda_function.lambda_handler``) and the bare one-handler ask-sdk-core skill
(``bench.bare_lambda.lambda_handler``, from bench/bare_skill.py). Each is unzipped into a
directory of its own, and each run is a fresh interpreter (``python -I -S -B``: no site-packages,
no writing of bytecode, as on Lambda's read-only /var/task) with only that directory on
``sys.path``. A run imports the handler module and answers one LaunchRequest, as a Lambda cold
start does, and reports:

1. import + first LaunchRequest, timed inside the process (target: at most 1.2x the bare skill);
2. the whole process, from start to exit, timed outside it (interpreter start-up included).

Each is measured twice: as on Lambda, where AWS's Python runtime (awslambdaric/bootstrap.py) has
already imported json, logging, traceback and a few more before it imports the handler (so those
cost the function nothing), and in a bare interpreter where the handler pays for everything.

The two packages alternate run by run, so drift in machine speed hits both alike; medians are
printed. Lambda's own runtime start-up and the download of the package are not included.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-00000000bench"

# What AWS's Python runtime (awslambdaric/bootstrap.py, and its log and marshalling helpers)
# has imported before it imports the handler: on Lambda these cost a function nothing.
RUNTIME_PRELOAD = "decimal, importlib, json, logging, os, sys, time, traceback"

_PROBE = """
import importlib, json, sys, time
if sys.argv[3] == "preload":
    import RUNTIME_PRELOAD
start, start_cpu = time.perf_counter(), time.process_time()
package, handler_path = sys.argv[1], sys.argv[2]
sys.path.insert(0, package)
module_name, _, function = handler_path.rpartition(".")
handler = getattr(importlib.import_module(module_name), function)
imported = time.perf_counter()
response = handler(json.loads(sys.stdin.read()), None)
answered, answered_cpu = time.perf_counter(), time.process_time()
speech = response["response"]["outputSpeech"]
print(json.dumps({"import_s": imported - start, "first_request_s": answered - imported,
                  "cpu_s": answered_cpu - start_cpu,
                  "speech": speech.get("ssml") or speech.get("text"),
                  "modules": sorted(sys.modules)}))
""".replace("RUNTIME_PRELOAD", RUNTIME_PRELOAD)


def launch_request() -> dict:
    sys.path.insert(0, str(REPO_ROOT))
    from skill.envelope import request_envelope

    return request_envelope({"type": "LaunchRequest"}, app_id=SKILL_ID)


def run_package(package_dir: Path, handler: str, event: dict, mode: str = "bare-interpreter") -> dict:
    """One cold start in a fresh interpreter; adds ``process_s``, the whole process's time.

    ``mode`` "preload" first imports what Lambda's runtime has loaded (untimed), as on Lambda."""
    env = {"PATH": os.environ.get("PATH", ""), "SPINE_CHECK_SKILL_ID": SKILL_ID}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", _PROBE, str(package_dir), handler, mode],
        input=json.dumps(event), capture_output=True, text=True, env=env, cwd=package_dir,
        timeout=120,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{handler} failed in a fresh interpreter:\n{result.stderr}")
    figures = json.loads(result.stdout)
    figures["process_s"] = elapsed
    return figures


def unzip(package: Path, directory: Path) -> Path:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(directory)
    return directory


MODES = {
    "preload": "as on Lambda (the runtime's own modules loaded first, untimed)",
    "bare-interpreter": "in a bare interpreter (nothing loaded first)",
}


def _cold_ms(runs: list[dict], pick=statistics.median) -> float:
    return pick(r["import_s"] + r["first_request_s"] for r in runs) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="cold starts per package and mode (default 15)")
    parser.add_argument("--python", default=f"{sys.version_info[0]}.{sys.version_info[1]}",
                        help="runtime Python version to build for (default: this Python's)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO_ROOT))
    from scripts.build_lambda import BARE_HANDLER, HANDLER, build, unzipped_bytes

    event = launch_request()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="spine-check-cold-") as temp:
        root = Path(temp)
        ours_zip = build(root / "ours.zip", python_version=args.python)
        bare_zip = build(root / "bare.zip", python_version=args.python, bare=True)
        packages = {
            "ours": (unzip(ours_zip, root / "ours"), HANDLER),
            "bare": (unzip(bare_zip, root / "bare"), BARE_HANDLER),
        }
        for directory, handler in packages.values():  # first runs warm the OS file cache
            run_package(directory, handler, event)
        runs: dict[tuple[str, str], list[dict]] = {(m, n): [] for m in MODES for n in packages}
        for _ in range(args.runs):  # alternate everything, so machine drift hits all alike
            for mode in MODES:
                for name, (directory, handler) in packages.items():
                    runs[mode, name].append(run_package(directory, handler, event, mode))
        sizes = {"ours": (ours_zip.stat().st_size, unzipped_bytes(ours_zip)),
                 "bare": (bare_zip.stat().st_size, unzipped_bytes(bare_zip))}

    print(f"Lambda package benchmark: Python {sys.version.split()[0]} (runtime python{args.python}, "
          f"x86_64), {os.cpu_count()} CPUs, load {load_before:.2f} -> {os.getloadavg()[0]:.2f}, "
          f"{args.runs} runs each")
    for name in packages:
        zipped, unzipped = sizes[name]
        print(f"{name}: {zipped / 1e6:.1f} MB zipped, {unzipped / 1e6:.1f} MB unzipped")
    for mode, title in MODES.items():
        ours, bare = runs[mode, "ours"], runs[mode, "bare"]
        print(f"cold start (import + first LaunchRequest) {title}:")
        for name, measured in (("ours", ours), ("bare", bare)):
            print(f"  {name}: import {statistics.median(r['import_s'] for r in measured) * 1e3:.0f} ms"
                  f" + first LaunchRequest {statistics.median(r['first_request_s'] for r in measured) * 1e3:.1f}"
                  f" ms; whole process {statistics.median(r['process_s'] for r in measured) * 1e3:.0f} ms")
        cpu = statistics.median(r["cpu_s"] for r in ours) / statistics.median(r["cpu_s"] for r in bare)
        print(f"  ratio ours/bare: CPU time {cpu:.2f}x (least disturbed by other load); wall time median {_cold_ms(ours) / _cold_ms(bare):.2f}x "
              f"({_cold_ms(ours):.0f} / {_cold_ms(bare):.0f} ms), fastest run {_cold_ms(ours, min) / _cold_ms(bare, min):.2f}x"
              f" ({_cold_ms(ours, min):.0f} / {_cold_ms(bare, min):.0f} ms) (target <= 1.2x); whole process "
              f"{statistics.median(r['process_s'] for r in ours) / statistics.median(r['process_s'] for r in bare):.2f}x")
    extra = sorted(set(runs["preload", "ours"][0]["modules"]) - set(runs["preload", "bare"][0]["modules"]))
    print(f"modules loaded beyond the bare skill's (as on Lambda): {len(extra)} "
          f"({', '.join(m for m in extra if '.' not in m)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
