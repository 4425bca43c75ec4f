"""Today's production batch formats, as codecs over lists of raw signed transactions: the yardsticks batchkit
is measured against.

``FORMATS`` maps a name to a :class:`Baseline` with ``encode(txs) -> bytes``, ``decode(payload) -> txs``,
``blob_capacity`` (usable payload bytes per EIP-4844 blob in that rollup's packing) and a one-line
``fidelity`` note. Each module's docstring gives the grammar and says what is exact and what approximated.

Example::

    from batchkit.baselines import FORMATS
    payload = FORMATS["op-span-brotli10"].encode(raw_txs)
    assert FORMATS["op-span-brotli10"].decode(payload) == raw_txs

Decoders are strict and bounded (every decompression is capped before it allocates) and raise only
:class:`~batchkit.errors.DecodeError` and its subclasses. Encoders raise
:class:`~batchkit.errors.InputError` for transactions the format cannot carry (blob transactions everywhere
but ``raw-*`` and Arbitrum).
"""

from __future__ import annotations

from . import arbitrum, op, raw, scroll
from ._common import Baseline

__all__ = ["Baseline", "FORMATS", "arbitrum", "op", "raw", "scroll"]

_OP_NOTE = ("exact wire format (real OP/Base channels decode and span batches re-encode byte for byte); "
            "block metadata dummy: all txs in one L2 block, chain id in parent_check")


def _formats() -> dict[str, Baseline]:
    f = [
        Baseline("op-span-brotli10", lambda txs: op.encode_span(txs, "brotli", 10), op.decode,
                 op.BLOB_CAPACITY, _OP_NOTE + "; Fjord brotli-10 channel"),
        Baseline("op-span-zlib", lambda txs: op.encode_span(txs, "zlib", 9), op.decode,
                 op.BLOB_CAPACITY, _OP_NOTE + "; Bedrock zlib-9 channel (C zlib, not Go flate)"),
        Baseline("op-singular-zlib", lambda txs: op.encode_singular(txs, "zlib", 9), op.decode,
                 op.BLOB_CAPACITY, "exact wire format (real channels decode); one singular batch, zero "
                 "hashes/epoch/timestamp, so ~75 B of per-block metadata is not counted; C zlib-9"),
        Baseline("arbitrum-brotli11", arbitrum.encode, arbitrum.decode, arbitrum.BLOB_CAPACITY,
                 "exact wire format (real Arbitrum One batches decode); all txs in one kind-3 L2 batch "
                 "message, no timestamp/L1-block segments, no 40-byte inbox header"),
        Baseline("scroll-v7", lambda txs: scroll.encode(txs, 7), lambda p: scroll.decode(p, 7),
                 scroll.BLOB_CAPACITY, "exact envelope, layout and zstd parameters (window 2^17, raw literals); "
                 "one dummy block context; stock libzstd, not Scroll's patched build"),
        Baseline("scroll-v8", lambda txs: scroll.encode(txs, 8), lambda p: scroll.decode(p, 8),
                 scroll.BLOB_CAPACITY, "exact envelope, layout and zstd parameters (window 2^22, raw literals); "
                 "one dummy block context; stock libzstd"),
    ]
    for method in ("zstd3", "zstd19", "zstd22-long", "brotli11", "xz", "zlib9"):
        # Raw payloads would be posted through some rollup's packing; OP's 130,044 B/blob is used as the
        # common yardstick.
        f.append(Baseline(f"raw-{method}", raw.encoder(method), raw.decoder(method), op.BLOB_CAPACITY,
                          f"exact by definition: raw EIP-2718 txs concatenated, {method}, standard framing"))
    return {b.name: b for b in f}


FORMATS: dict[str, Baseline] = _formats()
