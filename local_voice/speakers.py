"""Speech out: the ``Speaker`` protocol, pyttsx3 and espeak-ng synthesis, playback or WAV files,
and the retry-then-fall-back chain that keeps a voice-only user hearing every prompt.

``make_speaker`` builds the chain the command line uses: the espeak-ng command first, pyttsx3
second (see there why). Each prompt is tried twice on the current speaker before the next one takes over, which
is logged once ("switching to espeak-ng"). A prompt that no speaker could say is still printed by
the session's transcript, and counted in ``FallbackSpeaker.unspoken`` so that the command line
can exit non-zero: a run in which a person heard nothing must not look like a success.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

log = logging.getLogger(__name__)

# The directory holding the local_voice package, so the render process imports this same copy.
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)

DEFAULT_RATE = 160  # words per minute: a little slower than espeak's default 175, easier to follow
MIN_RATE = 80
MAX_RATE = 320
ATTEMPTS_PER_SPEAKER = 2  # a retry on the same speaker first: most failures are one-off races


def clamp_rate(rate: int) -> int:
    """Keep a speaking rate within what espeak-ng renders intelligibly."""
    return max(MIN_RATE, min(MAX_RATE, int(rate)))


class Speaker(Protocol):
    """Says one prompt and returns when it has been said (or written)."""

    rate: int

    @property
    def name(self) -> str:
        """What speaks (for log lines)."""
        ...

    def say(self, text: str) -> None:
        """Speak ``text``; raise on failure (wrap in ``FallbackSpeaker`` to carry on)."""
        ...


class Synth(Protocol):
    """Renders text to mono int16 samples at the given rate (words per minute)."""

    name: str

    def render(self, text: str, rate: int) -> tuple[np.ndarray, int]:
        """Return ``(samples, frame_rate)``; raise when no audio was produced."""
        ...


# pyttsx3 2.99's espeak driver silently drops a long utterance (over ~400 characters) when saving,
# so text is synthesized a sentence at a time and joined.
_SENTENCE_END = re.compile(r"(?<=[.?!;:])\s+")


def sentences(text: str) -> list[str]:
    """``text`` split after each sentence's end mark (empty parts dropped)."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _read_pcm16(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").copy(), wav.getframerate()


class Pyttsx3Synth:
    """pyttsx3 rendering each prompt in a fresh process (``local_voice.pyttsx3_render``).

    pyttsx3 2.99 in one long-lived process ignored rate changes at random and sometimes returned
    before any audio was written (see that module); a fresh engine per prompt costs about 0.2 s
    and always speaks at the rate it was given.
    """

    name = "pyttsx3"

    def __init__(self, timeout_s: float = 20.0) -> None:
        import pyttsx3  # noqa: F401 - fail here, at start-up, when pyttsx3 is missing

        self._timeout_s = timeout_s

    def render(self, text: str, rate: int) -> tuple[np.ndarray, int]:
        with tempfile.TemporaryDirectory(prefix="spine-say-") as tmp:
            path = Path(tmp) / "say.wav"
            result = subprocess.run(
                [sys.executable, "-m", "local_voice.pyttsx3_render", "--rate", str(rate), "--out", str(path)],
                input=text, capture_output=True, text=True, timeout=self._timeout_s, cwd=_PACKAGE_ROOT,
            )
            if result.returncode != 0 or not path.exists():
                reason = (result.stderr.strip().splitlines() or ["no audio"])[-1]
                raise RuntimeError(f"pyttsx3 produced no audio ({reason})")
            return _read_pcm16(path)


class EspeakNgSynth:
    """The espeak-ng command itself (a new process per prompt: nothing carries over between them)."""

    name = "espeak-ng"

    def __init__(self, voice: str = "en-us", timeout_s: float = 30.0) -> None:
        if shutil.which("espeak-ng") is None:
            raise RuntimeError("the espeak-ng command is not installed")
        self._voice = voice
        self._timeout_s = timeout_s

    def render(self, text: str, rate: int) -> tuple[np.ndarray, int]:
        # The WAV comes on stdout, never through a file: a prompt can be a read-back of a health answer
        # ("I heard yes: new numbness ..."), and nothing about the answers is written anywhere unless the
        # person asks for a summary (issue 10). espeak-ng streams it with the header's sizes unknown
        # (0x7ffff000), so the frames are read to the end of the data.
        result = subprocess.run(["espeak-ng", "-v", self._voice, "-s", str(rate), "--stdout", text],
                                check=True, capture_output=True, timeout=self._timeout_s)
        with wave.open(io.BytesIO(result.stdout), "rb") as wav:
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").copy()
            frame_rate = wav.getframerate()
        if len(samples) == 0:
            raise RuntimeError("espeak-ng produced no audio")
        return samples, frame_rate


class PlayingSpeaker:
    """Renders each prompt with a synth and plays it on the default output (sounddevice).

    Playing through sounddevice (PortAudio, already needed for the microphone) instead of the
    driver's own player avoids a dependency on ``aplay`` and turns a playback failure into an
    exception the fallback can see (the driver only prints it).
    """

    def __init__(self, synth: Synth, rate: int = DEFAULT_RATE) -> None:
        self._synth = synth
        self.name = synth.name
        self.rate = clamp_rate(rate)

    def say(self, text: str) -> None:
        import sounddevice

        samples, frame_rate = self._synth.render(text, self.rate)
        sounddevice.play(samples, frame_rate, blocking=True)


def Pyttsx3Speaker(rate: int = DEFAULT_RATE) -> PlayingSpeaker:  # noqa: N802 - kept as the old class name
    """pyttsx3 (espeak-ng on Linux) rendering, played on the default output."""
    return PlayingSpeaker(Pyttsx3Synth(), rate)


