"""Audio plumbing of the local voice front end: every WAV a person has, quality notices, resampling,
noise, and voice activity (webrtcvad) on files and the microphone path.

Test recordings are written here by soundfile (libsndfile) and by sox, the two tools that write
most of the WAV files people have, in every sample format, rate and channel layout in the table.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from local_voice.audio import (
    CLIPPED_NOTICE,
    NARROWBAND_NOTICE,
    SAMPLE_RATE,
    AudioFormatError,
    mix_noise,
    read_recording,
    read_wav,
    resample,
    speech_in,
    split_utterances,
    write_wav,
)
from local_voice.synth import espeak_available, synthesize

needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed (bash test.sh installs it)")
needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (bash test.sh installs it)")

WAVE_FORMAT_TAGS = {1: "PCM", 3: "IEEE float", 0xFFFE: "EXTENSIBLE"}


def tone(seconds: float, rate: int, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def format_tag(path: Path) -> int:
    """The WAVE fmt chunk's format tag (bytes 20-21 of a canonical header)."""
    return int.from_bytes(path.read_bytes()[20:22], "little")


def assert_is_the_tone(out: np.ndarray, seconds: float = 0.5) -> None:
    assert out.dtype == np.int16
    assert abs(len(out) - int(seconds * SAMPLE_RATE)) <= 2
    # The 440 Hz tone survives at about its level (0.5 amplitude -> RMS 0.354), whichever channels
    # held it (the average of 3 live channels and a silent one keeps 3/4 of it: 0.265).
    rms = np.sqrt(np.mean((out.astype(float) / 32768) ** 2))
    assert 0.25 < rms < 0.40, rms
    peak_hz = np.argmax(np.abs(np.fft.rfft(out.astype(float)))) * SAMPLE_RATE / len(out)
    assert abs(peak_hz - 440) < 10


def layout(mono: np.ndarray, channels: int) -> np.ndarray:
    """Put the signal in every channel but the first, which is silent (a microphone on input 2):
    a reader that keeps only the first channel hears nothing, one that averages hears it faint."""
    frames = np.repeat(mono[:, None], channels, axis=1)
    if channels > 1:
        frames[:, 0] = 0.0
    return frames


RATES = (8000, 11025, 16000, 22050, 32000, 44100, 48000)
SUBTYPES = ("PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE")


@pytest.mark.parametrize("container", ["WAV", "WAVEX"])
@pytest.mark.parametrize("subtype", SUBTYPES)
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("channels", [1, 2, 3, 6])
def test_every_wav_soundfile_writes_becomes_mono_16k(tmp_path: Path, container: str, subtype: str, rate: int, channels: int) -> None:
    path = tmp_path / "in.wav"
    soundfile.write(str(path), layout(tone(0.5, rate), channels), rate, subtype=subtype, format=container)
    want_tag = 0xFFFE if container == "WAVEX" else (3 if subtype in ("FLOAT", "DOUBLE") else 1)
    assert format_tag(path) == want_tag, WAVE_FORMAT_TAGS.get(format_tag(path))
    recording = read_recording(path)
    assert (recording.source_rate, recording.channels) == (rate, channels)
    assert_is_the_tone(recording.samples)


SOX_ENCODINGS = {
    "8-bit unsigned": ["-b", "8", "-e", "unsigned-integer"],
    "16-bit": ["-b", "16", "-e", "signed-integer"],
    "24-bit": ["-b", "24", "-e", "signed-integer"],
    "32-bit": ["-b", "32", "-e", "signed-integer"],
    "32-bit float": ["-b", "32", "-e", "floating-point"],
}


@needs_sox
@pytest.mark.parametrize("encoding", SOX_ENCODINGS)
@pytest.mark.parametrize("rate", [8000, 22050, 48000])
@pytest.mark.parametrize("channels", [1, 2, 4])
def test_every_wav_sox_writes_becomes_mono_16k(tmp_path: Path, encoding: str, rate: int, channels: int) -> None:
    source = tmp_path / "source.wav"
    soundfile.write(str(source), layout(tone(0.5, rate), channels), rate, subtype="DOUBLE")
    target = tmp_path / "sox.wav"
    subprocess.run(["sox", "-D", str(source), *SOX_ENCODINGS[encoding], str(target)], check=True, capture_output=True)
    # sox writes WAVE_FORMAT_EXTENSIBLE for more than 16 bits or 2 channels, as the issue found.
    assert format_tag(target) in WAVE_FORMAT_TAGS
    assert_is_the_tone(read_wav(target))


