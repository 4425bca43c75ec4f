"""Reading a payload in any of its posting forms, for every command that takes one: a payload file or stdin,
a directory of blobs written by ``compress --to blobs``, or calldata frames written by ``compress --to
calldata`` (PREFIX, or PREFIX.000, PREFIX.001, ... when split); and the payloads of a blob stream directory
(``compress --to blobs --blob-stream``) or of a payload stream directory (``compress --stream``), in order.

The blob modules (:mod:`batchkit.l1.blob`, :mod:`batchkit.l1.blobstream`) are imported when a blob directory
or blob stream is met: ``decompress`` of a payload file or a stream directory never needs them."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..l1 import calldata
from ..format import v1, v2
from ..format.payload import payload_version
from ..errors import DecodeError, InputError, LimitExceededError
from ..files import read_bounded
from ..limits import MAX_PAYLOAD_BYTES
from .output import plural


def read_file(path: str, limit: int = MAX_PAYLOAD_BYTES, what: str = "payload size") -> bytes:
    """The bytes of ``path`` (``-``: stdin), at most ``limit`` of them (else :class:`LimitExceededError`)."""
    return read_bounded(path, limit, lambda size: LimitExceededError(what, size, limit))


def stream_files(directory: Path) -> list[Path]:
    """The payload files of a stream directory written by ``compress --stream``, in stream order."""
    return sorted(p for p in directory.glob("*.bk") if p.is_file())


def is_payload_stream_dir(path: str) -> bool:
    """A directory of ``*.bk`` payloads of one v2 stream (``compress --stream``; a blob directory has a
    manifest instead)."""
    p = Path(path)
    return path != "-" and p.is_dir() and not (p / "manifest.json").exists() and bool(stream_files(p))


def read_stream_tail(files: list[Path]) -> list[bytes]:
    """The payloads of ``files`` back to the last keyframe (what resuming the stream needs)."""
    out: list[bytes] = []
    for name in reversed(files):
        data = read_file(str(name))
        out.append(data)
        if data[2:3] == b"\x02" and data[4:5] == b"\x00":  # a v2 keyframe: seq 0
            break
    return out[::-1]


def _blob_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("blob-*.bin") if p.is_file())


def read_raw_blobs(path: str) -> bytes:
    """The payload of raw blob files without a manifest: one blob file, or every ``blob-*.bin`` of a directory
    in name order. No versioned hash is checked (there is none to check against); the blobs are decoded
    strictly."""
    from ..l1.blob import BLOB_SIZE, decode_blobs
    p = Path(path)
    files = _blob_files(p) if p.is_dir() else [p]
    if not files:
        raise InputError(f"{path} holds no blob files (blob-000.bin, ...)")
    return decode_blobs([read_file(str(f), BLOB_SIZE, "blob file size") for f in files])


def _peek(path: str, n: int = 16) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError:
        return b""  # read_file reports it


def _not_a_payload(path: str, head: bytes, size: int) -> InputError:
    from ..l1.blob import BLOB_SIZE
    if size == BLOB_SIZE:
        return InputError(f"{path} is a raw blob ({BLOB_SIZE} bytes), not a payload: decode the blob directory "
                          "(with its manifest.json), or pass --raw-blobs to decode the blob without a versioned "
                          "hash check")
    start = head[:1]
    looks = (" (it looks like a transactions file: compress reads those)" if start in (b"{", b"[", b"0")
             else " (it looks like a Parquet file: compress reads those)" if head[:4] == b"PAR1" else "")
    return InputError(f"{path} is not a batchkit payload{looks}")


def payload_parts(path: str) -> list[str] | None:
    """The payload files or blob directories ``PREFIX.000``, ``PREFIX.001``, ... that ``compress
    --target-blobs N -o PREFIX`` wrote, when ``path`` is such a prefix (calldata frames of one payload are
    ``PREFIX.000`` too: they start with the framing version, a payload with its magic)."""
    if path == "-" or Path(path).exists() or not Path(f"{path}.000").exists():
        return None
    first = Path(f"{path}.000")
    if not first.is_dir() and _peek(str(first), 2) != v1.MAGIC:
        return None
    names = []
    while Path(f"{path}.{len(names):03d}").exists():
        names.append(f"{path}.{len(names):03d}")
    return names


def read_posted(path: str, limit: int = MAX_PAYLOAD_BYTES, what: str = "payload size", *,
                raw_blobs: bool = False) -> bytes:
    """The payload posted at ``path`` in any posting form. A plain file (at most ``limit`` bytes) is returned
    as it is unless it is a calldata frame: a frame's first byte is the framing version, never the ``B``
    of the payload magic nor the first byte of a text or Parquet transactions file. ``raw_blobs``: ``path``
    is a raw blob file or a directory of them without a manifest (:func:`read_raw_blobs`)."""
    if raw_blobs:
        return read_raw_blobs(path)
    if path != "-" and Path(path).is_dir():
        from ..l1.blob import MANIFEST_NAME, read_blob_dir
        from ..l1.blobstream import is_stream_dir as is_blob_stream_dir
        if is_blob_stream_dir(path):
            raise InputError(f"{path} is a blob stream of several payloads: this command reads one payload")
        if not (Path(path) / MANIFEST_NAME).exists():
            blobs = _blob_files(Path(path))
            raise InputError(f"{path} has no {MANIFEST_NAME}" + (
                f" (it holds {plural(len(blobs), 'blob file')}): pass --raw-blobs to decode them in name order without "
                "checking their versioned hashes" if blobs else ": not a blob directory"))
        return read_blob_dir(path)
    if path != "-" and not Path(path).exists() and Path(f"{path}.000").exists():
        names = []
        while Path(f"{path}.{len(names):03d}").exists() and len(names) <= calldata.MAX_FRAMES:
            names.append(f"{path}.{len(names):03d}")
        return calldata.unframe([read_file(name) for name in names])
    if path != "-" and limit == MAX_PAYLOAD_BYTES:  # a payload is asked for: say so when it is not one
        head = _peek(path)
        if head and head[:2] != v1.MAGIC and head[0] & 0x7F != calldata.CALLDATA_VERSION:
            raise _not_a_payload(path, head, Path(path).stat().st_size)
    data = read_file(path, limit, what)
    if data[:1] and data[0] & 0x7F == calldata.CALLDATA_VERSION:
        return calldata.unframe([data])
    return data


def is_stream(path: str) -> bool:
    """Whether ``path`` is a blob stream directory."""
    if path == "-" or not Path(path).is_dir():
        return False
    from ..l1.blobstream import is_stream_dir as is_blob_stream_dir
    return is_blob_stream_dir(path)


def stream_transactions(path: str) -> Iterator[list[bytes]]:
    """The transactions of each payload of the blob stream directory ``path``, in order, one payload at a
    time (v1 payloads decode alone; v2 payloads in order, each after its parent)."""
    from ..l1.blobstream import read_stream_dir
    decoder = v2.Decoder()
    for carried in read_stream_dir(path):
        try:
            if payload_version(carried.data) == 1:
                yield v1.decode(carried.data).txs
            else:
                yield decoder.decode(carried.data).txs
        except DecodeError as exc:
            where = f"blob {carried.first_blob}" if carried.first_blob == carried.last_blob \
                else f"blobs {carried.first_blob}-{carried.last_blob}"
            raise DecodeError(f"{path}: payload {carried.index} ({where}): {exc}") from exc
