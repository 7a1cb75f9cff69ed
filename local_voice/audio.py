"""Audio plumbing for the local voice front end: WAV in and out, resampling, noise, end of speech.

Everything the recognizers see is mono signed 16-bit PCM at 16 kHz (``SAMPLE_RATE``), held in a
numpy ``int16`` array. WAV files of any PCM width (8, 16, 24 or 32 bit), rate and channel count are
converted on the way in, so a phone recording or a synthesizer's 22,050 Hz output works as-is.
"""

from __future__ import annotations

import logging
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# 30 ms frames: short enough for a snappy end-of-speech decision, long enough for a stable energy.
FRAME_MS = 30
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000


class AudioFormatError(ValueError):
    """A file that is not a PCM WAV we can read."""


def read_wav(path: str | Path) -> np.ndarray:
    """Read a PCM WAV file and return mono int16 samples at 16 kHz."""
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as wav:
            channels = wav.getnchannels()
            width = wav.getsampwidth()
            rate = wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(f"{path}: not a PCM WAV file ({exc})") from exc
    samples = _pcm_to_float(raw, width, path)
    if channels > 1:
        samples = samples[: len(samples) - len(samples) % channels].reshape(-1, channels).mean(axis=1)
    return to_int16(resample(samples, rate, SAMPLE_RATE))


def _pcm_to_float(raw: bytes, width: int, path: Path) -> np.ndarray:
    """Decode little-endian PCM of the given byte width to floats in [-1, 1)."""
    if width == 1:  # 8-bit WAV is unsigned, centred on 128.
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if width == 2:
        return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    if width == 3:
        bytes3 = np.frombuffer(raw[: len(raw) - len(raw) % 3], dtype=np.uint8).reshape(-1, 3)
        # Put the 3 bytes in the top of an int32 so the sign comes along, then shift back down.
        as32 = (bytes3[:, 0].astype(np.int32) << 8) | (bytes3[:, 1].astype(np.int32) << 16) | (
            bytes3[:, 2].astype(np.int32) << 24
        )
        return (as32 >> 8).astype(np.float64) / 8_388_608.0
    if width == 4:
        return np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2_147_483_648.0
    raise AudioFormatError(f"{path}: unsupported sample width of {width} bytes")


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited resampling in the frequency domain (numpy only, no scipy).

    Truncating or zero-padding the spectrum removes everything above the new Nyquist frequency
    instead of folding it back: aliased hiss from the "s" in "six" or "yes" costs the recognizer
    several points of accuracy when a 22,050 Hz synthesizer is decimated by interpolation.
    """
    samples = np.asarray(samples, dtype=np.float64)
    if from_rate == to_rate or len(samples) == 0:
        return samples
    n_in = len(samples)
    n_out = max(1, int(round(n_in * to_rate / from_rate)))
    spectrum = np.fft.rfft(samples)
    keep = min(len(spectrum), n_out // 2 + 1)
    out_spectrum = np.zeros(n_out // 2 + 1, dtype=complex)
    out_spectrum[:keep] = spectrum[:keep]
    return np.fft.irfft(out_spectrum, n_out) * (n_out / n_in)


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Convert floats in [-1, 1) to int16, clipping."""
    return np.clip(np.round(np.asarray(samples) * 32768.0), -32768, 32767).astype(np.int16)


def write_wav(path: str | Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """Write mono int16 samples as a 16-bit PCM WAV."""
    path = Path(path)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.asarray(samples, dtype=np.int16).astype("<i2").tobytes())
    return path


def mix_noise(samples: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """Add white noise at ``snr_db`` relative to the speech power; deterministic for a seed.

    Speech power is measured over the loud frames only, so leading and trailing silence in a
    synthesized clip does not make the noise quieter than intended.
    """
    x = np.asarray(samples, dtype=np.float64)
    if len(x) == 0:
        return np.asarray(samples, dtype=np.int16)
    frames = _frames(x, FRAME_SAMPLES)
    energies = (frames**2).mean(axis=1) if len(frames) else np.array([float((x**2).mean())])
    loud = energies[energies >= 0.1 * energies.max()] if energies.max() > 0 else energies
    speech_power = float(loud.mean()) if len(loud) else 0.0
    if speech_power <= 0.0:
        speech_power = 1000.0**2  # digital silence: still add a faint, realistic hiss
    noise_power = speech_power / (10.0 ** (snr_db / 10.0))
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, np.sqrt(noise_power), len(x))
    return np.clip(np.round(x + noise), -32768, 32767).astype(np.int16)


