"""Speech in: the ``Listener`` protocol, its pocketsphinx and Vosk recognizers, and audio sources.

A listener turns one spoken answer (mono int16 at 16 kHz) into the text of the phrase it heard,
chosen from a closed list of phrases for the current question, or ``None`` when the speech matched
nothing in the list. Both recognizers add an entry for "anything else" to every grammar (a garbage
word loop for pocketsphinx, ``[unk]`` for Vosk) so that out-of-grammar speech is reported as not
understood instead of being forced onto the nearest answer.

Audio sources hand the session one utterance at a time: ``WavFileSource`` from files (scripted and
headless use, and tests), ``MicrophoneSource`` from the default input device through a queue and the
webrtcvad voice-activity detector. Both go through the same detector, so files exercise the
microphone's code path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import queue
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np

from local_voice.audio import (SAMPLE_RATE, Recording, Utterance, VoiceActivityDetector, mix_to_mono, notices_for,
                               read_recording, speech_in, to_int16, trim_to_speech)

log = logging.getLogger(__name__)

VOSK_MODELS_URL = "https://alphacephei.com/vosk/models"

# Words the garbage loop may use. Chosen to cover most English phones while staying away from the
# answer words: no "now"/"know" (vs "no"), no "guess"/"yet" (vs "yes"), no number-like words, no
# command words. Any word that also appears in a question's phrases is dropped from its loop.
GARBAGE_WORDS: tuple[str, ...] = (
    "the", "what", "um", "uh", "hello", "okay", "maybe", "thing", "time", "banana", "water",
    "people", "which", "pleasure", "church", "oil", "look", "judge", "weather", "about",
)

_NON_WORD = re.compile(r"[^\w' ]+|[\d_]+")


def normalize_phrase(phrase: str) -> str:
    """Lower-case a phrase and keep only letters (of any script), apostrophes and single spaces."""
    text = phrase.lower().replace("-", " ")
    return " ".join(_NON_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class Heard:
    """What a listener heard: ``text`` is one of the given phrases, or None when not understood."""

    text: str | None
    confidence: float
    decode_ms: float
    engine: str


class Listener(Protocol):
    """A recognizer restricted to a closed list of phrases per call."""

    name: str
    load_ms: float

    def recognize(self, audio: np.ndarray, phrases: Sequence[str]) -> Heard:
        """Recognize one utterance against ``phrases``; text is None when nothing matched."""
        ...


class EngineUnavailable(RuntimeError):
    """A recognizer cannot start (missing package, missing or broken model). Message is one line."""


# How sure a pocketsphinx answer is: P(the answer is right | two acoustic scores), a logistic model
# fitted by ``bench/real_speech.py --fit`` on the DEVELOPMENT speakers of the real-speech set (never
# on the held-out ones). Both scores are averages over the frames of the answer's words, in
# pocketsphinx's log domain scaled by 1e4 so that they read as small numbers:
# - ``phone_loop_ratio``: answer-path acoustic score minus a free phone-loop decode of the same
#   frames (a likelihood ratio against "any sound at all"; near 0 when the grammar explains the
#   audio as well as any phone string does, very negative for words outside the grammar);
# - ``grammar_fit``: answer-path acoustic score against the best senone of each frame.
CONFIDENCE_MODEL = {"bias": 5.6758, "phone_loop_ratio": 0.01425, "grammar_fit": 0.13972}


def answer_confidence(phone_loop_ratio: float, grammar_fit: float, model: dict[str, float] | None = None) -> float:
    """Probability in [0, 1] that a decoded answer is what was said (see ``CONFIDENCE_MODEL``)."""
    m = CONFIDENCE_MODEL if model is None else model
    z = m["bias"] + m["phone_loop_ratio"] * phone_loop_ratio + m["grammar_fit"] * grammar_fit
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class AcousticScores:
    """The two per-frame scores behind a pocketsphinx confidence (units: see ``CONFIDENCE_MODEL``)."""

    phone_loop_ratio: float
    grammar_fit: float


def _word_segments(decoder: Any) -> list[tuple[str, int, int, float]]:
    """(word, first frame, last frame, log acoustic score) of each real word in the best path."""
    words = []
    for seg in decoder.seg():
        word = re.sub(r"\(\d+\)$", "", seg.word)  # alternate pronunciations: "don't(2)"
        if word.startswith(("<", "[", "(")):  # <sil>, [NOISE], (NULL) grammar nodes
            continue
        words.append((word, int(seg.start_frame), int(seg.end_frame), math.log(max(float(seg.ascore), 1e-300))))
    return words


def _phone_segments(decoder: Any) -> list[tuple[int, int, float]]:
    return [(int(s.start_frame), int(s.end_frame), math.log(max(float(s.ascore), 1e-300))) for s in decoder.seg()]


def acoustic_scores(words: list[tuple[str, int, int, float]], phones: list[tuple[int, int, float]]) -> AcousticScores:
    """Compare the answer's words with the phone loop over the same frames (phones cut pro rata)."""
    first, last = words[0][1], words[-1][2]
    frames = sum(end - start + 1 for _, start, end, _ in words) or 1
    answer = sum(score for *_, score in words)
    loop = sum(score * max(0, min(end, last) - max(start, first) + 1) / (end - start + 1) for start, end, score in phones)
    return AcousticScores((answer - loop) / frames * 1e4, answer / frames * 1e4)


