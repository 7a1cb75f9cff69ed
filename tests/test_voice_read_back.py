"""Yes and no said to a read-back ("I heard yes: new numbness ... Is that right?"), on real speech.

The tester's finding: a clear "yes" confirming a red-flag answer (heard right, confidence about 0.96)
was answered "Sorry, I didn't catch that.", because the reply had to reach ``take_at``, the bar for
taking an answer nobody confirmed; three refusals asked the question again, which could loop for
ever and never reach the emergency. The rows cover the kind: espeak-ng voices x 16 and 8 kHz x yes
and no x every read-back (a red-flag yes, a red-flag no, a doubtful number, stop, start over,
summary), through the real pocketsphinx recognizer and the real triage core. WAV files are made
as the tester made them: espeak-ng's own file, resampled by sox.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

import triage
from triage.parsing import parse_command, parse_yes_no
from local_voice.listeners import PocketsphinxListener, WavFileSource
from local_voice.session import NOT_UNDERSTOOD, SessionConfig, VoiceSession
from local_voice.speakers import RecordingSpeaker
from local_voice.synth import espeak_available

pytestmark = [
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (bash test.sh installs it)"),
    pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed (bash test.sh installs it)"),
]

# The voices of the tester's report: US, New York, British, Scottish and Caribbean English.
VOICES = ("en-us", "en-us-nyc", "en-gb", "en-gb-scotland", "en-029")
RATES = (16000, 8000)
# The read-backs, each as (what is read back, the question it comes at, the first answer said).
# "number" comes with every answer read back (take_at above 1), as a doubtful number is.
READ_BACKS = {
    "red-flag yes": (None, "yes"),
    "red-flag no": (None, "no"),
    "number": ("pain_score", "five"),
    "stop": (None, "stop"),
    "start over": ("pain_score", "start over"),
    "summary": ("pain_score", "summary"),
}


def clip(directory: Path, text: str, voice: str, rate: int) -> Path:
    """espeak-ng's own WAV (22,050 Hz) resampled by sox to ``rate``."""
    raw = directory / f"{text.replace(' ', '_')}-{voice}.wav"
    if not raw.exists():
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, capture_output=True, timeout=30)
    out = directory / f"{raw.stem}-{rate}.wav"
    if not out.exists():
        subprocess.run(["sox", str(raw), "-r", str(rate), str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("read-back-clips")


@pytest.fixture(scope="module")
def listener() -> PocketsphinxListener:
    return PocketsphinxListener()


class CoreAt:
    """The real triage core, started at ``question`` by answering the questions before it as text
    ("no" to each yes/no, a number in range to each number), so each row starts where its read-back
    happens."""

    NUMBERS = {"age": "forty", "duration_weeks": "three", "pain_score": "five"}

    def __init__(self, question: str | None) -> None:
        self.question = question

    def start(self, locale: str | None = None, *, returning: bool = False) -> triage.Turn:
        turn = triage.start(locale, returning=returning)
        for _ in range(40):
            if self.question is None or turn.question_id == self.question:
                return turn
            assert not turn.ended and turn.question_id is not None, self.question
            turn = triage.step(turn.state, self.NUMBERS[turn.question_id] if turn.expects == "number" else "no", locale)
        raise AssertionError(f"{self.question} not reached")

    def step(self, state, utterance, locale=None) -> triage.Turn:
        return triage.step(state, utterance, locale)


def said_after(out: str, nth_heard: int) -> str:
    """The first line Spine Check said after the ``nth_heard`` heard line (0-based)."""
    lines = out.splitlines()
    at = [i for i, line in enumerate(lines) if line.startswith("You (heard): ")][nth_heard]
    return next(line[len("Spine Check: "):] for line in lines[at + 1:] if line.startswith("Spine Check: "))


@pytest.mark.parametrize("reply", ("yes", "no"))
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("read_back", sorted(READ_BACKS))
def test_yes_or_no_to_a_read_back_is_heard_as_that(
    clips: Path, listener: PocketsphinxListener, tmp_path: Path, read_back: str, voice: str, rate: int, reply: str
) -> None:
    question, answer = READ_BACKS[read_back]
    core = CoreAt(question)
    at = core.start("en-US")
    # The answer that is read back, in a voice the recognizer hears well: the row is about the reply.
    files = [clip(clips, answer, "en-us", 16000), clip(clips, reply, voice, rate)]
    out = io.StringIO()
    # A number is read back when doubtful; here every one is (the other read-backs happen anyway).
    config = SessionConfig(take_at=1.01) if read_back == "number" else SessionConfig()
    VoiceSession(listener, RecordingSpeaker(), WavFileSource(files), out, config, core=core,
                 summary_dir=tmp_path).run()
    transcript = out.getvalue()
    # The answer read back was heard as that answer ("nope" is "no": which no-word the recognizer
    # picks for the first clip can change with what it decoded before, in a full run).
    heard_answer = [line for line in transcript.splitlines() if line.startswith("You (heard): ")][0]
    heard_answer = heard_answer.removeprefix("You (heard): ")
    if parse_yes_no(answer) is not None:
        assert parse_yes_no(heard_answer) is parse_yes_no(answer) and parse_command(heard_answer) is None, transcript
    else:
        assert heard_answer == answer, transcript
    assert "Is that right?" in said_after(transcript, 0) or "Do you want" in said_after(transcript, 0), transcript
    after_reply = said_after(transcript, 1)
    assert not after_reply.startswith(NOT_UNDERSTOOD), f"{voice} {rate} Hz {reply!r} refused:\n{transcript}"
    if reply == "no":
        lead = "Okay, let's carry on." if read_back in ("stop", "start over", "summary") else "Let's try that question again."
        assert after_reply.startswith(lead), transcript
        assert not list(tmp_path.iterdir()), "a no to the summary read-back must write nothing"
    elif read_back == "summary":
        assert after_reply.startswith("I saved your summary"), transcript
    else:
        expected = triage.step(at.state, answer, "en-US")
        assert after_reply == (expected.speech or expected.text), transcript