def trim_to_speech(samples: np.ndarray, before_s: float = 0.2, after_s: float = 0.3,
                   margin_db: float = 10.0) -> np.ndarray:
    """Cut a clip down to its speech plus short margins of the surrounding noise.

    pocketsphinx scores a short answer worse when it is wrapped in a second or more of room noise
    (the VAD keeps 0.7 s of silence after the answer to know it has ended): on synthesized numbers
    0-10 at 30 dB SNR, trimming to 0.2 s before and 0.3 s after lifted accuracy from about 90% to
    100% (bench/local_voice.py). Speech frames are those ``margin_db`` above the quietest tenth of
    the clip; a clip with no such frames is returned unchanged.
    """
    x = np.asarray(samples, dtype=np.int16)
    frames = _frames(x, FRAME_SAMPLES)
    if len(frames) < 3:
        return x
    level = 10.0 * np.log10((frames**2).mean(axis=1) + 1e-3)
    floor = float(np.percentile(level, 10))
    speech = np.flatnonzero(level > floor + margin_db)
    if len(speech) == 0:
        return x
    start = max(0, speech[0] * FRAME_SAMPLES - int(before_s * SAMPLE_RATE))
    end = min(len(x), (speech[-1] + 1) * FRAME_SAMPLES + int(after_s * SAMPLE_RATE))
    return x[start:end]


def pad(samples: np.ndarray, before_s: float = 0.3, after_s: float = 0.3) -> np.ndarray:
    """Surround a clip with digital silence (the caller usually adds noise afterwards)."""
    b = np.zeros(int(before_s * SAMPLE_RATE), dtype=np.int16)
    a = np.zeros(int(after_s * SAMPLE_RATE), dtype=np.int16)
    return np.concatenate([b, np.asarray(samples, dtype=np.int16), a])


def _frames(x: np.ndarray, size: int) -> np.ndarray:
    n = len(x) // size
    return np.asarray(x[: n * size], dtype=np.float64).reshape(n, size)


def frame_rms_db(frame: np.ndarray) -> float:
    """Root-mean-square level of an int16 frame in dB relative to full scale."""
    f = np.asarray(frame, dtype=np.float64) / 32768.0
    rms = float(np.sqrt((f**2).mean())) if len(f) else 0.0
    return 20.0 * np.log10(max(rms, 1e-10))


@dataclass
class Utterance:
    """One spoken answer cut from a stream, with timing for latency measurement."""

    samples: np.ndarray
    # Sample index (in the stream) where speech was last heard, and where the VAD decided.
    speech_end: int = 0
    decided_at: int = 0

    @property
    def trailing_silence_s(self) -> float:
        """How long after the end of speech the VAD took to decide the answer was over."""
        return (self.decided_at - self.speech_end) / SAMPLE_RATE


