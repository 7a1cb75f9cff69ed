"""The voice session loop over the real triage core, with a fake Listener, Speaker and audio source."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import pytest

from local_voice.audio import Utterance
from local_voice.listeners import EndOfInput, Heard
from local_voice.session import PAUSED, SessionConfig, VoiceSession, question_phrases
from local_voice.speakers import FallbackSpeaker, RecordingSpeaker, SilentSpeaker

SILENCE = object()


@dataclass
class ScriptedSource:
    """Each item is what the person 'said': text (with optional confidence) or SILENCE."""

    script: list
    given: int = 0

    def next_utterance(self, wait_s: float) -> Utterance | None:
        if self.given >= len(self.script):
            raise EndOfInput()
        item = self.script[self.given]
        self.given += 1
        if item is SILENCE:
            return None
        # The fake listener reads the script index back out of the samples.
        return Utterance(np.array([self.given - 1], dtype=np.int16))


@dataclass
class FakeListener:
    """Hears exactly what the script says; a phrase outside the grammar is not understood."""

    source: ScriptedSource
    name: str = "fake"
    load_ms: float = 0.0
    grammars: list = field(default_factory=list)

    def recognize(self, audio: np.ndarray, phrases) -> Heard:
        item = self.source.script[int(audio[0])]
        text, confidence = item if isinstance(item, tuple) else (item, 0.99)  # a clear answer
        self.grammars.append(tuple(phrases))
        if text not in phrases:
            return Heard(None, 0.0, 1.0, self.name)
        return Heard(text, confidence, 1.0, self.name)


def run(script: list, config: SessionConfig | None = None, speaker=None):
    source = ScriptedSource(list(script))
    listener = FakeListener(source)
    speaker = speaker or RecordingSpeaker()
    out = io.StringIO()
    session = VoiceSession(listener, speaker, source, out, config or SessionConfig())
    turn = session.run()
    return turn, out.getvalue(), speaker, listener, source


def answers_until(last_id: str | None = None, red_flag_reply: str = "no", number: str = "five") -> list:
    """A script that answers every question (confirming each red-flag answer with "yes") until the
    question ``last_id`` is asked (that question is left for the test), or to the end."""
    import triage

    turn, script = triage.start(), []
    while not turn.ended and turn.question_id != last_id:
        answer = number if turn.expects == "number" else (red_flag_reply if turn.red_flag else "no")
        script += [answer, "yes"] if turn.red_flag else [answer]
        turn = triage.step(turn.state, answer)
    return script


def spoken(out: str) -> list[str]:
    return [line[len("Spine Check: "):] for line in out.splitlines() if line.startswith("Spine Check: ")]


def test_all_no_runs_a_whole_assessment_to_an_outcome() -> None:
    turn, out, speaker, listener, _ = run(answers_until())
    assert turn.ended and turn.outcome is not None
    assert turn.outcome["tier"] in {"self_care", "routine", "specialist", "urgent"}
    assert out.splitlines()[0].startswith("Spine Check: Welcome")
    assert "You (heard): no" in out
    # Every prompt printed was also spoken.
    assert [t for t, _ in speaker.said] == spoken(out)


def test_red_flag_yes_is_confirmed_in_plain_words_then_emergency_is_repeated_once() -> None:
    turn, out, speaker, *_ = run(["yes", "yes"])
    lines = spoken(out)
    assert lines[1] == "I heard yes: new numbness around your bottom or genitals, or new bladder, bowel or sexual problems. Is that right?"
    assert turn.outcome["tier"] == "emergency"
    emergency = lines[2]
    assert emergency.startswith("This could be an emergency")
    # Again, the emergency message alone (its reasons and the offers are not said twice).
    message = turn.outcome["message"].replace("911", "nine one one")  # said in the spoken form
    assert emergency.startswith(message) and lines[3] == "I'll say that again. " + message
    assert sum("This could be an emergency" in line for line in lines) == 2
    assert sum(line.count("Say summary to keep a copy.") for line in lines) == 1


def test_red_flag_yes_not_confirmed_reasks_the_question_and_never_acts() -> None:
    turn, out, *_ = run(["yes", "no"] + answers_until())
    lines = spoken(out)
    assert lines[2].startswith("Let's try that question again.")
    assert turn.outcome["tier"] != "emergency"


def test_unclear_confirmation_asks_again_and_never_assumes() -> None:
    turn, out, *_ = run(["yes", "banana", SILENCE, "banana"])
    lines = spoken(out)
    assert lines[2].startswith("Sorry, I didn't catch that. I heard yes:")
    assert lines[-2].startswith("Let's try that question again.")
    assert turn.kind == "stopped"  # the script ran out: ended as if the person said stop
    assert turn.outcome is None or turn.outcome.get("tier") != "emergency"


@pytest.mark.parametrize("phrase", ["no", "nope", "no thanks", "yes", "i don't know"])
def test_every_red_flag_answer_is_read_back_however_sure(phrase: str) -> None:
    _, out, *_ = run([(phrase, 0.999), "yes"])
    assert spoken(out)[1].startswith("I heard ") and "new numbness" in spoken(out)[1]


def test_an_answer_below_the_confirm_threshold_is_asked_again_not_read_back() -> None:
    config = SessionConfig()
    turn, out, *_ = run([("no", config.confirm_at / 2)], config)
    assert spoken(out)[1].startswith("Sorry, I didn't catch that.")
    assert turn.state["answers"] == []


@pytest.mark.parametrize("confidence,read_back", [(0.999, False), (0.6, True)])
def test_a_number_is_taken_when_clear_and_read_back_when_doubtful(confidence: float, read_back: bool) -> None:
    turn, out, *_ = run(answers_until("age") + [("seventy", confidence), "yes"])
    assert ("I heard seventy. Is that right?" in spoken(out)) is read_back
    assert ["age", 70] in turn.state["answers"]


def test_a_doubtful_number_denied_is_asked_again() -> None:
    turn, out, *_ = run(answers_until("age") + [("seventy", 0.6), "no"])
    assert spoken(out)[-2].startswith("Let's try that question again.") and "How old" in spoken(out)[-2]
    assert not any(a[0] == "age" for a in turn.state["answers"])


@pytest.mark.parametrize("heard,command", [("quit", "stop"), ("stop", "stop"), ("start over", "start over"), ("start again", "start over")])
def test_stop_or_start_over_heard_by_voice_is_confirmed_and_a_no_carries_on(heard: str, command: str) -> None:
    # At 8 kHz, "six" was heard as "quit" and ended the assessment at once.
    turn, out, *_ = run([(heard, 0.999), "no", "stop", "yes"])
    lines = spoken(out)
    assert lines[1].startswith(f"I heard {command}.")
    assert lines[2].startswith("Okay, let's carry on.") and "bottom" in lines[2]
    assert turn.kind == "stopped"


def test_not_understood_is_reasked_never_guessed() -> None:
    turn, out, *_ = run(["banana"])
    lines = spoken(out)
    assert "You (heard): (not understood)" in out
    assert lines[1].startswith("Sorry, I didn't catch that.")
    assert turn.state["answers"] == []


def test_each_grammar_holds_the_answers_commands_and_rate_words() -> None:
    _, _, _, listener, _ = run(["no"])
    grammar = listener.grammars[0]
    for phrase in ("yes", "no", "i don't know", "repeat", "help", "go back", "start over", "stop", "slower", "faster"):
        assert phrase in grammar
    numbers = question_phrases("number", (0, 10), None)
    assert "seven" in numbers and "yes" not in numbers and "ten" in numbers and "eleven" not in numbers


@pytest.mark.parametrize("command,kind", [("repeat", "repeat"), ("help", "help"), ("start over", "question")])
def test_commands_reach_the_core(command: str, kind: str) -> None:
    turn, out, *_ = run(["no", "yes", command] + (["yes"] if command == "start over" else []))
    assert f"You (heard): {command}" in out
    assert len(spoken(out)) >= 3


def test_go_back_returns_to_the_previous_question() -> None:
    turn, out, *_ = run(["no", "yes", "go back"])
    lines = spoken(out)
    first_question = lines[0].split("at any time. ")[-1]
    assert first_question not in lines[2] and first_question in lines[3]


def test_stop_ends_the_session() -> None:
    turn, out, *_ = run(["stop", "yes"])
    assert turn.ended and turn.kind == "stopped"
    assert spoken(out)[1] == "I heard stop. Do you want to end the assessment now?"
    assert spoken(out)[-1].startswith("Goodbye")


def test_slower_and_faster_change_the_speaking_rate() -> None:
    _, _, speaker, *_ = run(["slower", "slower", "faster"])
    rates = [rate for _, rate in speaker.said]
    assert rates[0] == 160 and rates[1] == 130 and rates[2] == 100 and rates[3] == 130


@pytest.mark.parametrize("script", [["slower"], ["faster"], ["no", "yes", "slower"], ["help", "slower"], ["no", "yes", "repeat", "faster"]])  # a red-flag no is read back: "yes"
def test_slower_and_faster_repeat_the_current_question_only_at_the_new_rate(script: list) -> None:
    """The issue: "slower" replayed the whole welcome instead of the current question."""
    import triage

    _, out, speaker, *_ = run(script)
    question = triage.step(triage.start().state, "no").text if script[0] == "no" else triage.start().text.split("at any time. ")[-1]
    said, rate = speaker.said[len(script)]
    okay = "Okay, more slowly. " if script[-1] == "slower" else "Okay, faster. "
    assert said == okay + question and "Welcome" not in said
    assert rate == 160 + (30 if script[-1] == "faster" else -30)


def test_silence_reprompts_then_pauses_then_waits_for_continue() -> None:
    turn, out, *_ = run([SILENCE, SILENCE, SILENCE, SILENCE, SILENCE, SILENCE, "continue", "stop"])
    lines = spoken(out)
    assert lines[1] == lines[2] == lines[3]  # three short re-prompts
    assert lines[4] == PAUSED
    # While paused, silence does not prompt again: the next line is the question after "continue".
    assert lines[5].startswith("Welcome") and turn.kind == "stopped"


def test_files_running_out_ends_as_if_stop_was_said() -> None:
    turn, out, *_ = run(["no"])
    assert turn.kind == "stopped" and spoken(out)[-1].startswith("Goodbye")


class BrokenSpeaker(SilentSpeaker):
    def say(self, text: str) -> None:
        raise RuntimeError("no audio output")


def test_speech_failing_prints_the_text_and_carries_on(caplog: pytest.LogCaptureFixture) -> None:
    turn, out, *_ = run(["stop"], speaker=FallbackSpeaker(BrokenSpeaker()))
    assert spoken(out)[0].startswith("Welcome") and turn.kind == "stopped"
    assert sum("speech output failed" in r.message for r in caplog.records) == 1


def test_a_command_during_a_confirmation_applies_to_the_question() -> None:
    turn, out, *_ = run(["yes", "stop"])
    assert turn.kind == "stopped" and spoken(out)[-1].startswith("Goodbye")
    turn, out, *_ = run(["yes", "repeat", "no", "stop"])
    lines = spoken(out)
    assert lines[2] == lines[1] and lines[3].startswith("Let's try that question again.")


CFG = SessionConfig(take_at=0.9, confirm_at=0.3)


@pytest.mark.parametrize("text,confidence,red_flag,action", [
    # answers: by confidence, and never taken unread at a warning-sign question
    ("yes", 0.95, False, "take"), ("seven", 0.95, False, "take"), ("i don't know", 0.95, False, "take"),
    ("seven", 0.6, False, "confirm"), ("no", 0.3, False, "confirm"),
    ("seven", 0.29, False, "reask"), ("no", 0.0, False, "reask"), (None, 0.99, False, "reask"),
    ("no", 0.999, True, "confirm"), ("yes", 0.999, True, "confirm"), ("i don't know", 0.999, True, "confirm"),
    ("no", 0.1, True, "reask"),
    # commands that end or wipe the assessment: always read back; others obeyed when clear enough
    ("stop", 0.999, False, "confirm"), ("quit", 0.999, False, "confirm"), ("start over", 0.999, False, "confirm"),
    ("stop", 0.1, False, "reask"),
    ("repeat", 0.95, False, "take"), ("slower", 0.95, False, "take"), ("go back", 0.95, True, "take"),
    ("go back", 0.5, True, "confirm"), ("go back", 0.5, False, "confirm"), ("start over", 0.5, True, "confirm"),
    # harmless commands change nothing in the assessment: acted on whenever heard at all
    *[(c, conf, rf, "take") for c in ("repeat", "help", "more", "slower", "faster") for conf in (0.3, 0.5, 0.95)
      for rf in (False, True)],
    ("help", 0.1, False, "reask"), ("more", 0.29, True, "reask"),
])
def test_decide_table(text, confidence: float, red_flag: bool, action: str) -> None:
    from local_voice.session import decide

    assert decide(text, confidence, red_flag, CFG) == action


def test_help_lists_every_command_slower_and_faster_included() -> None:
    import triage

    _, out, *_ = run(["help"])
    helped = spoken(out)[1]
    for command in ("repeat", "go back", "start over", "stop", "slower", "faster"):
        assert command in helped, command
    first = triage.load_questionnaire().questions[triage.start().question_id]
    assert helped.endswith(first.short)  # the question itself is still said last


def test_the_result_stays_open_for_more_repeat_and_go_back() -> None:
    import triage

    core = triage.start()
    while core.outcome is None:  # the core's own result for the answers answers_until() gives
        core = triage.step(core.state, "five" if core.expects == "number" else "no")
    turn, out, *_ = run(answers_until() + ["more", "repeat", "go back"])
    lines = spoken(out)
    result = lines.index(core.speech)
    assert not turn.ended or turn.kind == "stopped"  # only the script running out (stop) ends it
    assert all(reason in lines[result + 1] for reason in core.outcome["reasons"])  # more: every reason
    assert lines[result + 2] == lines[result]  # repeat: the result again
    last = triage.load_questionnaire().questions[core.outcome["asked"][-1]]
    assert lines[result + 3] == f"Going back. {last.prompt}"  # go back: the last question again


@pytest.mark.parametrize("tag,number,place", [("en-GB", "nine nine nine", "A&E"), ("en-AU", "triple zero", "emergency department")])
def test_the_locale_s_emergency_number_is_spoken_digit_by_digit(tag: str, number: str, place: str) -> None:
    source = ScriptedSource(["yes", "yes"])
    speaker = RecordingSpeaker()
    out = io.StringIO()
    VoiceSession(FakeListener(source), speaker, source, out, SessionConfig(), locale=tag).run()
    said = [text for text, _ in speaker.said]
    assert f"call {number} now" in said[0]
    emergency = next(text for text in said if text.startswith("This could be an emergency"))
    assert f"Call {number} or go to" in emergency and place in emergency
    assert not any(ch.isdigit() for text in said for ch in text)


# -- read-backs name what was heard (issue 8 follow-up) -----------------------------------------
# The fault: at the first question "slower", "more" and a misheard "dunno" (heard as a command)
# were read back as if they were answers: "I heard slower: new numbness around your bottom or
# genitals... Is that right?". The rows below cover every command at a warning-sign question, an
# ordinary yes/no question and a number question, heard clearly (take) and with doubt (confirm).

SAYINGS = {"repeat": "repeat", "help": "help", "more": "more", "slower": "slower", "faster": "faster",
           "back": "go back", "start_over": "start over", "stop": "stop"}
QUESTIONS = {"red_flag": None, "yes_no": "daily_impact", "number": "age"}  # None: the first question
NUMBERS = {"age": "forty", "duration_weeks": "three", "pain_score": "five"}
LEVELS = {"take": 0.999, "confirm": 0.5}  # either side of SessionConfig().take_at


def _prefix(question: str) -> list:
    """Answers that reach the question (every red-flag answer confirmed with "yes")."""
    import triage

    turn, script = triage.start(), []
    while turn.question_id != QUESTIONS[question] and QUESTIONS[question] is not None:
        assert turn.question_id is not None and len(script) < 40, script
        answer = NUMBERS[turn.question_id] if turn.expects == "number" else "no"
        script += [answer, "yes"] if turn.red_flag else [answer]
        turn = triage.step(turn.state, answer)
    return script


def _line_after(out: str, heard: str, nth: int = -1) -> str:
    """The first thing said after the session heard ``heard`` (the ``nth`` time it did)."""
    lines = out.splitlines()
    at = [i for i, line in enumerate(lines) if line == f"You (heard): {heard}"][nth]
    return next(line[len("Spine Check: "):] for line in lines[at + 1:] if line.startswith("Spine Check: "))


@pytest.mark.parametrize("level", sorted(LEVELS))
@pytest.mark.parametrize("question", sorted(QUESTIONS))
@pytest.mark.parametrize("command", sorted(SAYINGS))
def test_a_command_is_acted_on_or_confirmed_as_that_command_never_read_back_as_an_answer(
        command: str, question: str, level: str) -> None:
    from local_voice.session import COMMAND_READ_BACKS, HARMLESS_COMMANDS

    saying = SAYINGS[command]
    confirmed = command in ("stop", "start_over") or (command == "back" and level == "confirm")
    turn, out, *_ = run(_prefix(question) + [(saying, LEVELS[level])] + (["yes"] if confirmed else []))
    reply = _line_after(out, saying)
    assert f"I heard {saying}:" not in out and "Is that right" not in reply, reply
    if confirmed:
        assert reply == COMMAND_READ_BACKS[command] and "Do you want to" in reply
        assert _line_after(out, "yes") and ("Goodbye" in _line_after(out, "yes")) is (command == "stop")
    else:
        assert "Do you want" not in reply  # acted on at once
        expected = {"slower": "Okay, more slowly.", "faster": "Okay, faster."}.get(command)
        assert expected is None or reply.startswith(expected)
        assert command in HARMLESS_COMMANDS or command == "back"


ANSWER_READ_BACKS = {
    # heard -> how it must be read back at a yes/no question ({label}: the question's confirm_label)
    "yes": "I heard yes: {label}. Is that right?",
    "no": "I heard no: no {label}. Is that right?",
    "i don't know": "I heard that you're not sure about {label}. Is that right?",
}


@pytest.mark.parametrize("level", sorted(LEVELS))
@pytest.mark.parametrize("question", ["red_flag", "yes_no"])
@pytest.mark.parametrize("answer", sorted(ANSWER_READ_BACKS))
def test_an_answer_is_read_back_as_that_answer(answer: str, question: str, level: str) -> None:
    import triage

    prefix = _prefix(question)
    turn, out, *_ = run(prefix + [(answer, LEVELS[level]), "yes"])
    qid = QUESTIONS[question] or triage.start().question_id
    label = triage.load_questionnaire().questions[qid].confirm_label
    reply = _line_after(out, answer, prefix.count(answer))
    if question == "red_flag" or level == "confirm":
        assert reply == ANSWER_READ_BACKS[answer].format(label=label.removeprefix("a ") if answer == "no" else label)
    else:
        assert "Is that right" not in reply


def test_a_no_is_read_back_without_a_dangling_article() -> None:
    from local_voice.session import _negated

    assert _negated("a fever or chills, or a higher risk of infection") == "no fever or chills, or a higher risk of infection"
    assert _negated("an injury") == "no injury" and _negated("weakness in a leg") == "no weakness in a leg"


@pytest.mark.parametrize("rate,okay", [("slower", "Okay, more slowly."), ("faster", "Okay, faster.")])
def test_slower_or_faster_during_a_read_back_says_the_read_back_again_at_the_new_rate(rate: str, okay: str) -> None:
    turn, out, speaker, *_ = run(["yes", rate, "no", "stop", "yes"])
    reply = _line_after(out, rate)
    assert reply.startswith(okay) and reply.endswith("Is that right?") and "I heard yes:" in reply
    assert [r for t, r in speaker.said if t == reply] == [160 + (30 if rate == "faster" else -30)]


@pytest.mark.parametrize("reply", [["banana"] * 3, [SILENCE] * 3, ["no"], [("yes", 0.3)] * 3],
                         ids=["not understood", "silence", "denied", "doubtful yes"])
def test_a_red_flag_read_back_that_keeps_failing_counts_as_not_sure_never_loops(reply: list) -> None:
    """After repeated failed read-backs of a red-flag answer the answer is "I don't know" (which the
    core counts as a possible yes), said in plain words, instead of asking for ever."""
    import triage

    from local_voice.session import RED_FLAG_UNSURE, SessionConfig

    first = triage.start()
    rounds = SessionConfig().red_flag_read_back_rounds
    turn, out, *_ = run((["yes"] + reply) * rounds + ["stop", "yes"])
    said = spoken(out)
    assert said.count(RED_FLAG_UNSURE) == 1, said
    expected = triage.step(first.state, "i don't know")
    assert said[said.index(RED_FLAG_UNSURE) + 1] == (expected.speech or expected.text)


@pytest.mark.parametrize("text, confidence, reply", [
    ("yes", 0.999, True), ("yes", 0.96, True), ("yeah", 0.7, True), ("yep", 0.69, None), ("yes", 0.1, None),
    ("no", 0.999, False), ("no", 0.05, False), ("nope", 0.5, False), (None, 0.0, None), ("stop", 0.99, None),
    ("i don't know", 0.99, None),
])
def test_read_back_reply_table(text, confidence: float, reply) -> None:
    """A yes to a read-back needs confirm_yes_at, not take_at (the tester's refused yeses were 0.85-0.97)."""
    from local_voice.session import read_back_reply

    assert read_back_reply(text, confidence) is reply
