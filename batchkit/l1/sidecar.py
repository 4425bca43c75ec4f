"""Blob transactions in the network forms nodes accept: the canonical signed transaction with its blobs,
commitments and proofs (the *sidecar*), as ``eth_sendRawTransaction`` takes it.

Two forms::

    version 0 (EIP-4844, Cancun and Prague):   0x03 || rlp([tx_payload_body, blobs, commitments, proofs])
    version 1 (EIP-7594, Osaka and later):     0x03 || rlp([tx_payload_body, 1, blobs, commitments, cell_proofs])

``tx_payload_body`` is the RLP list of the signed transaction (what a block holds after the 0x03 byte).
Version 0 carries one 48-byte blob proof per blob (``compute_blob_kzg_proof``); version 1 carries 128 cell
proofs per blob (``compute_cells_and_kzg_proofs``), blob by blob, 6,144 bytes per blob. Since Fusaka a node
accepts only version 1; before it only version 0. :func:`form_of_node` asks the node which applies.

eth-account 0.14 signs blob transactions with ``blobs=`` and then builds version 1 itself, but it loads the
KZG trusted setup again on every call (six to nine seconds here); batchkit signs the canonical transaction
alone and builds either form with the setup :mod:`batchkit.l1.blob` keeps loaded.

At most :data:`~batchkit.limits.MAX_BLOBS_PER_TX` (6) blobs per transaction (EIP-7594).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from . import blob as _blob
from ..errors import DecodeError, InputError
from ..limits import MAX_BLOBS_PER_TX

__all__ = ["FORM_V0", "FORM_V1", "Sidecar", "make_sidecar", "network_form", "parse_network_form",
           "form_of_fork", "form_of_node", "MAX_BLOBS_PER_TX"]

#: EIP-4844 network form: one blob proof per blob.
FORM_V0 = 0
#: EIP-7594 network form (wrapper version 1): 128 cell proofs per blob.
FORM_V1 = 1

_BLOB_TX_TYPE = 3


@dataclass(frozen=True)
class Sidecar:
    """The blobs of one transaction with their commitments, versioned hashes and proofs for ``form``."""

    form: int
    blobs: tuple[bytes, ...]
    commitments: tuple[bytes, ...]
    versioned_hashes: tuple[bytes, ...]
    proofs: tuple[bytes, ...]
    """One per blob (form 0), or 128 per blob, blob by blob (form 1)."""


def _check_form(form: Any) -> int:
    if form not in (FORM_V0, FORM_V1) or isinstance(form, bool):
        raise InputError(f"the network form of a blob transaction is 0 (EIP-4844) or 1 (EIP-7594), not {form!r}")
    return form


def make_sidecar(blobs: Sequence[bytes], form: int = FORM_V1, *,
                 commitments: Sequence[bytes] | None = None) -> Sidecar:
    """Commitments, versioned hashes and the proofs of ``form`` for 1 to 6 blobs (``commitments`` when
    already known). Raises InputError for no blob or more than six, DecodeError for a blob that is not
    131,072 bytes of canonical field elements."""
    form = _check_form(form)
    blobs = tuple(bytes(b) for b in blobs)
    if not 1 <= len(blobs) <= MAX_BLOBS_PER_TX:
        raise InputError(f"a blob transaction carries 1 to {MAX_BLOBS_PER_TX} blobs, not {len(blobs)}")
    if form == FORM_V1 and commitments is None:
        made = [_blob.commitment_and_cell_proofs(b) for b in blobs]
        commitments = [c for c, _ in made]
        proofs = tuple(p for _, cell in made for p in cell)
    else:
        if commitments is None:
            commitments = [_blob.commitment(b) for b in blobs]
        if len(commitments) != len(blobs):
            raise InputError(f"{len(commitments)} commitments for {len(blobs)} blobs")
        proofs = tuple(_blob.proof(b, c) for b, c in zip(blobs, commitments)) if form == FORM_V0 \
            else tuple(p for b in blobs for p in _blob.cell_proofs(b))
    commitments = tuple(bytes(c) for c in commitments)
    return Sidecar(form, blobs, commitments, tuple(_blob.versioned_hash(c) for c in commitments), proofs)


def network_form(signed: bytes, sidecar: Sidecar) -> bytes:
    """The network form of the signed canonical blob transaction ``signed`` (``0x03 || rlp(body)``) with
    ``sidecar``. Raises InputError unless ``signed`` is a blob transaction whose versioned hashes are the
    sidecar's."""
    import rlp

    signed = bytes(signed)
    if not signed or signed[0] != _BLOB_TX_TYPE:
        raise InputError("not a blob transaction (type 0x03)")
    try:
        body = rlp.decode(signed[1:])
    except rlp.DecodingError as exc:
        raise InputError(f"the signed transaction is not RLP ({exc})") from None
    if not isinstance(body, list) or len(body) != 14 or not isinstance(body[10], list):
        raise InputError("the signed transaction is not an EIP-4844 transaction body of 14 fields")
    if list(body[10]) != list(sidecar.versioned_hashes):
        raise InputError("the transaction's blob versioned hashes are not the sidecar's")
    blobs, commitments, proofs = list(sidecar.blobs), list(sidecar.commitments), list(sidecar.proofs)
    items = [body, blobs, commitments, proofs] if sidecar.form == FORM_V0 \
        else [body, 1, blobs, commitments, proofs]
    return bytes([_BLOB_TX_TYPE]) + rlp.encode(items)


