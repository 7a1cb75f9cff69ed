"""Synthesized spoken answers for tests and the benchmark (espeak-ng, generated on the spot).

Real microphones are never digitally silent, and pocketsphinx does worse on synthesized words
surrounded by pure zeros, so every clip gets padding and a little seeded white noise.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from local_voice.audio import mix_noise, pad, read_wav, write_wav

log = logging.getLogger(__name__)

# Three clearly different US English espeak-ng voices, matching pocketsphinx's US English model:
# the default, a deeper male variant, and the Klatt formant synthesizer. Two speeds.
VOICES: tuple[str, ...] = ("en-us", "en-us+m6", "en-us+klatt")
# Accents the US model was not trained on; the benchmark reports them separately.
OTHER_ACCENT_VOICES: tuple[str, ...] = ("en-gb+f3", "en-gb-scotland")
SPEEDS: tuple[int, ...] = (140, 185)


@dataclass(frozen=True)
class Clip:
    """One synthesized answer: what was said, how, and the 16 kHz samples with noise."""

    text: str
    voice: str
    speed: int
    snr_db: float
    samples: np.ndarray


def espeak_available() -> bool:
    """True when the espeak-ng command is on PATH."""
    return shutil.which("espeak-ng") is not None


def synthesize(text: str, voice: str = "en-us", speed: int = 160, snr_db: float = 30.0, seed: int = 0) -> np.ndarray:
    """Speak ``text`` with espeak-ng and return padded, noisy mono int16 samples at 16 kHz."""
    with tempfile.TemporaryDirectory(prefix="spine-synth-") as tmp:
        wav = Path(tmp) / "say.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text],
            check=True,
            capture_output=True,
            timeout=30,
        )
        clean = read_wav(wav)
    return mix_noise(pad(clean, 0.4, 0.9), snr_db, seed=seed)


def synthesize_many(
    texts: Iterable[str],
    voices: Iterable[str] = VOICES,
    speeds: Iterable[int] = SPEEDS,
    snr_db: float = 30.0,
    workers: int = 2,
) -> list[Clip]:
    """Every text in every voice at every speed, synthesized in parallel (espeak-ng is a process)."""
    jobs = [(t, v, s) for t in texts for v in voices for s in speeds]

    def one(job: tuple[str, str, int]) -> Clip:
        text, voice, speed = job
        # crc32, not hash(): str hashes change per process, and the clips must be reproducible.
        seed = zlib.crc32(f"{text}|{voice}|{speed}|{snr_db}".encode())
        return Clip(text, voice, speed, snr_db, synthesize(text, voice, speed, snr_db, seed))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, jobs))


def save_clip(samples: np.ndarray, directory: Path, name: str) -> Path:
    """Write a clip as a 16 kHz WAV and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    return write_wav(directory / f"{name}.wav", samples)


def silence(seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    """Room noise with no speech in it (what the microphone hears when nobody answers)."""
    rng = np.random.default_rng(seed)
    return np.clip(np.round(rng.normal(0.0, 30.0, int(seconds * 16000))), -32768, 32767).astype(np.int16)
