"""Audio plumbing of the local voice front end: WAV formats, resampling, noise, end of speech."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from local_voice.audio import (
    SAMPLE_RATE,
    AudioFormatError,
    EnergyVad,
    mix_noise,
    read_wav,
    resample,
    split_utterances,
    write_wav,
)


def tone(seconds: float, rate: int, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def write_pcm(path: Path, samples: np.ndarray, rate: int, width: int, channels: int) -> Path:
    """Write floats in [-1, 1) as PCM of the given width, duplicated to ``channels``."""
    if width == 1:
        data = np.round(samples * 127 + 128).astype(np.uint8).tobytes()
        frames = np.repeat(np.frombuffer(data, np.uint8), channels).tobytes()
    elif width == 2:
        frames = np.repeat(np.round(samples * 32767).astype("<i2"), channels).tobytes()
    else:  # 24-bit: low three bytes of int32
        ints = np.repeat(np.round(samples * 8_388_607).astype("<i4"), channels)
        frames = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in ints)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(frames)
    return path


@pytest.mark.parametrize("width", [1, 2, 3])
@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100])
@pytest.mark.parametrize("channels", [1, 2])
def test_any_pcm_wav_becomes_mono_16k_int16(tmp_path: Path, width: int, rate: int, channels: int) -> None:
    path = write_pcm(tmp_path / "in.wav", tone(0.5, rate), rate, width, channels)
    out = read_wav(path)
    assert out.dtype == np.int16
    assert abs(len(out) - SAMPLE_RATE // 2) <= 1
    # The 440 Hz tone survives: its level is close to the original's (0.5 amplitude -> RMS 0.354).
    rms = np.sqrt(np.mean((out.astype(float) / 32768) ** 2))
    assert 0.30 < rms < 0.40
    spectrum = np.abs(np.fft.rfft(out.astype(float)))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / len(out)
    assert abs(peak_hz - 440) < 10


def test_resampling_removes_content_above_the_new_nyquist() -> None:
    # A 10 kHz tone at 44.1 kHz cannot exist at 16 kHz; it must vanish, not alias to 6 kHz.
    out = resample(tone(0.5, 44100, 10_000), 44100, 16000)
    assert np.sqrt(np.mean(out**2)) < 0.01


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    samples = (tone(0.3, SAMPLE_RATE) * 20000).astype(np.int16)
    assert np.array_equal(read_wav(write_wav(tmp_path / "x.wav", samples)), samples)


def test_not_a_wav_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    with pytest.raises(AudioFormatError, match="bad.wav"):
        read_wav(bad)


@pytest.mark.parametrize("snr_db", [10.0, 20.0, 30.0])
def test_noise_is_mixed_at_the_requested_snr_and_is_seeded(snr_db: float) -> None:
    clean = (tone(1.0, SAMPLE_RATE) * 10000).astype(np.int16)
    noisy = mix_noise(clean, snr_db, seed=3)
    noise = noisy.astype(float) - clean.astype(float)
    measured = 10 * np.log10(np.mean(clean.astype(float) ** 2) / np.mean(noise**2))
    assert abs(measured - snr_db) < 0.5
    assert np.array_equal(noisy, mix_noise(clean, snr_db, seed=3))
    assert not np.array_equal(noisy, mix_noise(clean, snr_db, seed=4))


def room(seconds: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 30, int(seconds * SAMPLE_RATE))


def speechlike(seconds: float) -> np.ndarray:
    return tone(seconds, SAMPLE_RATE, 300, 0.3) * 32768


def test_vad_ends_an_utterance_after_about_0_7_s_of_silence() -> None:
    stream = np.concatenate([room(1.0), speechlike(0.8), room(2.0, 1)]).astype(np.int16)
    found = split_utterances(stream)
    assert len(found) == 1
    utt = found[0]
    assert 0.65 <= utt.trailing_silence_s <= 0.8
    assert abs(utt.speech_end / SAMPLE_RATE - 1.8) < 0.05
    # The clip keeps a little audio before the speech so the first consonant is not clipped.
    assert len(utt.samples) / SAMPLE_RATE > 0.8 + 0.7


def test_vad_keeps_a_short_pause_inside_one_answer() -> None:
    stream = np.concatenate([room(0.5), speechlike(0.3), room(0.4, 2), speechlike(0.3), room(1.5, 3)]).astype(np.int16)
    assert len(split_utterances(stream)) == 1


def test_vad_yields_nothing_for_silence_and_never_times_out() -> None:
    vad = EnergyVad()
    assert list(vad.feed(room(5.0).astype(np.int16))) == []
    assert vad.flush() is None


def test_vad_separates_two_answers() -> None:
    stream = np.concatenate([room(0.5), speechlike(0.4), room(1.2, 4), speechlike(0.4), room(1.2, 5)]).astype(np.int16)
    assert len(split_utterances(stream)) == 2


class FakeInputStream:
    """Stands in for sounddevice.InputStream: a thread calls the callback with 100 ms blocks."""

    def __init__(self, samplerate, channels, dtype, blocksize, callback, audio: np.ndarray) -> None:
        import threading

        self._callback, self._block, self._audio = callback, blocksize, audio
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        for start in range(0, len(self._audio), self._block):
            block = self._audio[start:start + self._block]
            self._callback(block.reshape(-1, 1), len(block), None, None)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.join(timeout=5)

    def close(self) -> None:
        return None


def test_microphone_source_goes_from_callback_through_queue_and_vad(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    from local_voice.listeners import MicrophoneSource

    audio = np.concatenate([room(0.5), speechlike(0.6), room(1.5, 1)]).astype(np.int16)
    fake = types.SimpleNamespace(InputStream=lambda **kw: FakeInputStream(audio=audio, **kw))
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    source = MicrophoneSource()
    source.drain = lambda: None  # keep the blocks the fake thread already queued
    utterance = source.next_utterance(wait_s=5.0)
    assert utterance is not None and 0.6 < len(utterance.samples) / SAMPLE_RATE < 2.0
    # Nobody speaks now: after the wait it reports silence instead of blocking forever.
    assert source.next_utterance(wait_s=0.3) is None
    source.close()
