"""How a command-line entry point ends when its reader goes away: a closed pipe (`... | head`) or
Ctrl-C ends quietly, with the conventional status, never with a traceback."""
from __future__ import annotations

import os
import sys
from typing import Callable

INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


def run_main(main: Callable[[], int]) -> int:
    """Run `main` and return its exit status. BrokenPipeError: the reader stopped reading, so the rest
    of the output goes to /dev/null (the interpreter's final flush would fail again) and the status
    is 1, as the Python documentation recommends (library/signal.html, "Note on SIGPIPE").
    KeyboardInterrupt that `main` did not handle itself: status 130, no traceback."""
    try:
        status = main()
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return INTERRUPTED