def jsgf_alternatives(phrases: Sequence[str]) -> str:
    """A JSGF expression matching exactly ``phrases``, with shared leading words factored out.

    A flat list of 600 age phrases ("about seventy", "i'm seventy", "seventy years old", ...) makes
    the decoder start hundreds of copies of the same first words; as a prefix tree each first word
    is entered once: ``about ( seventy [ seven | ... ] | ... ) | ...``.
    """
    tree: dict[str, Any] = {}
    for phrase in phrases:
        node = tree
        for word in phrase.split():
            node = node.setdefault(word, {})
        node[""] = {}  # end of a phrase

    def expression(node: dict[str, Any]) -> str:
        alternatives = []
        for word, child in node.items():
            if word == "":
                continue
            rest = {w: c for w, c in child.items() if w != ""}
            if not rest:
                alternatives.append(word)
            elif "" in child:
                alternatives.append(f"{word} [ {expression(rest)} ]")
            else:
                alternatives.append(f"{word} ( {expression(rest)} )")
        return " | ".join(alternatives)

    return expression(tree)


class PocketsphinxListener:
    """pocketsphinx 5 with one JSGF search per distinct phrase list (built once, then cached).

    Grammar shape: ``<utt> = /1/ <answer> | /1e-20/ <garbage>`` where ``<garbage>`` is one of a
    set of common words. The weight has to be tiny to matter at all next to acoustic scores; at
    1e-20 it rejects some out-of-grammar speech without costing in-grammar accuracy (larger
    weights start swallowing real answers; a free garbage loop is 100x slower).

    Confidence: a second, fast decode of the same audio with an unconstrained phone loop
    (``allphone`` search with the model's phone bigram) gives the likelihood ratio of the answer
    against any sound at all; ``answer_confidence`` turns it and the answer's own fit into a
    probability fitted on real development speakers. Each utterance is decoded on its own: the
    cepstral mean is computed over the whole utterance (``full_utt``), so a result does not depend
    on what was heard before.
    """

    name = "pocketsphinx"

    # Beams of the phone-loop decoder: much narrower than the answer decoder's. It only has to
    # score the audio roughly, and at these settings it costs ~8 ms per answer instead of ~50 ms
    # with the same separation of right from wrong answers on the development speakers.
    PHONE_LOOP_OPTIONS: dict[str, Any] = {"beam": 1e-10, "pbeam": 1e-10, "topn": 2, "maxhmmpf": 1500, "ds": 3}

    def __init__(self, answer_weight: float = 1.0, garbage_weight: float = 1e-20, garbage_slots: int = 1,
                 decoder_options: dict[str, Any] | None = None) -> None:
        try:
            import pocketsphinx  # imported here so the core and text mode never need it
        except ImportError as exc:  # pragma: no cover - requirements.txt pins it
            raise EngineUnavailable(f"pocketsphinx is not installed ({exc}); run: pip install -r requirements.txt") from exc
        started = time.perf_counter()
        model = Path(pocketsphinx.get_model_path()) / "en-us"
        common = {"hmm": str(model / "en-us"), "dict": str(model / "cmudict-en-us.dict"), "lm": None,
                  "samprate": SAMPLE_RATE, "loglevel": "FATAL"}
        self._decoder = pocketsphinx.Decoder(
            **common,
            # The final best-path (lattice) search re-ranks short grammar answers worse than the
            # forward search alone: numbers 0-10 on synthesized voices gain several points without it.
            bestpath=False,
            **(decoder_options or {}),
        )
        self._phone_loop = pocketsphinx.Decoder(**common, **self.PHONE_LOOP_OPTIONS)
        self._phone_loop.add_allphone_file("phones", str(model.parent / "en-us-phone.lm.bin"))
        self._phone_loop.activate_search("phones")
        self.load_ms = (time.perf_counter() - started) * 1000.0
        self._answer_weight = answer_weight
        self._garbage_weight = garbage_weight
        self._garbage_slots = garbage_slots
        self._searches: dict[tuple[str, ...], str] = {}
        self._known: dict[str, bool] = {}
        self._active: str | None = None
        self.last_scores: AcousticScores | None = None  # of the last recognized answer (bench, tests)

    def _in_dictionary(self, word: str) -> bool:
        if word not in self._known:
            self._known[word] = self._decoder.lookup_word(word) is not None
        return self._known[word]

    def _search_for(self, phrases: Sequence[str]) -> str:
        key = tuple(sorted({normalize_phrase(p) for p in phrases} - {""}))
        name = self._searches.get(key)
        if name is not None:
            return name
        usable = [p for p in key if all(self._in_dictionary(w) for w in p.split())]
        dropped = sorted(set(key) - set(usable))
        if dropped:
            log.info("pocketsphinx: %d phrase(s) have words missing from the dictionary: %s", len(dropped), dropped)
        if not usable:
            raise ValueError("no phrase in the grammar can be recognized by pocketsphinx")
        answer_words = {w for p in usable for w in p.split()}
        garbage = [w for w in GARBAGE_WORDS if w not in answer_words and self._in_dictionary(w)]
        name = "q" + hashlib.sha1("|".join(key).encode()).hexdigest()[:12]
        if self._garbage_weight > 0:
            grammar = (
                "#JSGF V1.0;\ngrammar spine;\n"
                f"public <utt> = /{self._answer_weight}/ <answer> | /{self._garbage_weight}/ <garbage>;\n"
                f"<answer> = {jsgf_alternatives(usable)};\n"
                f"<garbage> = <g>{' [<g>]' * (self._garbage_slots - 1)};\n"
                f"<g> = {' | '.join(garbage)};\n"
            )
        else:
            grammar = f"#JSGF V1.0;\ngrammar spine;\npublic <utt> = {jsgf_alternatives(usable)};\n"
        self._decoder.add_jsgf_string(name, grammar)
        self._searches[key] = name
        return name

    def _decode(self, decoder: Any, audio: np.ndarray) -> bool:
        # The model's front end removes noise (feat.params: -remove_noise yes) with a noise estimate
        # that it carries from one utterance into the next, so the same clip was heard differently
        # depending on what came before it (4 of 58 real recordings changed answer when the order
        # changed). start_stream() resets that estimate: one clip, one result, in any order.
        with warnings.catch_warnings():  # 5.1 calls it "deprecated and unnecessary"; it is neither here
            warnings.simplefilter("ignore", DeprecationWarning)
            decoder.start_stream()
        decoder.start_utt()
        decoder.process_raw(audio.tobytes(), full_utt=True)
        decoder.end_utt()
        return decoder.hyp() is not None

    def recognize(self, audio: np.ndarray, phrases: Sequence[str]) -> Heard:
        """Decode one utterance with the grammar for ``phrases``; confidence as in the class doc."""
        search = self._search_for(phrases)
        allowed = {normalize_phrase(p) for p in phrases}
        started = time.perf_counter()
        # Track the active search ourselves: current_search() crashes before any is active.
        if self._active != search:
            self._decoder.activate_search(search)
            self._active = search
        speech = trim_to_speech(audio)
        words = _word_segments(self._decoder) if self._decode(self._decoder, speech) else []
        text = " ".join(w for w, *_ in words)
        self.last_scores = None
        if not text or text not in allowed:
            return Heard(None, 0.0, (time.perf_counter() - started) * 1000.0, self.name)
        phones = _phone_segments(self._phone_loop) if self._decode(self._phone_loop, speech) else []
        self.last_scores = scores = acoustic_scores(words, phones)
        confidence = answer_confidence(scores.phone_loop_ratio, scores.grammar_fit)
        return Heard(text, confidence, (time.perf_counter() - started) * 1000.0, self.name)


