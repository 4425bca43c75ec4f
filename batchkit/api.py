"""The public API: compress, decompress, verify; the stream objects are in :mod:`batchkit.stream`.

Two profiles: ``full`` (the default) gives back the signed transactions byte for byte, so their hashes;
``validity`` (for validity rollups, whose proof attests the signatures) carries each sender and the unsigned
transaction instead of the signature, and gives back :class:`~batchkit.format.validity.ValidityTx` records
``(sender, unsigned)``: the signing hash is rebuilt, the signed bytes and the transaction hash are not.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from .coerce import parse_api_tx, parse_sender, sender_keys
from .errors import InputError, VerificationError
from .format import v1, v2
from .format.payload import decode_txs, payload_version
from .format.validity import ValidityTx, check_profile, records
from .senders import recover_sender, recover_senders

#: Payload versions :func:`compress` writes (every version it ever wrote decodes).
VERSIONS = (1, 2)


def normalize(txs: Iterable) -> list[bytes]:
    """The transactions as raw bytes (see :func:`batchkit.coerce.parse_api_tx`)."""
    if isinstance(txs, (list, tuple)) and set(map(type, txs)) <= {bytes}:
        return list(txs)  # the common case, checked and copied in C
    return [tx if type(tx) is bytes else parse_api_tx(tx, index=i, validate=False) for i, tx in enumerate(txs)]


def labels_for(raws: list[bytes], senders: Sequence | None, recover: bool) -> list | None:
    """Sender labels for the codec: from ``senders``, else recovered (``recover``), else none."""
    if senders is not None:
        return sender_keys(senders, len(raws))
    if recover and raws:
        return sender_keys(recover_senders(raws, strict=False), len(raws))
    return None


def validity_senders(raws: list[bytes], senders: Sequence | None) -> list[bytes]:
    """The sender of every transaction for the validity profile, where it is the payload's content: the one
    given (bytes or hex), else recovered from the signature; one that is neither raises :class:`InputError`
    (:class:`~batchkit.errors.SenderRecoveryError`) naming the transaction."""
    if senders is None:
        return recover_senders(raws, strict=True)
    if len(senders) != len(raws):
        raise InputError(f"{len(senders)} senders for {len(raws)} transactions")
    return [recover_sender(raw, index=i) if s is None else parse_sender(s, i)
            for i, (raw, s) in enumerate(zip(raws, senders))]


def compress(txs: Iterable, *, level: str | int = "default", senders: Sequence | None = None,
             verify: bool = True, recover: bool = True, version: int = 2, profile: str = "full") -> bytes:
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
    ``profile``: ``"full"`` (default) or ``"validity"``: the payload (v2 only) carries each transaction's
    sender instead of its signature and decodes to ``ValidityTx(sender, unsigned)`` records, not to the
    signed bytes (the signed-transaction hash cannot be rebuilt from it). Its senders are the payload's
    content: ``senders`` as given are trusted (not checked against the signatures), a missing one
    (``None``, or no ``senders``) is recovered whatever ``recover`` says, and one that cannot be raises
    :class:`InputError`.
    For consecutive payloads that use the ones before them, see :class:`batchkit.StreamEncoder`.

    Raises :class:`InputError` (naming the transaction) for input that is not a supported signed
    transaction, and :class:`VerificationError` if the payload does not decode back to the input.
    """
    if version not in VERSIONS:
        raise InputError(f"unknown payload version {version!r}: use one of {', '.join(map(str, VERSIONS))}")
    raws = normalize(txs)
    if check_profile(profile):
        if version != 2:
            raise InputError("the validity profile exists in payload version 2 only")
        carried = validity_senders(raws, senders)
        return v2.encode(raws, sender_keys(carried, len(raws)), level, verify=verify, senders=carried)
    labels = labels_for(raws, senders, recover)
    if version == 2:
        return v2.encode(raws, labels, level, verify=verify)
    payload = v1.encode(raws, labels, level)
    if verify and v1.decode(payload).txs != raws:
        raise VerificationError("the payload does not decode to the input transactions")
    return payload


def decompress(payload) -> list:
    """Decode a payload into the raw signed transactions (``bytes``), in order; a validity-profile payload
    into :class:`ValidityTx` records ``(sender, unsigned)`` (``.signing_hash`` is keccak256 of ``unsigned``):
    such a payload has no signatures, so the signed bytes and their hash cannot be rebuilt from it.

    ``payload``: one independent payload (v1, or a v2 keyframe), or a list of the consecutive payloads of a
    stream (decoded in order; the transactions of all of them are returned, in order). Raises
    :class:`DecodeError` (and only that) for bytes that are not valid payloads; a v2 payload that needs the
    ones before it raises :class:`batchkit.format.v2.ParentMismatchError`."""
    if isinstance(payload, (list, tuple)):
        decoder = v2.Decoder()
        out: list = []
        for one in payload:
            out += v1.decode(one).txs if payload_version(one) == 1 else decoder.decode(one).txs
        return out
    return decode_txs(payload)


def verify(txs: Iterable, payload, *, senders: Sequence | None = None) -> None:
    """Raise :class:`VerificationError` unless ``payload`` (as for :func:`decompress`) decodes to ``txs``:
    byte for byte, or for a validity payload to the records of ``txs`` with their senders (``senders`` as
    :func:`compress` takes them: given, else recovered)."""
    decoded = decompress(payload)
    raws = normalize(txs)
    if decoded and type(decoded[0]) is ValidityTx:
        raws = records(raws, validity_senders(raws, senders))
    if decoded != raws:
        n = next((i for i, (a, b) in enumerate(zip(decoded, raws)) if a != b), min(len(decoded), len(raws)))
        raise VerificationError(f"payload differs from the transactions at index {n} "
                                f"({len(decoded)} decoded, {len(raws)} given)")