@pytest.mark.parametrize("sign", [-1.0, 1.0])
def test_channels_that_cancel_do_not_mix_to_silence(tmp_path: Path, sign: float) -> None:
    # One input wired in opposite phase: the plain average is digital silence.
    left = tone(0.5, 44100)
    path = tmp_path / "phase.wav"
    soundfile.write(str(path), np.stack([left, sign * left], axis=1), 44100, subtype="PCM_24")
    assert_is_the_tone(read_wav(path))


@needs_espeak
def test_speech_in_one_channel_only_is_found(tmp_path: Path) -> None:
    speech = synthesize("yes", snr_db=40.0, seed=1).astype(float) / 32768.0
    path = tmp_path / "right-only.wav"
    soundfile.write(str(path), np.stack([np.zeros_like(speech), speech], axis=1), SAMPLE_RATE, subtype="PCM_16")
    assert speech_in(read_recording(path)) is not None


def test_resampling_removes_content_above_the_new_nyquist() -> None:
    # A 10 kHz tone at 44.1 kHz cannot exist at 16 kHz; it must vanish, not alias to 6 kHz.
    out = resample(tone(0.5, 44100, 10_000), 44100, 16000)
    assert np.sqrt(np.mean(out**2)) < 0.01


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    samples = (tone(0.3, SAMPLE_RATE) * 20000).astype(np.int16)
    assert np.array_equal(read_wav(write_wav(tmp_path / "x.wav", samples)), samples)


def _header_only(path: Path) -> Path:
    soundfile.write(str(path), np.zeros(0), 16000, subtype="PCM_16")
    return path


def _low_rate(path: Path) -> Path:
    soundfile.write(str(path), tone(0.5, 4000), 4000, subtype="PCM_16")
    return path


def _truncated(path: Path) -> Path:
    full = path.with_suffix(".full.wav")
    soundfile.write(str(full), tone(0.5, 16000), 16000, subtype="PCM_16")
    path.write_bytes(full.read_bytes()[:30])
    return path


