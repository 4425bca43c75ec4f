"""Loaders for the real-transaction corpus kept beside the repository (``../shared/corpora``, see its
PROVENANCE.md), and the batch cutter every measurement uses.

Each corpus file is JSONL, one signed tx per line: ``{"chain", "chain_id", "block", "index", "raw", "hash"}``.
The data is not committed; :func:`shared_corpora_dir` finds it, or returns ``None`` so callers can skip.

Example::

    >>> from batchkit.corpora import load_all, batches
    >>> raws = load_all()                                   # doctest: +SKIP
    >>> [len(b) for b in batches(raws, batch_bytes=120_000)][:3]   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import InputError

#: Unsigned L2 system transactions (OP deposits, Scroll L1 messages): type 0x7e, not carried by batchkit.
SYSTEM_FILE = "l2-system-txs-0x7e.jsonl"
ENV_VAR = "BATCHKIT_CORPORA"


def shared_corpora_dir() -> Path | None:
    """The corpus directory: ``$BATCHKIT_CORPORA`` if set, else ``../shared/corpora`` beside the repository
    (found from this file, and from the working directory for an installed copy); ``None`` if absent."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        return path if path.is_dir() else None
    here = Path(__file__).resolve()
    candidates = [here.parents[2].parent / "shared" / "corpora", Path.cwd().parent / "shared" / "corpora"]
    for path in candidates:
        if path.is_dir():
            return path
    return None


def load_jsonl(path: str | os.PathLike, *, include_system: bool = False) -> list[dict]:
    """Read one corpus file; each record gets its ``raw`` as a ``0x`` hex string, as stored.

    Records of type 0x7e are left out unless ``include_system``. Raises :class:`InputError` (naming the
    line) for a line that is not a JSON object with a ``raw`` field.
    """
    records = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                raw = record["raw"]
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"{path}, line {line_no}: not a corpus record ({exc})") from None
            if not include_system and raw[:4].lower() == "0x7e":
                continue
            records.append(record)
    return records


def _raw(record: dict) -> bytes:
    return bytes.fromhex(record["raw"].removeprefix("0x"))


def load_all(directory: str | os.PathLike | None = None, *, include_system: bool = False,
             include_blobs: bool = True) -> list[bytes]:
    """Every tx of every ``*.jsonl`` in ``directory`` (default :func:`shared_corpora_dir`), files in
    sorted order, records in file order. The system file is left out unless ``include_system``; type-3
    txs are left out when ``include_blobs`` is false. Raises :class:`FileNotFoundError` if there is no
    corpus directory."""
    if directory is None:
        directory = shared_corpora_dir()
        if directory is None:
            raise FileNotFoundError(f"no corpus directory: set {ENV_VAR} or put it at ../shared/corpora")
    raws = []
    for path in sorted(Path(directory).glob("*.jsonl")):
        if path.name == SYSTEM_FILE and not include_system:
            continue
        for record in load_jsonl(path, include_system=include_system):
            raw = _raw(record)
            if raw[:1] == b"\x03" and not include_blobs:
                continue
            raws.append(raw)
    return raws


def batches(raws: list[bytes], batch_bytes: int = 120_000) -> list[list[bytes]]:
    """Cut ``raws`` into runs of consecutive txs of at most ``batch_bytes`` raw bytes each.

    A batch is closed when adding the next tx would take it over ``batch_bytes``; a tx larger than
    ``batch_bytes`` on its own forms a batch by itself. No batch is empty.
    """
    if batch_bytes < 1:
        raise InputError(f"batch_bytes must be positive, not {batch_bytes}")
    out: list[list[bytes]] = []
    current: list[bytes] = []
    size = 0
    for raw in raws:
        if current and size + len(raw) > batch_bytes:
            out.append(current)
            current, size = [], 0
        current.append(raw)
        size += len(raw)
    if current:
        out.append(current)
    return out
