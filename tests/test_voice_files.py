"""Recordings as people pass them to ``hear`` and ``--listen-from``: every WAV format heard, bad
files refused in one line before the session starts, no decode without speech, the same result
for the same audio in ``hear`` and in the session and in any order, quality notices said once.

Answers are spoken by espeak-ng here and converted by sox, as a person's recorder would write them.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from local_voice.audio import CLIPPED_NOTICE, NARROWBAND_NOTICE, NO_SPEECH_NOTICE, read_recording, speech_in, write_wav
from local_voice.listeners import PocketsphinxListener, WavFileSource
from local_voice.session import VoiceSession, question_phrases, recognize_utterance
from local_voice.speakers import RecordingSpeaker
from local_voice.synth import espeak_available, synthesize

pytestmark = [
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (bash test.sh installs it)"),
    pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed (bash test.sh installs it)"),
]

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "local_voice", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "VOSK_MODEL_PATH": ""})


def sox(source: Path, target: Path, *output_options: str, effects: tuple[str, ...] = ()) -> Path:
    """Convert with sox: output options (format) go before the output file, effects after it."""
    subprocess.run(["sox", str(source), *output_options, str(target), *effects], check=True, capture_output=True)
    return target


@pytest.fixture(scope="module")
def listener() -> PocketsphinxListener:
    return PocketsphinxListener()


@pytest.fixture(scope="module")
def yes_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_wav(tmp_path_factory.mktemp("answers") / "yes.wav", synthesize("yes", "en-us", 185, snr_db=30.0, seed=11))


# Output options as a person's recorder or sox would write the answer (sox picks the format tag).
RECORDER_FORMATS = {
    "16-bit 16 kHz mono": (),
    "24-bit 48 kHz stereo (EXTENSIBLE)": ("-b", "24", "-r", "48000", "-c", "2"),
    "32-bit 44.1 kHz mono (EXTENSIBLE)": ("-b", "32", "-r", "44100"),
    "32-bit float 22.05 kHz": ("-e", "floating-point", "-b", "32", "-r", "22050"),
    "16-bit 3 channels (EXTENSIBLE)": ("-c", "3"),
    "8-bit unsigned 16 kHz": ("-b", "8", "-e", "unsigned-integer"),
    "16-bit 8 kHz (telephone)": ("-r", "8000"),
}


@pytest.mark.parametrize("fmt", RECORDER_FORMATS)
def test_hear_understands_the_answer_in_every_recorder_format(tmp_path: Path, yes_wav: Path, fmt: str) -> None:
    """The issue: 24/32-bit, float and 3+ channel files were refused ("unknown format")."""
    converted = sox(yes_wav, tmp_path / "answer.wav", *RECORDER_FORMATS[fmt])
    result = run_cli("hear", "--expect", "yes_no", str(converted))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    record = json.loads(result.stdout)
    assert record["answer"] is True and record["speech"] is True, record


NOT_RECORDINGS = {
    "missing": lambda p: p / "missing.wav",
    "text file": lambda p: (p / "notes.wav").write_text("yes\n") and p / "notes.wav",
    "directory": lambda p: p,
}


@pytest.mark.parametrize("kind", NOT_RECORDINGS)
def test_listen_from_a_bad_file_is_one_line_and_exit_2_before_the_welcome(tmp_path: Path, yes_wav: Path, kind: str) -> None:
    """The issue: a traceback after the welcome. A good file before the bad one changes nothing."""
    bad = NOT_RECORDINGS[kind](tmp_path)
    result = run_cli("--listen-from", str(yes_wav), str(bad), "--say-to", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("kind", NOT_RECORDINGS)
def test_hear_a_bad_file_is_one_line_exit_1_and_the_others_still_heard(tmp_path: Path, yes_wav: Path, kind: str) -> None:
    bad = NOT_RECORDINGS[kind](tmp_path)
    result = run_cli("hear", "--expect", "yes_no", str(bad), str(yes_wav))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and str(bad) in result.stderr
    assert [json.loads(line)["answer"] for line in result.stdout.splitlines()] == [True]


def test_hear_on_silence_says_it_heard_nothing_and_decodes_nothing(tmp_path: Path) -> None:
    """The issue: 2 s of digital zeros was heard as {"heard": "two", "answer": 2}."""
    zeros = write_wav(tmp_path / "zeros.wav", np.zeros(32000, dtype=np.int16))
    dithered = tmp_path / "sox-silence.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-b", "16", str(dithered), "trim", "0", "2"], check=True, capture_output=True)
    for expect, extra in (("number", ["--range", "0", "10"]), ("yes_no", []), ("number", ["--range", "16", "110"])):
        result = run_cli("hear", "--expect", expect, *extra, str(zeros), str(dithered))
        assert result.returncode == 0, result.stderr
        for record in map(json.loads, result.stdout.splitlines()):
            assert record["speech"] is False and record["heard"] is None and record["answer"] is None, record
            assert NO_SPEECH_NOTICE in record["notices"]


def test_a_session_given_silence_says_it_heard_nothing(tmp_path: Path, listener: PocketsphinxListener) -> None:
    zeros = write_wav(tmp_path / "zeros.wav", np.zeros(32000, dtype=np.int16))
    out = io.StringIO()
    VoiceSession(listener, RecordingSpeaker(), WavFileSource([zeros]), out).run()
    assert "You (heard): (silence)" in out.getvalue()
    assert f"Spine Check: {NO_SPEECH_NOTICE} " in out.getvalue()


def noisy_answers(tmp_path: Path) -> list[Path]:
    """Numbers in three voices at 15 dB SNR: noisy enough that leftover noise estimates matter."""
    paths = []
    for i, (text, voice) in enumerate([("seven", "en-us"), ("two", "en-us+m6"), ("nine", "en-us+klatt"),
                                       ("four", "en-us"), ("six", "en-us+m6"), ("three", "en-us+klatt"),
                                       ("eight", "en-us"), ("five", "en-us+klatt")]):
        paths.append(write_wav(tmp_path / f"{i}-{text}.wav", synthesize(text, voice, 160, snr_db=15.0, seed=i)))
    paths.append(write_wav(tmp_path / "loud-noise.wav", np.random.default_rng(5).normal(0, 3000, 24000).astype(np.int16)))
    return paths


def test_the_same_file_is_heard_the_same_in_any_order(tmp_path: Path, listener: PocketsphinxListener) -> None:
    """The issue: `hear`'s result for a file depended on which files came before it (pocketsphinx's
    noise estimate carried from one utterance into the next)."""
    phrases = question_phrases("number", (0, 10), None)
    files = noisy_answers(tmp_path)
    alone = {}
    for path in files:
        fresh = PocketsphinxListener()
        utterance = speech_in(read_recording(path))
        alone[path] = None if utterance is None else recognize_utterance(fresh, utterance, phrases).text
    for order in (files, files[::-1], files[1::2] + files[::2]):
        for path in order:
            utterance = speech_in(read_recording(path))
            heard = None if utterance is None else recognize_utterance(listener, utterance, phrases).text
            assert heard == alone[path], (path.name, [p.name for p in order])


def test_hear_gives_what_the_session_hears_for_the_same_file(tmp_path: Path, listener: PocketsphinxListener) -> None:
    """The issue: "I don't know" heard as no by `hear` in 8 of 15 files, right in the session.
    espeak-ng's own WAVs (22,050 Hz, speech from the first sample, no noise) as a person might
    pass them: before the shared audio-to-heard step, `hear` and the session cut them differently
    and disagreed on 12 of these 15."""
    files = []
    for voice in ("en-us", "en-us+m6", "en-us+klatt", "en-gb+f3", "en-us+f3"):
        for speed in (130, 160, 190):
            path = tmp_path / f"{voice}-{speed}.wav".replace("+", "_")
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), "I don't know"],
                           check=True, capture_output=True)
            files.append(path)
    hear = run_cli("hear", "--expect", "yes_no", *map(str, files))
    assert hear.returncode == 0, hear.stderr
    by_hear = [json.loads(line)["heard"] for line in hear.stdout.splitlines()]
    by_session = []
    for path in files:  # each file as the first answer of its own session (a yes/no question)
        session = VoiceSession(listener, RecordingSpeaker(), WavFileSource([path]), io.StringIO())
        session.run()
        by_session.append(session.heard_log[0].text if session.heard_log else None)
    assert by_hear == by_session


QUALITY_PROBLEMS = {
    "clipped (gain set too high)": ((), ("gain", "20"), CLIPPED_NOTICE),
    "narrowband (8 kHz telephone)": (("-r", "8000"), (), NARROWBAND_NOTICE),
}


@pytest.mark.parametrize("problem", QUALITY_PROBLEMS)
def test_a_recording_problem_is_said_once_per_session(tmp_path: Path, listener: PocketsphinxListener, problem: str) -> None:
    options, effects, notice = QUALITY_PROBLEMS[problem]
    clean = write_wav(tmp_path / "no.wav", synthesize("no", snr_db=40.0, seed=3))
    bad = sox(clean, tmp_path / "bad.wav", *options, effects=effects)
    out = io.StringIO()
    VoiceSession(listener, RecordingSpeaker(), WavFileSource([bad, bad, bad]), out).run()
    assert out.getvalue().count(notice) == 1
    hear = run_cli("hear", "--expect", "yes_no", str(bad), str(clean))
    records = [json.loads(line) for line in hear.stdout.splitlines()]
    assert [r["notices"] for r in records] == [[notice], []]


@pytest.mark.parametrize("kind", ["a file", "a read-only directory"])
def test_say_to_somewhere_unwritable_is_one_line_and_exit_2_before_the_welcome(tmp_path: Path, yes_wav: Path, kind: str) -> None:
    target = tmp_path / "prompts"
    if kind == "a file":
        target.write_text("not a directory")
    else:
        target.mkdir()
        target.chmod(0o500)
        if os.access(target, os.W_OK):  # root can write anywhere
            pytest.skip("running as root: a read-only directory is still writable")
    result = run_cli("--listen-from", str(yes_wav), "--say-to", str(target))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(target) in lines[0], result.stderr
