"""Benchmark of the local voice recognizers on synthesized answers (espeak-ng, generated here).

For each available engine (pocketsphinx always; Vosk when VOSK_MODEL_PATH or --model names a model)
it prints a table: accuracy for yes/no, numbers 0-10 and commands at two noise levels, rejection of
out-of-grammar speech, decode time per answer, real-time factor, model load time, peak RSS, and the
turn latency from the end of speech to the recognized answer (webrtcvad end-of-speech wait + decode).

    .venv/bin/python bench/local_voice.py [--quick] [--model DIR]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from local_voice.__main__ import answer_for  # noqa: E402
from local_voice.audio import SAMPLE_RATE, VoiceActivityDetector, mix_noise, pad  # noqa: E402
from local_voice.listeners import EngineUnavailable, PocketsphinxListener, VoskListener, vosk_model_path  # noqa: E402
from local_voice.session import question_phrases  # noqa: E402
from local_voice.synth import OTHER_ACCENT_VOICES, SPEEDS, VOICES, espeak_available, synthesize_many  # noqa: E402

YES_NO = ["yes", "no", "yeah", "nope", "i don't know"]
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
COMMANDS = ["repeat", "help", "go back", "start over", "stop", "slower", "faster"]
OUT_OF_GRAMMAR = ["pizza", "banana pancakes", "my back hurts a lot", "hello there", "what time is it"]
NOISE_LEVELS = (30.0, 15.0)  # dB SNR: a quiet room, then a noisy one


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def evaluate(listener, clips, expect: str, phrases) -> tuple[float, list[float], list[float]]:
    correct = 0
    times: list[float] = []
    rtf: list[float] = []
    for clip in clips:
        heard = listener.recognize(clip.samples, phrases)
        times.append(heard.decode_ms)
        rtf.append(heard.decode_ms / 1000.0 / (len(clip.samples) / SAMPLE_RATE))
        want = answer_for(expect, clip.text) if expect != "reject" else None
        got = answer_for(expect if expect != "reject" else "yes_no", heard.text) if heard.text else None
        correct += int(got == want and (heard.text is not None or want is None))
    return correct / max(1, len(clips)), times, rtf


def turn_latency(listener, clips, phrases) -> list[float]:
    """Stream each clip with 1.5 s of trailing room noise through the VAD, as from a microphone."""
    latencies = []
    for clip in clips:
        stream = mix_noise(pad(clip.samples, 0.0, 1.5), 40.0, seed=7)
        vad = VoiceActivityDetector()
        for start in range(0, len(stream), 1600):  # 100 ms blocks, like the microphone callback
            found = list(vad.feed(stream[start:start + 1600]))
            if found:
                started = time.perf_counter()
                listener.recognize(found[0].samples, phrases)
                decode_s = time.perf_counter() - started
                # From the last speech frame the VAD saw to the answer: silence wait plus decode.
                latencies.append(found[0].trailing_silence_s + decode_s)
                break
    return latencies


def engines(model: str | None):
    started = time.perf_counter()
    yield "pocketsphinx", PocketsphinxListener(), (time.perf_counter() - started) * 1000
    path = vosk_model_path(model)
    if path:
        try:
            started = time.perf_counter()
            listener = VoskListener(path)
            yield "vosk", listener, (time.perf_counter() - started) * 1000
        except EngineUnavailable as exc:
            print(f"vosk: skipped ({exc})")
    else:
        print("vosk: skipped (no model configured; set VOSK_MODEL_PATH or pass --model)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one speed and fewer items (about a third of the time)")
    parser.add_argument("--model", help="Vosk model directory")
    args = parser.parse_args(argv)
    if not espeak_available():
        print("espeak-ng is needed to synthesize the answers (apt-get install espeak-ng)")
        return 2
    speeds = SPEEDS[:1] if args.quick else SPEEDS
    sets = {
        "yes/no": ("yes_no", YES_NO, question_phrases("yes_no")),
        "numbers 0-10": ("number", NUMBERS, question_phrases("number", (0, 10), None)),
        "commands": ("command", COMMANDS, question_phrases("yes_no")),
        "out-of-grammar rejected": ("reject", OUT_OF_GRAMMAR, question_phrases("yes_no")),
    }
    started = time.perf_counter()
    clips = {(name, snr): synthesize_many(items, VOICES, speeds, snr_db=snr) for name, (_, items, _) in sets.items() for snr in NOISE_LEVELS}
    accent_clips = {(name, snr): synthesize_many(items, OTHER_ACCENT_VOICES, speeds, snr_db=snr)
                    for name, (expect, items, _) in sets.items() if expect != "reject" for snr in NOISE_LEVELS}
    n_clips = sum(len(c) for c in clips.values())
    print(f"synthesized {n_clips} answers ({len(VOICES)} voices x {len(speeds)} speeds x {len(NOISE_LEVELS)} noise levels) in {time.perf_counter() - started:.1f} s")
    for engine, listener, load_ms in engines(args.model):
        all_times: list[float] = []
        all_rtf: list[float] = []
        rows = []
        for name, (expect, _, phrases) in sets.items():
            accs = []
            for snr in NOISE_LEVELS:
                acc, times, rtf = evaluate(listener, clips[(name, snr)], expect, phrases)
                accs.append(acc)
                all_times += times
                all_rtf += rtf
            rows.append((name, accs, len(clips[(name, NOISE_LEVELS[0])])))
        latency = turn_latency(listener, clips[("yes/no", NOISE_LEVELS[0])], question_phrases("yes_no"))
        print(f"\n### {engine}\n")
        print(f"| measure | SNR {NOISE_LEVELS[0]:.0f} dB | SNR {NOISE_LEVELS[1]:.0f} dB |")
        print("|---|---|---|")
        for name, accs, n in rows:
            print(f"| {name} accuracy (n={n} each) | {accs[0]:.1%} | {accs[1]:.1%} |")
        print(f"| decode time per answer, mean / p95 | {statistics.mean(all_times):.1f} ms / {np.percentile(all_times, 95):.1f} ms | |")
        print(f"| real-time factor (decode / audio), mean | {statistics.mean(all_rtf):.3f} | |")
        print(f"| turn latency, end of speech to answer (0.7 s VAD), mean / max | {statistics.mean(latency):.2f} s / {max(latency):.2f} s | |")
        for name, (expect, _, phrases) in sets.items():
            if expect == "reject":
                continue
            accs = [evaluate(listener, accent_clips[(name, snr)], expect, phrases)[0] for snr in NOISE_LEVELS]
            print(f"| {name}, other accents ({', '.join(OTHER_ACCENT_VOICES)}; not the US model's), "
                  f"n={len(accent_clips[(name, NOISE_LEVELS[0])])} each | {accs[0]:.1%} | {accs[1]:.1%} |")
        print(f"| model load time | {load_ms:.0f} ms | |")
        print(f"| peak RSS of this process | {rss_mb():.0f} MB | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
