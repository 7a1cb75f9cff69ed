"""Real audio end to end: espeak-ng speaks the answers, pocketsphinx hears them, the core decides.

Clips are synthesized at test time (3 voices x 2 speeds, white noise at 30 dB SNR mixed in, since
real microphones are never silent) into a per-session temporary directory; nothing is downloaded.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from local_voice.audio import Utterance, split_utterances
from local_voice.listeners import EndOfInput, PocketsphinxListener, WavFileSource
from local_voice.session import SessionConfig, VoiceSession, decide, question_phrases
from local_voice.speakers import RecordingSpeaker
from local_voice.synth import SPEEDS, VOICES, espeak_available, save_clip, synthesize, synthesize_many

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (bash test.sh installs it)")

REPO = Path(__file__).resolve().parent.parent
# The voice and speed the scripted patient uses; every word below is recognized in it (see bench).
PATIENT = ("en-us", 185)


class ClipCache:
    """Synthesizes each (text, voice, speed) once per test session and keeps the WAV file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._samples: dict[tuple[str, str, int], np.ndarray] = {}

    def samples(self, text: str, voice: str = PATIENT[0], speed: int = PATIENT[1]) -> np.ndarray:
        key = (text, voice, speed)
        if key not in self._samples:
            seed = sum(map(ord, f"{text}{voice}{speed}"))
            self._samples[key] = synthesize(text, voice, speed, snr_db=30.0, seed=seed)
        return self._samples[key]

    def wav(self, text: str, voice: str = PATIENT[0], speed: int = PATIENT[1]) -> Path:
        name = f"{text}-{voice}-{speed}".replace(" ", "_").replace("'", "").replace("+", "_")
        path = self.directory / f"{name}.wav"
        if not path.exists():
            save_clip(self.samples(text, voice, speed), self.directory, name)
        return path


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> ClipCache:
    return ClipCache(tmp_path_factory.mktemp("spoken"))


@pytest.fixture(scope="session")
def listener() -> PocketsphinxListener:
    return PocketsphinxListener()


@pytest.fixture(scope="session")
def voice_grid() -> dict:
    """yes / no / I don't know in every voice at every speed, synthesized in parallel."""
    return {(c.text, c.voice, c.speed): c.samples for c in synthesize_many(["yes", "no", "i don't know"], VOICES, SPEEDS)}


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("speed", SPEEDS)
def test_yes_no_and_dont_know_are_heard_in_every_voice_and_speed(listener, voice_grid, voice: str, speed: int) -> None:
    from local_voice.__main__ import answer_for

    grammar = question_phrases("yes_no")
    for text, want in (("yes", True), ("no", False), ("i don't know", "dont_know")):
        heard = listener.recognize(voice_grid[(text, voice, speed)], grammar)
        assert answer_for("yes_no", heard.text) == want, (text, voice, speed, heard)
        # Clear synthesized answers are taken or read back, never asked again (speed: bench/).
        assert decide(heard.text, heard.confidence) != "reask", (text, voice, speed, heard)


@dataclass
class Patient:
    """An audio source that answers whatever was last spoken, by playing a synthesized clip."""

    clips: ClipCache
    speaker: RecordingSpeaker
    policy: callable
    max_answers: int = 40
    said: list[str] = field(default_factory=list)

    def next_utterance(self, wait_s: float) -> Utterance | None:
        if len(self.said) >= self.max_answers:
            raise EndOfInput()
        try:
            text = self.policy(self.speaker.said[-1][0], len(self.said))
        except IndexError:  # the script ran out, as --listen-from files do: ends as if "stop"
            raise EndOfInput() from None
        self.said.append(text)
        if text is None:
            return None
        return split_utterances(self.clips.samples(text))[0]


def question_type(prompt: str) -> str:
    from triage import load_questionnaire

    for question in load_questionnaire().questions.values():
        if question.prompt in prompt or question.short in prompt:
            return question.type
    return "yes_no"


def converse(clips: ClipCache, listener, policy, config: SessionConfig | None = None):
    speaker = RecordingSpeaker()
    patient = Patient(clips, speaker, policy)
    out = io.StringIO()
    turn = VoiceSession(listener, speaker, patient, out, config).run()
    lines = [line[len("Spine Check: "):] for line in out.getvalue().splitlines() if line.startswith("Spine Check: ")]
    return turn, out.getvalue(), lines, patient


def no_to_everything(prompt: str, n: int) -> str:
    if prompt.endswith("Is that right?") or "Please say yes or no." in prompt:
        return "yes"
    return "two" if question_type(prompt) == "number" else "no"


def test_full_assessment_by_voice_reaches_an_outcome(clips, listener) -> None:
    turn, out, lines, patient = converse(clips, listener, no_to_everything)
    assert turn.ended and turn.outcome is not None, out
    assert turn.outcome["tier"] != "emergency"
    assert len(turn.outcome["asked"]) >= 5
    assert "You (heard): two" in out and "You (heard): no" in out


