"""The summary in the offline voice front end (`python -m local_voice --summary-dir DIR`, issue 10).

Real parts: espeak-ng speaks the person's answers, pocketsphinx hears them with the session's own
grammars, the real core decides, and the summary is written to a real folder. Only the microphone and
the loudspeaker are replaced: by synthesized clips and a RecordingSpeaker (and, for the command line,
by --listen-from WAV files and --say-to).
"""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

import triage
from local_voice.__main__ import answer_for
from local_voice.audio import split_utterances
from local_voice.listeners import PocketsphinxListener
from local_voice.session import (COMPACT_COMMAND_PHRASES, CONFIRM, SessionConfig, VoiceSession, decide,
                                 question_phrases, spoken_file_name)
from local_voice.speakers import RecordingSpeaker
from local_voice.synth import SPEEDS, VOICES, espeak_available, synthesize_many
from triage.parsing import parse_command
from triage.vocabulary import command_phrases, number_to_words
from summary_scenarios import (EMERGENCY, ROOT, ROUTINE, SPECIALIST, assert_written_pair, capture_all_logging,
                               clean_env, final_state, health_words, run_audited, script, summary_files, text_files,
                               tree, watch_writes)
from test_summary_text_mode import BAD_FOLDERS
from test_voice_spoken import ClipCache, Patient

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (bash test.sh installs it)")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> ClipCache:
    return ClipCache(tmp_path_factory.mktemp("summary-spoken"))


@pytest.fixture(scope="module")
def listener() -> PocketsphinxListener:
    return PocketsphinxListener()


@pytest.fixture
def logs():
    yield from capture_all_logging()


def said_as(reply: str) -> str:
    """A typed reply as the person says it: "3" -> "three"."""
    return number_to_words(int(reply)) if reply.isdigit() else reply.lower()


def question_in(prompt: str) -> str | None:
    for question in triage.load_questionnaire().questions.values():
        if question.prompt in prompt or question.short in prompt:
            return question.id
    return None


class Person:
    """Says yes to every read-back ("I heard ...?"), answers each question of a phase from its answers
    (each once), and says the phase's other words, in order, at any other prompt (the result), or when
    a question comes up again (after go back) or is the one to stop before. Then the next phase."""

    def __init__(self, *phases: tuple[dict[str, str], list[str]], stop_before: str | None = None,
                 on_saying: dict[str, Callable[[], None]] | None = None, deny: tuple[str, ...] = ()) -> None:
        self.phases = [(dict(answers), list(then)) for answers, then in phases]
        self.stop_before = stop_before
        self.on_saying = on_saying or {}
        self.deny = deny  # read-backs of these are answered "no"
        self.read_backs: list[str] = []

    def __call__(self, prompt: str, n: int) -> str:
        if "I heard " in prompt and prompt.rstrip().endswith("?"):
            self.read_backs.append(prompt)
            return "no" if any(f"I heard {word}." in prompt for word in self.deny) else "yes"
        while self.phases and not self.phases[0][1] and not self._question(prompt):
            self.phases.pop(0)
            self.stop_before = None  # it holds for the first phase only
        if not self.phases:
            raise IndexError("the script ran out")  # ends as if "stop", as --listen-from does
        answers, then = self.phases[0]
        qid = self._question(prompt)
        if qid is not None:
            return said_as(answers.pop(qid))
        word = then.pop(0)
        if word in self.on_saying:
            self.on_saying[word]()
        return word

    def _question(self, prompt: str) -> str | None:
        qid = question_in(prompt)
        answers = self.phases[0][0] if self.phases else {}
        return qid if qid in answers and qid != self.stop_before else None


def converse(clips: ClipCache, listener, person: Person, summary_dir: Path):
    speaker = RecordingSpeaker()
    patient = Patient(clips, speaker, person, max_answers=120)
    out = io.StringIO()
    turn = VoiceSession(listener, speaker, patient, out, SessionConfig(), summary_dir=summary_dir).run()
    return turn, out.getvalue(), [text for text, *_ in speaker.said]


def printed_paths(out: str) -> list[Path]:
    return [Path(line.split(": ", 1)[1]) for line in out.splitlines()
            if line.startswith(("  For you, plain text: ", "  For a clinic, FHIR R4: "))]


