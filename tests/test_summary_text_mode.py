"""The summary in the text front end (`python -m triage [text] --summary-dir DIR`, issue 10).

Only on request: a whole assessment without "summary" writes nothing anywhere and logs no answer.
"summary" at the result writes the files and prints where; before the result it stops and keeps what
was answered. Every way the write can fail is said in plain words and loses no answer. Real
processes, real folders, real failures (a missing folder, a file in the way, an immutable or
read-only folder, a file size limit the kernel enforces)."""
from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

import triage
from triage.locales import get_locale, supported_locales
from triage.text_mode import run
from summary_scenarios import (EMERGENCY, ROOT, ROUTINE, SPECIALIST, answers_of, assert_in_order, assert_written_pair,
                               capture_all_logging, clean_env, final_state, health_words, run_audited, script,
                               summary_files, text_files, tree, ROUTINE_LINES, SPECIALIST_LINES)

OFFER = "Say summary to keep a copy."
SAVED = "Spine Check: Your summary is saved."


@pytest.fixture
def logs():
    yield from capture_all_logging()


def talk(replies: list[str], summary_dir: Path, stdin_class: type[io.StringIO] = io.StringIO) -> tuple[int, str]:
    """The text front end in this process, as a script would drive it: (exit status, transcript)."""
    out = io.StringIO()
    status = run(stdin_class("".join(r + "\n" for r in replies)), out, summary_dir=summary_dir)
    return status, out.getvalue()


def saved_paths(transcript: str) -> list[Path]:
    return [Path(line.split(": ", 1)[1]) for line in transcript.splitlines()
            if line.startswith(("  For you, plain text: ", "  For a clinic, FHIR R4: "))]


# --- the offer -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [ROUTINE, SPECIALIST, EMERGENCY], ids=["routine", "specialist", "emergency"])
def test_the_result_offers_a_summary_once_each_time_it_is_printed(tmp_path, path):
    status, out = talk([*script(path), "repeat", "more", "stop"], tmp_path)
    results = out.split("\n(repeat, more, summary, go back, start over, or stop) > ")
    assert status == 0 and len(results) == 4, out  # the result, its repeat, more, then the goodbye
    assert results[0].count(OFFER) == 1 and results[1].count(OFFER) == 1, out
    assert OFFER not in results[2] and OFFER not in results[3]
    # The offer comes right before what else can be said, as the spoken result has it.
    assert f"  {OFFER} Say repeat to hear this again" in results[0]
    assert summary_files(tmp_path) == []


# --- only on request -------------------------------------------------------------------------------

WHOLE_ASSESSMENTS = {
    "routine, then repeat, more, stop": [*script(ROUTINE), "repeat", "more", "stop"],
    "specialist, go back, start over, end of input": [*script(SPECIALIST), "go back", "no", "start over", "no"],
    "emergency, then stop": [*script(EMERGENCY), "stop"],
    "stop halfway": [*script(SPECIALIST, stop_before="both_legs"), "stop"],
}


@pytest.mark.parametrize("with_dir", [True, False], ids=["--summary-dir given", "default folder"])
@pytest.mark.parametrize("name", WHOLE_ASSESSMENTS)
def test_a_whole_assessment_without_asking_writes_no_file_anywhere(tmp_path, name, with_dir):
    cwd, home, tmp, chosen = (tmp_path / d for d in ("cwd", "home", "tmp", "chosen"))
    for folder in (cwd, home, tmp, chosen):
        folder.mkdir()
    before = tree(tmp_path)
    args = ["--summary-dir", str(chosen)] if with_dir else []
    result, opened = run_audited("triage", args, "".join(r + "\n" for r in WHOLE_ASSESSMENTS[name]), cwd,
                                 clean_env(home, tmp))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "Goodbye" in result.stdout.splitlines()[-1]
    assert opened == [], opened  # not one file opened for writing, anywhere
    assert tree(tmp_path) == before  # nothing new or changed in the folders it could reach
    assert "saved" not in result.stdout


@pytest.mark.parametrize("name", WHOLE_ASSESSMENTS)
def test_a_whole_assessment_logs_no_answer(tmp_path, logs, capsys, name):
    replies = WHOLE_ASSESSMENTS[name]
    status, out = talk(replies, tmp_path)
    leaked = [w for w in health_words(final_state(replies)) if any(w in line for line in logs.lines)]
    assert status == 0 and leaked == [], logs.lines
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""  # no logging handler printed anything either


