"""How well the offline recognizer hears a summary request, and how often it hears one that was not made.

espeak-ng says "summary", "keep a copy" (the words of the result's offer) and "give me a summary" in
the test voices and two other accents, at two speeds and two noise levels; pocketsphinx hears each
with the session's compact grammar of every kind of turn (a yes/no question, weeks, age, the 0-10
score, the result). Then the other words people say (yes, no, numbers, the other commands, words
outside the grammar) are heard the same way, to count how often one is taken for a summary request.
A summary request is always read back before anything is written ("I heard summary. Do you want
...?"), so a false one costs a question, never a file.

    .venv/bin/python bench/summary_heard.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from local_voice.__main__ import answer_for  # noqa: E402
from local_voice.listeners import PocketsphinxListener  # noqa: E402
from local_voice.session import CONFIRM, decide, question_phrases  # noqa: E402
from local_voice.synth import OTHER_ACCENT_VOICES, SPEEDS, VOICES, espeak_available, synthesize_many  # noqa: E402

ASKING = ["summary", "keep a copy", "give me a summary"]
OTHERS = ["yes", "no", "i don't know", "seven", "forty", "three weeks", "repeat", "go back", "start over", "stop",
          "more", "help", "slower", "pizza", "what time is it", "my back hurts a lot", "some more"]
GRAMMARS = {"yes/no question": ("yes_no", None, None), "weeks": ("number", (0, 2600), "weeks"),
            "age": ("number", (0, 120), "years"), "pain 0-10": ("number", (0, 10), None),
            "the result": ("command", None, None)}
NOISE_LEVELS = (30.0, 15.0)  # dB SNR: a quiet room, a noisy one


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the test voices at one speed, quiet room only")
    args = parser.parse_args(argv)
    if not espeak_available():
        print("espeak-ng is needed (apt-get install espeak-ng)")
        return 2
    voices = VOICES if args.quick else VOICES + OTHER_ACCENT_VOICES
    speeds = SPEEDS[:1] if args.quick else SPEEDS
    noises = NOISE_LEVELS[:1] if args.quick else NOISE_LEVELS
    listener = PocketsphinxListener()
    grammars = {name: question_phrases(*spec) for name, spec in GRAMMARS.items()}
    heard: dict[tuple[str, float], list[bool]] = defaultdict(list)  # (grammar, noise) -> summary heard?
    false: dict[tuple[str, float], list[bool]] = defaultdict(list)
    for noise in noises:
        for clip in synthesize_many(ASKING + OTHERS, voices, speeds, snr_db=noise):
            for name, grammar in grammars.items():
                expects, _, unit = GRAMMARS[name]
                result = listener.recognize(clip.samples, grammar)
                is_summary = answer_for(expects, result.text, unit) == "summary"
                if clip.text in ASKING:
                    # Heard as a summary request and so read back (it is never taken unread).
                    heard[(name, noise)].append(is_summary and decide(result.text, result.confidence) == CONFIRM)
                else:
                    false[(name, noise)].append(is_summary)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"pocketsphinx, compact grammars; voices {', '.join(voices)}; speeds {speeds}; load {load}\n")
    print("| grammar | noise (dB SNR) | summary requests heard and read back | other speech taken for one |")
    print("|---|---|---|---|")
    for name in GRAMMARS:
        for noise in noises:
            got, wrong = heard[(name, noise)], false[(name, noise)]
            print(f"| {name} | {noise:.0f} | {sum(got)}/{len(got)} ({100 * sum(got) / len(got):.1f}%) | "
                  f"{sum(wrong)}/{len(wrong)} ({100 * sum(wrong) / len(wrong):.1f}%) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