# --- "summary" at the result and before it ----------------------------------------------------------

@pytest.mark.parametrize("path", [SPECIALIST, ROUTINE, EMERGENCY], ids=["specialist", "routine", "emergency"])
def test_summary_at_the_result_by_voice_writes_both_files_and_says_where(clips, listener, tmp_path, path):
    chosen = tmp_path / "my-summaries_2026"
    chosen.mkdir()
    person = Person((path, ["summary", "stop"]))
    turn, out, said = converse(clips, listener, person, chosen)
    assert turn.kind == "stopped" and turn.outcome is not None, out
    assert turn.state["answers"] == final_state(script(path))["answers"], out  # every answer heard right
    [text_path] = text_files(chosen)
    assert sorted(printed_paths(out)) == summary_files(chosen)  # both whole paths printed
    text, bundle = assert_written_pair(text_path, turn.state)
    assert "Say summary to keep a copy." in said[[i for i, s in enumerate(said) if "summary" in s][0]]
    # Read back first, however clearly heard: it writes health data.
    assert "I heard summary. Do you want to keep a copy of the result and your answers?" in person.read_backs
    where = next(s for s in said if s.startswith("I saved your summary"))
    assert where.startswith("I saved your summary in your folder my summaries 2026, as spine check summary, ")
    assert spoken_file_name(text_path.name) in where and "-" not in where, where
    assert not re.search(r"\d{4,}-|\d{6}", where)  # no long hyphenated or run-together digits to spell out
    after = said[said.index(where) + 1]  # then what can be said (after an emergency, the emergency first)
    assert after.startswith("This could be an emergency." if path is EMERGENCY else "Say repeat to hear"), after
    assert "Say repeat to hear this again, more for the reasons" in after


def test_summary_by_voice_before_the_result_stops_and_keeps_what_was_answered(clips, listener, tmp_path):
    person = Person((SPECIALIST, ["summary"]), stop_before="both_legs")
    turn, out, said = converse(clips, listener, person, tmp_path)
    assert turn.ended and turn.kind == "summary"
    assert "I heard summary. Do you want to stop now and keep a copy of your answers so far?" in person.read_backs
    [text_path] = text_files(tmp_path)
    text, bundle = assert_written_pair(text_path, turn.state, status="stopped")
    assert turn.state["answers"] == final_state(script(SPECIALIST, stop_before="both_legs"))["answers"]
    assert text.count("Your answer:") == 5 and "You stopped before the end of the questions." in text
    assert said[-2].startswith("I saved your summary")
    # Then what the stopped summary says to do, aloud (not only in the file), then the goodbye.
    assert said[-1].startswith("You stopped before the end") and "Goodbye." in said[-1], said[-1]


def test_go_back_and_a_changed_answer_by_voice_keep_only_the_final_answer(clips, listener, tmp_path):
    # At the result: go back to the pain score ("I don't know"), say five instead, then summary.
    person = Person((SPECIALIST, ["go back"]), ({"pain_score": "5"}, ["summary", "stop"]))
    turn, out, said = converse(clips, listener, person, tmp_path)
    [text_path] = text_files(tmp_path)
    text, _ = assert_written_pair(text_path, turn.state)
    assert "how bad is your pain? Your answer: 5 out of 10." in text
    assert "how bad is your pain? Your answer: I don't know." not in text
    assert text.count("Your answer:") == len(script(SPECIALIST))


def test_start_over_by_voice_gives_a_fresh_summary(clips, listener, tmp_path):
    person = Person((SPECIALIST, ["summary", "start over"]), (ROUTINE, ["summary", "stop"]))
    turn, out, said = converse(clips, listener, person, tmp_path)
    first, second = [p for p in printed_paths(out) if p.suffix == ".txt"]
    assert "either leg? Your answer: Yes." in first.read_text()
    fresh, _ = assert_written_pair(second, final_state(script(ROUTINE)))
    assert "either leg? Your answer: Yes." not in fresh and fresh.count("Your answer:") == len(script(ROUTINE))


def test_a_summary_denied_at_its_read_back_writes_nothing(clips, listener, tmp_path):
    person = Person((ROUTINE, ["summary", "stop"]), deny=("summary",))
    turn, out, said = converse(clips, listener, person, tmp_path)
    assert any(r.startswith("I heard summary.") for r in person.read_backs)
    assert summary_files(tmp_path) == [] and turn.kind == "stopped"
    assert any(s.startswith("Okay, let's carry on.") for s in said)