@dataclass
class EnergyVad:
    """Energy voice-activity detector with an adaptive noise floor.

    A frame is speech when it is ``margin_db`` above the running noise floor. An utterance starts
    after ``start_frames`` speech frames and ends after ``end_silence_s`` without speech (about
    0.7 s: long enough for a pause inside "I don't know", short enough to feel responsive).
    Nothing here times out on the person: with no speech at all, ``feed`` simply yields nothing,
    and the caller decides when to re-prompt.
    """

    end_silence_s: float = 0.7
    margin_db: float = 12.0
    start_frames: int = 3
    min_floor_db: float = -70.0
    pre_roll_s: float = 0.3
    max_utterance_s: float = 15.0
    # Known noise floor (a whole recording can be measured first); None learns it from the first frame.
    initial_floor_db: float | None = None
    _floor_db: float = field(default=-60.0, init=False)
    _in_speech: bool = field(default=False, init=False)
    _speech_run: int = field(default=0, init=False)
    _silence_run: int = field(default=0, init=False)
    _buffer: list[np.ndarray] = field(default_factory=list, init=False)
    _carry: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16), init=False)
    _position: int = field(default=0, init=False)
    _last_speech_end: int = field(default=0, init=False)
    _calibrated: bool = field(default=False, init=False)

    def reset(self) -> None:
        """Forget any partial utterance (keeps the learned noise floor)."""
        self._in_speech = False
        self._speech_run = 0
        self._silence_run = 0
        self._buffer = []

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def feed(self, chunk: np.ndarray) -> Iterator[Utterance]:
        """Feed int16 samples of any length; yield each utterance as soon as it has ended."""
        data = np.concatenate([self._carry, np.asarray(chunk, dtype=np.int16)])
        n = len(data) // FRAME_SAMPLES
        self._carry = data[n * FRAME_SAMPLES :]
        end_frames = max(1, int(round(self.end_silence_s * 1000 / FRAME_MS)))
        pre_roll = max(1, int(round(self.pre_roll_s * 1000 / FRAME_MS)))
        max_frames = int(self.max_utterance_s * 1000 / FRAME_MS)
        for i in range(n):
            frame = data[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]
            self._position += FRAME_SAMPLES
            level = frame_rms_db(frame)
            if not self._calibrated:
                start_level = level if self.initial_floor_db is None else self.initial_floor_db
                self._floor_db = max(start_level, self.min_floor_db)
                self._calibrated = True
            is_speech = level > self._floor_db + self.margin_db
            if not is_speech:
                # Track the floor slowly upward, quickly downward, so speech does not raise it.
                rate = 0.05 if level > self._floor_db else 0.3
                self._floor_db = max(self.min_floor_db, self._floor_db + rate * (level - self._floor_db))
            self._buffer.append(frame)
            if not self._in_speech:
                self._speech_run = self._speech_run + 1 if is_speech else 0
                if self._speech_run >= self.start_frames:
                    self._in_speech = True
                    self._silence_run = 0
                    self._last_speech_end = self._position
                    keep = self.start_frames + pre_roll
                    self._buffer = self._buffer[-keep:]
                else:
                    self._buffer = self._buffer[-(self.start_frames + pre_roll) :]
                continue
            if is_speech:
                self._silence_run = 0
                self._last_speech_end = self._position
            else:
                self._silence_run += 1
            if self._silence_run >= end_frames or len(self._buffer) >= max_frames:
                samples = np.concatenate(self._buffer)
                utt = Utterance(samples, speech_end=self._last_speech_end, decided_at=self._position)
                self.reset()
                yield utt

    def flush(self) -> Utterance | None:
        """End of stream: return a partial utterance if speech was in progress."""
        if self._in_speech and self._buffer:
            samples = np.concatenate(self._buffer)
            utt = Utterance(samples, speech_end=self._last_speech_end, decided_at=self._position)
            self.reset()
            return utt
        self.reset()
        return None


def noise_floor_db(samples: np.ndarray) -> float:
    """The level of the quietest tenth of a recording's frames: its background noise."""
    frames = _frames(np.asarray(samples), FRAME_SAMPLES)
    if len(frames) == 0:
        return -70.0
    return float(np.percentile([frame_rms_db(f) for f in frames], 10))


def split_utterances(samples: np.ndarray, vad: EnergyVad | None = None, chunk: int = 1600) -> list[Utterance]:
    """Run a whole recording through the VAD in microphone-sized chunks (used by tests and bench)."""
    vad = vad or EnergyVad()
    found: list[Utterance] = []
    for start in range(0, len(samples), chunk):
        found.extend(vad.feed(samples[start : start + chunk]))
    last = vad.flush()
    if last is not None:
        found.append(last)
    return found


def concat(parts: Iterable[np.ndarray]) -> np.ndarray:
    """Join int16 clips end to end."""
    parts = [np.asarray(p, dtype=np.int16) for p in parts]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
