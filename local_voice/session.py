"""The spoken conversation loop over the triage core: speak, listen, recognize, step.

This module holds no clinical logic. It adds only what a voice channel needs on top of the core:
per-question recognizer grammars, confirmation of safety-critical answers heard by a machine
("I heard yes: ... Is that right?"), re-asking whatever was not understood, speaking-rate changes,
and patience with silence (re-prompt a few times, then wait for "continue", never time out).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol, TextIO

from local_voice.audio import NO_SPEECH_NOTICE, Utterance
from local_voice.listeners import AudioSource, EndOfInput, Heard, Listener, normalize_phrase
from local_voice.speakers import Speaker, clamp_rate
from triage.vocabulary import number_to_words, rate_command, rate_phrases, with_rate_hint

if TYPE_CHECKING:
    from triage import Turn
    from triage.summary_files import SavedSummary

log = logging.getLogger(__name__)


class Core(Protocol):
    """What the loop needs of the triage core (the `triage` package itself, or a fake in tests)."""

    def start(self, locale: str | None = ..., *, returning: bool = ...) -> "Turn": ...

    def step(self, state: Any, utterance: Any, locale: str | None = ...) -> "Turn": ...

# Voice-only commands handled here, not by the core: they change the channel, not the assessment.
# The words are the core's answer-word data (triage/data/answer_words.json), shared with the Alexa skill.
RATE_PHRASES: dict[str, tuple[str, ...]] = rate_phrases()
CONTINUE_PHRASES: tuple[str, ...] = ("continue", "i'm ready", "ready", "carry on", "go on")

NOT_UNDERSTOOD = "Sorry, I didn't catch that."
# After repeated failed read-backs of a red-flag answer: the cautious course, said in plain words.
RED_FLAG_UNSURE = ("I still can't be sure what I heard, so to be safe I'll count that as not sure, "
                   "which counts as a possible warning sign.")
PAUSED = "I'll wait. Say continue when you are ready."
AGAIN = "I'll say that again."


# The session's decision for one heard utterance (also printed by ``hear`` as "action").
TAKE, CONFIRM, REASK = "take", "confirm", "reask"
# Commands that end or wipe the assessment, or write the person's answers to files: read back before
# acting, however sure the recognizer is (on real speech, digits were heard as "stop"/"quit", which
# ended the session at once). "summary" does both: before the result it ends the questions, and at any
# point it writes health data, which must only ever happen when the person asked.
CONFIRMED_COMMANDS = frozenset({"stop", "start_over", "summary"})
# Commands that change nothing in the assessment: acted on directly whenever they were heard at all
# (a misheard one costs only a repeated question). Reading them back cost a turn and, worse, read
# them back as if they were answers ("I heard slower: new numbness ... Is that right?").
HARMLESS_COMMANDS = frozenset({"repeat", "help", "more", "slower", "faster"})
# What a command heard with doubt is confirmed as: the command itself, in words the person can say
# yes or no to, never the question's answer label.
COMMAND_READ_BACKS: dict[str, str] = {
    "stop": "I heard stop. Do you want to end the assessment now?",
    "start_over": "I heard start over. Do you want to start again from the first question?",
    "summary": "I heard summary. Do you want to stop now and keep a copy of your answers so far?",
    "back": "I heard go back. Do you want to go back to the previous question?",
    "repeat": "I heard repeat. Do you want me to say that again?",
    "help": "I heard help. Do you want help with this question?",
    "more": "I heard more. Do you want to hear more?",
    "slower": "I heard slower. Do you want me to speak more slowly?",
    "faster": "I heard faster. Do you want me to speak faster?",
}
# At the result "summary" ends nothing, so its read-back there only asks about the copy.
SUMMARY_AT_RESULT_READ_BACK = "I heard summary. Do you want to keep a copy of the result and your answers?"


@dataclass
class SessionConfig:
    """Tunable patience and safety thresholds.

    ``take_at`` and ``confirm_at`` are answer confidences (the listener's probability that the
    answer is right). They were chosen by ``bench/real_speech.py`` on development speakers only:
    at or above ``take_at`` an answer is taken, from ``confirm_at`` it is read back ("I heard
    seven. Is that right?"), below it the question is asked again.

    ``confirm_yes_at`` is how sure a "yes" said to a read-back must be. It is not ``take_at``: that bar
    is for taking an answer nobody confirmed, and requiring it of the reply to a read-back refused a
    third of real yeses (bench/real_speech.py, read-back rows) and nearly every synthesized one at
    8 kHz, which looped a red-flag question instead of reaching the emergency.
    """

    silence_wait_s: float = 8.0  # before a re-prompt; only counts while nobody is speaking
    silent_reprompts: int = 3  # re-prompts before pausing for "continue"
    take_at: float = 0.97  # bench/real_speech.py on dev speakers: silently wrong 0%, noise taken 4.8% -> 0%
    confirm_at: float = 0.07
    # bench/real_speech.py read-back rows, chosen on dev speakers: the lowest bar at which no real "no" and
    # at most 1% of other words or noise was heard as a yes (dev: yes accepted 96.1%, non-yes 0.8%).
    confirm_yes_at: float = 0.7
    confirm_attempts: int = 3  # then the question itself is asked again (never assumed)
    # Read-backs of one red-flag question that end without a clear yes (a no, or no clear reply) before
    # its answer is counted as "I don't know" (which the core treats as a possible yes): never a loop.
    red_flag_read_back_rounds: int = 2
    rate_step: int = 30


def _before_summary() -> str:
    """The core's words for "answer the read-back first, then the summary"."""
    from triage import load_answer_words  # lazily, like the rest of the core here
    return str(load_answer_words()["spoken_expectations"]["confirm_before_summary"])


def decide(text: str | None, confidence: float, red_flag: bool = False, config: SessionConfig | None = None) -> str:
    """``"take"``, ``"confirm"`` or ``"reask"`` for a heard phrase (None: not understood).

    Red-flag answers (yes, no or "I don't know") and the commands that end, restart or write down the
    assessment (stop, start over, summary) are never taken unread: at best they are confirmed. The harmless
    commands (repeat, help, more, slower, faster) are acted on whenever heard at all; "go back"
    follows the same thresholds as answers.
    """
    from triage.parsing import parse_command

    cfg = config or SessionConfig()
    if text is None or confidence < cfg.confirm_at:
        return REASK
    command = parse_command(text) or rate_command(text)
    if command in HARMLESS_COMMANDS:
        return TAKE
    if command is not None:
        return CONFIRM if command in CONFIRMED_COMMANDS or confidence < cfg.take_at else TAKE
    if red_flag or confidence < cfg.take_at:
        return CONFIRM
    return TAKE


def read_back_reply(text: str | None, confidence: float, config: SessionConfig | None = None) -> bool | None:
    """A reply to a read-back ("I heard yes: new numbness. Is that right?"): True for a yes heard at
    ``confirm_yes_at`` or above; False for a no heard at any confidence (a no only ever asks the
    question again, or carries on instead of a command, so it is the safe side; Scottish "no" from
    espeak-ng scored 0.07-0.08, on the edge of ``confirm_at``); None for anything else (not understood,
    a doubtful yes, a command, "I don't know")."""
    from triage.parsing import parse_yes_no

    cfg = config or SessionConfig()
    if text is None:
        return None
    reply = parse_yes_no(text)
    if reply is True:
        return True if confidence >= cfg.confirm_yes_at else None
    return reply


# How many phrases of each group (yes, no, don't know, each command) the compact grammar keeps.
# The core lists them most common first; every extra paraphrase in a closed grammar is another
# path for noise to match, and the benchmark shows the full lists cost accuracy and speed.
COMPACT_PER_GROUP = 4
COMPACT_DONT_KNOW = 6
COMPACT_COMMANDS_PER_GROUP = 2  # commands are heard at every question, so each one costs everywhere
# Where the core's first phrases are not the ones people say: "a summary" is only "summary" again,
# while the result's own offer ("Say summary to keep a copy.") puts "keep a copy" in their mouths, and
# "give me a summary" is the request as people word it (without it, 2 of 3 test voices saying it were
# not heard as one: bench/summary_heard.py). A third phrase here cost nothing measurable on real
# speech (bench/real_speech.py, held-out: the same figures as with two). Each must be one of the
# core's phrases for that command (tests/test_summary_voice.py checks).
COMPACT_COMMAND_PHRASES: dict[str, tuple[str, ...]] = {"summary": ("summary", "keep a copy", "give me a summary")}
# Number frames: the first few of the core's frames common to every number question ("{n}",
# "about {n}"), plus every frame specific to the question's unit ("i'm {n}", "{n} months", "a {n}").
COMPACT_COMMON_NUMBER_FRAMES = 2


def compact_number_frames(unit: str | None) -> list[str]:
    """Sentence frames around a number for the compact grammar, from ``triage.vocabulary``."""
    from triage import vocabulary as v

    frames = v.number_carriers(unit)
    common = [f for f in frames if all(f in v.number_carriers(u) for u in (None, "weeks", "years"))]
    return common[:COMPACT_COMMON_NUMBER_FRAMES] + [f for f in frames if f not in common]


def _first_spoken(phrases: list[str], k: int) -> list[str]:
    """The first ``k`` phrases that sound different: "i dont know" is "i don't know" typed
    without the apostrophe, and would only take the place of a phrase a person says."""
    seen: dict[str, str] = {}
    for phrase in phrases:
        seen.setdefault(normalize_phrase(phrase).replace("'", ""), phrase)
    return list(seen.values())[:k]


def _compact_phrases(expects: str, number_range: tuple[int, int] | None, unit: str | None) -> list[str]:
    """A subset of the core's phrases: the first few of each group and bare numbers with units."""
    from triage import vocabulary as v

    k = COMPACT_PER_GROUP
    phrases: list[str] = []
    if expects in ("yes_no", "command"):
        # After the result ("command") too: a "no" there must be heard as no, not forced onto a
        # command such as "slower"; the core answers it by listing what can be said.
        phrases += _first_spoken(v.yes_phrases(), k) + _first_spoken(v.no_phrases(), k)
    elif expects == "number":
        lo, hi = number_range or (0, 10)
        for n in range(max(lo, 0), min(hi, v.GRAMMAR_NUMBER_CAP) + 1):
            phrases += [frame.format(n=v.number_to_words(n)) for frame in compact_number_frames(unit)]
    # "not sure" and "i'm not sure" follow the "don't know" forms: without them they were heard as
    # "slower" (synthesized voices, issue 8).
    phrases += _first_spoken(v.dont_know_phrases(), COMPACT_DONT_KNOW)
    for name, group in v.command_phrases().items():
        phrases += [p for p in COMPACT_COMMAND_PHRASES[name] if p in group] if name in COMPACT_COMMAND_PHRASES \
            else group[:COMPACT_COMMANDS_PER_GROUP]
    for rate_group in RATE_PHRASES.values():
        phrases += rate_group[:COMPACT_COMMANDS_PER_GROUP]
    return phrases


@lru_cache(maxsize=64)
def question_phrases(
    expects: str, number_range: tuple[int, int] | None = None, unit: str | None = None, grammar: str = "compact"
) -> tuple[str, ...]:
    """The grammar for one question, from the core's vocabulary, plus the voice-only rate commands.

    ``grammar="full"`` uses every phrase the text parser accepts (``triage.vocabulary``);
    ``"compact"`` (the default) keeps the common ones, which recognizes better (see bench).
    """
    from triage.vocabulary import grammar_phrases

    if grammar == "full":
        phrases = list(grammar_phrases(expects, number_range, unit))
        for group in RATE_PHRASES.values():
            phrases.extend(group)
    else:
        phrases = _compact_phrases(expects, number_range, unit)
    return tuple(dict.fromkeys(normalize_phrase(p) for p in phrases if normalize_phrase(p)))


@lru_cache(maxsize=1)
def confirmation_phrases() -> tuple[str, ...]:
    """Yes, no, "I don't know" and the commands (as for any yes/no question)."""
    return question_phrases("yes_no")


def recognize_utterance(listener: Listener, utterance: Utterance, phrases: tuple[str, ...],
                        config: SessionConfig | None = None) -> Heard:
    """Audio to heard: the one step that both the session and ``python -m local_voice hear`` use.

    It depends only on its arguments (one utterance, one grammar), so the same audio is heard the
    same way wherever and in whatever order it comes.
    """
    # What to do with it (take, read back, ask again) is ``decide``'s, from the confidence.
    return listener.recognize(utterance.samples, phrases)


def _negated(label: str) -> str:
    """'a fever or chills' -> 'no fever or chills': the read-back of a no, in the person's terms."""
    for article in ("a ", "an "):
        if label.startswith(article):
            label = label[len(article):]
            break
    return f"no {label}"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_SUMMARY_NAME = re.compile(r"^spine-check-summary-(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})(?:-(\d+))?\.txt$")


def folder_words(folder: Path) -> str:
    """A folder's own name as words a synthesizer reads well: "my-notes_2024" -> "my notes 2024"."""
    words = re.sub(r"[-_.\s]+", " ", folder.name).strip()
    return words or "at the top of the disk"


def spoken_file_name(name: str) -> str:
    """'spine-check-summary-2026-11-30-150412-2.txt' as said: 'spine check summary, 30 November 2026,
    fifteen oh four and twelve seconds, number 2' (espeak-ng would otherwise spell out the hyphens)."""
    match = _SUMMARY_NAME.match(name)
    if match is None:
        return re.sub(r"[-_.\s]+", " ", name).strip()
    year, month, day, hour, minute, second, clash = match.groups()
    minutes = int(minute)
    clock = number_to_words(int(hour)) + " " + (
        "hundred" if minutes == 0 else f"oh {number_to_words(minutes)}" if minutes < 10 else number_to_words(minutes))
    seconds = int(second)
    said = (f"spine check summary, {int(day)} {_MONTHS[int(month) - 1]} {year}, {clock} and "
            f"{number_to_words(seconds)} second{'' if seconds == 1 else 's'}")
    return f"{said}, number {clash}" if clash else said


def spoken_saved(saved: "SavedSummary") -> str:
    """Where the summary went, said: the folder's name and the file's name in words."""
    return (f"I saved your summary in your folder {folder_words(saved.text_path.parent)}, as "
            f"{spoken_file_name(saved.text_path.name)}: a text file for you, and a file for your clinic with "
            f"the same name.")


class VoiceSession:
    """Runs one assessment by voice. Output lines: "Spine Check: ..." and "You (heard): ..."."""

    def __init__(
        self,
        listener: Listener,
        speaker: Speaker,
        source: AudioSource,
        out: TextIO,
        config: SessionConfig | None = None,
        core: Core | None = None,
        locale: str = "en-US",
        returning: bool = False,
        summary_dir: str | os.PathLike[str] = os.curdir,
    ) -> None:
        import triage  # the core is imported lazily so this module loads without it for unit tests

        self.listener = listener
        self.speaker = speaker
        self.source = source
        self.out = out
        self.config = config or SessionConfig()
        self._core: Core = core or triage
        self.locale = locale  # emergency number and wording (triage.locales)
        self.returning = returning  # skip the welcome: only the emergency sentence comes first
        self.summary_dir = summary_dir  # where "summary" writes the person's summary (and only then)
        self._labels: Callable[[str], str] = lambda qid: triage.load_questionnaire().questions[qid].confirm_label
        self._units: Callable[[str], str | None] = lambda qid: triage.load_questionnaire().questions[qid].unit
        self._prompts: Callable[[str], str] = lambda qid: triage.load_questionnaire().questions[qid].prompt
        self._commands_hint: Callable[[], str] = lambda: triage.load_questionnaire().commands_hint
        from triage.parsing import parse_command, parse_yes_no

        self._parse_yes_no = parse_yes_no
        self._parse_command = parse_command
        self._silences = 0
        self._failed_read_backs: dict[str, int] = {}  # per red-flag question: read-backs not confirmed
        self._noticed: set[str] = set()  # audio-quality notices are said once per session
        self.heard_log: list[Heard] = []

    # -- output -------------------------------------------------------------------------------
    def say(self, text: str, speech: str | None = None) -> None:
        """Print the transcript line, then speak it (speech failing leaves the printed line).

        ``speech``: the spoken form of ``text`` when it differs (the core's ``Turn.speech`` says the
        emergency number digit by digit, which synthesizers would otherwise read as a quantity). The
        transcript shows exactly what was spoken."""
        spoken = speech or text
        self.out.write(f"Spine Check: {spoken}\n")
        self.out.flush()
        self.speaker.say(spoken)

    def present(self, turn: Turn) -> None:
        """Speak a turn; an emergency outcome is spoken first and then repeated once. Help also
        names this front end's own commands, slower and faster."""
        if turn.kind == "help":
            self.say(self._with_rate_hint(turn.text), self._with_rate_hint(turn.speech or turn.text))
            return
        self.say(turn.text, turn.speech)
        outcome = getattr(turn, "outcome", None)
        if outcome and outcome.get("tier") == "emergency" and turn.kind == "outcome":
            # Again, the emergency message alone: the whole result twice would say its reasons and
            # offers ("Say summary to keep a copy.") twice, and bury the one thing to do.
            from triage import get_locale
            from triage.conversation import outcome_for
            message = outcome_for([(qid, value) for qid, value in turn.state["answers"]])["message"]
            where = get_locale(self.locale)
            self.say(f"{AGAIN} {where.render(message)}", f"{AGAIN} {where.render(message, spoken=True)}")

    def _with_rate_hint(self, text: str) -> str:
        # Help in this front end lists every command, its own included (issue 7, requirement 2).
        return with_rate_hint(text, self._commands_hint())

    # -- input --------------------------------------------------------------------------------
    def hear(self, phrases: tuple[str, ...]) -> Heard | None:
        """One utterance recognized against ``phrases``; None for silence. Raises EndOfInput."""
        utterance = self.source.next_utterance(self.config.silence_wait_s)
        if utterance is None:
            self.out.write("You (heard): (silence)\n")
            return None
        for notice in utterance.notices:
            if notice not in self._noticed:
                self._noticed.add(notice)
                self.say(notice)
        heard = recognize_utterance(self.listener, utterance, phrases, self.config)
        self.heard_log.append(heard)
        self.out.write(f"You (heard): {heard.text if heard.text is not None else '(not understood)'}\n")
        self.out.flush()
        return heard

    def _phrases_for(self, turn: Turn) -> tuple[str, ...]:
        unit = self._units(turn.question_id) if turn.question_id else None
        return question_phrases(turn.expects, turn.number_range, unit)

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> Turn:
        """Run until the core ends the conversation; returns the last Turn. Ctrl-C
        (KeyboardInterrupt) says the goodbye "stop" gives, then is raised again for the caller."""
        turn = self._core.start(self.locale, returning=self.returning)
        try:
            self.present(turn)
            while not turn.ended:
                try:
                    turn = self._answer(turn)
                except EndOfInput:
                    # The scripted answers ran out: end exactly as if the person had said stop.
                    turn = self._core.step(turn.state, "stop", self.locale)
                    self.present(turn)
        except KeyboardInterrupt:
            # As in the text mode: after an emergency result the goodbye repeats the emergency line.
            self.out.write("\n")
            self.present(self._core.step(turn.state, "stop", self.locale))
            raise
        return turn

    def _reprompt(self, turn: Turn) -> str:
        return turn.reprompt or turn.speech or turn.text  # spoken: the emergency number in words

    def _answer(self, turn: Turn) -> Turn:
        """Listen for one answer to ``turn`` and return the next turn (maybe the same one)."""
        phrases = self._phrases_for(turn)
        heard = self.hear(phrases)
        if heard is None:
            return self._on_silence(turn, phrases)
        self._silences = 0
        return self._on_heard(turn, heard)

    def _on_silence(self, turn: Turn, phrases: tuple[str, ...]) -> Turn:
        self._silences += 1
        if self._silences <= self.config.silent_reprompts:
            self.say(f"{NO_SPEECH_NOTICE} {self._reprompt(turn)}")
            return turn
        self._silences = 0
        self.say(PAUSED)
        wait_phrases = tuple(dict.fromkeys(CONTINUE_PHRASES + phrases))
        while True:  # no time-out on the person: silence here just keeps waiting
            heard = self.hear(wait_phrases)
            if heard is None:
                continue
            if heard.text in CONTINUE_PHRASES:
                self.say(turn.text, turn.speech)
                return turn
            if heard.text is None:
                self.say(f"{NOT_UNDERSTOOD} {PAUSED}")
                continue
            return self._on_heard(turn, heard)

    def _on_heard(self, turn: Turn, heard: Heard) -> Turn:
        red_flag = bool(turn.red_flag) and turn.question_id is not None
        action = decide(heard.text, heard.confidence, red_flag, self.config)
        if action == CONFIRM and self._parse_command(heard.text) == "summary" and not turn.state.get("answers"):
            # Nothing answered yet: the core keeps nothing and asks again, so there is nothing to confirm.
            action = TAKE
        if action == REASK or heard.text is None:
            # Never guess: ask again, with the shorter re-prompt that names the expected answers.
            self.say(f"{NOT_UNDERSTOOD} {self._reprompt(turn)}")
            return turn
        if action == CONFIRM:
            read_back = self._read_back(turn, heard.text)
            confirmed = self._confirm(read_back)
            asked_again = 0
            # "summary" while an answer is read back: a copy now would leave that answer out (a "yes"
            # to a warning sign, perhaps), so the yes or no comes first, as in the core.
            while (isinstance(confirmed, Heard) and self._parse_command(confirmed.text) == "summary"
                   and self._parse_command(heard.text) is None):
                if asked_again == 2:  # "summary" every time: not a yes, so the answer is not taken
                    confirmed = False
                    break
                confirmed = self._confirm(f"{_before_summary()} {read_back}")
                asked_again += 1
            if isinstance(confirmed, Heard):
                # A command instead of yes or no ("go back", "stop"): it gets its own decision.
                return self._on_heard(turn, confirmed)
            if not confirmed:
                if red_flag and not self._parse_command(heard.text) and turn.question_id is not None:
                    failed = self._failed_read_backs.get(turn.question_id, 0) + 1
                    self._failed_read_backs[turn.question_id] = failed
                    if failed >= self.config.red_flag_read_back_rounds:
                        return self._count_as_unsure(turn)
                lead = "Okay, let's carry on." if self._parse_command(heard.text) else "Let's try that question again."
                self.say(f"{lead} {self._question_text(turn)}")
                return turn
            if turn.question_id is not None:
                self._failed_read_backs.pop(turn.question_id, None)
        rate = rate_command(heard.text)
        if rate is not None:
            okay = self._change_rate(rate)
            # The current question alone, as "repeat" gives it: not the first turn's whole welcome.
            again = self._core.step(turn.state, "repeat", self.locale)
            self.say(f"{okay} {again.text}", f"{okay} {again.speech or again.text}")
            return turn
        new_turn = self._core.step(turn.state, heard.text, self.locale)
        if new_turn.kind == "summary":
            return self._keep_summary(new_turn)
        self.present(new_turn)
        return new_turn

    def _count_as_unsure(self, turn: Turn) -> Turn:
        """The cautious course after repeated failed read-backs of a red-flag answer: the answer is
        "I don't know", which the core counts as a possible yes (capped), said so in plain words. Asking
        again and again could loop for ever and never reach an emergency."""
        from triage.vocabulary import dont_know_phrases

        assert turn.question_id is not None
        self._failed_read_backs.pop(turn.question_id, None)
        new_turn = self._core.step(turn.state, dont_know_phrases()[0], self.locale)
        self.say(RED_FLAG_UNSURE)
        self.present(new_turn)
        return new_turn

    def _keep_summary(self, turn: Turn) -> Turn:
        """The person asked for a summary (a Turn of kind "summary"): write it, print both paths, say
        where in words, then the turn's own words. If it cannot be written, say why and lose nothing:
        at the result the conversation stays open; before it, the current question is asked again."""
        from triage.summary_files import KEPT_AT_RESULT, KEPT_BEFORE_RESULT, SummaryWriteError, path_lines, \
            save_summary

        try:
            saved = save_summary(turn.state, self.locale, self.summary_dir)
        except SummaryWriteError as exc:
            self.out.write(f"Summary not saved: {exc.reason}.\n")
            said = exc.said(folder_words(exc.folder))
            if not turn.ended:
                self.say(f"{said} {KEPT_AT_RESULT} {turn.text}", f"{said} {KEPT_AT_RESULT} {turn.speech or turn.text}")
                return turn
            again = self._core.step(turn.state, "repeat", self.locale)
            self.say(f"{said} {KEPT_BEFORE_RESULT} {again.text}",
                     f"{said} {KEPT_BEFORE_RESULT} {again.speech or again.text}")
            return again
        self.out.write(path_lines(saved))
        self.say(spoken_saved(saved))
        self.present(turn)
        return turn

    def _change_rate(self, rate: str) -> str:
        """Apply "slower" or "faster"; returns what to say before the repeated prompt."""
        step = self.config.rate_step if rate == "faster" else -self.config.rate_step
        self.speaker.rate = clamp_rate(self.speaker.rate + step)
        return f"Okay, {'faster' if rate == 'faster' else 'more slowly'}."

    def _question_text(self, turn: Turn) -> str:
        """The current question alone, not the first turn's welcome speech again."""
        return self._prompts(turn.question_id) if turn.question_id else turn.speech or turn.text  # spoken form

    def _read_back(self, turn: Turn, text: str) -> str:
        """What to ask to confirm ``text``, in terms the person can say yes or no to.

        A command is confirmed as that command ("Do you want to go back ...?"), an answer as that
        answer: "I heard yes: <label>.", "I heard no: no <label>.", "I heard that you're not sure
        about <label>.", "I heard seven.". Never "I heard slower: <label>".
        """
        from triage.parsing import is_dont_know

        command = self._parse_command(text) or rate_command(text)
        if command == "summary" and turn.expects == "command":
            return SUMMARY_AT_RESULT_READ_BACK
        if command is not None:
            return COMMAND_READ_BACKS.get(command, f"I heard {command.replace('_', ' ')}. Do you want to do that?")
        label = self._labels(turn.question_id) if turn.question_id and turn.expects == "yes_no" else ""
        if is_dont_know(text):
            return f"I heard that you're not sure about {label}. Is that right?" if label else \
                "I heard that you're not sure. Is that right?"
        if turn.expects in ("yes_no", "command"):
            answer = self._parse_yes_no(text)
            if answer is True:
                return f"I heard yes: {label}. Is that right?" if label else "I heard yes. Is that right?"
            if answer is False:
                return f"I heard no: {_negated(label)}. Is that right?" if label else "I heard no. Is that right?"
        return f"I heard {text}. Is that right?"

    def _confirm(self, question: str) -> bool | Heard:
        """Ask ``question`` (a read-back); True only on a clear yes, False on a no or no answer.

        The reply is judged by ``read_back_reply``: a yes heard at ``confirm_yes_at`` or above, a no heard
        at all; a doubtful yes is asked for again (never read back in turn). Returns the Heard itself
        when the person gave a command other than repeat instead.
        """
        self.say(question)
        for _ in range(self.config.confirm_attempts):
            heard = self.hear(confirmation_phrases())
            if heard is None:
                self.say(question)
                continue
            action = decide(heard.text, heard.confidence, False, self.config)
            reply = read_back_reply(heard.text, heard.confidence, self.config)
            if reply is not None:
                return reply
            rate = rate_command(heard.text) if action != REASK else None
            if rate is not None:  # the read-back again, at the new rate
                self.say(f"{self._change_rate(rate)} {question}")
                continue
            command = self._parse_command(heard.text) if heard.text and action != REASK else None
            if command is not None and command != "repeat":
                return heard
            if command == "repeat":
                self.say(question)
            else:
                self.say(f"{NOT_UNDERSTOOD} {question} Please say yes or no.")
        return False
