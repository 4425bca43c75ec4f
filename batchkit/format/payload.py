"""One payload of either version: its version byte, and its decoding by the version's decoder."""

from __future__ import annotations

from ..errors import DecodeError, UnsupportedVersionError
from . import v1, v2


def payload_version(payload) -> int:
    """The version byte of a payload (:class:`DecodeError` if it is not one)."""
    try:
        head = bytes(memoryview(payload)[:3])
    except TypeError:
        raise DecodeError(f"a payload must be bytes-like, not {type(payload).__name__}") from None
    if len(head) < 3 or head[:2] != v1.MAGIC:
        raise DecodeError("not a batchkit payload (bad magic)", offset=0, column="header")
    return head[2]


def decode_txs(payload) -> list:
    """The transactions of one independent payload (v1, or a v2 keyframe; a v2 payload that needs the ones
    before it raises :class:`batchkit.format.v2.ParentMismatchError`): raw signed transactions, or
    :class:`~batchkit.format.validity.ValidityTx` records for a validity-profile payload."""
    version = payload_version(payload)
    if version == 1:
        return v1.decode(payload).txs
    if version == 2:
        return v2.decode(payload).txs
    raise UnsupportedVersionError(f"unsupported version {version}", offset=2, column="header")
