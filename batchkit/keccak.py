"""keccak256, Ethereum's hash (the original Keccak padding, not SHA3-256's), in a module of its own: the
decoders and ``batchkit decompress`` need it without the transaction model of :mod:`batchkit.tx`."""

from __future__ import annotations

from sha3 import keccak_256 as _keccak_256


def keccak256(data: bytes) -> bytes:
    return _keccak_256(data).digest()
