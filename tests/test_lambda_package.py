"""The Lambda package (scripts/build_lambda.py) and the SAM template that deploys it.

The package is built for real (pip fetches the Lambda platform's wheels), unzipped, and run in a
fresh interpreter that sees nothing but the unzipped package: no site-packages, no repository.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import build_lambda
from skill.envelope import request_envelope

ROOT = Path(__file__).resolve().parents[1]
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
THIS_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"
# Packages the Lambda turn must not need (web service, voice, test and lint tools).
NOT_IN_PACKAGE = ("flask", "werkzeug", "gunicorn", "waitress", "cryptography", "numpy", "pocketsphinx",
                  "vosk", "pyttsx3", "sounddevice", "pytest", "hypothesis", "ruff", "mypy", "yaml")

# Runs in the fresh interpreter: import the handler, answer each event, print what it said.
PROBE = """
import importlib, json, sys
package, handler_path = sys.argv[1], sys.argv[2]
sys.path.insert(0, package)
module_name, _, function = handler_path.rpartition(".")
handler = getattr(importlib.import_module(module_name), function)
replies, attributes, cards, summary_loaded = [], None, [], []
for request in json.loads(sys.stdin.read()):
    event = request["envelope"]
    if attributes is not None:
        event["session"]["attributes"], event["session"]["new"] = attributes, False
    response = handler(event, None)
    attributes = response.get("sessionAttributes")
    replies.append(response["response"]["outputSpeech"]["ssml"])
    cards.append(response["response"].get("card"))
    summary_loaded.append("triage.summary" in sys.modules)
print(json.dumps({"replies": replies, "modules": sorted(sys.modules), "path": sys.path, "cards": cards,
                  "summary_loaded": summary_loaded}))
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_lambda.build(tmp_path_factory.mktemp("lambda") / "package.zip",
                              python_version=THIS_PYTHON)


@pytest.fixture(scope="module")
def unzipped(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(package) as archive:
        archive.extractall(directory)
    return directory


def run_in_fresh_interpreter(directory: Path, requests: list[dict[str, Any]],
                             env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", PROBE, str(directory), build_lambda.HANDLER],
        input=json.dumps([{"envelope": r} for r in requests]), capture_output=True, text=True,
        cwd=directory, env=env, timeout=120,
    )


def _intent(name: str) -> dict[str, Any]:
    return request_envelope({"type": "IntentRequest", "intent": {"name": name, "confirmationStatus": "NONE"}},
                            {}, app_id=SKILL_ID)


def test_built_package_answers_a_launch_request_in_a_fresh_interpreter(unzipped):
    launch = request_envelope({"type": "LaunchRequest"}, app_id=SKILL_ID)
    result = run_in_fresh_interpreter(unzipped, [launch, _intent("AMAZON.NoIntent")],
                                      env={"SPINE_CHECK_SKILL_ID": SKILL_ID})
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    welcome, second = output["replies"]
    assert "Welcome to Spine Check" in welcome
    assert second != welcome and "Welcome" not in second  # the session went on to the next question
    assert all(not entry.startswith(str(ROOT)) for entry in output["path"][1:] if entry)
    loaded = {name.split(".")[0] for name in output["modules"]}
    assert not loaded & set(NOT_IN_PACKAGE)
    # A Lambda turn needs no TLS or HTTP client: the trust store is for web-service verification.
    assert "ssl" not in loaded and "http" not in loaded


def test_built_package_makes_the_summary_card_and_loads_its_code_only_when_asked(unzipped):
    """The summary code (triage.summary) is imported by the first summary request, never by a cold
    start: a LaunchRequest and an answer leave it unloaded (bench/lambda_cold_start.py times that)."""
    launch = request_envelope({"type": "LaunchRequest"}, app_id=SKILL_ID)
    result = run_in_fresh_interpreter(
        unzipped, [launch, _intent("AMAZON.YesIntent"), _intent("SummaryIntent")],
        env={"SPINE_CHECK_SKILL_ID": SKILL_ID})
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["summary_loaded"] == [False, False, True]
    assert output["cards"][:2] == [None, None]  # the emergency result itself sends no card
    card = output["cards"][2]
    assert card["title"] == "Spine Check summary" and "Call 911" in card["content"]
    assert "I've put your full summary in the Alexa app." in output["replies"][2]


def test_built_package_refuses_to_start_without_the_skill_id(unzipped):
    result = run_in_fresh_interpreter(unzipped, [request_envelope({"type": "LaunchRequest"}, app_id=SKILL_ID)],
                                      env={})
    assert result.returncode != 0
    assert "set SPINE_CHECK_SKILL_ID" in result.stderr


def test_package_holds_the_skill_and_its_runtime_dependencies_only(package):
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        unzipped_size = sum(info.file_size for info in archive.infolist())
    top_level = {name.split("/")[0] for name in names}
    for required in ("skill/lambda_function.py", "skill/request_checks.py", "triage/data/rules.json",
                     "triage/data/questionnaire.json", "interaction_model/en-US.json",
                     "ask_sdk_core/__init__.py", "ask_sdk_model/__init__.py"):
        assert required in names
    for web_only in build_lambda.WEB_ONLY_MODULES:
        assert web_only not in names
    assert not {name.lower() for name in top_level} & set(NOT_IN_PACKAGE)
    assert not any(name.startswith(("tests/", "bench/", "local_voice/", "node_modules/", ".venv/"))
                   for name in names)
    # Lambda's limit is 250 MB unzipped; the repository with all its requirements was 291 MB.
    assert unzipped_size < 30e6
    # Precompiled for the runtime, as the read-only /var/task cannot cache bytecode.
    assert f"skill/__pycache__/lambda_function.cpython-{THIS_PYTHON.replace('.', '')}.pyc" in names


# --- template.yaml -----------------------------------------------------------------------------

class _CloudFormationLoader(yaml.SafeLoader):
    """Reads CloudFormation's short-form tags (!Ref X, !GetAtt X.Y) as {"Ref": "X"} and the like."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        return {name: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node)}
    return {name: loader.construct_mapping(node)}  # type: ignore[arg-type]


_CloudFormationLoader.add_multi_constructor("!", _tag)


def _template() -> dict[str, Any]:
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=_CloudFormationLoader)


def test_sam_template_matches_the_package_and_the_entry():
    from skill.lambda_function import SKILL_ID_ENV  # needs the skill ID set: see _entry_env

    template = _template()
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    properties = function["Properties"]
    assert properties["Handler"] == build_lambda.HANDLER
    module_name, _, attribute = properties["Handler"].rpartition(".")
    assert (ROOT / (module_name.replace(".", "/") + ".py")).exists()
    assert properties["CodeUri"] == build_lambda.DEFAULT_OUTPUT.relative_to(ROOT).as_posix()
    assert properties["Runtime"] == "python3.11"  # the build script's default
    assert properties["Architectures"] == ["x86_64"]
    assert properties["Timeout"] <= 8  # Alexa waits 8 s at most
    variables = properties["Environment"]["Variables"]
    assert variables == {SKILL_ID_ENV: {"Ref": "SkillId"}}
    (event,) = properties["Events"].values()
    assert event == {"Type": "AlexaSkill", "Properties": {"SkillId": {"Ref": "SkillId"}}}
    assert "SkillId" in template["Parameters"]


@pytest.fixture(autouse=True)
def _entry_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The template test imports skill.lambda_function, which refuses to load without a skill ID.
    monkeypatch.setenv("SPINE_CHECK_SKILL_ID", SKILL_ID)
