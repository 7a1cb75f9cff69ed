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

_NON_WORD = re.compile(r"[^a-z' ]+")


def normalize_phrase(phrase: str) -> str:
    """Lower-case a phrase and keep only letters, apostrophes and single spaces."""
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


class PocketsphinxListener:
    """pocketsphinx 5 with one JSGF search per distinct phrase list (built once, then cached).

    Grammar shape: ``<utt> = /1/ <answer> | /1e-20/ <garbage>`` where ``<garbage>`` is one of a
    set of common words. The weight has to be tiny to matter at all next to acoustic scores; at
    1e-20 it rejects about half of out-of-grammar speech without costing in-grammar accuracy on
    the benchmark (larger weights start swallowing real answers; a free garbage loop is 100x slower). The answer's confidence is the lowest lattice posterior of its words; pocketsphinx
    computes these word posteriors in grammar mode too.
    """

    name = "pocketsphinx"

    def __init__(self, answer_weight: float = 1.0, garbage_weight: float = 1e-20, garbage_slots: int = 1) -> None:
        try:
            import pocketsphinx  # imported here so the core and text mode never need it
        except ImportError as exc:  # pragma: no cover - requirements.txt pins it
            raise EngineUnavailable(f"pocketsphinx is not installed ({exc}); run: pip install -r requirements.txt") from exc
        started = time.perf_counter()
        model = Path(pocketsphinx.get_model_path()) / "en-us"
        self._decoder = pocketsphinx.Decoder(
            hmm=str(model / "en-us"),
            dict=str(model / "cmudict-en-us.dict"),
            lm=None,
            samprate=SAMPLE_RATE,
            # The final best-path (lattice) search re-ranks short grammar answers worse than the
            # forward search alone: numbers 0-10 on synthesized voices gain several points without it.
            bestpath=False,
            loglevel="FATAL",
        )
        self.load_ms = (time.perf_counter() - started) * 1000.0
        self._answer_weight = answer_weight
        self._garbage_weight = garbage_weight
        self._garbage_slots = garbage_slots
        self._searches: dict[tuple[str, ...], str] = {}
        self._known: dict[str, bool] = {}
        self._active: str | None = None

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
                f"<answer> = {' | '.join(usable)};\n"
                f"<garbage> = <g>{' [<g>]' * (self._garbage_slots - 1)};\n"
                f"<g> = {' | '.join(garbage)};\n"
            )
        else:
            grammar = f"#JSGF V1.0;\ngrammar spine;\npublic <utt> = {' | '.join(usable)};\n"
        self._decoder.add_jsgf_string(name, grammar)
        self._searches[key] = name
        return name

    def recognize(self, audio: np.ndarray, phrases: Sequence[str]) -> Heard:
        """Decode one utterance with the grammar for ``phrases``."""
        search = self._search_for(phrases)
        allowed = {normalize_phrase(p) for p in phrases}
        started = time.perf_counter()
        # Track the active search ourselves: current_search() crashes before any is active.
        if self._active != search:
            self._decoder.activate_search(search)
            self._active = search
        # The model's front end removes noise (feat.params: -remove_noise yes) with a noise estimate
        # that it carries from one utterance into the next, so the same clip was heard differently
        # depending on what came before it (4 of 58 real recordings changed answer when the order
        # changed). start_stream() resets that estimate: one clip, one result, in any order.
        with warnings.catch_warnings():  # 5.1 calls it "deprecated and unnecessary"; it is neither here
            warnings.simplefilter("ignore", DeprecationWarning)
            self._decoder.start_stream()
        self._decoder.start_utt()
        self._decoder.process_raw(trim_to_speech(audio).tobytes(), full_utt=True)
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        words: list[tuple[str, float]] = []
        if hyp is not None:
            for seg in self._decoder.seg():
                word = re.sub(r"\(\d+\)$", "", seg.word)  # alternate pronunciations: "don't(2)"
                if word.startswith(("<", "[", "(")):  # <sil>, [NOISE], (NULL) grammar nodes
                    continue
                words.append((word, float(seg.prob)))
        decode_ms = (time.perf_counter() - started) * 1000.0
        text = " ".join(w for w, _ in words)
        if not text or text not in allowed:
            return Heard(None, 0.0, decode_ms, self.name)
        confidence = min(p for _, p in words)
        return Heard(text, confidence, decode_ms, self.name)


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
    """Vosk (Kaldi) with a per-question grammar list plus ``[unk]`` for anything else."""

    name = "vosk"

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

    def _recognizer_for(self, phrases: Sequence[str]) -> Any:
        key = tuple(sorted({normalize_phrase(p) for p in phrases} - {""}))
        rec = self._recognizers.get(key)
        if rec is None:
            rec = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE, json.dumps(list(key) + ["[unk]"]))
            rec.SetWords(True)
            self._recognizers[key] = rec
        return rec

    def recognize(self, audio: np.ndarray, phrases: Sequence[str]) -> Heard:
        """Decode one utterance; a result containing ``[unk]`` or off the list is not understood."""
        rec = self._recognizer_for(phrases)
        allowed = {normalize_phrase(p) for p in phrases}
        started = time.perf_counter()
        rec.AcceptWaveform(trim_to_speech(audio).tobytes())
        result = json.loads(rec.FinalResult())  # FinalResult also resets the recognizer
        decode_ms = (time.perf_counter() - started) * 1000.0
        text = normalize_phrase(result.get("text", ""))
        words = result.get("result", [])
        if not text or "[unk]" in result.get("text", "") or text not in allowed:
            return Heard(None, 0.0, decode_ms, self.name)
        confidence = min((float(w.get("conf", 1.0)) for w in words), default=1.0)
        return Heard(text, confidence, decode_ms, self.name)


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
