"""How the audio front end treats real recordings: voice activity found, clipping and narrowband
noticed, on ../shared/speech-dev (Speech Commands test set and Free Spoken Digit Dataset).

For every recording, as distributed and padded with 0.4 s of digital silence each side (as the
issue's measurements were), it prints the share in which the voice-activity detector finds speech,
per part of the set and for webrtcvad aggressiveness 0-3 (1 is the product's). Then the share
flagged as clipped, as distributed and after `sox gain 20` (a microphone gain set too high), and
the share flagged as narrowband.

    .venv/bin/python bench/audio_checks.py [--speech-dev DIR]

Needs sox for the gain step (bash test.sh installs it). Nothing is written outside a temporary
directory.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from local_voice.audio import (  # noqa: E402
    VAD_AGGRESSIVENESS,
    Recording,
    VoiceActivityDetector,
    background_dbfs,
    pad,
    read_recording,
    speech_in,
)


def find_speech_dev(given: str | None) -> Path | None:
    repo = Path(__file__).resolve().parent.parent
    candidates = [Path(given)] if given else [repo.parent / "shared" / "speech-dev", Path("/work/shared/speech-dev")]
    return next((c for c in candidates if (c / "index.json").exists()), None)


def part_of(entry: dict) -> str:
    if entry["file"].startswith("fsdd/"):
        return "fsdd digits (8 kHz)"
    return f"sc {entry['kind']} (16 kHz)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speech-dev", help="the development set (default ../shared/speech-dev)")
    args = parser.parse_args(argv)
    root = find_speech_dev(args.speech_dev)
    if root is None:
        print("speech-dev not found: it holds Speech Commands v0.02 test clips (Warden 2018, CC BY 4.0) and "
              "Free Spoken Digit Dataset recordings (CC BY-SA 4.0); pass --speech-dev DIR")
        return 2
    entries = json.loads((root / "index.json").read_text())
    found: dict[tuple[str, str, int], int] = collections.Counter()
    flags: dict[tuple[str, str], int] = collections.Counter()
    totals: dict[str, int] = collections.Counter()
    sox = shutil.which("sox")
    with tempfile.TemporaryDirectory(prefix="audio-checks-") as tmp:
        loud = Path(tmp) / "loud.wav"
        for entry in entries:
            part = part_of(entry)
            totals[part] += 1
            recording = read_recording(root / entry["file"])
            padded = Recording(pad(recording.samples, 0.4, 0.4))
            for mode in range(4):
                for label, rec in (("as distributed", recording), ("padded 0.4 s", padded)):
                    vad = VoiceActivityDetector(aggressiveness=mode, noise_floor_dbfs=background_dbfs(rec.samples))
                    found[(part, label, mode)] += speech_in(rec, vad) is not None
            flags[(part, "clipped")] += recording.clipped
            flags[(part, "narrowband")] += recording.narrowband
            if sox:
                subprocess.run([sox, str(root / entry["file"]), str(loud), "gain", "20"], check=True, capture_output=True)
                flags[(part, "clipped after gain 20")] += read_recording(loud).clipped
    print(f"speech-dev: {len(entries)} recordings in {root}")
    print(f"\nspeech found (webrtcvad aggressiveness 0/1/2/3; the product uses {VAD_AGGRESSIVENESS})")
    print(f"| part | n | {' | '.join(f'{label} 0/1/2/3' for label in ('as distributed', 'padded 0.4 s'))} |")
    print("|---|---|---|---|")
    for part in sorted(totals):
        cells = [" / ".join(str(found[(part, label, m)]) for m in range(4)) for label in ("as distributed", "padded 0.4 s")]
        print(f"| {part} | {totals[part]} | {' | '.join(cells)} |")
    print("\nquality notices")
    print("| part | n | clipped | clipped after `sox gain 20` | narrowband |")
    print("|---|---|---|---|---|")
    for part in sorted(totals):
        gain = str(flags[(part, "clipped after gain 20")]) if sox else "(no sox)"
        print(f"| {part} | {totals[part]} | {flags[(part, 'clipped')]} | {gain} | {flags[(part, 'narrowband')]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