def test_asking_for_a_summary_writes_it_but_still_logs_no_answer(tmp_path, logs, capsys):
    replies = [*script(SPECIALIST), "summary", "stop"]
    status, out = talk(replies, tmp_path)
    assert status == 0 and len(summary_files(tmp_path)) >= 1
    assert [w for w in health_words(final_state(replies[:-2])) if any(w in line for line in logs.lines)] == []
    assert capsys.readouterr().err == ""


# --- "summary" at the result and before it -----------------------------------------------------------

@pytest.mark.parametrize("path, expected", [(SPECIALIST, SPECIALIST_LINES), (ROUTINE, ROUTINE_LINES)],
                         ids=["specialist", "routine"])
def test_summary_at_the_result_writes_the_files_and_says_where(tmp_path, path, expected):
    replies = script(path)
    status, out = talk([*replies, "summary", "repeat", "stop"], tmp_path)
    assert status == 0
    files = summary_files(tmp_path)
    printed = saved_paths(out)
    assert sorted(printed) == files and len(files) == 2, out  # printed by whole path, and nothing else written
    text, bundle = assert_written_pair(printed[0], final_state(replies))
    assert printed[1].name.endswith(".fhir.json")
    assert text.startswith("Spine Check summary\nMade on ") and "You stopped" not in text
    assert [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Question ")] == \
        answers_of(final_state(replies))
    assert_in_order(text, expected)  # red flags answered yes first, units, "I don't know"
    # After the summary: where, then what can be said next; the conversation stays open.
    after = out.split(SAVED, 1)[1]
    assert "Spine Check: Say repeat to hear this again, more for the reasons" in after  # "more" offered too
    assert after.count(OFFER) == 1  # the repeated result offers it again, once


def test_summary_before_the_result_stops_and_keeps_what_was_answered(tmp_path):
    replies = script(SPECIALIST, stop_before="both_legs")
    status, out = talk([*replies, "summary", "yes"], tmp_path)
    assert status == 0
    lines = out.strip().splitlines()
    # It ended ("yes" was never read), after saying what the stopped summary says to do.
    assert lines[-1].startswith("Spine Check: You stopped before the end") and "Goodbye." in lines[-1], lines[-3:]
    files = text_files(tmp_path)
    assert sorted(saved_paths(out)) == summary_files(tmp_path) and len(files) == 1
    text, bundle = assert_written_pair(files[0], final_state(replies), status="stopped")
    assert "You stopped before the end of the questions." in text
    assert text.count("Your answer:") == len(replies) == 5
    assert answers_of(final_state(replies)) == [line.split(": ", 1)[1] for line in text.splitlines()
                                                if line.startswith("Question ")]


def test_go_back_and_a_changed_answer_keep_only_the_final_answer(tmp_path):
    # Yes to the leg question, go back, no instead; then the routine path to the result, where the
    # last answer is changed too.
    first_two = script(ROUTINE)[:2]
    rest = script(ROUTINE)[2:]
    replies = [*first_two, "yes", "go back", *rest[:-1], "yes", "go back", rest[-1], "summary", "stop"]
    status, out = talk(replies, tmp_path)
    assert out.count("(repeat, more, summary, go back, start over, or stop) > go back") == 1  # at the result
    [written] = text_files(tmp_path)
    text, _ = assert_written_pair(written, final_state(script(ROUTINE)))
    assert "either leg? Your answer: No." in text and "either leg? Your answer: Yes." not in text
    assert "daily activities? Your answer: I don't know." in text and "activities? Your answer: Yes." not in text
    assert text.count("Your answer:") == len(script(ROUTINE))
    assert answers_of(final_state(script(ROUTINE))) == [line.split(": ", 1)[1] for line in text.splitlines()
                                                        if line.startswith("Question ")]


def test_start_over_gives_a_fresh_summary(tmp_path):
    replies = [*script(SPECIALIST), "summary", "start over", *script(ROUTINE), "summary", "stop"]
    status, out = talk(replies, tmp_path)
    first, _, second, _ = saved_paths(out)  # the second in the same second gets "-2"
    assert text_files(tmp_path) == sorted([first, second])
    assert_written_pair(second, final_state(script(ROUTINE)))
    assert "either leg? Your answer: Yes." in first.read_text()
    fresh = second.read_text()
    assert "either leg? Your answer: Yes." not in fresh
    assert [line.split(": ", 1)[1] for line in fresh.splitlines() if line.startswith("Question ")] == \
        answers_of(final_state(script(ROUTINE)))


# --- the ways people ask ---------------------------------------------------------------------------

ASKING = ["summary", "Summary.", "SUMMARY", "summary please", "a summary please", "give me a summary",
          "Give me a summary!", "i want a summary", "keep a copy", "keep a copy please", "save a copy",
          "save it", "send me a summary", "um, summary", "okay summary",
          # Asked as a question or a wish (were "not understood" before they were added to the core's words):
          "Can I have a summary?", "can I get a summary", "could I have a summary please", "I'd like a summary",
          "I would like a summary", "give me a copy", "I want a copy", "can I have a copy", "could I have a copy?",
          "I'd like a copy", "print a summary", "print a copy"]
NOT_ASKING = ["no summary", "I don't want a summary", "stop", "no", "repeat", "more", "don't keep a copy", "no copy", "copy", "save"]


@pytest.mark.parametrize("said", ASKING)
def test_each_way_of_asking_writes_the_summary_at_the_result(tmp_path, said):
    status, out = talk([*script(ROUTINE), said, "stop"], tmp_path)
    assert status == 0 and len(text_files(tmp_path)) == 1 and len(summary_files(tmp_path)) == 2, out


@pytest.mark.parametrize("said", ASKING)
def test_each_way_of_asking_before_the_result_stops_and_keeps_the_answers(tmp_path, said):
    status, out = talk([*script(ROUTINE, stop_before="age"), said], tmp_path)
    files = text_files(tmp_path)
    assert len(files) == 1 and "You stopped before the end" in files[0].read_text(), out
    assert len(summary_files(tmp_path)) == 2


@pytest.mark.parametrize("said", NOT_ASKING)
def test_what_is_not_a_request_writes_nothing(tmp_path, said):
    status, out = talk([*script(ROUTINE), said, "stop"], tmp_path)
    assert summary_files(tmp_path) == [] and "saved" not in out


# --- a folder that cannot be used --------------------------------------------------------------------

def immutable(folder: Path) -> Callable[[], None]:
    """Make `folder` unwritable for real, also for root (who ignores permission bits): chattr +i, else
    (not root) chmod 555. Returns the undo; skips the test when neither is possible."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make a folder unwritable for root here: {done.stderr.decode().strip()}")
    return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)


def _missing(folder: Path) -> tuple[Path, Callable[[], None]]:
    folder.rmdir()
    return folder, lambda: None


def _file_in_the_way(folder: Path) -> tuple[Path, Callable[[], None]]:
    folder.rmdir()
    folder.write_text("not a folder\n")
    return folder, lambda: None


def _under_a_file(folder: Path) -> tuple[Path, Callable[[], None]]:
    (folder / "notes.txt").write_text("a file\n")
    return folder / "notes.txt" / "summaries", lambda: None


def _unwritable(folder: Path) -> tuple[Path, Callable[[], None]]:
    return folder, immutable(folder)


# name: (how to break the chosen folder -> (the path given, undo), what the message says)
BAD_FOLDERS = {
    "missing folder": (_missing, "does not exist"),
    "a file in the way": (_file_in_the_way, "is not a folder"),
    "a path under a file": (_under_a_file, "is not a folder"),
    "not writable": (_unwritable, "not allowed to write in the folder"),
}


@pytest.mark.parametrize("kind", BAD_FOLDERS)
@pytest.mark.parametrize("command", [["-m", "triage"], ["-m", "triage", "text"], ["-m", "local_voice", "--text"]],
                         ids=["triage", "triage text", "local_voice --text"])
def test_a_bad_summary_dir_is_one_line_and_exit_2_before_anything_is_asked(tmp_path, kind, command):
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    breaker, says = BAD_FOLDERS[kind]
    given, undo = breaker(chosen)
    try:
        result = subprocess.run([sys.executable, *command, "--summary-dir", str(given)], input="no\n",
                                capture_output=True, text=True, cwd=ROOT, timeout=60)
    finally:
        undo()
    assert result.returncode == 2, result
    assert result.stdout == "", result.stdout  # nothing asked
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and says in lines[0] and "--summary-dir" in lines[0] and str(given) in lines[0], lines
    assert "Traceback" not in result.stderr


class BreakingStdin(io.StringIO):
    """Typed replies; just before "summary" is read the chosen folder goes bad (it was fine at start)."""
    breaker: Callable[[], None] = staticmethod(lambda: None)

    def readline(self, *args) -> str:  # type: ignore[override]
        line = super().readline(*args)
        if line.strip() == "summary":
            type(self).breaker()
        return line


def talk_breaking(replies: list[str], folder: Path, kind: str) -> tuple[int, str, Path]:
    undo: list[Callable[[], None]] = []
    given: list[Path] = []

    def breaker() -> None:
        if not given:
            path, fix = BAD_FOLDERS[kind][0](folder)
            given.append(path)
            undo.append(fix)

    stdin_class = type("Breaking", (BreakingStdin,), {"breaker": staticmethod(breaker)})
    target = folder / "notes.txt" / "summaries" if kind == "a path under a file" else folder
    try:
        status, out = talk(replies, target, stdin_class)
    finally:
        for fix in undo:
            fix()
    return status, out, target


@pytest.mark.parametrize("kind", BAD_FOLDERS)
def test_a_failed_write_at_the_result_says_why_and_keeps_the_conversation_open(tmp_path, kind):
    folder = tmp_path / "chosen"
    folder.mkdir()
    status, out, target = talk_breaking([*script(SPECIALIST), "summary", "repeat", "stop"], folder, kind)
    assert status == 0 and "Traceback" not in out
    failed = next(line for line in out.splitlines() if "could not be saved" in line)
    assert BAD_FOLDERS[kind][1] in failed and str(target) in failed, failed
    assert failed.endswith("Nothing was saved, and your answers are kept: say summary to try again.")
    after = out.split(failed, 1)[1]
    # Still at the result: what can be said, then the result again on "repeat", then the goodbye.
    assert "(repeat, more, summary, go back, start over, or stop) > repeat" in after
    assert after.count(OFFER) == 1 and "Goodbye" in after.splitlines()[-1]
    assert SAVED not in out
    assert not (folder.is_dir() and summary_files(folder))


@pytest.mark.parametrize("kind", BAD_FOLDERS)
def test_a_failed_write_before_the_result_carries_on_with_the_question(tmp_path, kind):
    folder = tmp_path / "chosen"
    folder.mkdir()
    before = script(SPECIALIST, stop_before="both_legs")
    rest = script(SPECIALIST)[len(before):]
    status, out, target = talk_breaking([*before, "summary", *rest, "stop"], folder, kind)
    failed = next(line for line in out.splitlines() if "could not be saved" in line)
    assert failed.endswith("Nothing was saved, and your answers are kept, so let's carry on."), failed
    question = triage.load_questionnaire().questions["both_legs"].prompt
    assert out.split(failed, 1)[1].startswith(f"\nSpine Check: {question}"), out  # the same question again
    # No answer was lost: from that question on, it goes exactly as it would have without the request.
    uninterrupted = talk([*script(SPECIALIST), "stop"], tmp_path / "unused")[1]
    assert out.split(failed, 1)[1] == "\n" + uninterrupted[uninterrupted.index(f"Spine Check: {question}"):]


def _file_size_limit(limit: int) -> Callable[[], None]:
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


@pytest.mark.parametrize("when", ["at the result", "before the result"])
def test_a_disk_that_takes_no_more_bytes_loses_nothing_and_leaves_no_part_file(tmp_path, when):
    """A real write failure from the kernel: a file size limit (RLIMIT_FSIZE) below the summary's size,
    so the first write fails (EFBIG) as it would on a full disk (ENOSPC); Python ignores SIGXFSZ."""
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    if when == "at the result":
        replies = [*script(ROUTINE), "summary", "repeat", "stop"]
    else:
        replies = [*script(ROUTINE, stop_before="age"), "summary", "40", "stop"]
    result = subprocess.run([sys.executable, "-m", "triage", "--summary-dir", str(chosen)],
                            input="".join(r + "\n" for r in replies), capture_output=True, text=True, cwd=ROOT,
                            timeout=60, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                            preexec_fn=_file_size_limit(200))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    failed = next(line for line in result.stdout.splitlines() if "could not be saved" in line)
    assert "larger than this computer allows" in failed and str(chosen) in failed, failed
    assert list(chosen.iterdir()) == []  # the part written was removed
    after = result.stdout.split(failed, 1)[1]
    if when == "at the result":
        assert after.count(OFFER) == 1  # "repeat" gave the result again
    else:
        assert after.startswith("\nSpine Check: How old are you, in years?")
        assert "Spine Check: For how many weeks" in after  # "40" was taken: carried on


def test_two_summaries_in_one_second_never_overwrite(tmp_path):
    # Made with the same answers back to back: the second gets "-2" (or a later second).
    status, out = talk([*script(ROUTINE), "summary", "summary", "summary", "stop"], tmp_path)
    files = text_files(tmp_path)
    assert len(files) == 3 and sorted(saved_paths(out)) == summary_files(tmp_path), out
    for written in files:
        assert_written_pair(written, final_state(script(ROUTINE)))


@pytest.mark.parametrize("given", [True, False], ids=["--summary-dir passed through", "default: where it was started"])
def test_run_sh_passes_summary_dir_through_and_stays_in_the_folder_it_was_started_from(tmp_path, given):
    started_in, chosen = tmp_path / "here", tmp_path / "chosen"
    started_in.mkdir()
    chosen.mkdir()
    args = ["--text", "--summary-dir", "../chosen"] if given else ["--text"]  # relative to where it started
    result = subprocess.run(["bash", str(ROOT / "run.sh"), *args], input="".join(r + "\n" for r in
                                                                             [*script(ROUTINE), "summary", "stop"]),
                            capture_output=True, text=True, cwd=started_in, timeout=600)
    assert result.returncode == 0, result.stderr
    target = chosen if given else started_in
    assert len(summary_files(target)) == 2 and sorted(saved_paths(result.stdout)) == summary_files(target)
    assert summary_files(ROOT) == []  # never in the checkout


@pytest.mark.parametrize("empty", ["", " "])
@pytest.mark.parametrize("command", [["-m", "triage"], ["-m", "local_voice", "--text"]], ids=["triage", "local_voice"])
def test_an_empty_summary_dir_is_a_mistake_not_the_current_folder(empty, command):
    """`--summary-dir "$UNSET"` says so instead of quietly saving where the program was started."""
    result = subprocess.run([sys.executable, *command, "--summary-dir", empty], input="no\n",
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and result.stdout == "", result
    assert result.stderr.count("\n") == 1 and "--summary-dir: an empty name is not a folder" in result.stderr


def test_local_voice_without_a_microphone_falls_back_to_text_and_keeps_the_summary_dir(tmp_path):
    """`python -m local_voice --summary-dir DIR` on a machine with no audio input runs the text mode:
    the summary still goes where the person chose."""
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    result = subprocess.run([sys.executable, "-m", "local_voice", "--summary-dir", str(chosen)],
                            input="".join(r + "\n" for r in [*script(EMERGENCY), "summary", "stop"]),
                            capture_output=True, text=True, cwd=tmp_path, timeout=120,
                            env={**os.environ, "VOSK_MODEL_PATH": "", "PYTHONPATH": str(ROOT)})
    if not result.stdout.startswith("No audio input device"):
        pytest.skip("this machine has a microphone: the fallback is not taken")
    assert result.returncode == 0, result.stderr
    [written] = text_files(chosen)
    assert sorted(saved_paths(result.stdout)) == summary_files(chosen)
    assert_written_pair(written, final_state(script(EMERGENCY)))


@pytest.mark.parametrize("locale", supported_locales())
def test_the_summary_is_in_the_locale_the_assessment_ran_in(tmp_path, locale):
    out = io.StringIO()
    replies = [*script(EMERGENCY), "summary", "stop"]
    assert run(io.StringIO("".join(r + "\n" for r in replies)), out, locale=locale, summary_dir=tmp_path) == 0
    [written] = text_files(tmp_path)
    text, _ = assert_written_pair(written, final_state(script(EMERGENCY)), locale=locale)
    number = get_locale(locale).render("{emergency_number}")
    assert f"Call {number}" in text and (number == "911" or "911" not in text), text