# --- only on request ---------------------------------------------------------------------------------

WHOLE = {"routine, repeat, more, stop": (ROUTINE, ["repeat", "more", "stop"]),
         "specialist, go back, start over": (SPECIALIST, ["go back", "no", "start over"]),
         "emergency, stop": (EMERGENCY, ["stop"])}


@pytest.mark.parametrize("name", WHOLE)
def test_a_whole_assessment_by_voice_without_asking_writes_no_file_and_logs_no_answer(
        clips, listener, tmp_path, monkeypatch, logs, capsys, name):
    answers, then = WHOLE[name]
    person = Person((answers, list(then)))
    # Every clip the person will say is synthesized first: the synthetic person's own temporary files
    # are not the session's.
    for text in {*map(said_as, answers.values()), *then, "yes", "no", "stop", "repeat"}:
        clips.samples(text)
    cwd, home, tmp, chosen = (tmp_path / d for d in ("cwd", "home", "tmp", "chosen"))
    for folder in (cwd, home, tmp, chosen):
        folder.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr("tempfile.tempdir", str(tmp))
    before = tree(tmp_path)
    with watch_writes() as opened:
        turn, out, said = converse(clips, listener, person, chosen)
    assert turn.ended and "I saved" not in " ".join(said)
    assert opened == [], opened  # not one file opened for writing by the session, anywhere
    assert tree(tmp_path) == before
    leaked = [w for w in health_words(turn.state) if any(w in line for line in logs.lines)]
    assert leaked == [], logs.lines
    assert capsys.readouterr().err == ""


# --- every failure kind, by voice ----------------------------------------------------------------------

def _breaking(kind: str, folder: Path) -> tuple[Callable[[], None], list[Callable[[], None]], Path]:
    undo: list[Callable[[], None]] = []

    def breaker() -> None:
        if not undo:
            _, fix = BAD_FOLDERS[kind][0](folder)
            undo.append(fix)

    target = folder / "notes.txt" / "summaries" if kind == "a path under a file" else folder
    return breaker, undo, target


@pytest.mark.parametrize("kind", BAD_FOLDERS)
def test_a_failed_write_at_the_result_by_voice_says_why_and_keeps_listening(clips, listener, tmp_path, kind):
    folder = tmp_path / "chosen"
    folder.mkdir()
    breaker, undo, target = _breaking(kind, folder)
    person = Person((SPECIALIST, ["summary", "repeat", "stop"]), on_saying={"summary": breaker})
    try:
        turn, out, said = converse(clips, listener, person, target)
    finally:
        for fix in undo:
            fix()
    printed = next(line for line in out.splitlines() if line.startswith("Summary not saved: "))
    assert BAD_FOLDERS[kind][1] in printed and str(target) in printed, printed
    spoken = next(s for s in said if s.startswith("The summary could not be saved: "))
    assert BAD_FOLDERS[kind][1] in spoken and str(target) not in spoken, spoken  # the folder as words
    assert "Nothing was saved, and your answers are kept: say summary to try again." in spoken
    assert turn.kind == "stopped" and turn.outcome is not None  # "repeat" and "stop" were still heard
    assert not (folder.is_dir() and summary_files(folder))


@pytest.mark.parametrize("kind", BAD_FOLDERS)
def test_a_failed_write_before_the_result_by_voice_carries_on_with_the_question(clips, listener, tmp_path, kind):
    folder = tmp_path / "chosen"
    folder.mkdir()
    breaker, undo, target = _breaking(kind, folder)
    answered = [qid for qid, _ in final_state(script(SPECIALIST, stop_before="both_legs"))["answers"]]
    rest = {qid: reply for qid, reply in SPECIALIST.items() if qid not in answered}
    person = Person((SPECIALIST, ["summary"]), (rest, ["stop"]), stop_before="both_legs",
                    on_saying={"summary": breaker})
    try:
        turn, out, said = converse(clips, listener, person, target)
    finally:
        for fix in undo:
            fix()
    spoken = next(s for s in said if s.startswith("The summary could not be saved: "))
    assert BAD_FOLDERS[kind][1] in spoken and str(target) not in spoken, spoken
    assert "Nothing was saved, and your answers are kept, so let's carry on." in spoken
    assert spoken.endswith(triage.load_questionnaire().questions["both_legs"].prompt), spoken
    # Nothing lost: the rest was answered and the result is the one the whole path gives.
    assert turn.state["answers"] == final_state(script(SPECIALIST))["answers"], out
    assert turn.kind == "stopped" and turn.outcome["tier"] == "specialist"
    assert not (folder.is_dir() and summary_files(folder))


