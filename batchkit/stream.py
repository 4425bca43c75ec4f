"""Streams of payloads: each payload may use the ones before it (format v2), as a rollup node decodes them.

>>> enc = batchkit.StreamEncoder(level="default", keyframe_every=32)
>>> payloads = [enc.compress(batch) for batch in batches]            # doctest: +SKIP
>>> dec = batchkit.StreamDecoder()
>>> [dec.decompress(p) for p in payloads] == batches                 # doctest: +SKIP
True

A *segment* is a keyframe (a payload that decodes alone) and the payloads after it; a node can start decoding
at any keyframe. A payload names its parent by content hash, so a decoder fed a payload whose parent it has
not seen (a missing blob, an L1 reorg, a start after the keyframe) raises
:class:`~batchkit.format.v2.ParentMismatchError` naming the parent, and stays as it was.

A batcher that did not post a payload calls :meth:`StreamEncoder.rewind` with the parent it did post; one that
restarts calls :meth:`StreamEncoder.resume` with the payloads posted since the last keyframe
(:attr:`StreamEncoder.segment` are those): the next payload is then the same bytes as from an encoder that
never stopped.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from .api import labels_for, normalize, validity_senders
from .coerce import sender_keys
from .format import v2
from .format.validity import check_profile
from .format.priors import DEFAULT_ID
from .format.v2 import KEYFRAME_EVERY, ParentMismatchError

__all__ = ["StreamEncoder", "StreamDecoder", "ParentMismatchError", "KEYFRAME_EVERY"]


class StreamEncoder:
    """Encodes consecutive batches into consecutive v2 payloads.

    ``level``: ``fast``, ``default``, ``max`` or a zstd level 1-22. ``keyframe_every``: a keyframe every that
    many payloads (default :data:`KEYFRAME_EVERY`; 1 makes every payload independent). ``priors``: start each
    segment from the shipped prior (True) or from nothing (False); by default only at ``max``: on consecutive
    mainnet batches the prior saves 0.7 B/tx of 142 at ``default`` (history does its work after the keyframe)
    and costs a fifth of the encoding speed, while at ``max`` it saves 1.4 B/tx. ``verify``: decode each
    payload before returning it. ``profile``: ``"full"`` or ``"validity"`` (every payload carries senders
    instead of signatures and decodes to ``ValidityTx`` records; see :func:`batchkit.compress`). Safe to share between threads (calls are serialised; the payload order is the call order).
    """

    def __init__(self, level: str | int = "default", *, keyframe_every: int = KEYFRAME_EVERY,
                 priors: bool | None = None, verify: bool = True, profile: str = "full"):
        if priors is None:
            priors = level == "max"
        self._validity = check_profile(profile)
        self._enc = v2.Encoder(level, keyframe_every=keyframe_every, prior=DEFAULT_ID if priors else None,
                               verify=verify, validity=self._validity)

    def compress(self, txs: Iterable, senders: Sequence | None = None, *, recover: bool = True) -> bytes:
        """The next payload, for ``txs`` (and ``senders``, ``recover``) as :func:`batchkit.compress` takes them."""
        raws = normalize(txs)
        if self._validity:
            carried = validity_senders(raws, senders)
            return self._enc.encode(raws, sender_keys(carried, len(raws)), carried)
        return self._enc.encode(raws, labels_for(raws, senders, recover))

    @property
    def head(self) -> bytes | None:
        """Hash of the last payload made: the parent the next one names."""
        return self._enc.head

    @property
    def position(self) -> int:
        """Payloads made in the current segment (0: the next payload is a keyframe or the first)."""
        return self._enc.position

    @property
    def segment(self) -> list[bytes]:
        """The payloads of the current segment, keyframe first: what :meth:`resume` needs after a restart."""
        return self._enc.segment

    def rewind(self, parent: bytes | None) -> int:
        """Drop the payloads made after ``parent`` (the payload, or its 16-byte hash; they were not posted) and
        continue from it; ``None`` drops the whole segment. Returns how many were dropped."""
        return self._enc.rewind(parent)

    def resume(self, payloads: Sequence[bytes]) -> int:
        """Continue the stream of ``payloads`` (the ones posted, in order, back to a keyframe at least).
        Returns how many were replayed."""
        return self._enc.resume(payloads)

    @classmethod
    def resumed(cls, payloads: Sequence[bytes], level: str | int = "default", **kwargs) -> "StreamEncoder":
        """A new encoder that continues the stream of ``payloads`` (see :meth:`resume`)."""
        enc = cls(level, **kwargs)
        enc.resume(payloads)
        return enc


class StreamDecoder:
    """Decodes the payloads of a stream in order (v2; a v1 payload or a keyframe also decodes alone).
    Safe to share between threads (calls are serialised)."""

    def __init__(self):
        self._dec = v2.Decoder()

    def decompress(self, payload) -> list:
        """The transactions of the next payload (``ValidityTx`` records for a validity-profile payload). Raises :class:`~batchkit.DecodeError` (the decoder is then as
        it was): :class:`ParentMismatchError` when the payload's parent is not the last one accepted."""
        return self._dec.decode(payload).txs

    def decode(self, payload) -> v2.Decoded:
        """As :meth:`decompress`, with the header, hash and sender groups."""
        return self._dec.decode(payload)

    @property
    def head(self) -> bytes | None:
        """Hash of the last payload accepted."""
        return self._dec.head
