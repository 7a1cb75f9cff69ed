"""What the voice front end says in each locale: every spoken line names the session's own emergency
number, in words, whatever command or re-ask led to it; Ctrl-C says the goodbye "stop" gives; a
returning user skips the welcome. Scripted sessions over the real triage core (fake listener, see
test_voice_session), and the real command line on synthesized WAV answers."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from test_voice_session import SILENCE, FakeListener, ScriptedSource
from test_voice_spoken import ClipCache

import local_voice.__main__ as cli
from local_voice.listeners import WavFileSource
from local_voice.session import SessionConfig, VoiceSession
from local_voice.speakers import RecordingSpeaker
from local_voice.synth import espeak_available
from triage.locales import get_locale, supported_locales

REPO = Path(__file__).resolve().parent.parent
LOCALES = supported_locales()
EMERGENCY = ["yes", "yes"]  # the first warning sign, its read-back confirmed: the emergency result
ROUTINE = ["no", "yes"]  # the first warning sign denied (a red-flag no is read back too)
DIGITS = ("911", "999", "000", "112")


def spoken_numbers_but(tag: str) -> set[str]:
    """Every other locale's spoken emergency number that differs from ``tag``'s."""
    own = get_locale(tag).emergency_number_spoken
    return {get_locale(other).emergency_number_spoken for other in LOCALES} - {own}


def say(script: list, tag: str) -> list[str]:
    """What a scripted session in ``tag`` spoke, line by line (the script running out says stop)."""
    source = ScriptedSource(list(script))
    speaker = RecordingSpeaker()
    VoiceSession(FakeListener(source), speaker, source, io.StringIO(), SessionConfig(), locale=tag).run()
    return [text for text, _ in speaker.said]


# command at the emergency result -> does the emergency still stand after it (so the reply or the
# goodbye repeats the number)? "go back" and "start over" leave the result, so the goodbye need not.
COMMANDS = {"slower": True, "faster": True, "repeat": True, "more": True, "help": True, "stop": True,
            "go back": False, "start over": False}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("tag", LOCALES)
def test_every_command_after_an_emergency_says_only_the_locale_s_number(tag: str, command: str) -> None:
    """The issue: "slower"/"faster" re-asked the core without the locale, so en-GB heard "nine one one"."""
    confirm = ["yes"] if command in ("stop", "start over") else []  # both are read back
    said = say(EMERGENCY + [command] + confirm, tag)
    result = next(i for i, line in enumerate(said) if line.startswith("This could be an emergency"))
    after = " ".join(said[result + 2:])  # the result and its one repeat, then the command's reply
    own = get_locale(tag).emergency_number_spoken
    assert not any(other in " ".join(said) for other in spoken_numbers_but(tag)), said
    assert (own in after) is COMMANDS[command], after
    if command in ("slower", "faster", "repeat"):  # the reply is the result itself again
        assert f"Call {own} or go to" in said[result + 2], said[result + 2]


# ways to a re-ask or a re-read of the current turn: a doubtful command denied at its read-back,
# a doubtful answer denied, speech not understood, silence
REASKS = {"doubtful command denied": [("repeat", 0.5), "no"], "doubtful go back denied": [("go back", 0.5), "no"],
          "not understood": ["what time is it"], "silence": [SILENCE]}


@pytest.mark.parametrize("reask", REASKS)
@pytest.mark.parametrize("point", ["first question", "emergency result", "routine question"])
@pytest.mark.parametrize("tag", LOCALES)
def test_no_spoken_line_has_the_emergency_number_in_digits(tag: str, point: str, reask: str) -> None:
    """The issue: "no" to a read-back at the result said "Call 911" (espeak-ng: "nine hundred eleven")."""
    before = {"first question": [], "emergency result": EMERGENCY, "routine question": ROUTINE}[point]
    said = say(before + REASKS[reask], tag)
    assert len(said) > len(before) + 1
    assert not [line for line in said if any(digits in line for digits in DIGITS)], said
    assert not any(ch.isdigit() for line in said for ch in line), said


class InterruptedSource(ScriptedSource):
    """Ctrl-C while waiting for the next answer, once the script is used up (a real Ctrl-C cannot be
    timed in a test: the real one is the same KeyboardInterrupt, raised wherever Python is)."""

    def next_utterance(self, wait_s: float):
        if self.given >= len(self.script):
            raise KeyboardInterrupt
        return super().next_utterance(wait_s)


POINTS = {"first question": ([], False), "after an emergency result": (EMERGENCY, True),
          "after a routine answer": (ROUTINE, False)}


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("tag", LOCALES)
def test_ctrl_c_says_the_goodbye_stop_gives(tag: str, point: str) -> None:
    import triage

    answers, emergency = POINTS[point]
    source = InterruptedSource(list(answers))
    speaker = RecordingSpeaker()
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt):  # raised again, for the command line's exit status 130
        VoiceSession(FakeListener(source), speaker, source, out, SessionConfig(), locale=tag).run()
    core = triage.start(tag)
    for answer in answers[:1]:  # the second answer confirms the read-back: not a step of the core
        core = triage.step(core.state, answer, tag)
    goodbye = triage.step(core.state, "stop", tag)
    said = [text for text, _ in speaker.said]
    assert said[-1] == goodbye.speech and said[-1].startswith("Goodbye.")
    assert (f"Once more: call {get_locale(tag).emergency_number_spoken}" in said[-1]) is emergency
    assert out.getvalue().splitlines()[-1] == f"Spine Check: {goodbye.speech}"


needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (bash test.sh installs it)")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> ClipCache:
    return ClipCache(tmp_path_factory.mktemp("spoken"))


@needs_espeak
@pytest.mark.parametrize("tag", ["en-US", "en-GB"])
def test_ctrl_c_on_the_command_line_says_goodbye_and_exits_130(clips: ClipCache, tmp_path: Path, monkeypatch, tag: str) -> None:
    class Interrupted(WavFileSource):  # real recordings heard, then Ctrl-C while waiting for more
        def next_utterance(self, wait_s: float):
            if not self.remaining:
                raise KeyboardInterrupt
            return super().next_utterance(wait_s)

    monkeypatch.setattr(cli, "WavFileSource", Interrupted)
    out = io.StringIO()
    status = cli.main(["--listen-from", str(clips.wav("yes")), str(clips.wav("yes")), "--say-to", str(tmp_path),
                       "--locale", tag], out)
    lines = out.getvalue().splitlines()
    assert status == 130, lines
    assert "Stopped." not in lines
    number = get_locale(tag).emergency_number_spoken
    assert lines[-1] == f"Spine Check: Goodbye. Once more: call {number} or go to {get_locale(tag).render('{nearest_emergency_department}')} now."
    assert len(list(tmp_path.glob("*.wav"))) == sum(line.startswith("Spine Check: ") for line in lines)  # the goodbye was spoken


@pytest.mark.parametrize("tag", ["en-US", "en-AU"])
def test_returning_in_text_mode_skips_the_welcome(tag: str) -> None:
    result = subprocess.run([sys.executable, "-m", "local_voice", "--text", "--returning", "--locale", tag], cwd=REPO,
                            input="stop\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"Spine Check: If this is an emergency, call {get_locale(tag).emergency_number} now. ")
    assert "Welcome" not in result.stdout


@needs_espeak
@pytest.mark.parametrize("returning", [True, False])
def test_returning_in_voice_mode_skips_the_welcome(clips: ClipCache, tmp_path: Path, returning: bool) -> None:
    out = io.StringIO()
    args = ["--listen-from", str(clips.wav("no")), "--say-to", str(tmp_path), "--locale", "en-GB"]
    assert cli.main(args + (["--returning"] if returning else []), out) == 0
    first = next(line for line in out.getvalue().splitlines() if line.startswith("Spine Check: "))
    assert first.startswith("Spine Check: If this is an emergency, call nine nine nine now. ") is returning
    assert first.startswith("Spine Check: Welcome") is not returning


@needs_espeak
def test_no_sound_card_and_no_say_to_exits_3_as_the_readme_says(clips: ClipCache) -> None:
    """The issue: espeak-ng with no audio device prints "error: ..." yet exits 0, so nothing was
    heard and the run exited 0. No card is made certain for ALSA and PulseAudio alike."""
    import os

    env = {**os.environ, "ALSA_CARD": "NoSuchCard", "PULSE_SERVER": "unix:/nonexistent", "VOSK_MODEL_PATH": ""}
    result = subprocess.run([sys.executable, "-m", "local_voice", "--listen-from", str(clips.wav("no"))], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=120)
    said = [line for line in result.stdout.splitlines() if line.startswith("Spine Check: ")]
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert f"{len(said)} of {len(said)} prompts could not be spoken" in result.stderr
    assert said[-1].startswith("Spine Check: Goodbye.")  # every prompt still printed
