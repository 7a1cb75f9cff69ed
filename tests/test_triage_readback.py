"""The read-back of a hedged or ranged answer ("I heard 4. Is that right?") in the conversation, and
the `python -m triage parse` entry point that other tools depend on in its exact form."""
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from triage import load_questionnaire, read_state, start, step
from triage.__main__ import main

REPO = Path(__file__).resolve().parent.parent


NUMBER_REPLIES = {"age": "30", "pain_score": "5"}  # weeks: 13 (morning stiffness is asked under 45)


def _at(question_id):
    """A turn asking `question_id`, reached by answering no to every yes/no question before it."""
    questions = load_questionnaire().questions
    turn = start()
    for _ in range(12):
        if turn.question_id == question_id:
            return turn
        assert turn.question_id is not None, f"{question_id} not reached"
        kind = questions[turn.question_id].type
        turn = step(turn.state, "no" if kind == "yes_no" else NUMBER_REPLIES.get(turn.question_id, "13"))
    raise AssertionError(f"{question_id} not reached")


def test_a_range_is_read_back_and_yes_takes_the_higher_value():
    turn = step(_at("duration_weeks").state, "two or three months")
    assert (turn.kind, turn.text, turn.expects) == ("confirm", "I heard 13 weeks. Is that right?", "yes_no")
    assert turn.state["answers"] == _at("duration_weeks").state["answers"]  # nothing taken yet
    assert read_state(json.loads(json.dumps(turn.state))) == turn.state      # survives an Alexa session
    after = step(turn.state, "yes")
    assert after.state["answers"][-1] == ["duration_weeks", 13]
    assert "pending" not in after.state


def test_no_to_the_read_back_asks_the_question_again():
    turn = step(step(_at("duration_weeks").state, "2 or 3 weeks").state, "no")
    assert turn.kind == "reask" and turn.question_id == "duration_weeks"
    assert "pending" not in turn.state
    assert step(turn.state, "4").state["answers"][-1] == ["duration_weeks", 4]


@pytest.mark.parametrize("reply,value", [("5", 5), ("no, five", 5), ("six weeks", 6)])
def test_a_new_answer_to_the_read_back_replaces_it(reply, value):
    turn = step(step(_at("duration_weeks").state, "2 or 3 weeks").state, reply)
    assert turn.state["answers"][-1] == ["duration_weeks", value]


def test_nonsense_keeps_the_read_back():
    pending = step(_at("duration_weeks").state, "2 or 3 weeks")
    garbled = step(pending.state, "banana")
    assert garbled.kind == "reask" and "Is that right?" in garbled.text and garbled.state == pending.state


# The read-back is the current step. A command said to it: (what happens, a word of what is said).
# "kept": the answer heard is still waiting for its yes or no; "asked again": the read-back's own
# question is asked again and the person is told the answer was not kept; never lost silently.
READBACK_COMMANDS = {
    "help": ("kept", "I am checking that I heard your answer right: 3 weeks"),
    "what do you mean": ("kept", "Say yes to keep it, no to answer again"),
    "more": ("kept", "I am checking that I heard your answer right"),
    "repeat": ("asked again", "I have not kept that answer"),
    "what?": ("asked again", "I have not kept that answer"),
    "go back": ("asked again", "I have not kept that answer"),
    "stop": ("ended", "Goodbye"),
    "start over": ("restarted", "start"),
}


@pytest.mark.parametrize("command", READBACK_COMMANDS)
def test_a_command_during_a_read_back_acts_on_the_read_back(command):
    asked = _at("duration_weeks")
    pending = step(asked.state, "2 or 3 weeks")
    assert pending.kind == "confirm" and pending.state["pending"] == {"value": 3}
    turn = step(pending.state, command)
    what, words = READBACK_COMMANDS[command]
    assert words.lower() in turn.text.lower(), turn.text
    if what == "kept":
        assert turn.state == pending.state and turn.text.endswith("I heard 3 weeks. Is that right?")
        assert step(turn.state, "yes").state["answers"][-1] == ["duration_weeks", 3]
    elif what == "asked again":
        assert turn.question_id == "duration_weeks" and "pending" not in turn.state
        assert turn.state["answers"] == asked.state["answers"] and turn.text.endswith(asked.text)
    elif what == "ended":
        assert turn.ended
    else:
        assert turn.state["answers"] == []


def test_a_hedge_off_the_red_flags_is_read_back():
    pending = step(_at("morning_stiffness").state, "maybe no")
    assert pending.kind == "confirm" and pending.text == "I heard no. Is that right?"
    assert pending.red_flag is False
    assert step(pending.state, "yes").state["answers"][-1] == ["morning_stiffness", False]


