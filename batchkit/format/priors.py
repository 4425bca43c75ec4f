"""Priors shipped with batchkit: raw-content zstd dictionaries a v2 segment may start from.

A prior file (``data/priors-<id>.bin``, built by ``scripts/train_priors.py`` from the shared corpora) holds
one dictionary per section: ``"BKP1"``, u32 LE ``len(a)``, ``a``, u32 LE ``len(b)``, ``b``. Its identifier is
the first 8 bytes of the file's sha256; a payload names the prior it used by that identifier. Priors are
part of the format: a released prior never changes, a new one is a new identifier.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from importlib import resources

import zstandard

from ..errors import UnsupportedVersionError

ID_BYTES = 8
#: The prior new segments use unless told otherwise (trained on every shared corpus but
#: ethereum-mainnet-recent.jsonl: 337,587 + 4,194,304 bytes).
DEFAULT_ID = bytes.fromhex("2b965c6a57a924ba")
_MAGIC = b"BKP1"
#: The corpus files (of ``../shared/corpora``) each prior was trained on (``scripts/train_priors.py``): data
#: from these is *in-sample* for a payload that uses the prior, and ``batchkit bench`` marks such rows.
TRAINED_ON: dict[bytes, frozenset[str]] = {
    DEFAULT_ID: frozenset({
        "arbitrum-one-from-l1-batches.jsonl", "ethereum-etl.jsonl", "ethereumjs.jsonl", "nimbus-eth1.jsonl",
        "op-base-from-l1-batches.jsonl", "polygon-zkevm-from-l1-batches.jsonl", "portal-spec-tests.jsonl",
        "raiko.jsonl", "reth.jsonl", "scroll-prover.jsonl"}),
}


@dataclass
class Prior:
    """One prior: its identifier and its two dictionaries (``a`` for ``columns_a``, ``b`` for ``columns_b``)."""
    ident: bytes
    a: zstandard.ZstdCompressionDict
    b: zstandard.ZstdCompressionDict
    _prepared: set = field(default_factory=set, repr=False)
    _cdicts: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def for_compression(self, params_a, params_b) -> tuple:
        """Both dictionaries with their compression tables built for these parameters: one dictionary object
        per parameter set (python-zstandard keeps one table per object, built in place, so that happens once,
        under the lock; a built table is read-only and shared by every compressor)."""
        out = []
        for raw, params in ((self.a, params_a), (self.b, params_b)):
            # Every parameter the tables depend on: ``from_level`` leaves ``compression_level`` at 3 whatever
            # the level, so levels 6 and 7 (same strategy and window) would otherwise share level 6's tables
            # and the bytes of a stream would depend on which level a process used first.
            key = (id(raw), params.window_log, params.chain_log, params.hash_log, params.search_log,
                   params.min_match, params.target_length, params.strategy)
            with self._lock:
                d = self._cdicts.get(key)
                if d is None:
                    d = zstandard.ZstdCompressionDict(raw.as_bytes(), dict_type=zstandard.DICT_TYPE_RAWCONTENT)
                    d.precompute_compress(compression_params=params)
                    self._cdicts[key] = d
            out.append(d)
        return tuple(out)

    def for_decompression(self) -> tuple:
        """Both dictionaries with their decompression tables built (once, under the lock, for the same reason)."""
        with self._lock:
            if "d" not in self._prepared:
                for d in (self.a, self.b):
                    zstandard.ZstdDecompressor(dict_data=d).decompressobj()
                self._prepared.add("d")
        return self.a, self.b


_CACHE: dict[bytes, Prior] = {}
_CACHE_LOCK = threading.Lock()


def _parse(blob: bytes, ident: bytes) -> Prior:
    if blob[:4] != _MAGIC or len(blob) < 12:
        raise ValueError("not a batchkit prior file")
    la = int.from_bytes(blob[4:8], "little")
    view = memoryview(blob)  # the dictionaries copy their bytes: slicing the view copies nothing more
    a = view[8:8 + la]
    lb = int.from_bytes(blob[8 + la:12 + la], "little")
    b = view[12 + la:]
    if len(a) != la or len(b) != lb:
        raise ValueError("truncated batchkit prior file")
    raw = zstandard.DICT_TYPE_RAWCONTENT
    return Prior(ident, zstandard.ZstdCompressionDict(a, dict_type=raw), zstandard.ZstdCompressionDict(b, dict_type=raw))


def available() -> list[bytes]:
    """The identifiers of the priors this batchkit ships."""
    names = [p.name for p in resources.files(__package__).joinpath("data").iterdir()]
    return sorted(bytes.fromhex(n[len("priors-"):-len(".bin")]) for n in names
                  if n.startswith("priors-") and n.endswith(".bin"))


def load(ident: bytes) -> Prior:
    """The prior named ``ident``; :class:`UnsupportedVersionError` if this batchkit does not ship it (or its
    file does not hash to its name)."""
    with _CACHE_LOCK:
        prior = _CACHE.get(ident)
        if prior is not None:
            return prior
        try:
            blob = resources.files(__package__).joinpath("data", f"priors-{ident.hex()}.bin").read_bytes()
        except (FileNotFoundError, OSError):
            blob = None
        if blob is None or hashlib.sha256(blob).digest()[:ID_BYTES] != ident:
            raise UnsupportedVersionError(f"the payload uses priors {ident.hex()}, which this batchkit does not "
                                          f"have (it has {', '.join(i.hex() for i in available()) or 'none'})",
                                          column="header")
        prior = _CACHE[ident] = _parse(blob, ident)
        return prior