def vosk_model_path(cli_path: str | None, environ: os._Environ[str] | dict[str, str] | None = None) -> str | None:
    """The configured Vosk model directory: ``--model`` first, then ``VOSK_MODEL_PATH``."""
    env = os.environ if environ is None else environ
    return cli_path or env.get("VOSK_MODEL_PATH") or None


def _vosk_help(path: str | Path, problem: str) -> str:
    return (
        f"Vosk model {problem}: {path}. Download a model (e.g. vosk-model-small-en-us-0.15) from "
        f"{VOSK_MODELS_URL}, unzip it, and pass --model DIR or set VOSK_MODEL_PATH=DIR "
        "(or use --engine pocketsphinx, which needs no download)."
    )


class VoskListener:
    """Vosk (Kaldi) with a per-question grammar list plus the model's unknown word for anything else.

    English Vosk models call the unknown word ``[unk]``; some others (the Korean model used in the
    tests) call it ``<UNK>``. The grammar gets whichever the model knows, and phrases with words
    missing from the model are left out (Vosk would drop just those words, silently changing the
    phrase). Confidence is the lowest word confidence Vosk reports.
    """

    name = "vosk"
    UNKNOWN_WORDS = ("[unk]", "<UNK>", "<unk>")

    def __init__(self, model_path: str | Path) -> None:
        path = Path(model_path).expanduser()
        if not path.is_dir():
            raise EngineUnavailable(_vosk_help(path, "directory not found"))
        # A Vosk model always has an acoustic model folder and a decoding graph or config.
        if not (path / "am").is_dir() and not (path / "conf").is_dir():
            raise EngineUnavailable(_vosk_help(path, "directory does not look like a Vosk model (no am/ or conf/)"))
        try:
            import vosk
        except ImportError as exc:  # pragma: no cover - requirements.txt pins it
            raise EngineUnavailable(f"vosk is not installed ({exc}); run: pip install -r requirements.txt") from exc
        vosk.SetLogLevel(-1)
        started = time.perf_counter()
        try:
            self._model = vosk.Model(str(path))
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise EngineUnavailable(_vosk_help(path, f"could not be loaded ({exc})")) from exc
        self.load_ms = (time.perf_counter() - started) * 1000.0
        self._vosk = vosk
        self._recognizers: dict[tuple[str, ...], Any] = {}  # vosk.KaldiRecognizer
        self.unknown_word = next((w for w in self.UNKNOWN_WORDS if self._knows(w)), None)
        if self.unknown_word is None:
            log.warning("vosk: the model has no unknown-word entry; speech outside the grammar may be forced onto an answer")

    def _knows(self, word: str) -> bool:
        return int(self._model.vosk_model_find_word(word)) >= 0

    def grammar_for(self, phrases: Sequence[str]) -> list[str]:
        """The phrase list given to Vosk: the usable phrases, then the unknown word."""
        key = sorted({normalize_phrase(p) for p in phrases} - {""})
        usable = [p for p in key if all(self._knows(w) for w in p.split())]
        if len(usable) < len(key):
            log.info("vosk: %d phrase(s) have words missing from the model: %s", len(key) - len(usable), sorted(set(key) - set(usable)))
        if not usable:
            raise ValueError("no phrase in the grammar can be recognized by this Vosk model")
        return usable + ([self.unknown_word] if self.unknown_word else [])

    def _recognizer_for(self, phrases: Sequence[str]) -> Any:
        key = tuple(sorted({normalize_phrase(p) for p in phrases} - {""}))
        rec = self._recognizers.get(key)
        if rec is None:
            # ensure_ascii=False: Vosk reads the words literally, so "\uc608" would not be "예".
            rec = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE, json.dumps(self.grammar_for(key), ensure_ascii=False))
            rec.SetWords(True)
            self._recognizers[key] = rec
        return rec

    def parse_result(self, result_json: str, phrases: Sequence[str], decode_ms: float = 0.0) -> Heard:
        """A Vosk result (JSON text) as a Heard: None when it holds the unknown word or no phrase."""
        result = json.loads(result_json)
        raw = str(result.get("text", ""))
        text = normalize_phrase(raw)
        allowed = {normalize_phrase(p) for p in phrases}
        words = result.get("result", [])
        unknown = self.unknown_word is not None and self.unknown_word in raw.split()
        if text not in allowed:
            # A Vosk grammar lets the decoder repeat a phrase ("no no"; the Korean model often
            # hears a short copy of the word before it): a phrase said twice is that phrase.
            words_in = text.split()
            half = len(words_in) // 2
            if len(words_in) % 2 == 0 and words_in[:half] == words_in[half:]:
                text = " ".join(words_in[:half])
        if not text or unknown or text not in allowed:
            return Heard(None, 0.0, decode_ms, self.name)
        confidence = min((float(w.get("conf", 1.0)) for w in words), default=1.0)
        return Heard(text, confidence, decode_ms, self.name)

    def recognize(self, audio: np.ndarray, phrases: Sequence[str]) -> Heard:
        """Decode one utterance; a result with the unknown word or off the list is not understood."""
        rec = self._recognizer_for(phrases)
        started = time.perf_counter()
        rec.AcceptWaveform(trim_to_speech(audio).tobytes())
        final = rec.FinalResult()  # FinalResult also resets the recognizer
        return self.parse_result(final, phrases, (time.perf_counter() - started) * 1000.0)


