"""What the commands print and where: counts in words, binary output kept off terminals, and a closed
pipe on stdout (``batchkit decompress p.bk | head -1``) treated as the reader being done."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import InputError

#: Exit statuses: done, ``verify`` found a difference, an error (bad input or usage).
EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2
#: Exit status after the reader of stdout went away: that of a process killed by SIGPIPE, as ``cat`` gives.
EXIT_BROKEN_PIPE = 128 + 13


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``1 transaction``, ``2 transactions``, ``0 transactions``."""
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def refuse_binary_to_terminal(output: str | None, force: bool) -> None:
    """A binary payload written to stdout would garble a terminal: refuse unless stdout was asked for
    (``-o -``) or ``--force`` is given."""
    if output is None and not force and _stdout_is_terminal():
        raise InputError("refusing to write a binary payload to a terminal: give -o FILE, or -o - (or --force) "
                         "to write it to stdout anyway")


def _stdout_is_terminal() -> bool:
    try:
        return os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # replaced or closed stdout
        return False


def silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush of a closed pipe does not print an error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def check_output_file(path: str | None, directory: bool = False) -> None:
    """Refuse, before any work, an output that cannot be written: a file where an existing directory is
    (or, with ``directory``, a directory where a file is), or a path whose directory does not exist
    (``None``/``-``: stdout, fine)."""
    if path in (None, "-"):
        return
    target = Path(path)
    if directory:
        if target.exists() and not target.is_dir():
            raise InputError(f"{path} is a file: give a directory for the output")
    elif target.is_dir():
        raise InputError(f"{path} is a directory: give a file name for the output")
    parent = target.parent
    if not parent.is_dir():
        raise InputError(f"cannot write {path}: No such file or directory (the directory {parent} does not "
                         "exist)")
