"""How the text front ends end when the person (or the pipe) stops: Ctrl-C, the end of input, no
stdin at all, and a reader that stops reading (`| head`). Each ends with a short goodbye (after an
emergency result, the emergency line again) or quietly, never a traceback. Real processes, real
signals and real pipes."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT_COMMANDS = {"triage": ["-m", "triage"], "local_voice --text": ["-m", "local_voice", "--text"]}
EMERGENCY_AGAIN = "Once more: call 911"
GOODBYE = "Goodbye."
# (answers before the interruption, what the goodbye must say)
POINTS = {"first question": ([], GOODBYE), "after an emergency result": (["no", "yes"], EMERGENCY_AGAIN),
          "after a routine answer": (["no", "no"], GOODBYE)}


def _start(command, **kwargs):
    return subprocess.Popen([sys.executable, *TEXT_COMMANDS[command]], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kwargs)


def _read_until_prompt(stream, prompts: int) -> bytes:
    seen = b""
    while seen.count(b"> ") < prompts:
        chunk = os.read(stream.fileno(), 4096)
        assert chunk, seen
        seen += chunk
    return seen


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("command", TEXT_COMMANDS)
def test_ctrl_c_says_goodbye_and_exits_130(command, point):
    answers, goodbye = POINTS[point]
    process = _start(command, stdin=subprocess.PIPE)
    try:
        process.stdin.write("".join(a + "\n" for a in answers).encode())
        process.stdin.flush()
        _read_until_prompt(process.stdout, len(answers) + 1)  # waiting for the next reply
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, (out, err)
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err, err
    last = out.decode().strip().splitlines()[-1]
    assert last.startswith("Spine Check: Goodbye.") and goodbye in last, last


# With no stdin at all nothing can be answered first.
ENDINGS = [("end of input", point) for point in POINTS] + [("no stdin at all", "first question")]


@pytest.mark.parametrize("stdin, point", ENDINGS)
@pytest.mark.parametrize("command", TEXT_COMMANDS)
def test_the_end_of_input_says_goodbye(command, stdin, point):
    answers, goodbye = POINTS[point]
    if stdin == "no stdin at all":
        process = _start(command, stdin=subprocess.DEVNULL, pass_fds=(), close_fds=True,
                         preexec_fn=lambda: os.close(0))
        out, err = process.communicate(timeout=30)
    else:
        process = _start(command, stdin=subprocess.PIPE)
        out, err = process.communicate("".join(a + "\n" for a in answers).encode(), timeout=30)
    assert process.returncode == 0, (out, err)
    assert b"Traceback" not in err, err
    last = out.decode().strip().splitlines()[-1]
    assert last.startswith("Spine Check: Goodbye.") and goodbye in last, last


# command: (arguments, exit status with no reader). argparse drops a failed --help write itself and
# --help exits 0 as always.
PRINTING = {"questions": (["questions"], 1), "rules-table": (["rules-table"], 1), "help": (["--help"], 0),
            "parse": (["parse", "--expect", "yes_no", "yes"], 1), "assess": (["assess"], 1), "text": (["text"], 1)}


@pytest.mark.parametrize("command", PRINTING)
def test_a_reader_that_stops_reading_ends_it_quietly(command):
    """`python -m triage questions | head -c 300`: the pipe closes before (or while) it prints. The
    standard handling: no traceback, no "Exception ignored" at exit, status 1."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written: every write fails
    try:
        process = subprocess.run([sys.executable, "-m", "triage", *PRINTING[command][0]], cwd=ROOT, stdout=write_end,
                                 stderr=subprocess.PIPE, input=b'{"saddle_numbness": true}\n', timeout=30)
    finally:
        os.close(write_end)
    assert process.returncode == PRINTING[command][1], process.stderr
    assert b"Traceback" not in process.stderr and b"Exception ignored" not in process.stderr, process.stderr
    assert b"BrokenPipe" not in process.stderr, process.stderr
