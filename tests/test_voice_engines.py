"""Engine selection and the Vosk adapter: the model-missing paths for real, recognition when a model is set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from local_voice.listeners import (
    VOSK_MODELS_URL,
    EngineUnavailable,
    PocketsphinxListener,
    VoskListener,
    choose_listener,
    vosk_model_path,
)

REPO = Path(__file__).resolve().parent.parent


def one_line_help(message: str, path: str) -> None:
    assert "\n" not in message
    assert VOSK_MODELS_URL in message
    assert "--model" in message and "VOSK_MODEL_PATH" in message
    assert path in message


def test_missing_model_directory_gives_one_line_with_where_to_get_one(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(EngineUnavailable) as err:
        VoskListener(missing)
    one_line_help(str(err.value), str(missing))


def test_directory_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable) as err:
        VoskListener(tmp_path)
    one_line_help(str(err.value), str(tmp_path))


def test_broken_model_is_reported_by_vosk_itself(tmp_path: Path) -> None:
    (tmp_path / "am").mkdir()
    (tmp_path / "conf").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"not a model")
    with pytest.raises(EngineUnavailable) as err:
        VoskListener(tmp_path)
    one_line_help(str(err.value), str(tmp_path))
    assert "could not be loaded" in str(err.value)


def test_model_path_comes_from_option_then_environment() -> None:
    assert vosk_model_path("/a", {"VOSK_MODEL_PATH": "/b"}) == "/a"
    assert vosk_model_path(None, {"VOSK_MODEL_PATH": "/b"}) == "/b"
    assert vosk_model_path(None, {}) is None


def test_pocketsphinx_is_the_default_without_a_vosk_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    assert isinstance(choose_listener(), PocketsphinxListener)


def test_a_configured_but_missing_vosk_model_is_an_error_not_a_silent_switch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VOSK_MODEL_PATH", str(tmp_path / "gone"))
    with pytest.raises(EngineUnavailable):
        choose_listener()
    assert isinstance(choose_listener(engine="pocketsphinx"), PocketsphinxListener)


def run_cli(*args: str, env: dict | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "local_voice", *args], cwd=REPO, env=full_env, input=stdin, capture_output=True, text=True, timeout=120)


def test_cli_missing_vosk_model_exits_2_with_one_line(tmp_path: Path) -> None:
    import numpy as np

    from local_voice.audio import write_wav

    answer = write_wav(tmp_path / "x.wav", np.zeros(16000, dtype=np.int16))
    result = run_cli("--engine", "vosk", "--model", str(tmp_path / "gone"), "--listen-from", str(answer))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    one_line_help(lines[0], str(tmp_path / "gone"))


def test_cli_text_mode_runs_the_core_text_front_end() -> None:
    result = run_cli("--text", stdin="stop\n")
    assert result.returncode == 0
    assert result.stdout.startswith("Spine Check: Welcome")
    assert "Goodbye" in result.stdout


@pytest.mark.skipif(not os.environ.get("VOSK_MODEL_PATH"), reason="VOSK_MODEL_PATH not set: no Vosk model to recognize with")
def test_vosk_recognizes_synthesized_answers_with_the_question_grammar() -> None:
    from local_voice.session import question_phrases
    from local_voice.synth import espeak_available, synthesize

    if not espeak_available():
        pytest.skip("espeak-ng not installed")
    listener = VoskListener(os.environ["VOSK_MODEL_PATH"])
    assert listener.recognize(synthesize("yes"), question_phrases("yes_no")).text == "yes"
    assert listener.recognize(synthesize("seven"), question_phrases("number", (0, 10))).text == "seven"
    assert listener.recognize(synthesize("banana pancakes"), question_phrases("yes_no")).text is None


NO_MICROPHONE_ERRORS = {
    "--engine vosk without a model": (["--engine", "vosk"], {}, "Vosk model not configured"),
    "bad VOSK_MODEL_PATH": ([], {"VOSK_MODEL_PATH": "/no/such/model"}, "Vosk model directory not found: /no/such/model"),
    "bad --model": (["--model", "/no/such/model"], {}, "Vosk model directory not found: /no/such/model"),
    "--engine pocketsphinx": (["--engine", "pocketsphinx"], {}, "no audio input device"),
}


@pytest.mark.parametrize("case", NO_MICROPHONE_ERRORS)
def test_an_engine_asked_for_without_a_microphone_is_an_error_not_text_mode(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """The issue: `--engine vosk` or a bad VOSK_MODEL_PATH with no microphone ran text mode silently."""
    import io

    import local_voice.__main__ as cli

    args, env, expected = NO_MICROPHONE_ERRORS[case]
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(cli, "microphone_problem", lambda: "no microphone found")
    monkeypatch.setattr(sys, "stdin", io.StringIO("stop\n"))
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert cli.main(args, out) == 2
    assert out.getvalue() == "" and "Welcome" not in err.getvalue()
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines


def test_no_audio_device_falls_back_to_text_mode_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    import local_voice.__main__ as cli

    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    monkeypatch.setattr(cli, "microphone_problem", lambda: "no microphone found")
    monkeypatch.setattr(sys, "stdin", io.StringIO("stop\n"))
    out = io.StringIO()
    assert cli.main([], out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "No audio input device (no microphone found), so Spine Check runs in text mode."
    assert lines[1].startswith("Spine Check: Welcome") and "Goodbye" in out.getvalue()
