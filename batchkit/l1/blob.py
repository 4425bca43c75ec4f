"""EIP-4844 blobs: pack an opaque payload into blobs, unpack it strictly, and commit to it with KZG.

Layout (blob encoding version 1)
================================

A blob is 4096 field elements of 32 bytes (131,072 bytes). Each element is read big-endian and must be
below ``BLS_MODULUS``. batchkit uses the low 254 bits of every element: the top two bits of each element's
first byte are always zero, so every element is below 2^254 < ``BLS_MODULUS``.

The payload is first turned into a *stream*::

    stream = version (1 byte, 0x01) ‖ payload length (3 bytes, big-endian u24) ‖ payload

The 4-byte header appears once, at the start of the first blob. The stream is cut into chunks of
``USABLE_BYTES_PER_BLOB`` = 130,048 bytes; chunk ``i`` goes into blob ``i``, the last chunk padded with
zero bytes. A chunk is packed as 1024 *rounds*; round ``r`` takes the 127 chunk bytes ``S = chunk[127r :
127r + 127]`` and fills the four elements ``4r .. 4r+3`` (blob bytes ``128r .. 128r + 127``)::

    element 4r+j, bytes 1..31   = S[31j : 31j + 31]                 for j = 0, 1, 2, 3   (124 bytes)
    x                           = S[124] << 16 | S[125] << 8 | S[126]                    (24 bits)
    element 4r+j, byte 0        = (x >> (18 - 6j)) & 0x3F            for j = 0, 1, 2, 3   (4 x 6 bits)

So byte 0 of every element is ``00bbbbbb`` and the last three bytes of each round are spread, most
significant bits first, over those four 6-bit fields. The version byte is always raw byte 1 of the first
blob, whatever the version, so a decoder can read it before anything else.

Capacity: 127 bytes x 1024 rounds = 130,048 bytes per blob; the first blob loses 4 to the header, so a
single blob carries ``BLOB_CAPACITY`` = 130,044 payload bytes, and ``n`` blobs carry
``130,048 n - 4``. ``MAX_BLOBS`` = 64 bounds one payload (8,323,068 bytes; 11 blob transactions of 6 blobs,
about three BPO2 blocks at 21 blobs): enough for any batch a batcher should post at once, and small
enough that a decoder's work is bounded.

Strictness (every accepted input has exactly one encoding: ``encode_blobs(decode_blobs(x)) == x``):
each blob is exactly 131,072 bytes; the version byte is known (else ``UnsupportedVersionError``); no element
is >= ``BLS_MODULUS`` and none has its top two bits set; the length fits under ``MAX_BLOB_PAYLOAD_BYTES``; the
number of blobs is exactly what the length needs (a trailing blob carrying nothing is an error); every
stream byte past the payload is zero. Errors are :class:`~batchkit.errors.DecodeError` with ``column``
``"blob[i]"`` and ``offset`` the raw byte offset inside that blob.

KZG
===

Commitments and proofs come from ``ckzg`` with the mainnet trusted setup shipped by ``eth-account``
(``eth_account/typed_transactions/blob_transactions/kzg_trusted_setup.txt``), loaded once, lazily, on the
first call that needs it (about two seconds). ``versioned_hash(c) = 0x01 ‖ sha256(c)[1:]``.

Blob directories
================

``write_blob_dir`` writes ``blob-000.bin``, ``blob-001.bin``, ... and ``manifest.json``::

    {"version": 1, "payload_bytes": N,
     "blobs": [{"file": "blob-000.bin", "versioned_hash": "0x01...", "commitment": "0x...",
                "proof": "0x..." (only with proofs=True), "payload_bytes": n0, "fill": 0.5}, ...]}

``payload_bytes`` of a blob counts payload bytes only (not the header); ``fill`` is the share of the blob's
130,048 usable bytes in use, header included, rounded to 6 decimals (informational, not checked).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import threading
from typing import Any, Sequence

from ..errors import (
    DecodeError,
    FileError,
    InputError,
    LimitExceededError,
    UnsupportedVersionError,
    VerificationError,
)
from ..files import as_file_error, read_bounded, remove_temp, temp_dir_for
from ..limits import MAX_BLOB_PAYLOAD_BYTES, MAX_BLOBS, MAX_MANIFEST_BYTES

__all__ = [
    "BLS_MODULUS", "FIELD_ELEMENTS_PER_BLOB", "BYTES_PER_FIELD_ELEMENT", "BLOB_SIZE", "BLOB_VERSION",
    "HEADER_SIZE", "USABLE_BYTES_PER_BLOB", "BLOB_CAPACITY", "MAX_BLOBS", "MAX_BLOB_PAYLOAD_BYTES",
    "VERSIONED_HASH_VERSION_KZG", "blobs_needed", "encode_blobs", "decode_blobs", "commitment",
    "versioned_hash", "proof", "cell_proofs", "commitment_and_cell_proofs", "verify_blob", "kzg_precompute", "write_blob_dir", "read_blob_dir", "pack_data", "unpack_data",
    "raw_offset", "read_file", "dir_mode",
]

#: The BLS12-381 scalar field modulus: every field element, read big-endian, must be below it.
BLS_MODULUS = 52435875175126190479447740508185965837690552500527637822603658699938581184513
FIELD_ELEMENTS_PER_BLOB = 4096
BYTES_PER_FIELD_ELEMENT = 32
#: Bytes in one blob (4096 x 32).
BLOB_SIZE = FIELD_ELEMENTS_PER_BLOB * BYTES_PER_FIELD_ELEMENT
#: The blob encoding version this module writes and reads (raw byte 1 of the first blob).
BLOB_VERSION = 0x01
#: Version byte plus big-endian u24 payload length, at the start of the first blob.
HEADER_SIZE = 4

_ROUND_ELEMENTS = 4
_ROUND_BYTES = 127  # 4 x 31 body bytes + 4 x 6 bits
_ROUNDS = FIELD_ELEMENTS_PER_BLOB // _ROUND_ELEMENTS  # 1024
_ROUND_RAW = _ROUND_ELEMENTS * BYTES_PER_FIELD_ELEMENT  # 128

#: Stream bytes one blob carries: 127 x 1024 = 130,048 (254 bits per element).
USABLE_BYTES_PER_BLOB = _ROUND_BYTES * _ROUNDS
#: Payload bytes a single blob carries: 130,048 - 4 = 130,044.
BLOB_CAPACITY = USABLE_BYTES_PER_BLOB - HEADER_SIZE
assert MAX_BLOB_PAYLOAD_BYTES == MAX_BLOBS * USABLE_BYTES_PER_BLOB - HEADER_SIZE < 1 << 24  # fits the u24 length

#: First byte of a KZG versioned hash (EIP-4844).
VERSIONED_HASH_VERSION_KZG = 0x01
COMMITMENT_SIZE = 48
PROOF_SIZE = 48

#: The precompute level of the setup for commitments and blob proofs (precompute speeds up cell proofs only).
KZG_PRECOMPUTE = 0
#: The precompute level of the setup for cell proofs (EIP-7594, the version-1 network form of a blob
#: transaction), loaded the first time one is made: 8 is what clients use, about 1.4x faster cell proofs than
#: 0 for 0.8 s more load time and 96 MiB more memory. ``BATCHKIT_KZG_PRECOMPUTE`` (0 to 15) overrides it.
KZG_CELL_PRECOMPUTE = 8
CELLS_PER_EXT_BLOB = 128
_TRUSTED_SETUP_RESOURCE = ("eth_account", "typed_transactions/blob_transactions/kzg_trusted_setup.txt")

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = BLOB_VERSION


def blob_file_name(index: int) -> str:
    """File name of blob ``index`` in a blob directory: ``blob-000.bin``, ``blob-001.bin``, ..."""
    return f"blob-{index:03d}.bin"


def blobs_needed(n_bytes: int) -> int:
    """Number of blobs a payload of ``n_bytes`` needs: ``ceil((n_bytes + 4) / 130048)``, at least 1.

    Raises InputError if ``n_bytes`` is negative or above ``MAX_BLOB_PAYLOAD_BYTES``.
    """
    if isinstance(n_bytes, bool) or not isinstance(n_bytes, int) or n_bytes < 0:
        raise InputError(f"payload size must be a non-negative integer, got {n_bytes!r}")
    if n_bytes > MAX_BLOB_PAYLOAD_BYTES:
        raise InputError(f"payload of {n_bytes} bytes exceeds the blob limit of {MAX_BLOB_PAYLOAD_BYTES} bytes "
                         f"({MAX_BLOBS} blobs)")
    return -(-(n_bytes + HEADER_SIZE) // USABLE_BYTES_PER_BLOB)


# ---------------------------------------------------------------------------------------------- packing

def _pack(chunk: bytes) -> bytes:
    """Pack exactly USABLE_BYTES_PER_BLOB stream bytes into one blob."""
    out = bytearray(BLOB_SIZE)
    for r in range(_ROUNDS):
        s = _ROUND_BYTES * r
        e = _ROUND_RAW * r
        x = (chunk[s + 124] << 16) | (chunk[s + 125] << 8) | chunk[s + 126]
        out[e] = x >> 18
        out[e + 1:e + 32] = chunk[s:s + 31]
        out[e + 32] = (x >> 12) & 0x3F
        out[e + 33:e + 64] = chunk[s + 31:s + 62]
        out[e + 64] = (x >> 6) & 0x3F
        out[e + 65:e + 96] = chunk[s + 62:s + 93]
        out[e + 96] = x & 0x3F
        out[e + 97:e + 128] = chunk[s + 93:s + 124]
    return bytes(out)


def _unpack(blob: bytes) -> bytes:
    """Unpack one blob whose elements were all checked to have the top two bits clear."""
    out = bytearray(USABLE_BYTES_PER_BLOB)
    for r in range(_ROUNDS):
        s = _ROUND_BYTES * r
        e = _ROUND_RAW * r
        x = (blob[e] << 18) | (blob[e + 32] << 12) | (blob[e + 64] << 6) | blob[e + 96]
        out[s:s + 31] = blob[e + 1:e + 32]
        out[s + 31:s + 62] = blob[e + 33:e + 64]
        out[s + 62:s + 93] = blob[e + 65:e + 96]
        out[s + 93:s + 124] = blob[e + 97:e + 128]
        out[s + 124] = x >> 16
        out[s + 125] = (x >> 8) & 0xFF
        out[s + 126] = x & 0xFF
    return bytes(out)


def _raw_offset(stream_pos: int) -> int:
    """Raw offset, inside its blob, of the first byte holding stream byte ``stream_pos`` (within a chunk)."""
    r, q = divmod(stream_pos, _ROUND_BYTES)
    if q < 124:
        j, k = divmod(q, 31)
        return _ROUND_RAW * r + BYTES_PER_FIELD_ELEMENT * j + 1 + k
    return _ROUND_RAW * r + BYTES_PER_FIELD_ELEMENT * (q - 124)


def _check_elements(blob: bytes, column: str) -> None:
    """Every element below BLS_MODULUS and with its top two bits clear (byte 0 < 0x40)."""
    tops = blob[0::BYTES_PER_FIELD_ELEMENT]
    if max(tops) < 0x40:
        return
    k = next(i for i, t in enumerate(tops) if t >= 0x40)
    off = k * BYTES_PER_FIELD_ELEMENT
    if int.from_bytes(blob[off:off + BYTES_PER_FIELD_ELEMENT], "big") >= BLS_MODULUS:
        raise DecodeError(f"field element {k} is not below the BLS modulus", offset=off, column=column)
    raise DecodeError(f"field element {k} has its two reserved high bits set", offset=off, column=column)


def _as_blob_bytes(blob: Any, column: str) -> bytes:
    """A private, immutable copy of one blob, refused before copying unless exactly BLOB_SIZE bytes."""
    try:
        view = memoryview(blob)
    except TypeError:
        raise DecodeError(f"a blob must be bytes-like, not {type(blob).__name__}", column=column) from None
    with view:
        if view.nbytes != BLOB_SIZE:
            raise DecodeError(f"a blob must be exactly {BLOB_SIZE} bytes, got {view.nbytes}", column=column)
        return view.tobytes()


def pack_data(data: bytes) -> bytes:
    """Pack exactly ``USABLE_BYTES_PER_BLOB`` data bytes into one blob: the 254-bit layout above with no
    header (the layer above frames the data, as :mod:`batchkit.l1.blobstream` does). InputError for any other
    size."""
    if len(data) != USABLE_BYTES_PER_BLOB:
        raise InputError(f"blob data must be exactly {USABLE_BYTES_PER_BLOB} bytes, got {len(data)}")
    return _pack(data)


def unpack_data(blob: Any, *, column: str = "blob") -> bytes:
    """The ``USABLE_BYTES_PER_BLOB`` data bytes of one blob, strictly: exactly ``BLOB_SIZE`` bytes, every
    element below ``BLS_MODULUS`` with its top two bits clear (else DecodeError naming ``column``)."""
    raw = _as_blob_bytes(blob, column)
    _check_elements(raw, column)
    return _unpack(raw)


def raw_offset(data_pos: int) -> int:
    """Raw byte offset, inside its blob, of the first byte holding data byte ``data_pos`` (0 <= data_pos <
    USABLE_BYTES_PER_BLOB): what error offsets report."""
    return _raw_offset(data_pos)


# ------------------------------------------------------------------------------------- encode / decode

def encode_blobs(payload: bytes, *, verify: bool = True) -> list[bytes]:
    """Pack ``payload`` into ``blobs_needed(len(payload))`` blobs of 131,072 bytes (layout in the module doc).

    ``verify`` (on by default) decodes the blobs again and raises VerificationError if that does not give
    back the payload. Raises InputError for a payload that is not bytes-like or is over MAX_BLOB_PAYLOAD_BYTES.

    >>> [len(b) for b in encode_blobs(b"hello")]
    [131072]
    """
    try:
        data = memoryview(payload).tobytes()
    except TypeError:
        raise InputError(f"payload must be bytes-like, not {type(payload).__name__}") from None
    n = blobs_needed(len(data))
    stream = bytes([BLOB_VERSION]) + len(data).to_bytes(3, "big") + data
    stream += bytes(n * USABLE_BYTES_PER_BLOB - len(stream))
    blobs = [_pack(stream[i * USABLE_BYTES_PER_BLOB:(i + 1) * USABLE_BYTES_PER_BLOB]) for i in range(n)]
    if verify:
        try:
            ok = decode_blobs(blobs) == data
        except DecodeError:
            ok = False
        if not ok:
            raise VerificationError("encode_blobs produced blobs that do not decode to the payload")
    return blobs


def decode_blobs(blobs: Sequence[bytes | bytearray | memoryview]) -> bytes:
    """Unpack the payload from ``blobs`` (a list or tuple, in order), strictly (see the module docstring).

    Raises UnsupportedVersionError for an unknown version byte, LimitExceededError for too many blobs or a
    length over MAX_BLOB_PAYLOAD_BYTES, and DecodeError for anything else; no other exception escapes.
    """
    if not isinstance(blobs, (list, tuple)):
        raise DecodeError(f"blobs must be a list or tuple of blobs, not {type(blobs).__name__}")
    if not blobs:
        raise DecodeError("no blobs")
    if len(blobs) > MAX_BLOBS:
        raise LimitExceededError("blob count", len(blobs), MAX_BLOBS)
    raw = [_as_blob_bytes(b, f"blob[{i}]") for i, b in enumerate(blobs)]

    first = raw[0]
    if first[0] >= 0x40:
        _check_elements(first, "blob[0]")
    if first[1] != BLOB_VERSION:
        raise UnsupportedVersionError(f"unknown blob encoding version {first[1]}", offset=1, column="blob[0]")
    for i, b in enumerate(raw):
        _check_elements(b, f"blob[{i}]")

    stream0 = _unpack(first)
    length = int.from_bytes(stream0[1:HEADER_SIZE], "big")
    if length > MAX_BLOB_PAYLOAD_BYTES:
        raise LimitExceededError("payload length", length, MAX_BLOB_PAYLOAD_BYTES, offset=2, column="blob[0]")
    needed = -(-(length + HEADER_SIZE) // USABLE_BYTES_PER_BLOB)
    if needed > len(raw):
        raise DecodeError(f"length header declares {length} payload bytes but {len(raw)} blob(s) carry at most "
                          f"{len(raw) * USABLE_BYTES_PER_BLOB - HEADER_SIZE}", offset=2, column="blob[0]")
    if needed < len(raw):
        raise DecodeError(f"blob {needed} carries no payload bytes (length {length} needs {needed} blob(s))",
                          column=f"blob[{needed}]")

    chunks = [stream0] + [_unpack(b) for b in raw[1:]]
    end = HEADER_SIZE + length  # stream position just past the payload
    last = len(chunks) - 1
    tail_from = end - last * USABLE_BYTES_PER_BLOB
    tail = chunks[last][tail_from:]
    nonzero = len(tail) - len(tail.lstrip(b"\x00"))
    if nonzero < len(tail):
        pos = tail_from + nonzero
        raise DecodeError(f"non-zero byte after the end of the payload (stream byte {last * USABLE_BYTES_PER_BLOB + pos})",
                          offset=_raw_offset(pos), column=f"blob[{last}]")
    return b"".join(chunks)[HEADER_SIZE:end]


# ------------------------------------------------------------------------------------------------- KZG

_setups: dict[int, Any] = {}
_setup_lock = threading.Lock()


def _trusted_setup(precompute: int = KZG_PRECOMPUTE) -> Any:
    """The mainnet KZG trusted setup at ``precompute``, loaded once on first use."""
    setup = _setups.get(precompute)
    if setup is None:
        with _setup_lock:
            setup = _setups.get(precompute)
            if setup is None:
                import ckzg

                with _trusted_setup_path() as path:
                    setup = _setups[precompute] = ckzg.load_trusted_setup(str(path), precompute)
    return setup


def kzg_precompute() -> int:
    """The precompute level cell proofs are made with: ``BATCHKIT_KZG_PRECOMPUTE`` if set to 0..15, else
    :data:`KZG_CELL_PRECOMPUTE`."""
    text = os.environ.get("BATCHKIT_KZG_PRECOMPUTE", "").strip()
    if text.isdigit() and 0 <= int(text) <= 15:
        return int(text)
    return KZG_CELL_PRECOMPUTE


def _trusted_setup_path():
    """The setup file inside the eth-account distribution, found without importing ``eth_account``: that
    import pulls in ``py_ecc``, which raises the interpreter's recursion limit to 100,000 for the whole
    process, and then deeply nested input (JSON, RLP) overflows the C stack instead of raising
    RecursionError."""
    package, name = _TRUSTED_SETUP_RESOURCE
    spec = importlib.util.find_spec(package)  # a top-level package: found, not executed
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the {package} package (for the KZG trusted setup) is not installed")
    return contextlib.nullcontext(os.path.join(list(spec.submodule_search_locations)[0], *name.split("/")))


def _fixed_bytes(value: Any, size: int, what: str) -> bytes:
    try:
        data = memoryview(value).tobytes()
    except TypeError:
        raise DecodeError(f"{what} must be bytes-like, not {type(value).__name__}", column=what) from None
    if len(data) != size:
        raise DecodeError(f"{what} must be exactly {size} bytes, got {len(data)}", column=what)
    return data


def commitment(blob: bytes, *, _setup: Any = None) -> bytes:
    """The 48-byte KZG commitment to ``blob``. Raises DecodeError for a blob of the wrong size or with an
    element >= BLS_MODULUS."""
    data = _as_blob_bytes(blob, "blob")
    tops = data[0::BYTES_PER_FIELD_ELEMENT]
    if max(tops) >= 0x73:  # only then can an element reach the modulus (0x73ed...)
        for k in range(FIELD_ELEMENTS_PER_BLOB):
            if int.from_bytes(data[32 * k:32 * k + 32], "big") >= BLS_MODULUS:
                raise DecodeError(f"field element {k} is not below the BLS modulus", offset=32 * k, column="blob")
    import ckzg

    try:
        return bytes(ckzg.blob_to_kzg_commitment(data, _setup if _setup is not None else _trusted_setup()))
    except (RuntimeError, ValueError) as exc:  # pragma: no cover - elements were checked above
        raise DecodeError(f"ckzg rejected the blob: {exc}", column="blob") from exc


def versioned_hash(commitment_bytes: bytes) -> bytes:
    """EIP-4844 versioned hash of a KZG commitment: ``0x01 ‖ sha256(commitment)[1:]`` (32 bytes)."""
    c = _fixed_bytes(commitment_bytes, COMMITMENT_SIZE, "commitment")
    return bytes([VERSIONED_HASH_VERSION_KZG]) + hashlib.sha256(c).digest()[1:]


def proof(blob: bytes, commitment_bytes: bytes) -> bytes:
    """The 48-byte KZG blob proof (``compute_blob_kzg_proof``) for ``blob`` and its commitment."""
    data = _as_blob_bytes(blob, "blob")
    c = _fixed_bytes(commitment_bytes, COMMITMENT_SIZE, "commitment")
    import ckzg

    try:
        return bytes(ckzg.compute_blob_kzg_proof(data, c, _trusted_setup()))
    except (RuntimeError, ValueError) as exc:
        raise DecodeError(f"ckzg could not compute a proof: {exc}", column="blob") from exc


def cell_proofs(blob: bytes) -> list[bytes]:
    """The 128 KZG cell proofs of ``blob`` (EIP-7594, ``compute_cells_and_kzg_proofs``): what the version-1
    network form of a blob transaction carries instead of the blob proof."""
    return commitment_and_cell_proofs(blob)[1]


def commitment_and_cell_proofs(blob: bytes) -> tuple[bytes, list[bytes]]:
    """The commitment and the 128 cell proofs of ``blob``, both with the cell-proof setup
    (:func:`kzg_precompute`), so a poster loads one setup."""
    setup = _trusted_setup(kzg_precompute())
    c = commitment(blob, _setup=setup)
    import ckzg

    try:
        _, proofs = ckzg.compute_cells_and_kzg_proofs(bytes(blob), setup)
    except (RuntimeError, ValueError) as exc:
        raise DecodeError(f"ckzg could not compute cell proofs: {exc}", column="blob") from exc
    return c, [bytes(p) for p in proofs]


def verify_blob(blob: bytes, commitment_bytes: bytes, proof_bytes: bytes) -> bool:
    """True if ``proof_bytes`` proves that ``commitment_bytes`` commits to ``blob``.

    Returns False for any triple that does not verify, including malformed points, non-canonical blobs
    and wrong sizes; raises nothing but batchkit errors for inputs that are not bytes-like.
    """
    try:
        data = _as_blob_bytes(blob, "blob")
        c = _fixed_bytes(commitment_bytes, COMMITMENT_SIZE, "commitment")
        p = _fixed_bytes(proof_bytes, PROOF_SIZE, "proof")
    except DecodeError:
        return False
    import ckzg

    try:
        return bool(ckzg.verify_blob_kzg_proof(data, c, p, _trusted_setup()))
    except (RuntimeError, ValueError):
        return False


# ------------------------------------------------------------------------------------ blob directories

def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def dir_mode() -> int:
    """The mode ``mkdir`` gives a new directory under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def write_blob_dir(payload: bytes, out_dir: str | os.PathLike[str], *, proofs: bool = False) -> dict:
    """Write ``payload`` as blob files plus ``manifest.json`` into ``out_dir`` and return the manifest.

    ``out_dir`` must not exist, or be an empty directory. Everything is written into a temporary sibling
    directory that is renamed into place at the end, so a failure leaves no partial directory behind.
    Raises InputError for a bad payload, FileExistsError if ``out_dir`` is a file or a non-empty directory,
    and OSError for filesystem failures.
    """
    blobs = encode_blobs(payload)
    n = memoryview(payload).nbytes
    out = os.path.abspath(os.fspath(out_dir))
    if os.path.lexists(out) and not (os.path.isdir(out) and not os.path.islink(out) and not os.listdir(out)):
        raise FileExistsError(f"{out} exists and is not an empty directory")

    entries = []
    remaining = n
    for i, b in enumerate(blobs):
        c = commitment(b)
        header = HEADER_SIZE if i == 0 else 0
        carried = min(remaining, USABLE_BYTES_PER_BLOB - header)
        remaining -= carried
        entry: dict[str, Any] = {"file": blob_file_name(i), "versioned_hash": _hex(versioned_hash(c)),
                                 "commitment": _hex(c)}
        if proofs:
            entry["proof"] = _hex(proof(b, c))
        entry["payload_bytes"] = carried
        entry["fill"] = round((carried + header) / USABLE_BYTES_PER_BLOB, 6)
        entries.append(entry)
    manifest = {"version": MANIFEST_VERSION, "payload_bytes": n, "blobs": entries}

    tmp = temp_dir_for(out)
    try:
        for entry, b in zip(entries, blobs):
            with open(os.path.join(tmp, entry["file"]), "xb") as f:
                f.write(b)
                f.flush()
                os.fsync(f.fileno())
        with open(os.path.join(tmp, MANIFEST_NAME), "x", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, dir_mode())  # mkdtemp makes it 0700: give it the mode mkdir would
        os.rename(tmp, out)  # replaces an empty directory atomically on POSIX
    except BaseException as exc:
        remove_temp(tmp)
        error = as_file_error(exc, out)
        if error is exc:
            raise
        raise error from None
    return manifest