# --- the recognizer hears it ---------------------------------------------------------------------------

GRAMMARS = {"yes/no question": ("yes_no", None, None), "weeks": ("number", (0, 2600), "weeks"),
            "age": ("number", (0, 120), "years"), "pain 0 to 10": ("number", (0, 10), None),
            "at the result": ("command", None, None)}


def test_the_compact_grammar_hears_summary_everywhere_in_the_core_s_own_words():
    for name, phrases in COMPACT_COMMAND_PHRASES.items():
        assert set(phrases) <= set(command_phrases()[name])
        assert all(parse_command(p) == name for p in phrases)
    for expects, number_range, unit in GRAMMARS.values():
        grammar = question_phrases(expects, number_range, unit)
        assert {"summary", "keep a copy", "give me a summary"} <= set(grammar), (expects, unit)


ASKED_BY_VOICE = ("summary", "keep a copy", "give me a summary")


@pytest.fixture(scope="module")
def summary_clips():
    return {(c.text, c.voice, c.speed): c.samples
            for c in synthesize_many(list(ASKED_BY_VOICE), VOICES, SPEEDS)}


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("speed", SPEEDS)
@pytest.mark.parametrize("grammar", GRAMMARS)
def test_summary_is_heard_in_every_voice_speed_and_grammar_and_read_back(listener, summary_clips, voice, speed,
                                                                          grammar):
    expects, number_range, unit = GRAMMARS[grammar]
    for text in ASKED_BY_VOICE:
        samples = summary_clips[(text, voice, speed)]
        parts = split_utterances(samples)
        heard = listener.recognize(parts[0].samples if len(parts) == 1 else samples,
                                   question_phrases(expects, number_range, unit))
        assert answer_for(expects, heard.text, unit) == "summary", (text, heard)
        assert decide(heard.text, heard.confidence) == CONFIRM  # always read back, never taken unread


# --- the command line ---------------------------------------------------------------------------------

def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "VOSK_MODEL_PATH": "", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "local_voice", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180, env=env)


def test_cli_listen_from_writes_the_summary_where_asked_and_says_the_name(clips, tmp_path):
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    # The emergency path: yes (read back: yes), then summary (read back: yes), then stop (read back: yes).
    files = [str(clips.wav(w)) for w in ("yes", "yes", "summary", "yes", "stop", "yes")]
    result = run_cli("--listen-from", *files, "--say-to", str(tmp_path / "prompts"), "--summary-dir", str(chosen))
    assert result.returncode == 0, result.stderr
    [text_path] = text_files(chosen)
    assert sorted(printed_paths(result.stdout)) == summary_files(chosen)
    assert_written_pair(text_path, final_state(["yes", "yes"]))
    said = [line for line in result.stdout.splitlines() if line.startswith("Spine Check: I saved your summary")]
    assert len(said) == 1 and spoken_file_name(text_path.name) in said[0]


@pytest.mark.parametrize("kind", BAD_FOLDERS)
def test_cli_a_bad_summary_dir_is_one_line_and_exit_2_before_the_welcome(clips, tmp_path, kind):
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    given, undo = BAD_FOLDERS[kind][0](chosen)
    try:
        result = run_cli("--listen-from", str(clips.wav("yes")), "--say-to", str(tmp_path / "prompts"),
                         "--summary-dir", str(given))
    finally:
        undo()
    assert result.returncode == 2 and result.stdout == "", result
    assert result.stderr.count("\n") == 1 and BAD_FOLDERS[kind][1] in result.stderr, result.stderr
    assert not (tmp_path / "prompts").exists() or not any((tmp_path / "prompts").iterdir())


