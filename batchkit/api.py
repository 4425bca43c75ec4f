"""The public API: compress, decompress, verify."""

from __future__ import annotations

from typing import Iterable, Sequence

from .coerce import parse_api_tx, sender_labels
from .errors import VerificationError
from .format import v1
from .senders import recover_senders


def _normalize(txs: Iterable) -> list[bytes]:
    return [tx if type(tx) is bytes else parse_api_tx(tx, index=i, validate=False) for i, tx in enumerate(txs)]


def compress(txs: Iterable, *, level: str | int = "default", senders: Sequence | None = None,
             verify: bool = True, recover: bool = True) -> bytes:
    """Encode signed transactions into a v1 payload.

    ``txs``: raw signed transactions as ``bytes``, hex strings or eth-account signed transactions.
    ``level``: ``"fast"``, ``"default"``, ``"max"`` or a zstd level 1-22.
    ``senders``: one 20-byte address per transaction (bytes or hex, or ``None`` where unknown), used to
    delta-encode nonces per sender; a wrong sender costs bytes, never correctness. When absent they are
    recovered from the signatures (``recover=False`` skips that: every nonce is then stored whole); a
    transaction whose signature does not recover (``r`` or ``s`` zero or out of range, no curve point)
    gets a sender group of its own and is carried byte for byte.
    ``verify``: decode the payload and compare it with the input before returning it.

    Raises :class:`InputError` (naming the transaction) for input that is not a supported signed
    transaction, and :class:`VerificationError` if the payload does not decode back to the input.
    """
    raws = _normalize(txs)
    if senders is not None:
        labels = sender_labels(senders, len(raws))
    elif recover and raws:
        labels = sender_labels(recover_senders(raws, strict=False), len(raws))
    else:
        labels = None
    payload = v1.encode(raws, labels, level)
    if verify:
        decoded = v1.decode(payload).txs
        if decoded != raws:
            raise VerificationError("the payload does not decode to the input transactions")
    return payload


def decompress(payload) -> list[bytes]:
    """Decode a payload into the raw signed transactions, in order. Raises :class:`DecodeError` (and
    only that) for bytes that are not a valid payload."""
    return v1.decode(payload).txs


def verify(txs: Iterable, payload) -> None:
    """Raise :class:`VerificationError` unless ``payload`` decodes to exactly ``txs``."""
    raws = _normalize(txs)
    decoded = v1.decode(payload).txs
    if decoded != raws:
        n = next((i for i, (a, b) in enumerate(zip(decoded, raws)) if a != b), min(len(decoded), len(raws)))
        raise VerificationError(f"payload differs from the transactions at index {n} "
                                f"({len(decoded)} decoded, {len(raws)} given)")