def choose_listener(engine: str | None = None, model: str | None = None) -> Listener:
    """Vosk when asked for or when a model is configured; otherwise the built-in pocketsphinx.

    Raises ``EngineUnavailable`` with a one-line message when the chosen engine cannot start; a
    configured but broken Vosk model is an error rather than a silent switch, so the person knows
    their model is not being used.
    """
    path = vosk_model_path(model)
    if engine == "vosk" or (engine is None and path):
        if not path:
            raise EngineUnavailable(_vosk_help("(none given)", "not configured"))
        return VoskListener(path)
    if engine not in (None, "pocketsphinx"):
        raise EngineUnavailable(f"unknown engine {engine!r}; choose pocketsphinx or vosk")
    return PocketsphinxListener()


class EndOfInput(Exception):
    """The audio source has nothing more to give (the listen-from files ran out)."""


class AudioSource(Protocol):
    """Gives the session one spoken answer at a time."""

    def next_utterance(self, wait_s: float) -> Utterance | None:
        """The next answer, or None if nobody spoke within ``wait_s``; raises ``EndOfInput``."""
        ...


class WavFileSource:
    """Each audio file is the next spoken answer; a file with no speech in it counts as silence.

    Every file is read when the source is made, so a missing or unreadable file is reported (as
    ``AudioFormatError``, one line) before the session starts talking, not in the middle of it.
    """

    def __init__(self, paths: Sequence[str | Path]) -> None:
        self._recordings: list[Recording] = [read_recording(p) for p in paths]
        self._index = 0

    @property
    def remaining(self) -> int:
        return len(self._recordings) - self._index

    def next_utterance(self, wait_s: float) -> Utterance | None:
        if self._index >= len(self._recordings):
            raise EndOfInput()
        recording = self._recordings[self._index]
        self._index += 1
        return speech_in(recording)


