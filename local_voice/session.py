"""The spoken conversation loop over the triage core: speak, listen, recognize, step.

This module holds no clinical logic. It adds only what a voice channel needs on top of the core:
per-question recognizer grammars, confirmation of safety-critical answers heard by a machine
("I heard yes: ... Is that right?"), re-asking whatever was not understood, speaking-rate changes,
and patience with silence (re-prompt a few times, then wait for "continue", never time out).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Protocol, TextIO

from local_voice.audio import NO_SPEECH_NOTICE, Utterance
from local_voice.listeners import AudioSource, EndOfInput, Heard, Listener, normalize_phrase
from local_voice.speakers import Speaker, clamp_rate

if TYPE_CHECKING:
    from triage import Turn

log = logging.getLogger(__name__)


class Core(Protocol):
    """What the loop needs of the triage core (the `triage` package itself, or a fake in tests)."""

    def start(self, locale: str | None = ...) -> "Turn": ...

    def step(self, state: Any, utterance: Any, locale: str | None = ...) -> "Turn": ...

# Voice-only commands handled here, not by the core: they change the channel, not the assessment.
RATE_PHRASES: dict[str, tuple[str, ...]] = {
    "slower": ("slower", "speak slower", "slow down", "more slowly"),
    "faster": ("faster", "speak faster", "speed up", "more quickly"),
}
CONTINUE_PHRASES: tuple[str, ...] = ("continue", "i'm ready", "ready", "carry on", "go on")

NOT_UNDERSTOOD = "Sorry, I didn't catch that."
# Help in this front end lists every command, its own included (issue 7, requirement 2).
RATE_HINT = "Say slower or faster to change how fast I speak."
PAUSED = "I'll wait. Say continue when you are ready."
AGAIN = "I'll say that again."


@dataclass
class SessionConfig:
    """Tunable patience and safety thresholds."""

    silence_wait_s: float = 8.0  # before a re-prompt; only counts while nobody is speaking
    silent_reprompts: int = 3  # re-prompts before pausing for "continue"
    confirm_no_below: float = 0.5  # a red-flag "no" below this confidence is confirmed
    accept_below: float = 0.0  # answers at or below this confidence count as not understood
    confirm_attempts: int = 3  # then the question itself is asked again (never assumed)
    rate_step: int = 30


# How many phrases of each group (yes, no, don't know, each command) the compact grammar keeps.
# The core lists them most common first; every extra paraphrase in a closed grammar is another
# path for noise to match, and the benchmark shows the full lists cost accuracy and speed.
COMPACT_PER_GROUP = 4
COMPACT_COMMANDS_PER_GROUP = 2  # commands are heard at every question, so each one costs everywhere
# Bare numbers, plus the unit words that change the value ("three months" is 13 weeks).
COMPACT_NUMBER_FRAMES = {None: ("{n}",), "weeks": ("{n}", "{n} weeks", "{n} months", "{n} years", "{n} days"), "years": ("{n}",)}


def _compact_phrases(expects: str, number_range: tuple[int, int] | None, unit: str | None) -> list[str]:
    """A subset of the core's phrases: the first few of each group and bare numbers with units."""
    from triage import vocabulary as v

    k = COMPACT_PER_GROUP
    phrases: list[str] = []
    if expects in ("yes_no", "command"):
        # After the result ("command") too: a "no" there must be heard as no, not forced onto a
        # command such as "slower"; the core answers it by listing what can be said.
        phrases += v.yes_phrases()[:k] + v.no_phrases()[:k]
    elif expects == "number":
        lo, hi = number_range or (0, 10)
        for n in range(max(lo, 0), min(hi, v.GRAMMAR_NUMBER_CAP) + 1):
            phrases += [frame.format(n=v.number_to_words(n)) for frame in COMPACT_NUMBER_FRAMES.get(unit, ("{n}",))]
    phrases += v.dont_know_phrases()[:k]
    for group in v.command_phrases().values():
        phrases += group[:COMPACT_COMMANDS_PER_GROUP]
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
    config = config or SessionConfig()
    heard = listener.recognize(utterance.samples, phrases)
    if heard.text is not None and heard.confidence <= config.accept_below:
        heard = Heard(None, heard.confidence, heard.decode_ms, heard.engine)
    return heard


