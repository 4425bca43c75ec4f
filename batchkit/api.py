"""The public API: compress, decompress, verify; the stream objects are in :mod:`batchkit.stream`."""

from __future__ import annotations

from typing import Iterable, Sequence

from .coerce import parse_api_tx, sender_labels
from .errors import DecodeError, InputError, UnsupportedVersionError, VerificationError
from .format import v1, v2
from .senders import recover_senders

#: Payload versions :func:`compress` writes (every version it ever wrote decodes).
VERSIONS = (1, 2)


def normalize(txs: Iterable) -> list[bytes]:
    """The transactions as raw bytes (see :func:`batchkit.coerce.parse_api_tx`)."""
    return [tx if type(tx) is bytes else parse_api_tx(tx, index=i, validate=False) for i, tx in enumerate(txs)]


def labels_for(raws: list[bytes], senders: Sequence | None, recover: bool) -> list[int] | None:
    """Sender labels for the codec: from ``senders``, else recovered (``recover``), else none."""
    if senders is not None:
        return sender_labels(senders, len(raws))
    if recover and raws:
        return sender_labels(recover_senders(raws, strict=False), len(raws))
    return None


def compress(txs: Iterable, *, level: str | int = "default", senders: Sequence | None = None,
             verify: bool = True, recover: bool = True, version: int = 2) -> bytes:
    """Encode signed transactions into one independent payload (it decodes on its own).

    ``txs``: raw signed transactions as ``bytes``, hex strings or eth-account signed transactions.
    ``level``: ``"fast"``, ``"default"``, ``"max"`` or a zstd level 1-22.
    ``senders``: one 20-byte address per transaction (bytes or hex, or ``None`` where unknown), used to
    delta-encode nonces per sender; a wrong sender costs bytes, never correctness. When absent they are
    recovered from the signatures (``recover=False`` skips that: every nonce is then stored whole); a
    transaction whose signature does not recover (``r`` or ``s`` zero or out of range, no curve point)
    gets a sender group of its own and is carried byte for byte.
    ``verify``: decode the payload and compare it with the input before returning it.
    ``version``: 2 (default: a v2 keyframe, with the shipped prior and a checksum) or 1.
    For consecutive payloads that use the ones before them, see :class:`batchkit.StreamEncoder`.

    Raises :class:`InputError` (naming the transaction) for input that is not a supported signed
    transaction, and :class:`VerificationError` if the payload does not decode back to the input.
    """
    if version not in VERSIONS:
        raise InputError(f"unknown payload version {version!r}: use one of {', '.join(map(str, VERSIONS))}")
    raws = normalize(txs)
    labels = labels_for(raws, senders, recover)
    if version == 2:
        return v2.encode(raws, labels, level, verify=verify)
    payload = v1.encode(raws, labels, level)
    if verify and v1.decode(payload).txs != raws:
        raise VerificationError("the payload does not decode to the input transactions")
    return payload


def payload_version(payload) -> int:
    """The version byte of a payload (:class:`DecodeError` if it is not one)."""
    try:
        head = bytes(memoryview(payload)[:3])
    except TypeError:
        raise DecodeError(f"a payload must be bytes-like, not {type(payload).__name__}") from None
    if len(head) < 3 or head[:2] != v1.MAGIC:
        raise DecodeError("not a batchkit payload (bad magic)", offset=0, column="header")
    return head[2]


def decompress(payload) -> list[bytes]:
    """Decode a payload into the raw signed transactions, in order.

    ``payload``: one independent payload (v1, or a v2 keyframe), or a list of the consecutive payloads of a
    stream (decoded in order; the transactions of all of them are returned, in order). Raises
    :class:`DecodeError` (and only that) for bytes that are not valid payloads; a v2 payload that needs the
    ones before it raises :class:`batchkit.format.v2.ParentMismatchError`."""
    if isinstance(payload, (list, tuple)):
        decoder = v2.Decoder()
        out: list[bytes] = []
        for one in payload:
            out += v1.decode(one).txs if payload_version(one) == 1 else decoder.decode(one).txs
        return out
    version = payload_version(payload)
    if version == 1:
        return v1.decode(payload).txs
    if version == 2:
        return v2.decode(payload).txs
    raise UnsupportedVersionError(f"unsupported version {version}", offset=2, column="header")


def verify(txs: Iterable, payload) -> None:
    """Raise :class:`VerificationError` unless ``payload`` (as for :func:`decompress`) decodes to ``txs``."""
    raws = normalize(txs)
    decoded = decompress(payload)
    if decoded != raws:
        n = next((i for i, (a, b) in enumerate(zip(decoded, raws)) if a != b), min(len(decoded), len(raws)))
        raise VerificationError(f"payload differs from the transactions at index {n} "
                                f"({len(decoded)} decoded, {len(raws)} given)")
