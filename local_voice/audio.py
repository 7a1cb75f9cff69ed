"""Audio plumbing for the local voice front end: reading any WAV, resampling, noise, voice activity.

Everything the recognizers see is mono signed 16-bit PCM at 16 kHz (``SAMPLE_RATE``), held in a
numpy ``int16`` array. Files are read with soundfile (libsndfile), so every WAV a recorder writes
works: 8-48 kHz, any channel count, 8/16/24/32-bit integer or 32/64-bit float, plain or
WAVE_FORMAT_EXTENSIBLE (and FLAC/OGG, which libsndfile also reads). Resampling is soxr's.
Voice activity is webrtcvad's (the WebRTC detector, ``webrtcvad-wheels``), the same detector on
the microphone and on files.
"""

from __future__ import annotations

import logging
import wave
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# 30 ms frames: the longest webrtcvad accepts, so the fewest calls per second of audio.
FRAME_MS = 30
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
# Speech below 8 kHz sampling loses even the telephone band; above 48 kHz is studio audio we
# still accept (it is only resampled), so only the lower end is refused.
MIN_SAMPLE_RATE = 8_000

CLIPPED_NOTICE = "This recording sounds clipped: move back from the microphone or lower its volume."
NARROWBAND_NOTICE = ("This recording sounds like a telephone line, which loses the hiss of s and f, "
                     "so I may check some answers with you.")
NO_SPEECH_NOTICE = "I didn't hear anything."


class AudioFormatError(ValueError):
    """A file that cannot be used as a recording. The message is one line and names the file."""


@dataclass(frozen=True)
class Recording:
    """A recording as the recognizers need it, plus what was noticed about its quality.

    ``samples``: mono int16 at 16 kHz. ``source_rate`` (Hz) and ``channels`` describe the file.
    ``clipped``: the waveform has flat tops (the input gain was too high). ``narrowband``: nothing
    above about 4 kHz, as from an 8 kHz or telephone recording.
    """

    samples: np.ndarray
    source_rate: int = SAMPLE_RATE
    channels: int = 1
    clipped: bool = False
    narrowband: bool = False

    @property
    def notices(self) -> list[str]:
        """What to tell the person about this recording (empty when it sounds fine)."""
        return ([CLIPPED_NOTICE] if self.clipped else []) + ([NARROWBAND_NOTICE] if self.narrowband else [])


