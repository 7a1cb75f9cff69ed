"""Speech out: the ``Speaker`` protocol, pyttsx3 playback, WAV files, and the fallbacks.

Every prompt is also printed by the session's transcript, so a speaker that fails loses nothing:
``FallbackSpeaker`` logs the failure once and carries on silently with the printed text.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import tempfile
import wave
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_RATE = 160  # words per minute: a little slower than espeak's default 175, easier to follow
MIN_RATE = 80
MAX_RATE = 320


def clamp_rate(rate: int) -> int:
    """Keep a speaking rate within what espeak-ng renders intelligibly."""
    return max(MIN_RATE, min(MAX_RATE, int(rate)))


class Speaker(Protocol):
    """Says one prompt and returns when it has been said (or written)."""

    name: str
    rate: int

    def say(self, text: str) -> None:
        """Speak ``text``; raise on failure (wrap in ``FallbackSpeaker`` to carry on)."""
        ...


# pyttsx3 2.99's espeak driver silently drops a long utterance (over ~400 characters) when saving,
# so text is synthesized a sentence at a time and joined.
_SENTENCE_END = re.compile(r"(?<=[.?!;:])\s+")


class _Pyttsx3Synth:
    """pyttsx3 rendering text to samples: one ``save_to_file`` per ``runAndWait``, per sentence."""

    def __init__(self) -> None:
        import pyttsx3  # imported here: text mode and tests never need a speech engine

        self._engine = pyttsx3.init()

    def render(self, text: str, rate: int) -> tuple[np.ndarray, int]:
        parts: list[np.ndarray] = []
        frame_rate = 22050
        with tempfile.TemporaryDirectory(prefix="spine-say-") as tmp:
            for i, sentence in enumerate(s for s in _SENTENCE_END.split(text) if s.strip()):
                path = Path(tmp) / f"{i}.wav"
                self._engine.setProperty("rate", rate)
                self._engine.save_to_file(sentence, str(path))
                # Its espeak driver prints "Audio saved to ..." on stdout, which would break the transcript.
                with contextlib.redirect_stdout(io.StringIO()):
                    self._engine.runAndWait()
                if not path.exists():
                    raise RuntimeError(f"pyttsx3 produced no audio for: {sentence[:40]!r}")
                with wave.open(str(path), "rb") as wav:
                    frame_rate = wav.getframerate()
                    parts.append(np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2"))
        return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)), frame_rate


class Pyttsx3Speaker:
    """pyttsx3 (espeak-ng on Linux) renders the prompt; sounddevice plays it on the default output.

    Playing through sounddevice (PortAudio, already needed for the microphone) instead of the
    driver's own player avoids a dependency on ``aplay`` and turns a playback failure into an
    exception the fallback can see (the driver only prints it).
    """

    name = "pyttsx3"

    def __init__(self, rate: int = DEFAULT_RATE) -> None:
        self._synth = _Pyttsx3Synth()
        self.rate = clamp_rate(rate)

    def say(self, text: str) -> None:
        import sounddevice

        samples, frame_rate = self._synth.render(text, self.rate)
        sounddevice.play(samples, frame_rate, blocking=True)


class WavSpeaker:
    """Writes each prompt to ``DIR/NNN.wav`` (numbered in order) instead of playing it."""

    name = "wav"

    def __init__(self, directory: str | Path, rate: int = DEFAULT_RATE) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._synth = _Pyttsx3Synth()
        self.rate = clamp_rate(rate)
        self.written: list[Path] = []

    def say(self, text: str) -> None:
        path = self.directory / f"{len(self.written) + 1:03d}.wav"
        samples, frame_rate = self._synth.render(text, self.rate)
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(frame_rate)
            wav.writeframes(samples.astype("<i2").tobytes())
        self.written.append(path)


class SilentSpeaker:
    """Says nothing: the transcript already shows the text (used for fallbacks and tests)."""

    name = "none"

    def __init__(self, rate: int = DEFAULT_RATE) -> None:
        self.rate = clamp_rate(rate)

    def say(self, text: str) -> None:
        return None


class RecordingSpeaker(SilentSpeaker):
    """A fake for tests: remembers what was said and at which rate."""

    name = "recording"

    def __init__(self, rate: int = DEFAULT_RATE) -> None:
        super().__init__(rate)
        self.said: list[tuple[str, int]] = []

    def say(self, text: str) -> None:
        self.said.append((text, self.rate))


class FallbackSpeaker:
    """Wraps a speaker; when speech fails, logs once and continues with printed text only."""

    def __init__(self, inner: Speaker) -> None:
        self._inner = inner
        self._failed = False
        self.name = inner.name

    @property
    def rate(self) -> int:
        return self._inner.rate

    @rate.setter
    def rate(self, value: int) -> None:
        self._inner.rate = clamp_rate(value)

    def say(self, text: str) -> None:
        if self._failed:
            return
        try:
            self._inner.say(text)
        # Speech drivers raise whatever their platform layer raises (RuntimeError, OSError,
        # ReferenceError, driver-specific types); any failure here must not end the assessment.
        except Exception as exc:  # noqa: BLE001
            self._failed = True
            log.warning("speech output failed (%s: %s); continuing with printed text only", type(exc).__name__, exc)


def make_speaker(say_to: str | Path | None, rate: int) -> FallbackSpeaker:
    """The speaker for the CLI: WAV files with ``--say-to``, else live playback; never fatal."""
    try:
        inner: Speaker = WavSpeaker(say_to, rate) if say_to else Pyttsx3Speaker(rate)
    # pyttsx3.init() raises driver-specific errors (ImportError, OSError, RuntimeError, ...).
    except Exception as exc:  # noqa: BLE001
        log.warning("speech output unavailable (%s: %s); continuing with printed text only", type(exc).__name__, exc)
        inner = SilentSpeaker(rate)
    return FallbackSpeaker(inner)
