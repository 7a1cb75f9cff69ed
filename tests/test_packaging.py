"""Set-up and packaging: what each requirements file holds, the pip metadata in pyproject.toml,
the license, and scripts/bootstrap.sh's checks (Python version, apt lock, no npm)."""

from __future__ import annotations

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
TEST_TOOLS = {"pytest", "hypothesis", "ruff", "mypy"}
# Each requirements file and the pyproject extra that must name the same packages.
EXTRA_FOR_FILE = {
    "requirements.txt": "voice",
    "requirements-lambda.txt": "lambda",
    "requirements-skill.txt": "skill",
    "requirements-dev.txt": "dev",
}


def read_requirements(name: str) -> dict[str, Requirement]:
    """The requirements a file installs, following ``-r`` includes; keyed by canonical name."""
    found: dict[str, Requirement] = {}
    for raw in (ROOT / name).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            found.update(read_requirements(line[3:].strip()))
            continue
        requirement = Requirement(line)
        found[canonicalize_name(requirement.name)] = requirement
    return found


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def read_extra(extra: str) -> dict[str, Requirement]:
    """An extra's requirements from pyproject.toml, following self-references (spine-check[x])."""
    project = _pyproject()["project"]
    found: dict[str, Requirement] = {}
    for text in project["optional-dependencies"][extra]:
        requirement = Requirement(text)
        if canonicalize_name(requirement.name) == canonicalize_name(project["name"]):
            for inner in requirement.extras:
                found.update(read_extra(inner))
        else:
            found[canonicalize_name(requirement.name)] = requirement
    return found


def _pinned_version(requirement: Requirement) -> str:
    (specifier,) = requirement.specifier
    assert specifier.operator == "==", f"{requirement} must be pinned with =="
    return specifier.version


def test_run_sh_installs_no_test_or_lint_tools():
    run_sh = (ROOT / "run.sh").read_text()
    assert re.search(r'bootstrap\.sh"?\s*(\n|$)', run_sh), "run.sh must bootstrap the run level only"
    for name in ("requirements.txt", "requirements-skill.txt", "requirements-lambda.txt"):
        assert not TEST_TOOLS & set(read_requirements(name)), f"{name} holds a test or lint tool"
    assert TEST_TOOLS <= set(read_requirements("requirements-dev.txt"))
    assert "--dev" in (ROOT / "test.sh").read_text()


def test_lambda_needs_only_the_ask_sdk():
    assert set(read_requirements("requirements-lambda.txt")) == {"ask-sdk-core"}


@pytest.mark.parametrize("file_name", sorted(EXTRA_FOR_FILE))
def test_pyproject_extra_matches_its_requirements_file(file_name):
    pinned = read_requirements(file_name)
    extra = read_extra(EXTRA_FOR_FILE[file_name])
    assert set(pinned) == set(extra), f"{file_name} and extra {EXTRA_FOR_FILE[file_name]!r} differ"
    for name, requirement in pinned.items():
        version = _pinned_version(requirement)
        assert extra[name].specifier.contains(version), (
            f"{file_name} pins {name}=={version}, outside the extra's {extra[name].specifier}"
        )


def test_license_is_declared_the_same_everywhere():
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License")
    project = _pyproject()["project"]
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert project["license"] == package["license"] == lock["packages"][""]["license"] == "MIT"


