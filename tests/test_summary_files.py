"""triage.summary_files: the files a text or voice summary is written to. Exclusive create (never
overwrite), mode 0600, both files or neither, and a plain-words SummaryWriteError for every failure."""
from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from triage.fhir import summary_bundle
from triage.summary import build_summary, person_text
from triage.summary_files import (SummaryWriteError, check_directory, file_stem, write_summary)
from summary_scenarios import ROOT, ROUTINE, final_state, script
from test_summary_text_mode import BAD_FOLDERS

WHEN = datetime(2026, 11, 30, 15, 4, 12, tzinfo=timezone(timedelta(hours=-5)))
STEM = "spine-check-summary-2026-11-30-150412"


@pytest.fixture(scope="module")
def record():
    return build_summary(final_state(script(ROUTINE)), WHEN, "en-US")


def written(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_the_name_is_the_summary_time_in_its_own_zone():
    assert file_stem(WHEN) == STEM and file_stem(WHEN, 2) == f"{STEM}-2"


def test_the_text_file_holds_the_person_text_and_only_the_owner_may_read_it(tmp_path, record):
    old = os.umask(0)  # the most permissive umask: the files must still be 0600
    try:
        saved = write_summary(record, tmp_path)
    finally:
        os.umask(old)
    assert saved.text_path == tmp_path / f"{STEM}.txt" and saved.fhir_path == tmp_path / f"{STEM}.fhir.json"
    assert saved.text_path.read_text() == person_text(record)
    assert json.loads(saved.fhir_path.read_text()) == summary_bundle(record)
    assert saved.fhir_path.read_text().startswith('{\n  "resourceType": "Bundle"')  # indent 2
    for path in (saved.text_path, saved.fhir_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert written(tmp_path) == [f"{STEM}.fhir.json", f"{STEM}.txt"]


# What is already there under the name: each must be left exactly as it was, and a new name taken.
def _file(path: Path) -> None:
    path.write_text("someone else's notes\n")


def _folder(path: Path) -> None:
    path.mkdir()


def _link_to_elsewhere(path: Path) -> None:
    path.symlink_to(path.parent.parent / "elsewhere.txt")  # dangling: writing through it would create it


def _fhir_name_only(path: Path) -> None:
    path.with_name(path.name.replace(".txt", ".fhir.json")).write_text("{}\n")


CLASHES = {"a file": _file, "a folder": _folder, "a link": _link_to_elsewhere,
           "the clinic file's name only": _fhir_name_only}


@pytest.mark.parametrize("kind", CLASHES)
def test_an_existing_name_is_never_overwritten_the_next_number_is_taken(tmp_path, record, kind):
    folder = tmp_path / "chosen"
    folder.mkdir()
    CLASHES[kind](folder / f"{STEM}.txt")
    before = {p.name: (p.read_bytes() if p.is_file() and not p.is_symlink() else None) for p in folder.iterdir()}
    saved = write_summary(record, folder)
    assert saved.text_path.name == f"{STEM}-2.txt"
    assert saved.text_path.read_text() == person_text(record)
    for name, content in before.items():
        path = folder / name
        assert content is None or path.read_bytes() == content, name
    assert not (tmp_path / "elsewhere.txt").exists()  # a link is never followed
    assert saved.fhir_path.name == f"{STEM}-2.fhir.json"
    assert json.loads(saved.fhir_path.read_text()) == summary_bundle(record)


def test_a_third_summary_in_the_same_second_is_number_3(tmp_path, record):
    names = [write_summary(record, tmp_path).text_path.name for _ in range(3)]
    assert names == [f"{STEM}.txt", f"{STEM}-2.txt", f"{STEM}-3.txt"]
    assert len(written(tmp_path)) == 6


@pytest.mark.parametrize("kind", BAD_FOLDERS)
def test_every_bad_folder_is_a_plain_error_and_leaves_nothing(tmp_path, record, kind):
    folder = tmp_path / "chosen"
    folder.mkdir()
    breaker, says = BAD_FOLDERS[kind]
    given, undo = breaker(folder)
    try:
        with pytest.raises(SummaryWriteError) as checked:
            check_directory(given)
        with pytest.raises(SummaryWriteError) as writing:
            write_summary(record, given)
    finally:
        undo()
    for error in (checked.value, writing.value):
        assert says in error.reason and str(given) in error.reason, error.reason
        assert str(error) == f"The summary could not be saved: {error.reason}."
        assert "Errno" not in str(error) and "Traceback" not in str(error)
    assert not folder.is_dir() or written(folder) in ([], ["notes.txt"])


def test_a_good_folder_passes_the_check_and_the_check_leaves_no_file(tmp_path):
    assert check_directory(tmp_path) == tmp_path
    assert written(tmp_path) == []
    assert check_directory(os.path.relpath(tmp_path)) == tmp_path  # relative: made absolute


_EFBIG_WRITER = """
import sys
from datetime import datetime, timezone
sys.path.insert(0, {tests!r})
from summary_scenarios import ROUTINE, final_state, script
from triage.summary import build_summary
from triage.summary_files import SummaryWriteError, write_summary
try:
    write_summary(build_summary(final_state(script(ROUTINE)), datetime.now(timezone.utc), "en-US"), sys.argv[1])
except SummaryWriteError as exc:
    print(exc)
"""


@pytest.mark.parametrize("fails", ["the person's file", "the clinic's file"])
def test_a_write_the_kernel_refuses_halfway_leaves_neither_file(tmp_path, record, fails):
    """RLIMIT_FSIZE: the kernel refuses a write past that size (EFBIG), as a full disk would (ENOSPC).
    Below the text's size the first file fails; between the text's and the JSON's, the text file is
    written whole and the JSON fails: the text file must be removed too (both or neither)."""
    text_size, json_size = len(person_text(record).encode()), len(json.dumps(summary_bundle(record), indent=2))
    assert text_size < json_size  # what makes the second row fail at the second file
    limit = 300 if fails == "the person's file" else text_size + 10
    result = subprocess.run([sys.executable, "-c", _EFBIG_WRITER.format(tests=str(ROOT / "tests")), str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.strip() == (f"The summary could not be saved: the file would be larger than this computer "
                                     f"allows in the folder {tmp_path}.")
    assert written(tmp_path) == []


def test_a_naive_time_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError):
        build_summary(final_state(script(ROUTINE)), datetime(2026, 1, 1), "en-US")
    assert written(tmp_path) == []


def test_the_folder_it_was_started_in_removed_is_a_plain_error_in_the_text_mode(tmp_path, monkeypatch, record):
    """Started in a folder that is then removed (the default --summary-dir is "here"): "summary" says
    why, never a traceback, and the conversation goes on to its goodbye."""
    import io

    from triage.text_mode import run

    started = tmp_path / "started-here"
    started.mkdir()
    monkeypatch.chdir(started)
    started.rmdir()
    with pytest.raises(SummaryWriteError) as raised:
        write_summary(record, os.curdir)
    assert "no longer exists" in str(raised.value)
    out = io.StringIO()
    status = run(io.StringIO("".join(f"{r}\n" for r in [*script(ROUTINE), "summary", "stop"])), out, summary_dir=os.curdir)
    assert status == 0 and "no longer exists" in out.getvalue() and "Goodbye" in out.getvalue()
    assert "Traceback" not in out.getvalue()