def parse_network_form(raw: bytes) -> tuple[bytes, Sidecar]:
    """The canonical transaction and the sidecar of a network-form blob transaction (either version).
    Proofs are taken as they are (not verified). Raises DecodeError for anything else."""
    import rlp

    raw = bytes(raw)
    if not raw or raw[0] != _BLOB_TX_TYPE:
        raise DecodeError("not a blob transaction (type 0x03)", column="sidecar")
    try:
        items = rlp.decode(raw[1:])
    except rlp.DecodingError as exc:
        raise DecodeError(f"not RLP ({exc})", column="sidecar") from None
    if not isinstance(items, list) or not items or not isinstance(items[0], list):
        raise DecodeError("not a network-form blob transaction (no sidecar)", column="sidecar")
    if len(items) == 4:
        form, (body, blobs, commitments, proofs) = FORM_V0, items
    elif len(items) == 5 and items[1] == b"\x01":
        form, (body, _, blobs, commitments, proofs) = FORM_V1, items
    else:
        raise DecodeError("an unknown network form of a blob transaction", column="sidecar")
    if not all(isinstance(x, list) for x in (blobs, commitments, proofs)) or len(blobs) != len(commitments):
        raise DecodeError("a malformed sidecar", column="sidecar")
    for b in blobs:
        if not isinstance(b, bytes) or len(b) != _blob.BLOB_SIZE:
            raise DecodeError("a sidecar blob that is not 131,072 bytes", column="sidecar")
    hashes = tuple(_blob.versioned_hash(c) for c in commitments)
    canonical = bytes([_BLOB_TX_TYPE]) + rlp.encode(body)
    return canonical, Sidecar(form, tuple(blobs), tuple(commitments), hashes, tuple(proofs))


#: Forks whose nodes take version 1 (EIP-7594 activates with Osaka, and stays).
_V1_FORKS = ("osaka", "bpo1", "bpo2", "bpo3", "bpo4", "bpo5", "amsterdam", "glamsterdam")


def form_of_fork(fork: str) -> int:
    """FORM_V1 for Osaka and later, FORM_V0 before (Cancun, Prague)."""
    name = str(fork).strip().lower()
    if name in _V1_FORKS or name == "fusaka":
        return FORM_V1
    if name in ("cancun", "prague", "dencun", "pectra"):
        return FORM_V0
    raise InputError(f"unknown fork {fork!r}: name cancun, prague, osaka or a later one")


def form_of_node(call) -> int:
    """The form the node behind ``call(method, params)`` accepts now: from ``eth_config`` (EIP-7910: the
    current fork has the P256VERIFY precompile from Osaka on), else anvil's ``anvil_nodeInfo`` hard fork,
    else version 1 (every live network is past Osaka)."""
    from ..errors import RpcError

    try:
        config = call("eth_config", [])
        precompiles = config["current"]["precompiles"]
        return FORM_V1 if "P256VERIFY" in precompiles else FORM_V0
    except (RpcError, KeyError, TypeError):
        pass
    try:
        fork = call("anvil_nodeInfo", [])["hardFork"]
        return form_of_fork(fork)
    except (RpcError, KeyError, TypeError, InputError):
        return FORM_V1
