"""``batchkit decompress``: payloads back into their signed transactions, one JSONL record each.

This module imports only what decoding needs (the format's decoders, keccak, the file helpers; not the API
module, whose encoder side pulls in the transaction model and sender recovery): the command runs in a new
process for every call, and importing the rest of the CLI (readers, node clients, the bench) would be much of
its time on a payload of a few megabytes.
"""

from __future__ import annotations

import sys
import threading
from binascii import hexlify
from pathlib import Path

from ..errors import DecodeError
from ..files import atomic_output
from ..format import v2
from ..format.payload import decode_txs
from ..keccak import keccak256
from .output import EXIT_OK, check_output_file, plural
from .payloads import (is_payload_stream_dir, is_stream, payload_parts, read_file, read_posted, stream_files,
                       stream_transactions)

#: ``decompress`` writes its JSONL this many transactions at a time (memory stays a chunk, not the batch).
_RECORDS_PER_WRITE = 4096


def cmd_decompress(args) -> int:
    if is_payload_stream_dir(args.input) and not args.raw_blobs:
        return _decompress_stream(args)
    check_output_file(args.output)
    parts = None if args.raw_blobs else payload_parts(args.input)
    if parts is not None:  # compress --target-blobs: independent payloads, decoded in order
        batches = (decode_txs(read_posted(name)) for name in parts)
    elif is_stream(args.input) and not args.raw_blobs:
        batches = stream_transactions(args.input)
    else:
        batches = [decode_txs(read_posted(args.input, raw_blobs=args.raw_blobs))]
    with atomic_output(args.output, binary=True) as f:
        for txs in batches:
            _write_records(f, txs)
    return EXIT_OK


def _decompress_stream(args) -> int:
    """A stream directory, in order. Payloads before the first keyframe cannot be decoded (their history is
    not there): they are counted and reported, and decoding starts at the keyframe."""
    files = stream_files(Path(args.input))
    dec = v2.Decoder()  # what batchkit.StreamDecoder wraps
    skipped: list[tuple[str, str]] = []
    txs: list = []
    for name in files:
        payload = read_file(str(name))
        try:
            txs += dec.decode(payload).txs
        except v2.ParentMismatchError as exc:
            if dec.head is not None:
                raise DecodeError(f"{name}: {exc}") from exc
            skipped.append((name.name, exc.reason))
        except DecodeError as exc:
            raise DecodeError(f"{name}: {exc}") from exc
    if skipped:
        print(f"batchkit: {len(skipped)} of {len(files)} payloads could not be decoded: the stream starts after "
              f"their keyframe ({skipped[0][0]} .. {skipped[-1][0]}; first: {skipped[0][1]})", file=sys.stderr)
    if len(skipped) == len(files):
        raise DecodeError("no payload of the stream could be decoded: it holds no keyframe")
    with atomic_output(args.output, binary=True) as f:
        _write_records(f, txs)
    print(f"{plural(len(files) - len(skipped), 'payload')}, {plural(len(txs), 'transaction')}", file=sys.stderr)
    return EXIT_OK


def _write_records(f, txs: list) -> None:
    chunks = (jsonl_records(txs[start:start + _RECORDS_PER_WRITE])
              for start in range(0, len(txs), _RECORDS_PER_WRITE))
    if f is sys.stdout.buffer or len(txs) <= _RECORDS_PER_WRITE:
        for chunk in chunks:
            write_all(f, chunk)
        return
    writer = WriteBehind(f)
    try:
        for chunk in chunks:
            writer.write(chunk)
    except BaseException:
        writer.abandon()
        raise
    writer.close()


class WriteBehind:
    """Writes each chunk to file ``f`` on a second thread while the caller builds the next one (a write
    releases the GIL): at most the chunk being written and the one being built are held, and the chunks reach
    the file in order. For files only: a write to stdout may block as long as its reader waits, and a thread
    blocked there would keep the interpreter from closing stdout."""

    def __init__(self, f):
        self._f = f
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, data: bytes) -> None:
        """Queue ``data`` after the previous chunk; raises the error a previous write met."""
        self._join()
        self._thread = threading.Thread(target=self._run, args=(data,), name="batchkit-writer", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Wait for the last chunk; raises the error a write met."""
        self._join()

    def abandon(self) -> None:
        """Wait for the chunk being written (the file is then the caller's again); its error, if any, is
        dropped: the caller is already raising another."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._error = None

    def _run(self, data: bytes) -> None:
        try:
            write_all(self._f, data)
        except BaseException as exc:  # raised on the caller's thread
            self._error = exc

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def write_all(f, data: bytes) -> None:
    """``f.write(data)``, all of it: a blocking write into a pipe whose reader went away returns the part the
    pipe took (without an error) and only the next write fails, so keep writing until it does."""
    view = memoryview(data)
    while view:
        n = f.write(view)
        if not n:  # a blocking stream never takes nothing: do not spin
            raise BrokenPipeError("the output takes no more bytes")
        view = view[n:]


def jsonl_records(raws: list) -> bytes:
    """One JSONL record ``{"raw": "0x...", "hash": "0x..."}`` per transaction, byte for byte what
    ``json.dumps`` writes for it: hex digits need no escaping, so the line is formatted directly. A
    validity-profile record (no signature: no signed bytes, no transaction hash) is
    ``{"sender": "0x...", "unsigned": "0x...", "signing_hash": "0x..."}``."""
    return b"".join([b'{"raw": "0x%s", "hash": "0x%s"}\n' % (hexlify(raw), hexlify(keccak256(raw)))
                     if type(raw) is bytes else
                     b'{"sender": "0x%s", "unsigned": "0x%s", "signing_hash": "0x%s"}\n'
                     % (hexlify(raw.sender), hexlify(raw.unsigned), hexlify(keccak256(raw.unsigned)))
                     for raw in raws])
