"""Calldata framing: post a payload as the data of ordinary L1 transactions.

Layout (calldata framing version 1)
===================================

The first byte of every frame is ``flag << 7 | version``: the low seven bits are the framing version
(``CALLDATA_VERSION`` = 1), the high bit says whether the payload was split. Two forms::

    single frame:   0x01 ‖ payload                                   (the whole payload in one transaction)
    split frame:    0x81 ‖ index (u8) ‖ count (u8) ‖ chunk           (one of ``count`` transactions)

A payload of at most ``MAX_FRAME_PAYLOAD`` bytes always travels as one single frame. A larger one is cut
into ``count = ceil(len / MAX_FRAME_PAYLOAD)`` chunks (2 <= count <= ``MAX_FRAMES``); every chunk but the
last is exactly ``MAX_FRAME_PAYLOAD`` bytes and the last is 1..``MAX_FRAME_PAYLOAD`` bytes; frame ``i``
carries ``index = i``. Frames are posted, and handed to :func:`unframe`, in index order.

Frame size. EIP-7825 (Fusaka) caps a transaction at 2^24 gas. Under the EIP-7623 floor a transaction
with no execution pays ``21000 + 10 * tokens`` gas, and a non-zero byte is 4 tokens, so the worst case
(every byte non-zero) is 40 gas per byte::

    MAX_FRAME_SIZE    = (2**24 - 21000) // 40 = 16,756,216 // 40 = 418,905 bytes   (21000 + 40 * 418,905
                        = 16,777,200 <= 16,777,216; one byte more is 16,777,240 > 2^24)
    MAX_FRAME_PAYLOAD = 418,905 - 3 (the split header) = 418,902 bytes

so any frame fits one transaction whatever its bytes. (The EIP-7976 floor, 64 gas per byte, scheduled
for Glamsterdam and not live, would need smaller frames: that would be a new framing version.)

Strictness (every accepted list of frames has exactly one encoding: ``frame(unframe(f)) == f``): a known
version (else ``UnsupportedVersionError``); a single frame only alone; split frames with the same count,
indices 0, 1, ... in order (duplicates, gaps, out-of-order and missing frames are errors), count at least 2
and at most ``MAX_FRAMES`` (``LimitExceededError``); canonical chunk sizes (a frame longer than allowed is
trailing bytes; a short frame before the last, or an empty last chunk, is an error). Errors are
:class:`~batchkit.errors.DecodeError` with ``column`` ``"frame[i]"`` and ``offset`` inside that frame.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import DecodeError, InputError, LimitExceededError, UnsupportedVersionError, VerificationError
from ..limits import MAX_CALLDATA_PAYLOAD_BYTES, MAX_FRAMES

__all__ = [
    "CALLDATA_VERSION", "SPLIT_FLAG", "SINGLE_HEADER_SIZE", "SPLIT_HEADER_SIZE", "TX_GAS_CAP", "TX_BASE_GAS",
    "FLOOR_GAS_PER_NONZERO_BYTE", "MAX_FRAME_SIZE", "MAX_FRAME_PAYLOAD", "MAX_FRAMES", "MAX_CALLDATA_PAYLOAD_BYTES",
    "frame", "unframe", "frames_needed",
]

#: Framing version (low seven bits of every frame's first byte).
CALLDATA_VERSION = 0x01
#: High bit of the first byte: set on the frames of a split payload.
SPLIT_FLAG = 0x80
SINGLE_HEADER_SIZE = 1
#: Version byte, index (u8), count (u8).
SPLIT_HEADER_SIZE = 3

#: EIP-7825: most gas one transaction may use.
TX_GAS_CAP = 2**24
#: Intrinsic gas of a transaction.
TX_BASE_GAS = 21_000
#: EIP-7623 floor: 10 gas per token, 4 tokens per non-zero byte.
FLOOR_GAS_PER_NONZERO_BYTE = 10 * 4
#: Largest frame (header included) that fits one transaction at 40 gas per byte:
#: (16,777,216 - 21,000) // 40 = 418,905.
MAX_FRAME_SIZE = (TX_GAS_CAP - TX_BASE_GAS) // FLOOR_GAS_PER_NONZERO_BYTE
#: Payload bytes in one frame: 418,905 - 3 = 418,902 (also the most a single frame carries).
MAX_FRAME_PAYLOAD = MAX_FRAME_SIZE - SPLIT_HEADER_SIZE

assert TX_BASE_GAS + FLOOR_GAS_PER_NONZERO_BYTE * MAX_FRAME_SIZE <= TX_GAS_CAP
assert TX_BASE_GAS + FLOOR_GAS_PER_NONZERO_BYTE * (MAX_FRAME_SIZE + 1) > TX_GAS_CAP
assert MAX_FRAMES <= 0xFF
assert MAX_CALLDATA_PAYLOAD_BYTES == MAX_FRAMES * MAX_FRAME_PAYLOAD


def frames_needed(n_bytes: int) -> int:
    """Number of frames (transactions) a payload of ``n_bytes`` needs. Raises InputError above
    MAX_CALLDATA_PAYLOAD_BYTES or for a negative size."""
    if isinstance(n_bytes, bool) or not isinstance(n_bytes, int) or n_bytes < 0:
        raise InputError(f"payload size must be a non-negative integer, got {n_bytes!r}")
    if n_bytes > MAX_CALLDATA_PAYLOAD_BYTES:
        raise InputError(f"payload of {n_bytes} bytes exceeds the calldata limit of {MAX_CALLDATA_PAYLOAD_BYTES} bytes "
                         f"({MAX_FRAMES} frames)")
    if n_bytes <= MAX_FRAME_PAYLOAD:
        return 1
    return -(-n_bytes // MAX_FRAME_PAYLOAD)


def frame(payload: bytes, *, verify: bool = True) -> list[bytes]:
    """Frame ``payload`` as transaction data: one frame ``0x01 ‖ payload`` if it fits, else split frames.

    ``verify`` (on by default) unframes the result and raises VerificationError on a mismatch.
    Raises InputError for a payload that is not bytes-like or is over MAX_CALLDATA_PAYLOAD_BYTES.

    >>> frame(b"abc")
    [b'\\x01abc']
    """
    try:
        data = memoryview(payload).tobytes()
    except TypeError:
        raise InputError(f"payload must be bytes-like, not {type(payload).__name__}") from None
    count = frames_needed(len(data))
    if count == 1:
        frames = [bytes([CALLDATA_VERSION]) + data]
    else:
        first = SPLIT_FLAG | CALLDATA_VERSION
        frames = [bytes([first, i, count]) + data[i * MAX_FRAME_PAYLOAD:(i + 1) * MAX_FRAME_PAYLOAD]
                  for i in range(count)]
    if verify:
        try:
            ok = unframe(frames) == data
        except DecodeError:
            ok = False
        if not ok:
            raise VerificationError("frame produced frames that do not unframe to the payload")
    return frames


def _frame_bytes(f: Any, i: int) -> bytes:
    """A private copy of frame ``i``, refused before copying if longer than MAX_FRAME_SIZE."""
    column = f"frame[{i}]"
    try:
        view = memoryview(f)
    except TypeError:
        raise DecodeError(f"a frame must be bytes-like, not {type(f).__name__}", column=column) from None
    with view:
        if view.nbytes > MAX_FRAME_SIZE:
            raise LimitExceededError("frame size", view.nbytes, MAX_FRAME_SIZE, offset=MAX_FRAME_SIZE,
                                     column=column)
        return view.tobytes()


def unframe(frames: Sequence[bytes | bytearray | memoryview]) -> bytes:
    """Reassemble the payload from ``frames`` (a list or tuple, in index order), strictly.

    Raises UnsupportedVersionError for an unknown version, LimitExceededError for more than MAX_FRAMES
    frames or a count above it, and DecodeError for anything else; no other exception escapes.
    """
    if not isinstance(frames, (list, tuple)):
        raise DecodeError(f"frames must be a list or tuple, not {type(frames).__name__}")
    if not frames:
        raise DecodeError("no frames")
    if len(frames) > MAX_FRAMES:
        raise LimitExceededError("frame count", len(frames), MAX_FRAMES)

    parts: list[bytes] = []
    count = 0
    for i, f in enumerate(frames):
        column = f"frame[{i}]"
        data = _frame_bytes(f, i)
        n = len(data)
        if n == 0:
            raise DecodeError("empty frame: missing the version byte", offset=0, column=column)
        head = data[0]
        if head & 0x7F != CALLDATA_VERSION:
            raise UnsupportedVersionError(f"unknown calldata framing version {head & 0x7F}", offset=0,
                                          column=column)
        if not head & SPLIT_FLAG:
            if len(frames) != 1:
                raise DecodeError(f"a single (unsplit) frame must travel alone, got {len(frames)} frames",
                                  offset=0, column=column)
            if n - SINGLE_HEADER_SIZE > MAX_FRAME_PAYLOAD:
                raise DecodeError(f"trailing bytes: a single frame carries at most {MAX_FRAME_PAYLOAD} bytes",
                                  offset=SINGLE_HEADER_SIZE + MAX_FRAME_PAYLOAD, column=column)
            return data[SINGLE_HEADER_SIZE:]

        if n < SPLIT_HEADER_SIZE:
            raise DecodeError("truncated split-frame header", offset=n, column=column)
        index, frame_count = data[1], data[2]
        if i == 0:
            if frame_count > MAX_FRAMES:
                raise LimitExceededError("frame count", frame_count, MAX_FRAMES, offset=2, column=column)
            if frame_count < 2:
                raise DecodeError(f"a split payload needs at least 2 frames, count is {frame_count}",
                                  offset=2, column=column)
            count = frame_count
        elif frame_count != count:
            raise DecodeError(f"inconsistent frame counts: {frame_count} here, {count} in frame 0",
                              offset=2, column=column)
        if index >= count:
            raise DecodeError(f"frame index {index} out of range for {count} frames", offset=1, column=column)
        if index < i:
            raise DecodeError(f"duplicate frame index {index}", offset=1, column=column)
        if index > i:
            raise DecodeError(f"frame out of order or missing: expected index {i}, got {index}",
                              offset=1, column=column)
        chunk = n - SPLIT_HEADER_SIZE
        # chunk <= MAX_FRAME_PAYLOAD always: n <= MAX_FRAME_SIZE was checked before the copy.
        if index < count - 1 and chunk != MAX_FRAME_PAYLOAD:
            raise DecodeError(f"frame {index} of {count} must carry exactly {MAX_FRAME_PAYLOAD} bytes, "
                              f"carries {chunk}", offset=n, column=column)
        if index == count - 1 and chunk == 0:
            raise DecodeError("the last frame carries no bytes", offset=n, column=column)
        parts.append(data[SPLIT_HEADER_SIZE:])

    if len(frames) < count:
        raise DecodeError(f"missing frames: got {len(frames)} of {count}", column=f"frame[{len(frames)}]")
    return b"".join(parts)