_HEX_RE = re.compile(r"0x[0-9a-f]*\Z")


def _manifest_hex(entry: dict, key: str, size: int, column: str, *, required: bool) -> bytes | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _HEX_RE.match(value) or len(value) != 2 + 2 * size:
        raise DecodeError(f"{key} must be a 0x-prefixed lowercase hex string of {size} bytes", column=column)
    return bytes.fromhex(value[2:])


def _manifest_int(obj: dict, key: str, column: str, *, required: bool) -> int | None:
    value = obj.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DecodeError(f"{key} must be a non-negative integer", column=column)
    return value


def read_file(path: str, size_limit: int, exact: bool, column: str) -> bytes:
    """A regular file of exactly ``size_limit`` bytes (``exact``) or at most that many, refused before it is
    read when its size is wrong; DecodeError (naming ``column``) for anything else."""
    def too_big(size: int) -> DecodeError:
        if exact:
            return DecodeError(f"file must be exactly {size_limit} bytes, is {size}", column=column)
        return LimitExceededError("file size", size, size_limit, column=column)

    try:
        data = read_bounded(path, size_limit, too_big,
                            not_regular=lambda: DecodeError("not a regular file", column=column))
    except OSError as exc:  # a FileError already says "cannot read PATH"
        raise DecodeError(str(exc) if isinstance(exc, FileError) else f"cannot read: {exc}", column=column) from exc
    if exact and len(data) != size_limit:
        raise DecodeError(f"file must be exactly {size_limit} bytes, is {len(data)}", column=column)
    return data


