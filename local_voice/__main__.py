"""Command line for the offline voice assessment.

    python -m local_voice [--text] [--rate WPM] [--engine pocketsphinx|vosk] [--model DIR]
                          [--listen-from A.wav B.wav ...] [--say-to DIR] [--locale TAG] [--returning]
                          [--summary-dir DIR]
    python -m local_voice hear --expect yes_no|number|command [--range LO HI] FILE.wav ...

Without a microphone (and without --listen-from) it falls back to the core's text mode with a
one-line explanation. ``hear`` prints one JSON line per file: file, heard, answer, confidence (the
recognizer's probability that the answer is right), action ("take" | "confirm" | "reask": what the
session would do with that audio; ``--red-flag`` decides as at a warning-sign question), engine,
decode_ms, speech (false when no voice was found: nothing is decoded then) and notices (what the
session would tell the person about that audio: "I didn't hear anything.", clipping, narrowband).
Each file is heard exactly as the session would hear it, whatever files come before it.

Exit status: 0 done; 1 a ``hear`` file could not be read; 2 bad engine, model, ``--listen-from``
file or ``--summary-dir`` folder (missing, not a folder, not writable), or a voice engine asked for
with no microphone; 3 speech output failed for some prompts
(they were printed); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Sequence, TextIO


from local_voice.audio import NO_SPEECH_NOTICE, AudioFormatError, read_recording, speech_in
from local_voice.listeners import (
    EngineUnavailable,
    Listener,
    MicrophoneSource,
    WavFileSource,
    choose_listener,
    microphone_problem,
    vosk_model_path,
)
from local_voice.session import REASK, VoiceSession, decide, question_phrases, rate_command, recognize_utterance
from local_voice.speakers import DEFAULT_RATE, make_speaker
from triage import load_questionnaire
from triage.__main__ import add_summary_dir, summary_dir_problem
from triage.cli_exit import run_main

log = logging.getLogger("local_voice")

ENGINE_DETAILS = {
    "pocketsphinx": "pocketsphinx, built-in US English model",
    "vosk": "Vosk",
}


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("pocketsphinx", "vosk"), help="recognizer (default: vosk when a model is configured, else pocketsphinx)")
    parser.add_argument("--model", metavar="DIR", help="Vosk model directory (default: $VOSK_MODEL_PATH)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local_voice", description="Spine Check by voice, offline.")
    parser.add_argument("--text", action="store_true", help="plain text mode (no audio at all)")
    parser.add_argument("--rate", type=int, default=DEFAULT_RATE, metavar="WPM", help=f"speaking rate in words per minute (default {DEFAULT_RATE})")
    _add_engine_options(parser)
    parser.add_argument("--listen-from", nargs="+", metavar="WAV", help="use these recordings as the spoken answers, in order")
    parser.add_argument("--say-to", metavar="DIR", help="write each prompt as a numbered WAV file instead of playing it")
    parser.add_argument("--locale", default="en-US", type=_locale_tag, metavar="TAG", help="emergency number and wording: en-US, en-CA, en-GB, en-AU or en-IN (default en-US)")
    parser.add_argument("--returning", action="store_true", help="skip the welcome (you have used it before)")
    add_summary_dir(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="log diagnostics to stderr (never your answers)")
    return parser


def build_hear_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local_voice hear", description="Recognize WAV files with one question type's grammar.")
    parser.add_argument("--expect", required=True, choices=("yes_no", "number", "command"))
    parser.add_argument("--range", nargs=2, type=int, metavar=("LO", "HI"),
                        help="number range (default: the questionnaire's range for --unit, else 0 10)")
    parser.add_argument("--unit", choices=("weeks", "years"), help="number unit, as in the questionnaire")
    parser.add_argument("--red-flag", action="store_true", help="decide as for a warning-sign question (answers always confirmed)")
    _add_engine_options(parser)
    parser.add_argument("files", nargs="+", metavar="FILE.wav")
    return parser


def hear_range(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[int, int]:
    """The number range `hear` listens for: --range as given (LO <= HI, else a usage error, exit 2),
    or the range of the questionnaire's question in --unit, so `hear` matches what the session's
    weeks or age question would hear; 0 to 10 (the pain score) without either."""
    if args.range is not None:
        lo, hi = args.range
        if lo > hi:
            parser.error(f"--range {lo} {hi}: LO must not be above HI")
        return lo, hi
    if args.unit is not None:
        for question in load_questionnaire().questions.values():
            if question.type == "number" and question.unit == args.unit and question.range is not None:
                return question.range
    return 0, 10


def answer_for(expect: str, text: str | None, unit: str | None = None) -> object:
    """What a heard phrase means for a question type (None when not understood).

    yes_no: true/false; number: an integer; command: the command's name. A command or "I don't
    know" heard under yes_no or number is reported by name ("repeat", "dont_know").
    """
    from triage.parsing import is_dont_know, parse_command, parse_number, parse_yes_no

    if text is None:
        return None
    command = parse_command(text) or rate_command(text)
    if expect == "command":
        return command or ("dont_know" if is_dont_know(text) else None)
    if command is not None:
        return command
    if is_dont_know(text):
        return "dont_know"
    if expect == "yes_no":
        return parse_yes_no(text)
    return parse_number(text, unit)


def hear_main(argv: Sequence[str], out: TextIO) -> int:
    parser = build_hear_parser()
    args = parser.parse_args(argv)
    number_range = hear_range(args, parser)
    try:
        listener = choose_listener(args.engine, args.model)
    except EngineUnavailable as exc:
        print(f"local_voice: {exc}", file=sys.stderr)
        return 2
    phrases = question_phrases(args.expect, number_range if args.expect == "number" else None, args.unit)
    status = 0
    for name in args.files:
        try:
            recording = read_recording(name)
        except AudioFormatError as exc:
            print(f"local_voice: {exc}", file=sys.stderr)
            status = 1
            continue
        utterance = speech_in(recording)
        record: dict[str, object] = {"file": name, "heard": None, "answer": None, "confidence": 0.0, "action": REASK,
                                     "engine": listener.name, "decode_ms": 0.0}
        if utterance is None:
            # Never decode a file without a voice in it: a muted microphone must not give a number.
            record.update(speech=False, notices=recording.notices + [NO_SPEECH_NOTICE])
        else:
            heard = recognize_utterance(listener, utterance, phrases)
            record.update(heard=heard.text, answer=answer_for(args.expect, heard.text, args.unit),
                          confidence=round(heard.confidence, 4), action=decide(heard.text, heard.confidence, args.red_flag),
                          engine=heard.engine,
                          decode_ms=round(heard.decode_ms, 1), speech=True, notices=list(utterance.notices))
        out.write(json.dumps(record) + "\n")
        out.flush()
    return status


def _locale_tag(tag: str) -> str:
    from triage.locales import UnknownLocale, get_locale

    try:
        return get_locale(tag).tag
    except UnknownLocale as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def say_to_problem(directory: str) -> str | None:
    """Why prompts cannot be written to ``directory`` (one phrase), or None when they can."""
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return "exists and is not a directory"
    except OSError as exc:
        return f"cannot be created ({exc.strerror or exc})"
    if not os.access(path, os.W_OK):
        return "is not writable"
    return None


def text_mode(out: TextIO, args: argparse.Namespace) -> int:
    from triage.text_mode import run

    return run(sys.stdin, out, locale=args.locale, returning=args.returning, summary_dir=args.summary_dir or os.curdir)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    out = out or sys.stdout
    logging.basicConfig(level=logging.INFO if "-v" in argv or "--verbose" in argv else logging.WARNING, format="%(name)s: %(message)s", stream=sys.stderr)
    if argv[:1] == ["hear"]:
        return hear_main(argv[1:], out)
    args = build_parser().parse_args(argv)
    problem = summary_dir_problem(args)  # before anything is asked, as for every other bad option
    if problem:
        print(f"local_voice: {problem}", file=sys.stderr)
        return 2
    if args.text:
        return text_mode(out, args)
    source: WavFileSource | MicrophoneSource | None = None
    if args.listen_from:
        try:  # every file is read now, so a bad one is one line before the welcome, not a traceback
            source = WavFileSource(args.listen_from)
        except AudioFormatError as exc:
            print(f"local_voice: --listen-from: {exc}", file=sys.stderr)
            return 2
    if args.say_to:
        problem = say_to_problem(args.say_to)
        if problem:
            print(f"local_voice: --say-to: {args.say_to}: {problem}", file=sys.stderr)
            return 2
    problem = microphone_problem() if source is None else None
    if problem and not (args.engine or args.model or vosk_model_path(None)):
        out.write(f"No audio input device ({problem}), so Spine Check runs in text mode.\n")
        return text_mode(out, args)
    # An engine asked for (by --engine, --model or VOSK_MODEL_PATH) is loaded before anything else:
    # one that cannot start is an error, never a silent switch to text mode.
    try:
        listener: Listener = choose_listener(args.engine, args.model)
    except EngineUnavailable as exc:
        print(f"local_voice: {exc}", file=sys.stderr)
        return 2
    if problem:
        if args.engine or args.model:
            print(f"local_voice: --engine/--model ask for speech input, but there is no audio input device ({problem}); "
                  "use --listen-from FILE.wav, or --text for text mode", file=sys.stderr)
            return 2
        out.write(f"No audio input device ({problem}), so Spine Check runs in text mode.\n")
        return text_mode(out, args)
    speaker = make_speaker(args.say_to, args.rate)
    source = source or MicrophoneSource()
    where = "from the given recordings" if args.listen_from else "on the default microphone"
    spoken = f"writing prompts to {args.say_to}" if args.say_to else f"speaking at {speaker.rate} words per minute"
    out.write(f"Listening {where} with {ENGINE_DETAILS.get(listener.name, listener.name)} (loaded in {listener.load_ms:.0f} ms); {spoken}. Say help at any time.\n")
    try:
        VoiceSession(listener, speaker, source, out, locale=args.locale, returning=args.returning,
                     summary_dir=args.summary_dir or os.curdir).run()
    except KeyboardInterrupt:  # the session has said the goodbye "stop" gives
        return 130
    finally:
        if isinstance(source, MicrophoneSource):
            source.close()
    if speaker.unspoken:
        # Every prompt was printed, but a person who relies on hearing them missed some.
        total = speaker.spoken + speaker.unspoken
        print(f"local_voice: {speaker.unspoken} of {total} prompts could not be spoken (they were printed only)",
              file=sys.stderr)
        return 3
    return 0


def cli() -> int:
    """The `spine-check` command: main(), ending quietly on a closed pipe or Ctrl-C."""
    return run_main(main)


if __name__ == "__main__":
    sys.exit(cli())
