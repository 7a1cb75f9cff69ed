"""Print the share of issue 7's natural answers that the core understands first time.

    .venv/bin/python bench/natural_answers.py            # this checkout
    .venv/bin/python bench/natural_answers.py --core DIR  # another checkout's core (DIR holds triage/)

The rows and what each person meant are in tests/natural_answers.py. "Understood" means read as meant at
the first reply: taken, or read back where the answer had doubt or a range, or asked again where the
number cannot be right for the question.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--core", type=Path, default=REPO_ROOT, help="directory that holds the triage package")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every row")
    args = parser.parse_args(argv)
    sys.path[:0] = [str(args.core.resolve()), str(REPO_ROOT / "tests")]
    import natural_answers as table

    for name, rows in (("refused", table.REFUSED), ("wrongly accepted", table.WRONGLY_ACCEPTED),
                       ("all listed in issue 7", table.ISSUE_ROWS), ("vague amounts (re-asked)", table.VAGUE)):
        ok = table.understood(rows)
        print(f"{name:28} {sum(ok):3d}/{len(ok):<3d} {100 * sum(ok) / len(ok):5.1f}% understood first time")
        if args.verbose:
            for (text, qid, expected), good in zip(rows, ok, strict=True):
                print(f"    {'ok ' if good else 'NO '} {text!r:38} {qid:28} want {expected} got {table.meaning(text, qid)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