NOT_RECORDINGS = {
    "missing file": (lambda p: p, "no such file"),
    "directory": (lambda p: (p.mkdir() or p), "is a directory"),
    "text file": (lambda p: (p.write_text("hello, this is not audio\n"), p)[1], "not a recording"),
    "empty file": (lambda p: (p.write_bytes(b""), p)[1], "not a recording"),
    "random bytes": (lambda p: (p.write_bytes(np.random.default_rng(0).bytes(4000)), p)[1], "not a recording"),
    "RIFF header only": (lambda p: (p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "), p)[1], "not a recording"),
    "truncated header": (_truncated, "not a recording"),
    "no samples": (_header_only, "contains no audio"),
    "4 kHz sample rate": (_low_rate, "too low for speech"),
}


@pytest.mark.parametrize("kind", NOT_RECORDINGS)
def test_what_is_not_a_recording_is_one_clear_line_naming_the_file(tmp_path: Path, kind: str) -> None:
    make, reason = NOT_RECORDINGS[kind]
    path = make(tmp_path / "answer.wav")
    with pytest.raises(AudioFormatError) as err:
        read_recording(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and reason in message, message


# -- quality notices ------------------------------------------------------------------------------

@needs_sox
@needs_espeak
@pytest.mark.parametrize("voice", ["en-us", "en-us+m6"])
@pytest.mark.parametrize("word", ["yes", "six", "no"])
def test_clipping_is_noticed_only_when_the_gain_was_too_high(tmp_path: Path, voice: str, word: str) -> None:
    clean = write_wav(tmp_path / "clean.wav", synthesize(word, voice, snr_db=40.0, seed=3))
    loud = tmp_path / "loud.wav"
    normalized = tmp_path / "normalized.wav"
    subprocess.run(["sox", str(clean), str(loud), "gain", "20"], check=True, capture_output=True)
    subprocess.run(["sox", str(clean), str(normalized), "gain", "-n", "-0.1"], check=True, capture_output=True)
    assert read_recording(loud).clipped and read_recording(loud).notices == [CLIPPED_NOTICE]
    # Loud but intact (peak-normalized just under full scale) is not clipping.
    assert not read_recording(clean).clipped and not read_recording(normalized).clipped


@needs_sox
@needs_espeak
def test_narrowband_is_noticed_at_8_khz_and_when_upsampled_from_it(tmp_path: Path) -> None:
    wide = write_wav(tmp_path / "wide.wav", synthesize("six", snr_db=40.0, seed=4))
    phone = tmp_path / "phone.wav"
    upsampled = tmp_path / "upsampled.wav"
    subprocess.run(["sox", str(wide), "-r", "8000", str(phone)], check=True, capture_output=True)
    subprocess.run(["sox", str(phone), "-r", "16000", str(upsampled)], check=True, capture_output=True)
    assert read_recording(phone).narrowband and read_recording(phone).notices == [NARROWBAND_NOTICE]
    assert read_recording(upsampled).narrowband
    assert not read_recording(wide).narrowband and read_recording(wide).notices == []


def speech_dev() -> Path | None:
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "shared" / "speech-dev", Path("/work/shared/speech-dev")):
        if (candidate / "index.json").exists():
            return candidate
    return None


@pytest.mark.skipif(speech_dev() is None, reason="../shared/speech-dev (Speech Commands + FSDD recordings) not present")
def test_real_recordings_are_not_called_clipped_and_8_khz_ones_are_narrowband() -> None:
    import json

    root = speech_dev()
    assert root is not None
    entries = json.loads((root / "index.json").read_text())
    speech = [e for e in entries if e["kind"] != "silence"]
    recordings = [(e, read_recording(root / e["file"])) for e in speech]
    assert sum(r.clipped for _, r in recordings) == 0
    assert all(r.narrowband for e, r in recordings if r.source_rate == 8000)


# -- voice activity -------------------------------------------------------------------------------

def hiss(seconds: float, dbfs: float, seed: int = 0) -> np.ndarray:
    """Steady white noise at a level (what a muted or idle microphone gives)."""
    std = 32768.0 * 10 ** (dbfs / 20.0)
    return np.clip(np.round(np.random.default_rng(seed).normal(0, std, int(seconds * SAMPLE_RATE))), -32768, 32767).astype(np.int16)


def steady_noise(seconds: float, dbfs: float, exponent: float, seed: int = 0) -> np.ndarray:
    """Steady noise with a 1/f**exponent power spectrum (0 white, 1 pink: fans, traffic, rooms)."""
    n = int(seconds * SAMPLE_RATE)
    spectrum = np.fft.rfft(np.random.default_rng(seed).normal(0, 1, n))
    f = np.arange(len(spectrum), dtype=float)
    f[0] = 1.0
    x = np.fft.irfft(spectrum / f ** (exponent / 2), n)
    return np.clip(np.round(x / x.std() * 32768.0 * 10 ** (dbfs / 20.0)), -32768, 32767).astype(np.int16)


NO_SPEECH = {
    "digital zeros": lambda: np.zeros(2 * SAMPLE_RATE, dtype=np.int16),
    "dithered zeros (sox -n)": lambda: hiss(2.0, -96.0),
    "muted microphone hiss": lambda: hiss(2.0, -80.0),
    "quiet room hiss": lambda: hiss(2.0, -62.0),
    # webrtcvad alone calls every frame of these speech: only the noise-floor check stops them.
    "white noise at -40 dBFS": lambda: steady_noise(4.0, -40.0, 0.0),
    "pink noise at -50 dBFS": lambda: steady_noise(4.0, -50.0, 1.0),
    "pink noise at -30 dBFS": lambda: steady_noise(4.0, -30.0, 1.0),
    "one click": lambda: np.concatenate([np.zeros(8000, np.int16), np.full(40, 20000, np.int16), np.zeros(8000, np.int16)]),
}


@pytest.mark.parametrize("kind", NO_SPEECH)
def test_no_speech_is_found_in_silence_of_any_kind(kind: str) -> None:
    assert split_utterances(NO_SPEECH[kind]()) == []


QUIET = ("digital zeros", "dithered zeros (sox -n)", "muted microphone hiss", "quiet room hiss", "one click")


@pytest.mark.parametrize("kind", QUIET)
def test_no_speech_is_found_in_a_quiet_file(tmp_path: Path, kind: str) -> None:
    """A file is measured whole first (its background may be all there is), so it is checked too:
    a muted microphone's recording must come back as "I didn't hear anything"."""
    path = write_wav(tmp_path / "quiet.wav", NO_SPEECH[kind]())
    assert speech_in(read_recording(path)) is None


@needs_espeak
def test_vad_ends_an_utterance_after_about_0_7_s_of_silence() -> None:
    word = synthesize("seven", snr_db=60.0, seed=5)
    stream = np.concatenate([hiss(1.0, -70.0, 1), word, hiss(2.0, -70.0, 2)])
    found = split_utterances(stream)
    assert len(found) == 1
    utt = found[0]
    assert 0.65 <= utt.trailing_silence_s <= 0.8
    # The utterance keeps a little audio before the speech so the first consonant is not cut.
    assert len(utt.samples) / SAMPLE_RATE > 0.7 + 0.3


@needs_espeak
def test_vad_keeps_a_short_pause_inside_one_answer_and_separates_two() -> None:
    # synthesize() pads 0.4 s before and 0.9 s after: cut those so the pause is the one given here.
    a = synthesize("I don't", seed=6)[: -int(0.9 * SAMPLE_RATE)]
    b = synthesize("know", seed=7)[int(0.4 * SAMPLE_RATE):]
    assert len(split_utterances(np.concatenate([a, hiss(0.3, -70.0), b]))) == 1
    assert len(split_utterances(np.concatenate([a, hiss(1.5, -70.0), b]))) == 2


@needs_sox
@needs_espeak
@pytest.mark.parametrize("volume", [0.05, 0.03])
def test_quiet_telephone_speech_is_still_found(tmp_path: Path, volume: float) -> None:
    """A quiet phone recording: webrtcvad at aggressiveness 1 finds it, 2 and 3 drop it. This pins
    the detector's setting: a more aggressive (or level-gated) detector would ask again forever."""
    clean = write_wav(tmp_path / "clean.wav", synthesize("no", "en-us+klatt", 185, snr_db=60.0, seed=1))
    phone = tmp_path / "phone.wav"
    subprocess.run(["sox", str(clean), "-r", "8000", str(phone), "sinc", "300-3400", "vol", str(volume)],
                   check=True, capture_output=True)
    assert speech_in(read_recording(phone)) is not None


@needs_espeak
@pytest.mark.parametrize("exponent", [0.0, 1.0])
@pytest.mark.parametrize("noise_dbfs", [-50.0, -40.0])
def test_an_answer_in_steady_noise_is_found_and_ends(exponent: float, noise_dbfs: float) -> None:
    word = synthesize("yes", snr_db=80.0, seed=8)  # about -20 dBFS while speaking
    noise = steady_noise(1.0 + len(word) / SAMPLE_RATE + 2.0, noise_dbfs, exponent, seed=9)
    stream = np.clip(noise.astype(int) + np.concatenate([np.zeros(SAMPLE_RATE, int), word,
                                                         np.zeros(len(noise) - SAMPLE_RATE - len(word), int)]),
                     -32768, 32767).astype(np.int16)
    found = split_utterances(stream)
    assert len(found) == 1
    # It ends 0.7 s after the speech, not at the end of the noise.
    assert 0.65 <= found[0].trailing_silence_s <= 0.8 and found[0].decided_at < len(stream) - SAMPLE_RATE


@pytest.mark.parametrize("snr_db", [10.0, 20.0, 30.0])
def test_noise_is_mixed_at_the_requested_snr_and_is_seeded(snr_db: float) -> None:
    clean = (tone(1.0, SAMPLE_RATE) * 10000).astype(np.int16)
    noisy = mix_noise(clean, snr_db, seed=3)
    noise = noisy.astype(float) - clean.astype(float)
    measured = 10 * np.log10(np.mean(clean.astype(float) ** 2) / np.mean(noise**2))
    assert abs(measured - snr_db) < 0.5
    assert np.array_equal(noisy, mix_noise(clean, snr_db, seed=3))
    assert not np.array_equal(noisy, mix_noise(clean, snr_db, seed=4))


class FakeInputStream:
    """Stands in for sounddevice.InputStream: a thread calls the callback with 100 ms blocks."""

    def __init__(self, samplerate, channels, dtype, blocksize, callback, audio: np.ndarray) -> None:
        import threading

        self._callback, self._block, self._audio = callback, blocksize, audio
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        for start in range(0, len(self._audio), self._block):
            block = self._audio[start:start + self._block]
            self._callback(block.reshape(len(block), -1), len(block), None, None)  # frames x channels

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.join(timeout=5)

    def close(self) -> None:
        return None


@needs_espeak
def test_microphone_source_goes_from_callback_through_queue_and_vad(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    from local_voice.listeners import MicrophoneSource

    # Too loud for the input: the waveform is flattened at full scale, as a microphone gives it.
    loud = np.clip(synthesize("six", snr_db=40.0, seed=10).astype(np.int32) * 12, -32768, 32767).astype(np.int16)
    audio = np.concatenate([hiss(0.5, -70.0), loud, hiss(1.5, -70.0, 1)])
    fake = types.SimpleNamespace(InputStream=lambda **kw: FakeInputStream(audio=audio, **kw))
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    source = MicrophoneSource()
    source.drain = lambda: None  # keep the blocks the fake thread already queued
    utterance = source.next_utterance(wait_s=5.0)
    assert utterance is not None and 0.6 < len(utterance.samples) / SAMPLE_RATE < 3.0
    assert CLIPPED_NOTICE in utterance.notices
    # Nobody speaks now: after the wait it reports silence instead of blocking forever.
    assert source.next_utterance(wait_s=0.3) is None
    source.close()


class PortAudioError(Exception):
    """Stands in for sounddevice.PortAudioError."""


@needs_espeak
@pytest.mark.parametrize("device_rate,device_channels", [(48000, 2), (44100, 1), (16000, 2)])
def test_a_microphone_that_will_not_record_mono_16k_is_converted(monkeypatch: pytest.MonkeyPatch, device_rate: int,
                                                                 device_channels: int) -> None:
    """Many ALSA hardware devices record only at 44.1/48 kHz, some only in stereo: the source opens
    the device as it is and converts, instead of failing to start."""
    import sys
    import types

    from local_voice.listeners import MicrophoneSource

    word = synthesize("seven", snr_db=40.0, seed=12).astype(float) / 32768.0
    at_rate = resample(np.concatenate([np.zeros(SAMPLE_RATE // 2), word, np.zeros(SAMPLE_RATE)]), SAMPLE_RATE, device_rate)
    frames = np.zeros((len(at_rate), device_channels))
    frames[:, -1] = at_rate  # the voice on the last channel only (the first may be unconnected)
    captured = np.round(frames * 32767).astype(np.int16)

    def input_stream(samplerate, channels, dtype, blocksize, callback):
        if (samplerate, channels) != (device_rate, device_channels):
            raise PortAudioError(f"Invalid sample rate or channel count ({samplerate} Hz, {channels})")
        return FakeInputStream(samplerate, channels, dtype, blocksize, callback, audio=captured)

    fake = types.SimpleNamespace(
        InputStream=input_stream, PortAudioError=PortAudioError,
        query_devices=lambda kind: {"default_samplerate": float(device_rate), "max_input_channels": device_channels},
    )
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    source = MicrophoneSource()
    source.drain = lambda: None
    utterance = source.next_utterance(wait_s=5.0)
    source.close()
    assert utterance is not None
    # The voice arrives at its level and length at 16 kHz (the word lasts about 1.8 s with its padding).
    peak = np.abs(utterance.samples.astype(float)).max() / 32768.0
    assert 0.5 * np.abs(word).max() < peak < 1.5 * np.abs(word).max()
    assert 0.5 < len(utterance.samples) / SAMPLE_RATE < 3.5