def test_emergency_exit_is_confirmed_then_spoken_and_repeated(clips, listener) -> None:
    script = ["yes", "yes", "stop"]
    turn, out, lines, patient = converse(clips, listener, lambda prompt, n: script[n])
    assert lines[1].startswith("I heard yes: new numbness around your bottom")
    assert turn.outcome["tier"] == "emergency"
    message = turn.outcome["message"].replace("911", "nine one one")  # said as the spoken form
    assert lines[2].startswith("This could be an emergency") and lines[3] == "I'll say that again. " + message
    assert sum(line.count("Say summary to keep a copy.") for line in lines) == 1  # offered once
    # The conversation stays open after the result; stop says the emergency advice once more.
    assert patient.said == script and turn.kind == "stopped"
    assert lines[-1].startswith("Goodbye. Once more: call nine one one")


def test_a_red_flag_yes_denied_at_confirmation_is_asked_again(clips, listener) -> None:
    script = ["yes", "no", "stop"]
    turn, out, lines, _ = converse(clips, listener, lambda prompt, n: script[n])
    assert lines[2].startswith("Let's try that question again.")
    assert turn.kind == "stopped"


def test_speech_outside_the_grammar_is_not_understood_and_reasked(clips, listener) -> None:
    script = ["what time is it", "stop"]
    turn, out, lines, _ = converse(clips, listener, lambda prompt, n: script[n])
    assert "You (heard): (not understood)" in out
    assert lines[1].startswith("Sorry, I didn't catch that.")
    assert turn.state["answers"] == [] and turn.kind == "stopped"


def agreeing(script: list[str]):
    """A patient who says the script in order and "yes" to every read-back ("Is that right?")."""
    said = iter(script)

    def policy(prompt: str, n: int) -> str:
        # Every read-back, of an answer or of a command, is "I heard ... ?".
        if "I heard " in prompt and prompt.endswith("?"):
            return "yes"
        return next(said)

    return policy


def after_read_back(lines: list[str]) -> list[str]:
    """The spoken lines without read-backs, so a check does not depend on whether one came."""
    return [line for line in lines if not line.startswith("I heard ")]


@pytest.mark.parametrize(
    "command,check",
    [
        ("repeat", lambda lines: lines[1].endswith(lines[0].split("at any time. ")[-1])),
        ("help me", lambda lines: lines[1] != lines[0] and "?" in lines[1]),
        ("start over", lambda lines: lines[0].split("at any time. ")[-1] in lines[1]),
        ("stop", lambda lines: lines[-1].startswith("Goodbye")),
        ("slower", lambda lines: lines[1].startswith("Okay, more slowly.")),
        ("faster", lambda lines: lines[1].startswith("Okay, faster.")),
    ],
)
def test_each_command_by_voice(clips, listener, command: str, check) -> None:
    turn, out, lines, _ = converse(clips, listener, agreeing([command, "stop"]))
    assert f"You (heard): {command}" in out
    assert check(after_read_back(lines)), lines
    if command in ("start over", "stop"):  # these end or wipe the assessment: always read back first
        assert any(line.startswith(f"I heard {command}.") for line in lines), lines


def test_go_back_by_voice_returns_to_the_first_question(clips, listener) -> None:
    turn, out, lines, _ = converse(clips, listener, agreeing(["no", "go back", "stop"]))
    assert "You (heard): go back" in out
    first_question = lines[0].split("at any time. ")[-1]
    back = next(i for i, line in enumerate(lines) if "go back" not in line and i > 2 and first_question in line)
    assert back > 2


def test_silence_then_continue_by_voice(clips, listener) -> None:
    script = [None, None, "continue", "stop"]
    config = SessionConfig(silent_reprompts=1)
    turn, out, lines, _ = converse(clips, listener, lambda prompt, n: script[n], config)
    assert "You (heard): (silence)" in out and lines[2] == "I'll wait. Say continue when you are ready."
    assert "You (heard): continue" in out and turn.kind == "stopped"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "local_voice", *args], cwd=REPO, capture_output=True, text=True, timeout=120, env={**os.environ, "VOSK_MODEL_PATH": ""})


