"""Benchmark of the Lambda package: its size, and its cold start against a bare skill packaged the
same way.

Run from the repository root (about 1 minute; ``--runs 5`` for a quicker look)::

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

_PROBE = """
import importlib, json, sys, time
start = time.perf_counter()
package, handler_path = sys.argv[1], sys.argv[2]
sys.path.insert(0, package)
module_name, _, function = handler_path.rpartition(".")
handler = getattr(importlib.import_module(module_name), function)
imported = time.perf_counter()
response = handler(json.loads(sys.stdin.read()), None)
answered = time.perf_counter()
speech = response["response"]["outputSpeech"]
print(json.dumps({"import_s": imported - start, "first_request_s": answered - imported,
                  "speech": speech.get("ssml") or speech.get("text"),
                  "modules": sorted(sys.modules)}))
"""


def launch_request() -> dict:
    sys.path.insert(0, str(REPO_ROOT))
    from skill.envelope import request_envelope

    return request_envelope({"type": "LaunchRequest"}, app_id=SKILL_ID)


def run_package(package_dir: Path, handler: str, event: dict) -> dict:
    """One cold start in a fresh interpreter; adds ``process_s``, the whole process's time."""
    env = {"PATH": os.environ.get("PATH", ""), "SPINE_CHECK_SKILL_ID": SKILL_ID}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", _PROBE, str(package_dir), handler],
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="cold starts per package (default 21)")
    parser.add_argument("--python", default=f"{sys.version_info[0]}.{sys.version_info[1]}",
                        help="runtime Python version to build for (default: this Python's)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO_ROOT))
    from scripts.build_lambda import BARE_HANDLER, HANDLER, build, unzipped_bytes

    event = launch_request()
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
        runs: dict[str, list[dict]] = {"ours": [], "bare": []}
        for _ in range(args.runs):
            for name, (directory, handler) in packages.items():
                runs[name].append(run_package(directory, handler, event))
        sizes = {"ours": (ours_zip.stat().st_size, unzipped_bytes(ours_zip)),
                 "bare": (bare_zip.stat().st_size, unzipped_bytes(bare_zip))}

    def median(name: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[name]) * 1e3

    print(f"Lambda package benchmark: Python {sys.version.split()[0]} (runtime python{args.python}, "
          f"x86_64), {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, {args.runs} runs each")
    for name in ("ours", "bare"):
        zipped, unzipped = sizes[name]
        print(f"{name:4}: {zipped / 1e6:.1f} MB zipped, {unzipped / 1e6:.1f} MB unzipped; "
              f"import {median(name, 'import_s'):.0f} ms + first LaunchRequest "
              f"{median(name, 'first_request_s'):.1f} ms; whole process {median(name, 'process_s'):.0f} ms")
    ours_cold = statistics.median(r["import_s"] + r["first_request_s"] for r in runs["ours"])
    bare_cold = statistics.median(r["import_s"] + r["first_request_s"] for r in runs["bare"])
    print(f"cold start (import + first LaunchRequest): ours {ours_cold * 1e3:.0f} ms, bare "
          f"{bare_cold * 1e3:.0f} ms, ratio {ours_cold / bare_cold:.2f}x (target <= 1.2x)")
    print(f"whole process: ours {median('ours', 'process_s'):.0f} ms, bare "
          f"{median('bare', 'process_s'):.0f} ms, ratio "
          f"{median('ours', 'process_s') / median('bare', 'process_s'):.2f}x")
    extra = sorted(set(runs["ours"][0]["modules"]) - set(runs["bare"][0]["modules"]))
    print(f"modules loaded beyond the bare skill's: {len(extra)} "
          f"({', '.join(m for m in extra if '.' not in m)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
