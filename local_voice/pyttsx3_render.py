"""Render one prompt with pyttsx3 in a process of its own: ``python -m local_voice.pyttsx3_render
--rate WPM --out FILE.wav`` with the text on stdin. Exit 0 with a 16-bit mono WAV at FILE.wav, or
non-zero with one line on stderr.

Why a process per prompt: pyttsx3 2.99's espeak driver keeps one espeak instance per process and
runs it asynchronously. In one long-lived process a new rate was ignored at random (a sentence took
8.8 s at 80, 160 and 320 words a minute alike, or 2.1 s at all three), and ``runAndWait`` returns
before the audio is written, so the file sometimes never appeared ("pyttsx3 produced no audio").
A fresh engine whose rate is set before it first speaks always speaks at that rate.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from local_voice.speakers import sentences


def _wait_for(engine: object, path: Path, timeout_s: float) -> None:
    """Until the driver has finished and the WAV it writes on its own thread is complete."""
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    deadline = time.monotonic() + timeout_s
    last_size = -1
    while time.monotonic() < deadline:
        size = path.stat().st_size if path.exists() else -1
        if size > 44 and size == last_size and not getattr(driver, "_speaking", False) and _complete(path):
            return
        last_size = size
        time.sleep(0.02)
    raise RuntimeError(f"pyttsx3 produced no audio within {timeout_s:.0f} s")


def _complete(path: Path) -> bool:
    """True when the WAV holds every frame its header declares. The driver writes the header (with
    the final length) before the samples; a file caught mid-write under load would otherwise be
    read short, and a cut-off prompt also sounds faster than the rate asked for."""
    try:
        with wave.open(str(path), "rb") as wav:
            declared = wav.getnframes() * wav.getsampwidth() * wav.getnchannels()
            return len(wav.readframes(wav.getnframes())) == declared
    except (EOFError, wave.Error, OSError):
        return False


def _ensure_rate(engine: object, rate: int) -> None:
    """Set ``rate`` on espeak itself, synchronously, before the first word. The queued setProperty
    reaches the driver only when the queue is pumped, and under load the first sentence sometimes
    still came out at another rate; the driver's own setProperty calls espeak_SetParameter at once.
    (Its getProperty reads espeak's default, not the current rate, so it cannot be checked here.)"""
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    if driver is not None:
        driver.setProperty("rate", rate)


def render(text: str, rate: int, out: Path, timeout_s: float = 15.0) -> None:
    """Write ``text`` spoken at ``rate`` words per minute to ``out`` (16-bit mono WAV)."""
    import pyttsx3

    engine = pyttsx3.init()
    engine.setProperty("rate", rate)
    # The queued rate reaches espeak only when the command queue is pumped; pumping it now, with
    # nothing to say yet, makes sure it is in place before the first word (without this the first
    # sentence sometimes came out at the driver's default of 200 words a minute).
    with contextlib.redirect_stdout(io.StringIO()):
        engine.runAndWait()
    _ensure_rate(engine, rate)
    parts: list[np.ndarray] = []
    frame_rate = 22050
    with tempfile.TemporaryDirectory(prefix="spine-say-") as tmp:
        # One sentence per save: the driver silently drops utterances over ~400 characters.
        for i, sentence in enumerate(sentences(text)):
            path = Path(tmp) / f"{i}.wav"
            engine.save_to_file(sentence, str(path))
            # The driver prints "Audio saved to ..." on stdout from its own thread: keep it aside.
            with contextlib.redirect_stdout(io.StringIO()):
                engine.runAndWait()
                _wait_for(engine, path, timeout_s)
            with wave.open(str(path), "rb") as wav:
                frame_rate = wav.getframerate()
                parts.append(np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2"))
    if not parts:
        raise RuntimeError("no text to say")
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(frame_rate)
        wav.writeframes(np.concatenate(parts).astype("<i2").tobytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_voice.pyttsx3_render")
    parser.add_argument("--rate", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:
        render(sys.stdin.read(), args.rate, Path(args.out))
    # pyttsx3 raises whatever its driver raises; the parent needs one line, not a traceback.
    except Exception as exc:  # noqa: BLE001
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
