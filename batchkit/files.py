"""Files: the one bounded reader every file-reading path uses, and output that is never left half-written.

A reader never reads more than its limit plus one byte, whatever the source (a disk image, ``/dev/zero``,
an endless pipe), and refuses a regular file larger than the limit before reading it.

Output goes first into a hidden temporary sibling of the target, ``.NAME.PID.XXXXXXXX.tmp`` (a file, or a
directory for blob directories), renamed into place when complete: the target is never half-written. On any
error the temporary is removed (also when the disk is full and flushing fails again) and the error names the
target, not the temporary. A process killed outright (SIGKILL, a power cut) leaves its temporary behind: the
next write of the same target removes every temporary of it whose process is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
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


def _temp_prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_temporaries(target: str | os.PathLike[str]) -> int:
    """Remove the temporaries of ``target`` left by processes that no longer run (killed while writing);
    returns how many. Temporaries of a running process, and names of any other form, are left alone."""
    target = Path(target)
    removed = 0
    try:
        names = os.listdir(target.parent if str(target.parent) else ".")
    except OSError:
        return 0
    head = f".{target.name}."
    for name in names:
        if not (name.startswith(head) and name.endswith(".tmp")):
            continue
        pid = name[len(head):-4].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        path = target.parent / name
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
    return removed


def temp_dir_for(target: str | os.PathLike[str]) -> str:
    """A new hidden temporary directory beside ``target`` (for a directory written whole, then renamed into
    place), after removing stale ones; an error names ``target``."""
    target = Path(os.path.abspath(os.fspath(target)))
    remove_stale_temporaries(target)
    try:
        return tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise FileError("write", str(target), exc) from None


def as_file_error(exc: BaseException, path: str | os.PathLike[str]) -> BaseException:
    """``exc`` as the error of writing ``path``: an ``OSError`` (no space, read-only, ...) becomes a
    :class:`FileError` naming ``path`` (not the temporary it was writing); anything else stays as it is."""
    if isinstance(exc, OSError) and not isinstance(exc, FileError):
        return FileError("write", os.fspath(path), exc)
    return exc


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def replace_dir(new: str, old: str) -> None:
    """Put the directory ``new`` (a temporary sibling) in the place of the existing directory ``old``, and
    remove what was there. On Linux one atomic exchange (``renameat2(RENAME_EXCHANGE)``): a reader, or a
    process killed at any point, sees the old directory or the new one whole, never neither. Elsewhere, two
    renames (the old directory goes aside as a temporary of this process first)."""
    exchanged = False
    if sys.platform.startswith("linux"):
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = getattr(libc, "renameat2", None)
        if renameat2 is not None:
            exchanged = renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(old), _RENAME_EXCHANGE) == 0
    if exchanged:
        remove_temp(new)  # now the old directory
        return
    aside = tempfile.mkdtemp(prefix=_temp_prefix(Path(old)), suffix=".tmp", dir=os.path.dirname(old) or ".")
    os.rmdir(aside)
    os.rename(old, aside)
    os.rename(new, old)
    remove_temp(aside)


def remove_temp(path: str) -> None:
    """Remove a temporary file or directory, whatever state it is in."""
    with contextlib.suppress(OSError):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


@contextlib.contextmanager
def atomic_output(path: str | None, *, binary: bool) -> Iterator:
    """Yield a file to write; on success it replaces ``path`` (``-``/None: stdout), on error nothing is left."""
    if path in (None, "-"):
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    target = Path(path)
    remove_stale_temporaries(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent or ".")
    except OSError as exc:  # the error names the temporary file: name the caller's path instead
        raise FileError("write", str(path), exc) from None
    f = None
    try:
        f = os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"}))
        yield f
        f.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the mode open() would
        os.replace(tmp, target)
    except BaseException as exc:
        if f is not None:
            with contextlib.suppress(OSError):  # flushing a full disk fails again: the file goes anyway
                f.close()
        else:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        error = as_file_error(exc, str(path))
        if error is exc:
            raise
        raise error from None