def read_manifest(base: str, limit: int) -> dict:
    """The JSON object of ``base``/manifest.json (at most ``limit`` bytes), or :class:`DecodeError`."""
    raw = read_file(os.path.join(base, MANIFEST_NAME), limit, False, "manifest")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DecodeError(f"manifest is not valid JSON: {exc}", column="manifest") from exc
    if not isinstance(manifest, dict):
        raise DecodeError("manifest must be a JSON object", column="manifest")
    return manifest


def read_blob_dir(blob_dir: str | os.PathLike[str]) -> bytes:
    """Read a directory written by :func:`write_blob_dir` and return the payload.

    Checks the manifest (at most MAX_MANIFEST_BYTES, at most MAX_BLOBS entries, files named
    ``blob-000.bin``... in order), refuses a blob file that is not exactly 131,072 bytes before reading it,
    decodes the blobs strictly, recomputes each commitment and checks it (and its versioned hash, and the
    proof when one is given) against the manifest, and checks the payload sizes. Raises
    UnsupportedVersionError for an unknown manifest version and DecodeError for anything else.
    """
    base = os.fspath(blob_dir)
    manifest = read_manifest(base, MAX_MANIFEST_BYTES)
    version = _manifest_int(manifest, "version", "manifest", required=True)
    if version != MANIFEST_VERSION:
        raise UnsupportedVersionError(f"unknown blob manifest version {version}", column="manifest")
    total = _manifest_int(manifest, "payload_bytes", "manifest", required=True)
    entries = manifest.get("blobs")
    if not isinstance(entries, list) or not entries:
        raise DecodeError("manifest blobs must be a non-empty list", column="manifest")
    if len(entries) > MAX_BLOBS:
        raise LimitExceededError("blob count", len(entries), MAX_BLOBS, column="manifest")

    blobs = []
    for i, entry in enumerate(entries):
        column = f"manifest.blobs[{i}]"
        if not isinstance(entry, dict):
            raise DecodeError("blob entry must be a JSON object", column=column)
        if entry.get("file") != blob_file_name(i):
            raise DecodeError(f"blob {i} must be in file {blob_file_name(i)!r}", column=column)
        blobs.append(read_file(os.path.join(base, blob_file_name(i)), BLOB_SIZE, True, f"blob[{i}]"))

    payload = decode_blobs(blobs)
    if total != len(payload):
        raise DecodeError(f"manifest says {total} payload bytes, the blobs carry {len(payload)}", column="manifest")

    remaining = len(payload)
    for i, (entry, b) in enumerate(zip(entries, blobs)):
        column = f"manifest.blobs[{i}]"
        want_hash = _manifest_hex(entry, "versioned_hash", 32, column, required=True)
        want_commitment = _manifest_hex(entry, "commitment", COMMITMENT_SIZE, column, required=False)
        want_proof = _manifest_hex(entry, "proof", PROOF_SIZE, column, required=False)
        c = commitment(b)
        if want_commitment is not None and want_commitment != c:
            raise DecodeError("blob does not match the manifest's commitment", column=column)
        if versioned_hash(c) != want_hash:
            raise DecodeError("blob does not match the manifest's versioned hash", column=column)
        if want_proof is not None and not verify_blob(b, c, want_proof):
            raise DecodeError("the manifest's KZG proof does not verify", column=column)
        carried = min(remaining, USABLE_BYTES_PER_BLOB - (HEADER_SIZE if i == 0 else 0))
        remaining -= carried
        declared = _manifest_int(entry, "payload_bytes", column, required=False)
        if declared is not None and declared != carried:
            raise DecodeError(f"manifest says blob {i} carries {declared} payload bytes, it carries {carried}",
                              column=column)
    return payload