def test_cli_listen_from_and_say_to_run_the_emergency_path(clips, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    result = run_cli("--listen-from", str(clips.wav("yes")), str(clips.wav("yes")), "--say-to", str(prompts))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Listening from the given recordings with pocketsphinx")
    said = [line for line in lines if line.startswith("Spine Check: ")]
    assert said[1].startswith("Spine Check: I heard yes:") and "emergency" in said[2]
    written = sorted(prompts.glob("*.wav"))
    assert [p.name for p in written] == [f"{i:03d}.wav" for i in range(1, len(said) + 1)]
    with wave.open(str(written[0])) as wav:
        assert wav.getnframes() > 0


def test_cli_ends_as_if_stop_when_the_files_run_out(clips, tmp_path: Path) -> None:
    result = run_cli("--listen-from", str(clips.wav("what time is it")), "--say-to", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "You (heard): (not understood)" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("Spine Check: Goodbye")


def to_stereo_44k(source: Path, target: Path) -> Path:
    """Re-save a 16 kHz clip as 44.1 kHz stereo, as a phone or another recorder would."""
    from local_voice.audio import read_wav, resample, to_int16

    mono = resample(read_wav(source).astype(float) / 32768.0, 16000, 44100)
    stereo = np.repeat(to_int16(mono), 2)
    with wave.open(str(target), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        wav.writeframes(stereo.astype("<i2").tobytes())
    return target


def test_hear_prints_one_json_line_per_file(clips, tmp_path: Path) -> None:
    yes44 = to_stereo_44k(clips.wav("yes"), tmp_path / "yes44.wav")
    files = [str(yes44), str(clips.wav("no")), str(clips.wav("what time is it")), str(clips.wav("repeat"))]
    result = run_cli("hear", "--expect", "yes_no", *files)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in records] == files
    assert [r["answer"] for r in records] == [True, False, None, "repeat"]
    assert records[2]["heard"] is None
    assert all(r["engine"] == "pocketsphinx" and r["decode_ms"] > 0 for r in records)


def test_hear_numbers_and_commands(clips) -> None:
    numbers = run_cli("hear", "--expect", "number", str(clips.wav("two")), str(clips.wav("seven")))
    assert [json.loads(line)["answer"] for line in numbers.stdout.splitlines()] == [2, 7]
    commands = run_cli("hear", "--expect", "command", str(clips.wav("start over")), str(clips.wav("stop")))
    assert [json.loads(line)["answer"] for line in commands.stdout.splitlines()] == ["start_over", "stop"]


def test_wav_file_source_treats_a_file_without_speech_as_silence(tmp_path: Path) -> None:
    from local_voice.audio import write_wav
    from local_voice.synth import silence

    quiet = write_wav(tmp_path / "quiet.wav", silence(2.0))
    source = WavFileSource([quiet])
    assert source.next_utterance(1.0) is None
    with pytest.raises(EndOfInput):
        source.next_utterance(1.0)


def test_a_recording_that_starts_straight_into_speech_is_heard(tmp_path, listener) -> None:
    """espeak-ng's own WAV (22,050 Hz, almost no lead-in, digital silence, no noise) as a user
    might pass it to --listen-from: the VAD must not take the speech for the noise floor."""
    raw = tmp_path / "no.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), "no"], check=True, capture_output=True)
    utterance = WavFileSource([raw]).next_utterance(wait_s=1.0)
    assert utterance is not None
    heard = listener.recognize(utterance.samples, question_phrases("yes_no"))
    assert heard.text == "no"


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("said", ["what?", "what", "huh?"])
def test_what_at_the_bladder_question_is_never_taken_as_no(clips, listener, voice: str, said: str) -> None:
    # "what?" was heard as "nah" and taken by 2 of 3 voices: a red flag answered no, unsaid.
    def patient(prompt: str, n: int) -> str:
        return said if n == 0 else ("no" if prompt.endswith("Is that right?") else "stop")

    turn, out, lines, _ = converse(ClipVoice(clips, voice), listener, patient)
    assert ["cauda_equina_signs", False] not in turn.state["answers"], out
    heard_no = "You (heard): no" in out.split("You (heard):", 2)[1] if "You (heard):" in out else False
    assert not heard_no or lines[1].startswith("I heard no:"), out


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("speed", SPEEDS)
@pytest.mark.parametrize("said", ["not sure", "i'm not sure"])
def test_not_sure_is_never_taken_as_slower(listener, voice: str, speed: int, said: str) -> None:
    # Was heard as "slower" in 12 of 15 files, which changed the speaking rate instead.
    samples = synthesize(said, voice, speed, snr_db=30.0, seed=sum(map(ord, said + voice)) + speed)
    parts = split_utterances(samples)
    heard = listener.recognize(np.concatenate([p.samples for p in parts]) if parts else samples, question_phrases("yes_no"))
    assert heard.text != "slower" or decide(heard.text, heard.confidence) != "take", heard


class ClipVoice:
    """The ClipCache, speaking in one chosen voice."""

    def __init__(self, clips: ClipCache, voice: str) -> None:
        self._clips, self._voice = clips, voice

    def samples(self, text: str) -> np.ndarray:
        return self._clips.samples(text, self._voice, PATIENT[1])