@pytest.mark.parametrize("voice_name,expected", [
    ("spine-check-summary-2026-11-30-150412.txt", "spine check summary, 30 November 2026, fifteen oh four and "
                                                  "twelve seconds"),
    ("spine-check-summary-2026-01-02-090000-3.txt", "spine check summary, 2 January 2026, nine hundred and zero "
                                                    "seconds, number 3"),
    ("spine-check-summary-2026-12-31-235901.txt", "spine check summary, 31 December 2026, twenty three fifty nine "
                                                  "and one second"),
])
def test_the_file_name_is_said_in_words(voice_name, expected):
    assert spoken_file_name(voice_name) == expected


@pytest.mark.parametrize("summary_asked", [False, True], ids=["without asking", "asking"])
def test_cli_whole_assessment_writes_only_what_was_asked_and_logs_no_answer(clips, tmp_path, summary_asked):
    """`python -m local_voice -v` (diagnostics on) through the emergency path from WAV files, every file
    opened for writing recorded (PEP 578 audit events): only the prompts asked for with --say-to, and
    the two summary files only when "summary" was said. Its log (stderr) holds no answer."""
    cwd, home, tmp, chosen, prompts = (tmp_path / d for d in ("cwd", "home", "tmp", "chosen", "prompts"))
    for folder in (cwd, home, tmp, chosen):
        folder.mkdir()
    words = ["yes", "yes"] + (["summary", "yes"] if summary_asked else []) + ["stop", "yes"]
    files = [str(clips.wav(w)) for w in words]
    before = tree(cwd, home, tmp, chosen)
    result, opened = run_audited("local_voice", ["-v", "--listen-from", *files, "--say-to", str(prompts),
                                                 "--summary-dir", str(chosen)], "", cwd, clean_env(home, tmp))
    assert result.returncode == 0, result.stderr
    # The prompts' folder and files are what --say-to asked for: prompts only (read-backs included).
    written = [p for p in opened if str(prompts) not in p]
    expected = sorted(str(p) for p in summary_files(chosen))
    assert sorted(written) == expected and len(expected) == (2 if summary_asked else 0), opened
    after = tree(cwd, home, tmp, chosen)
    assert {k: v for k, v in after.items() if not k.startswith(str(chosen))} == before
    state = final_state(["yes", "yes"])
    leaked = [w for w in health_words(state) if w in result.stderr]
    assert leaked == [], result.stderr


def test_summary_during_an_answers_read_back_asks_for_its_yes_or_no_first(clips, listener, tmp_path):
    """"yes" to a warning sign is read back; "summary" then must not leave that answer out (a stopped
    summary without it said "routine" where the typed "yes" was an emergency): the read-back comes
    again, then the answer is taken, and a summary asked for after it holds it."""
    replies: list[str] = []

    def person(prompt: str, n: int) -> str:
        if prompt.startswith("I heard summary"):
            reply = "yes"
        elif "I heard" in prompt and not any(r == "summary" for r in replies):
            reply = "summary"  # instead of confirming the answer read back
        elif "I heard" in prompt:
            reply = "yes"
        elif replies:
            reply = "summary"  # the next question: now stop and keep the copy
        else:
            reply = "no"  # the first question
        replies.append(reply)
        return reply

    turn, out, said = converse(clips, listener, person, tmp_path)  # type: ignore[arg-type]
    before = triage.load_answer_words()["spoken_expectations"]["confirm_before_summary"]
    assert any(s.startswith(before) for s in said), said
    [text_path] = text_files(tmp_path)
    text, _ = assert_written_pair(text_path, turn.state, status="stopped")
    assert turn.state["answers"] == [["cauda_equina_signs", False]], turn.state
    assert "Your answer: No." in text


def test_summary_before_any_answer_is_not_read_back_and_keeps_nothing(clips, listener, tmp_path):
    """Nothing to keep yet: no "Do you want to stop now and keep a copy?" for a copy of nothing."""
    script = ["summary", "stop", "yes"]
    turn, out, said = converse(clips, listener, lambda prompt, n: script[n], tmp_path)  # type: ignore[arg-type]
    nothing = triage.load_questionnaire().phrases["summary_nothing_yet"]
    assert any(s.startswith(nothing) for s in said), said
    assert not any(s.startswith("I heard summary") for s in said), said
    assert text_files(tmp_path) == [] and summary_files(tmp_path) == []
