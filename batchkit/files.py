"""Files: the one bounded reader every file-reading path uses, and output that is never left half-written.

A reader never reads more than its limit plus one byte, whatever the source (a disk image, ``/dev/zero``,
an endless pipe), and refuses a regular file larger than the limit before reading it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, TextIO, Union

from .errors import FileError

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO, TextIO]


def read_bounded(source: PathOrFile, limit: int, too_big: Callable[[int], Exception], *,
                 not_regular: Callable[[], Exception] | None = None) -> bytes:
    """All the bytes of ``source``: a path, ``-`` (stdin) or an open file (binary, or text read as UTF-8).

    Raises ``too_big(size)`` when there are more than ``limit`` bytes: before reading when the size is known
    (a regular file), else once ``limit + 1`` bytes have been read. With ``not_regular``, a path that is not
    a regular file (a FIFO or a device could block or never end) raises ``not_regular()``. A path that
    cannot be opened raises :class:`~batchkit.errors.FileError` (an ``OSError``) naming it.
    """
    if hasattr(source, "read"):
        return _read_stream(source, limit, too_big)  # type: ignore[arg-type]
    name = os.fspath(source)  # type: ignore[arg-type]
    if name == "-":
        return _read_stream(sys.stdin.buffer, limit, too_big)
    try:
        f = open(name, "rb")
    except OSError as exc:
        raise FileError("read", name, exc) from None
    with f:
        st = os.fstat(f.fileno())
        if not_regular is not None and not stat.S_ISREG(st.st_mode):
            raise not_regular()
        if stat.S_ISREG(st.st_mode) and st.st_size > limit:
            raise too_big(st.st_size)
        return _read_stream(f, limit, too_big)


def _read_stream(f: BinaryIO | TextIO, limit: int, too_big: Callable[[int], Exception]) -> bytes:
    data = f.read(limit + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > limit:
        raise too_big(len(data))
    return data


@contextlib.contextmanager
def atomic_output(path: str | None, *, binary: bool) -> Iterator:
    """Yield a file to write; on success it replaces ``path`` (``-``/None: stdout), on error nothing is left."""
    if path in (None, "-"):
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as exc:  # the error names the temporary file: name the caller's path instead
        raise FileError("write", str(path), exc) from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as f:
            yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the mode open() would
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise FileError("write", str(path), exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
