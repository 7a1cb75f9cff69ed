"""Build the AWS Lambda deployment package (a .zip) for the Spine Check skill, with one command.

From the repository root, with any Python 3.11 or later that has pip::

    python3 -m scripts.build_lambda                  # dist/spine-check-lambda.zip
    python3 -m scripts.build_lambda --python 3.12    # for the python3.12 runtime
    python3 -m scripts.build_lambda --bare           # the baseline bare skill (benchmarks)

The package holds the skill (``skill/`` without its web-only modules), the triage core with its data
(``triage/``), the interaction model (``interaction_model/``) and the runtime dependencies of
``requirements-lambda.txt`` (ask-sdk-core and what it needs), nothing else: no Flask, waitress,
cryptography, voice packages or test tools. Dependencies are fetched as wheels for the Lambda
platform (``manylinux2014_x86_64`` or ``manylinux2014_aarch64``, CPython of the chosen version), so
the build works from any Linux or macOS machine.

Runtime ``python3.11`` (default) or ``python3.12``/``python3.13``, architecture ``x86_64`` (default) or
``arm64``; handler ``skill.lambda_function.lambda_handler``; see ``template.yaml``. When the Python
running this script has the target version, modules are precompiled to unchecked-hash ``.pyc``
files: Lambda's code directory is read-only, so without them every cold start compiles every module.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Iterable

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "dist" / "spine-check-lambda.zip"
BARE_OUTPUT = REPO_ROOT / "dist" / "bare-skill-lambda.zip"
REQUIREMENTS = REPO_ROOT / "requirements-lambda.txt"
HANDLER = "skill.lambda_function.lambda_handler"
BARE_HANDLER = "bench.bare_lambda.lambda_handler"
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
# What the skill's Lambda turn runs: every module of these packages, with their data files ...
SKILL_PACKAGES = ("skill", "triage", "interaction_model")
# ... except the web service's modules, which need Flask, waitress and cryptography, and tools.
WEB_ONLY_MODULES = {"skill/web.py", "skill/wsgi.py", "skill/__main__.py", "skill/verification.py",
                    "interaction_model/skill_package.py"}
DATA_SUFFIXES = {".py", ".json"}
BARE_FILES = ("bench/bare_skill.py", "bench/bare_lambda.py")
# Zip entries get one fixed time so that the same sources give the same package.
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def skill_files(root: Path = REPO_ROOT) -> list[str]:
    """Repository-relative paths of the skill's own files in the package."""
    found = []
    for package in SKILL_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            relative = path.relative_to(root).as_posix()
            if (path.is_file() and path.suffix in DATA_SUFFIXES and "__pycache__" not in path.parts
                    and relative not in WEB_ONLY_MODULES):
                found.append(relative)
    return found


def install_dependencies(target: Path, python_version: str, arch: str) -> None:
    """pip-install requirements-lambda.txt into ``target`` as wheels for the Lambda platform."""
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(target), "--platform", PLATFORMS[arch], "--implementation", "cp",
        "--python-version", python_version, "--only-binary=:all:", "--no-compile",
        # The building environment's own packages (boto3 here or there) are not the package's concern.
        "--no-warn-conflicts",
        "-r", str(REQUIREMENTS),
    ]
    subprocess.run(command, check=True)
    # Console scripts of the dependencies: nothing on Lambda runs them.
    shutil.rmtree(target / "bin", ignore_errors=True)


def precompile(staging: Path, python_version: str) -> bool:
    """Write unchecked-hash .pyc files if this Python is the target version; True if done."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" != python_version:
        return False
    from py_compile import PycInvalidationMode

    # Source paths in tracebacks read as on Lambda, where the package is unzipped to /var/task.
    # The SDK's sources have invalid escape sequences; compiling them warns, harmlessly.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        ok = compileall.compile_dir(str(staging), quiet=2, workers=1, stripdir=str(staging),
                                    prependdir="/var/task", invalidation_mode=PycInvalidationMode.UNCHECKED_HASH)
    if not ok:
        raise RuntimeError("compiling the package's modules failed")
    return True


def write_zip(staging: Path, output: Path) -> None:
    """Zip ``staging`` with sorted entries, one fixed time and mode 644 (Lambda must read them)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(staging).as_posix(), date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    partial.replace(output)


def unzipped_bytes(package: Path) -> int:
    """The package's size once unzipped (Lambda's limit is 250 MB, layers included)."""
    with zipfile.ZipFile(package) as archive:
        return sum(info.file_size for info in archive.infolist())


def build(output: Path = DEFAULT_OUTPUT, *, python_version: str = "3.11", arch: str = "x86_64",
          bare: bool = False, files: Iterable[str] | None = None) -> Path:
    """Build the package at ``output`` and return its path."""
    if python_version not in PYTHON_VERSIONS:
        raise ValueError(f"python_version must be one of {PYTHON_VERSIONS}, not {python_version!r}")
    if arch not in PLATFORMS:
        raise ValueError(f"arch must be one of {sorted(PLATFORMS)}, not {arch!r}")
    own_files = list(files) if files is not None else (list(BARE_FILES) if bare else skill_files())
    with tempfile.TemporaryDirectory(prefix="spine-check-lambda-") as temp:
        staging = Path(temp)
        install_dependencies(staging, python_version, arch)
        for relative in own_files:
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO_ROOT / relative, destination)
        precompile(staging, python_version)
        write_zip(staging, output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m scripts.build_lambda",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="3.11", choices=PYTHON_VERSIONS,
                        help="Lambda runtime's Python version (default 3.11: runtime python3.11)")
    parser.add_argument("--arch", default="x86_64", choices=sorted(PLATFORMS),
                        help="Lambda architecture (default x86_64)")
    parser.add_argument("--output", type=Path, default=None,
                        help=f"where to write the zip (default {DEFAULT_OUTPUT.relative_to(REPO_ROOT)})")
    parser.add_argument("--bare", action="store_true",
                        help="package the bare baseline skill (bench/bare_lambda.py) instead")
    args = parser.parse_args(argv)
    output = args.output or (BARE_OUTPUT if args.bare else DEFAULT_OUTPUT)
    package = build(output, python_version=args.python, arch=args.arch, bare=args.bare)
    compiled = f"{sys.version_info[0]}.{sys.version_info[1]}" == args.python
    print(f"{package}: {package.stat().st_size / 1e6:.1f} MB zipped, "
          f"{unzipped_bytes(package) / 1e6:.1f} MB unzipped")
    print(f"runtime python{args.python}, architecture {args.arch}, handler "
          f"{BARE_HANDLER if args.bare else HANDLER}")
    if not compiled:
        print(f"note: built with Python {sys.version_info[0]}.{sys.version_info[1]}, so modules are "
              f"not precompiled for {args.python}; each cold start will compile them "
              f"(run with python{args.python} to precompile)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.chdir(REPO_ROOT)
    sys.exit(main())