def rate_command(text: str | None) -> str | None:
    """'slower' or 'faster' when the text is one of the rate phrases."""
    for name, group in RATE_PHRASES.items():
        if text in group:
            return name
    return None


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
    ) -> None:
        import triage  # the core is imported lazily so this module loads without it for unit tests

        self.listener = listener
        self.speaker = speaker
        self.source = source
        self.out = out
        self.config = config or SessionConfig()
        self._core: Core = core or triage
        self.locale = locale  # emergency number and wording (triage.locales)
        self._labels: Callable[[str], str] = lambda qid: triage.load_questionnaire().questions[qid].confirm_label
        self._units: Callable[[str], str | None] = lambda qid: triage.load_questionnaire().questions[qid].unit
        self._prompts: Callable[[str], str] = lambda qid: triage.load_questionnaire().questions[qid].prompt
        self._commands_hint: Callable[[], str] = lambda: triage.load_questionnaire().commands_hint
        from triage.parsing import parse_command, parse_yes_no

        self._parse_yes_no = parse_yes_no
        self._parse_command = parse_command
        self._silences = 0
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
            self.say(f"{AGAIN} {turn.text}", f"{AGAIN} {turn.speech or turn.text}")

    def _with_rate_hint(self, text: str) -> str:
        # After the core's list of commands, so that the question itself is still said last.
        hint = self._commands_hint()
        if hint and hint in text:
            return text.replace(hint, f"{hint} {RATE_HINT}", 1)
        return f"{text} {RATE_HINT}"

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
        """Run until the core ends the conversation; returns the last Turn."""
        turn = self._core.start(self.locale)
        self.present(turn)
        while not turn.ended:
            try:
                turn = self._answer(turn)
            except EndOfInput:
                # The scripted answers ran out: end exactly as if the person had said stop.
                turn = self._core.step(turn.state, "stop", self.locale)
                self.present(turn)
        return turn

    def _reprompt(self, turn: Turn) -> str:
        return turn.reprompt or turn.text

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
        if heard.text is None:
            # Never guess: ask again, with the shorter re-prompt that names the expected answers.
            self.say(f"{NOT_UNDERSTOOD} {self._reprompt(turn)}")
            return turn
        rate = rate_command(heard.text)
        if rate is not None:
            step = self.config.rate_step if rate == "faster" else -self.config.rate_step
            self.speaker.rate = clamp_rate(self.speaker.rate + step)
            okay = f"Okay, {'faster' if rate == 'faster' else 'more slowly'}."
            # The current question alone, as "repeat" gives it: not the first turn's whole welcome.
            again = self._core.step(turn.state, "repeat")
            self.say(f"{okay} {again.text}", f"{okay} {again.speech or again.text}")
            return turn
        if turn.red_flag and turn.expects == "yes_no" and turn.question_id is not None:
            answer = self._parse_yes_no(heard.text)
            # A "no" is read back when it is unsure, and when it is one of the longer no-phrases:
            # speech that is not an answer at all ("my back hurts a lot") lands on those far more
            # often than on a bare "no", and a wrong "no" to a red flag is the costliest mistake.
            needs_check = answer is True or (answer is False and (
                heard.confidence < self.config.confirm_no_below or len(heard.text.split()) > 1))
            if answer is not None and needs_check:
                confirmed = self._confirm(turn.question_id, answer)
                if isinstance(confirmed, Heard):
                    heard = confirmed  # a command instead of yes/no ("stop", "go back") applies here
                elif not confirmed:
                    # The question alone, not the first turn's welcome speech again.
                    self.say(f"Let's try that question again. {self._prompts(turn.question_id)}")
                    return turn
        new_turn = self._core.step(turn.state, heard.text, self.locale)
        self.present(new_turn)
        return new_turn

    def _confirm(self, question_id: str, answer: bool) -> bool | Heard:
        """Ask "I heard yes: <label>. Is that right?"; True only on a clear yes.

        Returns the Heard itself when the person gave a command other than repeat instead.
        """
        label = self._labels(question_id)
        question = f"I heard {'yes' if answer else 'no'}: {label}. Is that right?"
        self.say(question)
        for _ in range(self.config.confirm_attempts):
            heard = self.hear(confirmation_phrases())
            reply = None if heard is None or heard.text is None else self._parse_yes_no(heard.text)
            if reply is True:
                return True
            if reply is False:
                return False
            command = self._parse_command(heard.text) if heard is not None and heard.text else None
            if heard is not None and command is not None and command != "repeat":
                return heard
            if heard is None or command == "repeat":
                self.say(question)
            else:
                self.say(f"{NOT_UNDERSTOOD} {question} Please say yes or no.")
        return False
