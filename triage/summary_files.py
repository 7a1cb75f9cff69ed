"""Writing the summary a person asked for as two files in a folder they chose (text and offline voice).

    write_summary(record, directory) -> SavedSummary(text_path, fhir_path)

`<directory>/spine-check-summary-YYYY-MM-DD-HHMMSS.txt` holds the person's plain text
(triage.summary.person_text) and the same name ending `.fhir.json` the clinic's FHIR R4 Bundle
(triage.fhir.summary_bundle, JSON, indent 2). The time is the summary's own (`record.created`, in its
time zone). Health data, so:
- only ever called after the person asked (a Turn of kind "summary"); nothing here logs;
- each file is created exclusively (an existing file is never overwritten: "-2", "-3", ... is added
  to the name on a clash) with mode 0600 (only the owner may read it);
- both files or neither: on any failure whatever was created is removed;
- every failure is a `SummaryWriteError` whose message says why in plain words, never a traceback.

Standard library only.
"""
from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .fhir import summary_bundle
from .summary import SummaryRecord, build_summary, person_text

PREFIX = "spine-check-summary"
TEXT_SUFFIX, FHIR_SUFFIX = ".txt", ".fhir.json"
MODE = 0o600  # health data: the owner only
MAX_CLASHES = 999  # "-2" up to "-999" for summaries made in one second; then give up with a message
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


# What a front end says after a failed write (after the error's own sentence): the answers are never lost.
KEPT_AT_RESULT = "Nothing was saved, and your answers are kept: say summary to try again."
KEPT_BEFORE_RESULT = "Nothing was saved, and your answers are kept, so let's carry on."


@dataclass(frozen=True)
class SavedSummary:
    """Where a summary was written: the person's text file and the clinic's FHIR JSON file (absolute)."""
    text_path: Path
    fhir_path: Path


class SummaryWriteError(Exception):
    """The summary could not be written; nothing was left behind. `reason`: why, in plain words, with
    the folder's whole path ("the folder /home/ann/x does not exist"); str(): a whole sentence to print.
    `said(folder_words)`: the same sentence with the folder as words a synthesizer reads well."""

    def __init__(self, template: str, folder: Path) -> None:
        self.folder = folder
        self._template = template  # the reason with "{folder}" where the folder goes
        self.reason = template.format(folder=folder)
        super().__init__(f"The summary could not be saved: {self.reason}.")

    def said(self, folder_words: str) -> str:
        return f"The summary could not be saved: {self._template.format(folder=folder_words)}."


def path_lines(saved: SavedSummary) -> str:
    """Both files by their whole path, one a line, for a front end to print."""
    return f"  For you, plain text: {saved.text_path}\n  For a clinic, FHIR R4: {saved.fhir_path}\n"


def file_stem(created: datetime, clash: int = 1) -> str:
    """'spine-check-summary-2026-11-30-150412', then '...-150412-2' for the second in that second."""
    stem = f"{PREFIX}-{created:%Y-%m-%d-%H%M%S}"
    return stem if clash == 1 else f"{stem}-{clash}"


def absolute_folder(directory: str | os.PathLike[str]) -> Path:
    """`directory` as an absolute path. A relative one needs the current folder, which may have been
    removed since the program started (then SummaryWriteError, never a traceback)."""
    try:
        return Path(os.path.abspath(os.fspath(directory)))
    except OSError as exc:  # os.getcwd() of a removed folder: FileNotFoundError
        # No "{folder}" here: the only name left is a relative one ("."), which says nothing.
        raise SummaryWriteError("the folder Spine Check was started in no longer exists",
                                Path(os.fspath(directory))) from exc


def check_directory(directory: str | os.PathLike[str]) -> Path:
    """The folder as an absolute path when a summary can be written in it; else SummaryWriteError
    (missing, not a folder, not writable). Writes nothing that stays: writability is tried with an
    unnamed temporary file (O_TMPFILE on Linux), because permission bits do not tell the truth for
    root or for read-only or immutable folders."""
    path = absolute_folder(directory)
    try:
        if not stat.S_ISDIR(os.stat(path).st_mode):  # missing, or a file in the way, say so plainly
            raise NotADirectoryError(errno.ENOTDIR, "not a folder")
        _try_writing_in(path)
    except OSError as exc:
        raise SummaryWriteError(_reason(exc), path) from None
    return path