@pytest.mark.parametrize("reply", ["maybe no", "probably not", "I think not", "I don't think so", "no, I think"])
def test_a_hedge_on_a_red_flag_is_i_dont_know(reply):
    turn = step(start().state, reply)
    assert turn.state["answers"][0] == ["cauda_equina_signs", "unknown"]


@pytest.mark.parametrize("pending", [{"value": 99}, {"value": "unknown"}, {"value": True}, {"v": 3}, [3], "3"])
def test_a_forged_read_back_is_refused(pending):
    state = dict(_at("pain_score").state, pending=pending)
    assert read_state(state) is None


def test_not_understood_says_how_to_answer():
    turn = step(_at("duration_weeks").state, "a few weeks")
    assert turn.kind == "reask"
    assert "Please say a number of weeks, for example three" in turn.text
    turn = step(_at("age").state, "three weeks")
    assert turn.kind == "reask" and "Please say your age in years" in turn.text


# --- python -m triage parse --------------------------------------------------------------------------

def _parse(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(["parse", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv,printed", [
    (["--expect", "yes_no", "no, nothing like that"], {"answer": False, "command": None, "dont_know": False}),
    (["--expect", "yes_no", "yeah,", "tingling", "down", "my", "left", "leg"], {"answer": True, "command": None, "dont_know": False}),
    (["--expect", "yes_no", "maybe no"], {"answer": None, "command": None, "dont_know": True}),
    (["--expect", "yes_no", "I don\u2019t know"], {"answer": None, "command": None, "dont_know": True}),
    (["--expect", "yes_no", "huh?"], {"answer": None, "command": "repeat", "dont_know": False}),
    (["--expect", "yes_no", "banana"], {"answer": None, "command": None, "dont_know": False}),
    (["--expect", "number", "--range", "0", "10", "3 or 4"], {"answer": 4, "command": None, "dont_know": False}),
    (["--expect", "number", "--range", "0", "10", "eleven"], {"answer": None, "command": None, "dont_know": False}),
    (["--expect", "number", "--range", "0", "10", "\u22123"], {"answer": None, "command": None, "dont_know": False}),
    (["--expect", "number", "-3"], {"answer": -3, "command": None, "dont_know": False}),
    (["--expect", "number", "--unit", "weeks", "48 hours"], {"answer": 0, "command": None, "dont_know": False}),
    (["--expect", "number", "--unit", "weeks", "two months ago"], {"answer": 9, "command": None, "dont_know": False}),
    (["--expect", "number", "--unit", "weeks", "7/10"], {"answer": None, "command": None, "dont_know": False}),
    (["--expect", "number", "--unit", "weeks", "a few weeks"], {"answer": None, "command": None, "dont_know": False}),
    (["--expect", "number", "--unit", "years", "three weeks"], {"answer": None, "command": None, "dont_know": False}),
    (["--expect", "number", "--unit", "years", "I'm sixty-five"], {"answer": 65, "command": None, "dont_know": False}),
    (["--expect", "number", "stop"], {"answer": None, "command": "stop", "dont_know": False}),
])
def test_parse_prints_one_json_object(argv, printed):
    code, out, err = _parse(*argv)
    assert (code, err) == (0, "")
    assert out.endswith("\n") and out.count("\n") == 1
    value = json.loads(out)
    assert value == printed and list(value) == ["answer", "command", "dont_know"]


@pytest.mark.parametrize("argv", [[], ["--expect", "yes_no"], ["--expect", "maybe", "yes"], ["yes"],
                                  ["--expect", "number", "--range", "5", "1", "3"],
                                  ["--expect", "number", "--range", "a", "b", "3"],
                                  ["--expect", "number", "--unit", "parsecs", "3"],
                                  ["--expect", "yes_no", "--unit", "weeks", "yes"]])
def test_parse_bad_arguments_exit_2(argv):
    code, out, err = _parse(*argv)
    assert code == 2 and out == "" and "error" in err


def test_parse_runs_as_a_command():
    """The exact form, through a real interpreter: one JSON line on stdout, exit 0; bad arguments exit 2."""
    run = [sys.executable, "-m", "triage", "parse"]
    ok = subprocess.run(run + ["--expect", "number", "--range", "0", "10", "about a 6, maybe 7"],
                        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and json.loads(ok.stdout) == {"answer": 7, "command": None, "dont_know": False}
    bad = subprocess.run(run + ["--expect", "nonsense", "7"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == ""


def test_the_text_prompt_of_a_read_back_offers_yes_no_or_the_answer_again():
    from triage.text_mode import _show

    out = io.StringIO()
    _show(step(_at("duration_weeks").state, "2 or 3 weeks"), out)
    assert out.getvalue().endswith("(yes, no, or say the answer again) > ")
