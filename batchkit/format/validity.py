"""The validity profile's record: what a validity payload decodes to, per transaction.

A validity rollup's proof attests every signature, so its payloads carry each transaction's sender and its
signing payload (the unsigned transaction), not the signature. Such a payload rebuilds neither the signed
bytes nor the signed-transaction hash; it rebuilds exactly ``(sender, unsigned)`` and so the signing hash.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from ..keccak import keccak256
from ._backend import core

#: The profiles of the format: ``full`` (signed transactions, byte for byte) and ``validity``.
PROFILES = ("full", "validity")


class ValidityTx(NamedTuple):
    """One transaction of a validity payload.

    ``sender``: the 20-byte address the payload names as the signer (the batcher's claim, attested by the
    rollup's proof, not checked against any signature). ``unsigned``: the signing payload, i.e. the type
    byte (typed envelopes) then the RLP list of every field before the signature; a legacy EIP-155
    transaction's list ends with chain id, 0, 0 (EIP-155), a pre-EIP-155 one has just its 6 fields.
    EIP-7702 authorizations keep their own signatures inside ``unsigned``.
    """

    sender: bytes
    unsigned: bytes

    @property
    def signing_hash(self) -> bytes:
        """keccak256 of ``unsigned``: the hash the sender signed (not the transaction hash)."""
        return keccak256(self.unsigned)


def records(raws: Sequence[bytes], senders: Sequence[bytes]) -> list[ValidityTx]:
    """The records a validity payload of signed ``raws`` with ``senders`` decodes to (what round-trip
    verification compares)."""
    return [ValidityTx(bytes(s), core.signing_parts(raw, i)[0]) for i, (raw, s) in enumerate(zip(raws, senders))]


def check_profile(profile: str) -> bool:
    """True for ``validity``, False for ``full``; :class:`InputError` otherwise."""
    from ..errors import InputError
    if profile not in PROFILES:
        raise InputError(f"unknown profile {profile!r}: use {' or '.join(PROFILES)}")
    return profile == "validity"