def test_wheel_has_metadata_data_files_and_console_scripts(tmp_path):
    """Builds the wheel from a clean copy (no build backend download: setuptools is in the venv),
    installs it alone into a directory, and runs the installed code from there."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for package in _pyproject()["tool"]["setuptools"]["packages"]:
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(tmp_path / "dist"), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("spine_check-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
        metadata = email.parser.Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["License-Expression"] == "MIT"
    assert {"voice", "skill", "lambda", "dev"} <= set(metadata.get_all("Provides-Extra"))
    assert "spine-check = local_voice.__main__:cli" in entry_points  # main() that ends quietly on a closed pipe or Ctrl-C
    assert "spine-check-skill = skill.__main__:main" in entry_points
    for data_file in ("triage/data/questionnaire.json", "triage/data/rules.json",
                      "triage/data/answer_words.json", "interaction_model/en-US.json"):
        assert data_file in names

    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
         "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    # Run from elsewhere, so that only the installed copy can be imported.
    probe = (
        "import importlib.metadata as md, triage, local_voice, skill\n"
        "(dist,) = md.distributions(name='spine-check', path=[{target!r}])\n"
        "scripts = {{e.name: e for e in dist.entry_points if e.group == 'console_scripts'}}\n"
        "assert all(m.__file__.startswith({target!r}) for m in (triage, local_voice, skill))\n"
        "scripts['spine-check'].load(); scripts['spine-check-skill'].load()\n"
        "print(triage.start().text)\n"
    ).format(target=str(target))
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(target)})
    assert result.returncode == 0, result.stderr
    assert "Welcome to Spine Check" in result.stdout


# --- scripts/bootstrap.sh ----------------------------------------------------------------------

def _bootstrap(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(ROOT / "scripts" / "bootstrap.sh"), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def _old_python() -> str | None:
    """A working interpreter older than 3.11 (a pyenv shim may exist without one behind it)."""
    pyenv = Path.home() / ".pyenv" / "versions"
    candidates = [shutil.which(f"python3.{minor}") for minor in (10, 9, 8)]
    candidates += [str(path / "bin" / "python3") for path in sorted(pyenv.glob("3.*"), reverse=True)]
    for candidate in filter(None, candidates):
        try:
            result = subprocess.run([candidate, "-c", "import sys; print(sys.version_info >= (3, 11))"],
                                    capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if result.returncode == 0 and result.stdout.strip() == "False":
            return candidate
    return None


@pytest.mark.parametrize("case", ["older Python", "no Python"])
def test_bootstrap_refuses_python_before_3_11_with_a_clear_message(case):
    """Checked first, before anything is installed (so running it against the checkout is safe)."""
    if case == "older Python":
        python = _old_python()
        if python is None:
            pytest.skip("no Python older than 3.11 on this machine to try")
    else:
        python = "/nonexistent/python3"
    result = _bootstrap("--dev", env={**os.environ, "PYTHON": python})
    assert result.returncode == 1
    assert "Python 3.11 or later is required" in result.stderr
    assert "fromisoformat" in result.stderr
    if case == "older Python":
        assert re.search(r"found: 3\.(8|9|10)\.\d+ at ", result.stderr), result.stderr


def test_every_apt_get_call_waits_for_the_package_manager_lock():
    scripts = [ROOT / "run.sh", ROOT / "test.sh", *sorted((ROOT / "scripts").glob("*.sh"))]
    calls = [(path.name, line) for path in scripts for line in path.read_text().splitlines()
             if re.search(r"\bapt-get\b", line) and not line.lstrip().startswith("#")
             and "say " not in line]
    assert calls, "bootstrap.sh installs Debian packages with apt-get"
    for name, line in calls:
        assert "apt_wait" in line or "DPkg::Lock::Timeout" in line, f"{name}: {line.strip()}"
    assert re.search(r"apt_wait=\(-o DPkg::Lock::Timeout=\d+\)",
                     (ROOT / "scripts" / "bootstrap.sh").read_text())


def test_bootstrap_without_npm_says_what_is_skipped(tmp_path):
    """PATH holds every tool of this machine except npm and node."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            if entry.name in ("npm", "node", "npx") or (bin_dir / entry.name).exists():
                continue
            if os.access(entry.path, os.X_OK):
                (bin_dir / entry.name).symlink_to(entry.path)
    # The venv exists and is current (test.sh just set it up), so nothing is installed here.
    result = _bootstrap("--dev", "--with-node", env={**os.environ, "PATH": str(bin_dir)})
    assert result.returncode == 0, result.stderr
    assert "npm not found" in result.stderr
    assert "tests/test_skill_virtual_alexa.py is skipped" in result.stderr