def read_recording(path: str | Path) -> Recording:
    """Read an audio file (any WAV libsndfile reads) into a ``Recording``.

    Raises ``AudioFormatError`` (one line naming the file) for a missing file, a directory, a file
    that is not audio, an empty recording, or a sample rate below 8 kHz.
    """
    import soundfile  # libsndfile; imported here so the core and text mode never need it

    path = Path(path)
    if not path.exists():
        raise AudioFormatError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFormatError(f"{path}: is a directory, not a recording")
    try:
        frames, rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError, OSError) as exc:
        # libsndfile's message names the problem ("Format not recognised", "unsupported encoding").
        reason = str(getattr(exc, "error_string", "") or exc).strip().rstrip(".")
        raise AudioFormatError(f"{path}: not a recording we can read ({reason or 'unknown format'})") from exc
    if rate < MIN_SAMPLE_RATE:
        raise AudioFormatError(f"{path}: sample rate {rate} Hz is too low for speech (8000 Hz or more is needed)")
    if len(frames) == 0:
        raise AudioFormatError(f"{path}: contains no audio")
    # Float files may hold NaN or values past full scale; treat NaN as silence, then clip.
    frames = np.clip(np.nan_to_num(frames, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    clipped = any(is_clipped(frames[:, c]) for c in range(frames.shape[1]))
    mono = to_int16(resample(mix_to_mono(frames), rate, SAMPLE_RATE))
    narrowband = rate <= 2 * NARROWBAND_CUTOFF_HZ or is_narrowband(mono)
    return Recording(mono, int(rate), int(frames.shape[1]), clipped, narrowband)


def read_wav(path: str | Path) -> np.ndarray:
    """Read an audio file and return mono int16 samples at 16 kHz (see ``read_recording``)."""
    return read_recording(path).samples


def mix_to_mono(frames: np.ndarray) -> np.ndarray:
    """Mix ``(n, channels)`` floats down to one channel without losing the voice.

    The plain average is used when it keeps at least half the power of the strongest channel.
    When it does not, the channels cancel (one wired in opposite phase) or one of them holds
    nothing (a microphone on the second input only), and the strongest channel alone is used.
    """
    frames = np.asarray(frames, dtype=np.float64)
    if frames.ndim == 1:
        return frames
    if frames.shape[1] == 1:
        return frames[:, 0]
    mix = frames.mean(axis=1)
    power = (frames**2).mean(axis=0)
    if float((mix**2).mean()) >= 0.5 * float(power.max()):
        return mix
    return frames[:, int(np.argmax(power))]


# Clipping: a run of this many samples or more sitting at the recording's own peak is a flat top.
# Natural speech peaks are single samples; 3 in a row at exactly the peak is a limiter or an ADC.
CLIP_RUN = 3
# And the flat tops must cover this share of the loud part of the recording (1 in 1000 samples
# leaves room for a click or two; `sox gain 20` on speech gives 1-10%).
CLIP_SHARE = 0.001
CLIP_MIN_PEAK = 0.25  # a recording that never gets louder than this has not hit any ceiling


def is_clipped(x: np.ndarray) -> bool:
    """True when the waveform ``x`` (floats in [-1, 1]) has flat tops at its peak level."""
    x = np.asarray(x, dtype=np.float64)
    peak = float(np.abs(x).max()) if len(x) else 0.0
    if peak < CLIP_MIN_PEAK:
        return False
    at_peak = np.abs(x) >= peak * 0.999
    # Samples at the peak whose neighbours are at the peak too (same sign: one flat top).
    flat = at_peak[1:-1] & at_peak[:-2] & at_peak[2:] & (np.sign(x[1:-1]) == np.sign(x[:-2]))
    loud = int((np.abs(x) >= 0.1 * peak).sum())
    return int(flat.sum()) >= max(2, CLIP_SHARE * loud)


# Narrowband: under this share of the power above the cut-off means the recording never had it.
# Upsampled 8 kHz recordings (FSDD) measure 1e-9 to 2e-5; wideband real speech mostly 1e-4 and
# up, though a bare "no" can fall near 1e-5, so only a clearly empty band counts.
NARROWBAND_CUTOFF_HZ = 4_000
NARROWBAND_SHARE = 3e-6


def is_narrowband(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bool:
    """True when a recording with some sound in it has (almost) nothing above 4 kHz.

    Real speech always puts some of its power above 4 kHz (the s in "six" or "yes"); white noise
    does too. A recording without it was made at 8 kHz or through a telephone line.
    """
    x = np.asarray(samples, dtype=np.float64)
    if len(x) < FRAME_SAMPLES or not np.any(x):
        return False
    spectrum = np.abs(np.fft.rfft(x - x.mean())) ** 2
    freqs = np.fft.rfftfreq(len(x), 1.0 / rate)
    total = float(spectrum[freqs > 100].sum())
    if total <= 0.0:
        return False
    return float(spectrum[freqs > NARROWBAND_CUTOFF_HZ * 1.05].sum()) / total < NARROWBAND_SHARE


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample floats with soxr (SoX's resampler, high quality: band-limited, no aliasing)."""
    import soxr

    samples = np.asarray(samples, dtype=np.float64)
    if from_rate == to_rate or len(samples) == 0:
        return samples
    return np.asarray(soxr.resample(samples, from_rate, to_rate, quality="HQ"), dtype=np.float64)


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


def frame_level_dbfs(frame: np.ndarray) -> float:
    """Root-mean-square level of an int16 frame in dB relative to full scale."""
    f = np.asarray(frame, dtype=np.float64) / 32768.0
    rms = float(np.sqrt((f**2).mean())) if len(f) else 0.0
    return 20.0 * np.log10(max(rms, 1e-10))


@dataclass
class Utterance:
    """One spoken answer cut from a stream, with timing for latency measurement.

    ``notices`` are the sentences to tell the person about the audio itself (clipped, narrowband).
    """

    samples: np.ndarray
    # Sample index (in the stream) where speech was last heard, and where the VAD decided.
    speech_end: int = 0
    decided_at: int = 0
    notices: tuple[str, ...] = ()

    @property
    def trailing_silence_s(self) -> float:
        """How long after the end of speech the VAD took to decide the answer was over."""
        return (self.decided_at - self.speech_end) / SAMPLE_RATE


# webrtcvad's aggressiveness, 0 (keeps the most) to 3 (drops the most non-speech). On the real
# speakers of ../shared/speech-dev (answers padded with 0.4 s of silence), modes 0/1/2/3 found the
# speech in 298/297/291/266 of 300 8 kHz digit recordings and in all 421 16 kHz ones: mode 1 keeps
# telephone-band speech while dropping more noise than mode 0.
VAD_AGGRESSIVENESS = 1
# webrtcvad alone calls steady noise speech at some levels and not others (mode 1, share of 30 ms
# frames called speech, at -60/-50/-40/-30 dBFS: white noise 4/0/100/100%, pink 7/99/100/100%),
# so in a fan-noisy room an answer would never end. Two level checks stand guard over it:
# - a frame must be at least this loud: the quietest real answer in speech-dev peaks at -46 dBFS
#   (30 ms RMS), while a muted microphone or dithered digital silence is far below -55 dBFS;
MIN_SPEECH_DBFS = -55.0
# - and this much above the background, the quietest frame of the last few seconds (a
#   minimum-statistics noise estimate: speech always has a quieter frame nearby, steady noise
#   does not: pink noise stays within 10 dB of its own minimum over 3 s of 30 ms frames).
NOISE_MARGIN_DB = 12.0
NOISE_WINDOW_S = 3.0


@dataclass
class VoiceActivityDetector:
    """Cuts a stream of int16 samples at 16 kHz into utterances, using webrtcvad per 30 ms frame.

    An utterance starts after ``start_frames`` speech frames in a row (90 ms: a click or a cough
    is shorter) and ends after ``end_silence_s`` without speech (about 0.7 s: long enough for a
    pause inside "I don't know", short enough to feel responsive). ``pre_roll_s`` of audio before
    the start is kept so the first consonant is not cut. Nothing here times out on the person: with
    no speech at all, ``feed`` simply yields nothing, and the caller decides when to re-prompt.
    """

    aggressiveness: int = VAD_AGGRESSIVENESS
    min_level_dbfs: float = MIN_SPEECH_DBFS
    noise_margin_db: float = NOISE_MARGIN_DB
    # The background level when it is known in advance (a whole file is measured first), in dBFS.
    # A recording that starts straight into speech otherwise teaches the detector that its first
    # syllable is the background; the microphone is open before anyone speaks and learns it live.
    noise_floor_dbfs: float | None = None
    end_silence_s: float = 0.7
    start_frames: int = 3
    pre_roll_s: float = 0.3
    max_utterance_s: float = 15.0
    _vad: object = field(default=None, init=False, repr=False)
    _in_speech: bool = field(default=False, init=False)
    _speech_run: int = field(default=0, init=False)
    _silence_run: int = field(default=0, init=False)
    _buffer: list[np.ndarray] = field(default_factory=list, init=False)
    _carry: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16), init=False)
    _position: int = field(default=0, init=False)
    _last_speech_end: int = field(default=0, init=False)
    _levels: deque[float] = field(default_factory=lambda: deque(maxlen=int(NOISE_WINDOW_S * 1000 / FRAME_MS)), init=False)

    def __post_init__(self) -> None:
        import webrtcvad  # from webrtcvad-wheels

        self._vad = webrtcvad.Vad(self.aggressiveness)

    def reset(self) -> None:
        """Forget any partial utterance."""
        self._in_speech = False
        self._speech_run = 0
        self._silence_run = 0
        self._buffer = []

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def is_speech(self, frame: np.ndarray) -> bool:
        """webrtcvad's decision for the next 30 ms int16 frame of the stream, for frames loud
        enough to be a voice and above the background noise."""
        level = frame_level_dbfs(frame)
        self._levels.append(level)
        floor = min(self._levels) if self.noise_floor_dbfs is None else min(self.noise_floor_dbfs, min(self._levels))
        if level < max(self.min_level_dbfs, floor + self.noise_margin_db):
            return False
        return bool(self._vad.is_speech(np.asarray(frame, dtype="<i2").tobytes(), SAMPLE_RATE))  # type: ignore[attr-defined]

    def feed(self, chunk: np.ndarray) -> Iterator[Utterance]:
        """Feed int16 samples of any length; yield each utterance as soon as it has ended."""
        data = np.concatenate([self._carry, np.asarray(chunk, dtype=np.int16)])
        n = len(data) // FRAME_SAMPLES
        self._carry = data[n * FRAME_SAMPLES :]
        end_frames = max(1, int(round(self.end_silence_s * 1000 / FRAME_MS)))
        keep_before = self.start_frames + max(1, int(round(self.pre_roll_s * 1000 / FRAME_MS)))
        max_frames = int(self.max_utterance_s * 1000 / FRAME_MS)
        for i in range(n):
            frame = data[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]
            self._position += FRAME_SAMPLES
            speech = self.is_speech(frame)
            self._buffer.append(frame)
            if not self._in_speech:
                self._speech_run = self._speech_run + 1 if speech else 0
                if self._speech_run >= self.start_frames:
                    self._in_speech = True
                    self._silence_run = 0
                    self._last_speech_end = self._position
                self._buffer = self._buffer[-keep_before:]
                continue
            if speech:
                self._silence_run = 0
                self._last_speech_end = self._position
            else:
                self._silence_run += 1
            if self._silence_run >= end_frames or len(self._buffer) >= max_frames:
                utt = Utterance(np.concatenate(self._buffer), self._last_speech_end, self._position)
                self.reset()
                yield utt

    def flush(self) -> Utterance | None:
        """End of stream: return a partial utterance if speech was in progress."""
        if self._in_speech and self._buffer:
            utt = Utterance(np.concatenate(self._buffer), self._last_speech_end, self._position)
            self.reset()
            return utt
        self.reset()
        return None


def split_utterances(samples: np.ndarray, vad: VoiceActivityDetector | None = None,
                     chunk: int = 1600) -> list[Utterance]:
    """Run a whole recording through the VAD in microphone-sized chunks (100 ms by default)."""
    vad = vad or VoiceActivityDetector()
    found: list[Utterance] = []
    for start in range(0, len(samples), chunk):
        found.extend(vad.feed(samples[start : start + chunk]))
    last = vad.flush()
    if last is not None:
        found.append(last)
    return found


def speech_in(recording: Recording, vad: VoiceActivityDetector | None = None) -> Utterance | None:
    """The one answer in a recording, or None when it holds no speech at all.

    The whole file is one answer even if the VAD saw a pause inside it: the speech parts are
    joined. The recording's quality notices travel with the utterance. A fresh detector is used
    for every recording, so nothing carries over from one file to the next.
    """
    found = split_utterances(recording.samples, vad or VoiceActivityDetector(noise_floor_dbfs=background_dbfs(recording.samples)))
    if not found:
        return None
    return Utterance(np.concatenate([u.samples for u in found]), found[-1].speech_end, found[-1].decided_at,
                     tuple(recording.notices))


# A recording that is all speech (real clips are often cut tight around the word) has no
# background to measure, so a file's floor is put at least this far below its loudest frame.
# On speech-dev recordings as distributed (no padding), the quietest frame alone as the floor
# found speech in 276 of 300 8 kHz digits; with this cap, in all 300 (and 419 of 421 at 16 kHz).
FILE_FLOOR_BELOW_PEAK_DB = 24.0


def background_dbfs(samples: np.ndarray) -> float:
    """A file's background level in dBFS, measured over the whole recording before it is cut.

    The quietest 30 ms frame, but at least ``FILE_FLOOR_BELOW_PEAK_DB`` below the loudest: so a
    file of steady noise alone can still pass as speech here (recognition then rejects it), while
    a word with no lead-in is never lost.
    """
    frames = _frames(np.asarray(samples), FRAME_SAMPLES)
    if len(frames) == 0:
        return -200.0
    levels = [frame_level_dbfs(f) for f in frames]
    return min(min(levels), max(levels) - FILE_FLOOR_BELOW_PEAK_DB)


def notices_for(samples: np.ndarray) -> tuple[str, ...]:
    """Quality notices for an utterance captured live (int16 at 16 kHz, already mono)."""
    x = np.asarray(samples, dtype=np.float64) / 32768.0
    found = []
    if is_clipped(x):
        found.append(CLIPPED_NOTICE)
    if is_narrowband(x):
        found.append(NARROWBAND_NOTICE)
    return tuple(found)


def concat(parts: Iterable[np.ndarray]) -> np.ndarray:
    """Join int16 clips end to end."""
    parts = [np.asarray(p, dtype=np.int16) for p in parts]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