class MicrophoneSource:
    """The default input device: a sounddevice callback fills a queue that the VAD loop drains.

    It records mono 16 kHz when the device allows it. A device that refuses (many ALSA hardware
    devices record only at 44.1 or 48 kHz, some only in stereo) is opened at its own default rate
    and channel count instead; its audio is mixed down as files are (``mix_to_mono``) and
    resampled with soxr's streaming resampler.
    """

    def __init__(self, vad: VoiceActivityDetector | None = None, block_s: float = 0.1) -> None:
        import sounddevice  # PortAudio is only needed when a microphone is used

        self._sd = sounddevice
        self._queue: queue.Queue[np.ndarray] = queue.Queue()
        self._vad = vad or VoiceActivityDetector()
        self._resampler: Any = None  # soxr.ResampleStream when the device records at another rate
        try:
            self._stream = self._open(SAMPLE_RATE, 1, block_s)
        except sounddevice.PortAudioError as exc:
            device = sounddevice.query_devices(kind="input")
            rate = int(device["default_samplerate"])
            channels = max(1, min(2, int(device["max_input_channels"])))
            log.info("microphone: no mono 16 kHz (%s); recording %d channel(s) at %d Hz and converting", exc, channels, rate)
            self._stream = self._open(rate, channels, block_s)
            if rate != SAMPLE_RATE:
                import soxr

                self._resampler = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float64", quality="HQ")
        self._stream.start()

    def _open(self, rate: int, channels: int, block_s: float) -> Any:
        return self._sd.InputStream(samplerate=rate, channels=channels, dtype="int16",
                                    blocksize=int(block_s * rate), callback=self._on_audio)

    def _on_audio(self, indata: np.ndarray, frames: int, time_info: object, status: object) -> None:
        # Runs on PortAudio's thread: copy and hand over, nothing slow here.
        if status:
            log.debug("microphone status: %s", status)
        self._queue.put(indata.copy())

    def _to_16k_mono(self, block: np.ndarray) -> np.ndarray:
        """One captured block (frames x channels int16) as mono int16 at 16 kHz."""
        if block.ndim == 2 and block.shape[1] == 1 and self._resampler is None:
            return block[:, 0]
        mono = mix_to_mono(block.astype(np.float64) / 32768.0)
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono)
        return to_int16(mono)

    def drain(self) -> None:
        """Drop audio captured while we were speaking, so the prompt is not heard as an answer."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._vad.reset()

    def next_utterance(self, wait_s: float) -> Utterance | None:
        self.drain()
        deadline = time.monotonic() + wait_s
        while True:
            # The deadline only applies before speech starts: never cut a person off mid-answer.
            if not self._vad.in_speech and time.monotonic() > deadline:
                return None
            try:
                chunk = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            for utterance in self._vad.feed(self._to_16k_mono(chunk)):
                utterance.notices = notices_for(utterance.samples)
                return utterance

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


def microphone_problem() -> str | None:
    """Why the microphone cannot be used (one line), or None when an input device is available."""
    try:
        import sounddevice
    except OSError as exc:  # PortAudio library missing
        return f"the PortAudio library is not available ({exc})"
    try:
        sounddevice.query_devices(kind="input")
    except (sounddevice.PortAudioError, ValueError) as exc:
        return f"no microphone found ({exc})"
    return None