# What O_TMPFILE fails with where the file system or kernel lacks it (then a named file is tried).
_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT}


def _try_writing_in(folder: Path) -> None:
    """Create a file in `folder` and remove it at once: unnamed where the system can (nothing ever
    appears in the folder), else a named temporary file deleted on close. Raises OSError."""
    unnamed = getattr(os, "O_TMPFILE", 0)
    if unnamed:
        try:
            os.close(os.open(folder, unnamed | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), MODE))
            return
        except OSError as exc:
            if exc.errno not in _NO_TMPFILE:
                raise
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".spine-check-write-test-"):
        pass


def save_summary(state: Any, locale: str, directory: str | os.PathLike[str]) -> SavedSummary:
    """The summary of conversation `state` made now (local time, with its offset) and written in
    `directory`: what the text and offline voice front ends do when the person says "summary".
    Raises SummaryWriteError as write_summary does (and NotASummaryState for a foreign state)."""
    return write_summary(build_summary(state, datetime.now().astimezone(), locale), directory)


def write_summary(record: SummaryRecord, directory: str | os.PathLike[str]) -> SavedSummary:
    """Write both files of `record` in `directory` (see the module docstring); returns their paths.

    Raises SummaryWriteError: the folder is missing, is not a folder, may not be written, or the disk
    is full (or any other OSError); nothing is left behind then."""
    folder = absolute_folder(directory)
    texts = (person_text(record).encode("utf-8"), _fhir_json(record))
    for clash in range(1, MAX_CLASHES + 1):
        stem = file_stem(record.created, clash)
        paths = (folder / (stem + TEXT_SUFFIX), folder / (stem + FHIR_SUFFIX))
        created: list[Path] = []
        try:
            for path, data in zip(paths, texts, strict=True):
                fd = os.open(path, _CREATE, MODE)
                created.append(path)
                _write_all(fd, data)
        except FileExistsError:
            _remove(created)  # this name is taken (by either file): try the next one
            continue
        except OSError as exc:
            _remove(created)
            raise SummaryWriteError(_reason(exc), folder) from None
        except BaseException:  # Ctrl-C halfway: still both files or neither
            _remove(created)
            raise
        return SavedSummary(text_path=paths[0], fhir_path=paths[1])
    raise SummaryWriteError(f"the folder {{folder}} already holds {MAX_CLASHES} summaries made in the same second",
                            folder)


def _fhir_json(record: SummaryRecord) -> bytes:

    bundle: dict[str, Any] = summary_bundle(record)
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _write_all(fd: int, data: bytes) -> None:
    """Write `data` to the new file `fd`, make it 0600 whatever the umask, flush it to the disk (a full
    disk may only show at fsync) and close it."""
    try:
        os.fchmod(fd, MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass  # already gone; nothing else can be done, and the write error is what matters


# errno -> why, in plain words. {folder} is the folder the person chose (a path, or words when said).
_REASONS = {
    errno.ENOENT: "the folder {folder} does not exist",
    errno.ENOTDIR: "{folder} is not a folder (a file is in the way)",
    errno.EACCES: "Spine Check is not allowed to write in the folder {folder}",
    errno.EPERM: "Spine Check is not allowed to write in the folder {folder}",
    errno.EROFS: "the folder {folder} is on a disk that cannot be written to",
    errno.ENOSPC: "the disk holding the folder {folder} is full",
    errno.EDQUOT: "you have used all the disk space you are allowed for the folder {folder}",
    errno.EFBIG: "the file would be larger than this computer allows in the folder {folder}",
    errno.ENAMETOOLONG: "the name of the folder {folder} is too long",
    errno.ELOOP: "the folder {folder} is a loop of links",
    errno.EISDIR: "a folder is in the way in {folder}",
}


def _reason(exc: OSError) -> str:
    """Why, as a template with "{folder}" in it."""
    template = _REASONS.get(exc.errno or 0)
    if template is None:
        detail = (exc.strerror or type(exc).__name__).replace("{", "(").replace("}", ")")
        return f"writing in the folder {{folder}} failed ({detail})"
    return template