class WavSpeaker:
    """Writes each prompt to ``DIR/NNN.wav`` (numbered in order) instead of playing it.

    Speakers that stand in for one another pass the same ``written`` list, so the numbering goes
    on without a gap or a clash when the fallback takes over.
    """

    def __init__(self, directory: str | Path, rate: int = DEFAULT_RATE, synth: Synth | None = None,
                 written: list[Path] | None = None) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._synth: Synth = synth or Pyttsx3Synth()
        self.name = self._synth.name
        self.rate = clamp_rate(rate)
        self.written: list[Path] = [] if written is None else written

    def say(self, text: str) -> None:
        samples, frame_rate = self._synth.render(text, self.rate)
        path = self.directory / f"{len(self.written) + 1:03d}.wav"
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
    """Tries each prompt twice on the current speaker, then moves on to the next one for good.

    Every change is logged once, naming both speakers and the error. When none is left, the
    prompt stays printed only, the failure is logged once, and ``unspoken`` counts every prompt
    not said from then on. A rate change reaches every speaker in the chain, so a fallback speaks
    at the rate the person asked for.
    """

    def __init__(self, inner: Speaker, *fallbacks: Speaker) -> None:
        self._chain: list[Speaker] = [inner, *fallbacks]
        self._current = 0
        self._rate = inner.rate
        self.spoken = 0
        self.unspoken = 0

    @property
    def name(self) -> str:
        return self._chain[self._current].name if self._current < len(self._chain) else "none"

    @property
    def rate(self) -> int:
        return self._rate

    @rate.setter
    def rate(self, value: int) -> None:
        self._rate = clamp_rate(value)
        for speaker in self._chain:
            speaker.rate = self._rate

    def say(self, text: str) -> None:
        while self._current < len(self._chain):
            speaker = self._chain[self._current]
            error: Exception | None = None
            for _ in range(ATTEMPTS_PER_SPEAKER):
                try:
                    speaker.say(text)
                    self.spoken += 1
                    return
                # Speech drivers raise whatever their platform layer raises (RuntimeError, OSError,
                # ReferenceError, driver-specific types); any failure here must not end the assessment.
                except Exception as exc:  # noqa: BLE001
                    error = exc
            self._current += 1
            failure = f"{type(error).__name__}: {error}"
            if self._current < len(self._chain):
                log.warning("speech output: %s failed twice (%s); switching to %s", speaker.name, failure,
                            self._chain[self._current].name)
            else:
                log.warning("speech output failed (%s, tried %s); continuing with printed text only", failure,
                            ", ".join(s.name for s in self._chain))
        self.unspoken += 1


def make_speaker(say_to: str | Path | None, rate: int) -> FallbackSpeaker:
    """The speaker for the CLI: WAV files with ``--say-to``, else live playback (sounddevice).

    The espeak-ng command renders first: it is the synthesizer pyttsx3 drives on Linux, without
    pyttsx3 2.99's driver loop, which in a fresh process per prompt still hung or lost the audio
    now and then and took 0.4 s a prompt against espeak-ng's 0.05 s. pyttsx3 comes second (and
    first where there is no espeak-ng command: macOS and Windows, with their own voices). For
    playback, last of all, espeak-ng plays through its own audio output, so a PortAudio playback
    problem is not shared. Never raises: a speaker that cannot start is left out, with a log line.
    """
    chain: list[Speaker] = []
    written: list[Path] = []
    makers: list[tuple[str, Callable[[], Speaker]]]
    if say_to:
        directory = say_to
        makers = [("espeak-ng", lambda: WavSpeaker(directory, rate, EspeakNgSynth(), written)),
                  ("pyttsx3", lambda: WavSpeaker(directory, rate, Pyttsx3Synth(), written))]
    else:
        makers = [("espeak-ng", lambda: PlayingSpeaker(EspeakNgSynth(), rate)),
                  ("pyttsx3", lambda: PlayingSpeaker(Pyttsx3Synth(), rate)),
                  ("espeak-ng's own audio output", lambda: EspeakNgSpeaker(rate))]
    for name, make in makers:
        try:
            chain.append(make())
        # pyttsx3 and the audio layer raise driver-specific errors (ImportError, OSError, ...).
        except Exception as exc:  # noqa: BLE001
            log.warning("speech output: %s unavailable (%s: %s)", name, type(exc).__name__, exc)
    if not chain:
        log.warning("speech output unavailable; continuing with printed text only")
        return FallbackSpeaker(_Unavailable(rate))
    return FallbackSpeaker(*chain)


class EspeakNgSpeaker:
    """The espeak-ng command speaking through its own audio output (no PortAudio involved)."""

    name = "espeak-ng"

    def __init__(self, rate: int = DEFAULT_RATE, voice: str = "en-us", timeout_s: float = 120.0) -> None:
        if shutil.which("espeak-ng") is None:
            raise RuntimeError("the espeak-ng command is not installed")
        self.rate = clamp_rate(rate)
        self._voice = voice
        self._timeout_s = timeout_s

    def say(self, text: str) -> None:
        done = subprocess.run(["espeak-ng", "-v", self._voice, "-s", str(self.rate), text],
                              check=True, capture_output=True, timeout=self._timeout_s)
        # With no audio device espeak-ng prints "error: ..." yet exits 0: nothing was heard.
        errors = [line for line in done.stderr.decode(errors="replace").splitlines() if line.startswith("error:")]
        if errors:
            raise RuntimeError(f"espeak-ng could not play: {errors[-1]}")


class _Unavailable(SilentSpeaker):
    """Stands in when no speaker could start: every prompt counts as unspoken."""

    name = "none"

    def say(self, text: str) -> None:
        raise RuntimeError("no speech output could be started")
