"""The real recognizer on real people's recordings (development speakers only), through ``hear``.

Uses the real-speech set beside the checkout (``<repo>/../shared/speech-dev``, else
``/work/shared/speech-dev``): Speech Commands v0.02 test set and Free Spoken Digit Dataset
recordings. Skipped, naming those datasets, where the set is missing. The subset is fixed: the
first recordings of each kind from the development speakers of ``bench/real_speech.py``'s split,
so the held-out speakers stay unseen here too.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("real_speech", REPO / "bench" / "real_speech.py")
assert _spec is not None and _spec.loader is not None
real_speech = importlib.util.module_from_spec(_spec)
sys.modules["real_speech"] = real_speech  # dataclasses look their module up there
_spec.loader.exec_module(real_speech)

SPEECH_DEV = real_speech.default_speech_dev()
pytestmark = pytest.mark.skipif(
    SPEECH_DEV is None, reason=f"real-speech set not found beside the checkout; it is built from {real_speech.SOURCES}")

PER_KIND = 8  # recordings of each kind (yes, no, 16 kHz digits, 8 kHz digits, other words, noise)


@pytest.fixture(scope="module")
def heard(tmp_path_factory: pytest.TempPathFactory) -> list:
    assert SPEECH_DEV is not None
    items = [it for it in real_speech.load_items(SPEECH_DEV) if it.split == "dev"]
    chosen, counts = [], {}
    for it in sorted(items, key=lambda it: it.file):
        group = (it.kind, it.expected if it.kind == "yes_no" else None, it.rate, it.expect)
        if counts.get(group, 0) < PER_KIND:
            counts[group] = counts.get(group, 0) + 1
            chosen.append(it)
    out_dir = tmp_path_factory.mktemp("real-speech")
    paths = {it.file: real_speech.padded_copy(SPEECH_DEV, it.file, out_dir) for it in chosen}
    for expect in ("yes_no", "number"):
        real_speech.run_hear(REPO, chosen, paths, expect)
    return chosen


def test_every_file_gets_a_session_action(heard) -> None:
    assert {it.action for it in heard} <= {"take", "confirm", "reask"}
    assert all(isinstance(it.confidence, float) and 0.0 <= it.confidence <= 1.0 for it in heard)
    assert {"take", "reask"} <= {it.action for it in heard}


def test_no_real_answer_is_taken_wrong(heard) -> None:
    wrong = [(it.file, it.heard, it.confidence) for it in heard
             if it.kind in ("yes_no", "number") and it.action == "take" and it.answer != it.expected]
    assert wrong == []


def test_other_words_and_noise_are_not_taken_as_answers(heard) -> None:
    others = [it for it in heard if it.kind in ("oov", "silence")]
    taken = [(it.file, it.expect, it.heard, it.confidence) for it in others if it.action == "take" and it.is_answer]
    assert len(others) >= 4 * PER_KIND and taken == []


def test_most_real_answers_are_taken_or_read_back_right_first_time(heard) -> None:
    for kind, rate, floor in (("yes_no", 16000, 0.8), ("number", 16000, 0.7)):
        group = [it for it in heard if it.kind == kind and it.rate == rate]
        right = sum(it.action in ("take", "confirm") and it.answer == it.expected for it in group)
        assert right >= floor * len(group), (kind, right, len(group))


def test_hear_result_does_not_depend_on_the_files_before_it(heard, tmp_path: Path) -> None:
    # hear on one file alone must give what it gave in the middle of the whole run.
    assert SPEECH_DEV is not None
    sample = [it for it in heard if it.expect == "yes_no"][PER_KIND + 3]
    path = real_speech.padded_copy(SPEECH_DEV, sample.file, tmp_path)
    env = {**os.environ, "VOSK_MODEL_PATH": ""}
    result = subprocess.run([sys.executable, "-m", "local_voice", "hear", "--expect", "yes_no", str(path)],
                            cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    alone = json.loads(result.stdout.splitlines()[0])
    assert (alone["heard"], alone["action"]) == (sample.heard, sample.action)
    assert alone["confidence"] == pytest.approx(sample.confidence, abs=1e-3)
