"""The bench harness: the formats, the corpus, the batches, and the timed runs behind ``batchkit bench``
(the package docstring says what is measured)."""

from __future__ import annotations

import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .._version import __version__
from ..api import compress, decompress
from ..baselines import FORMATS
from ..baselines.streams import STREAM_FORMATS
from ..l1.blob import blobs_needed
from ..builder import build_payloads
from ..corpora import batches, generate_batch, load_all, shared_corpora_dir
from ..builder import BatchBuilder
from ..l1.cost import blob_cost
from ..errors import InputError, VerificationError
from ..estimate import compare_posting
from ..format import v2
from ..format._backend import COMPILED
from ..format.priors import TRAINED_ON
from ..format.v2 import Decoder as V2Decoder, parse_header as v2_header
from ..format.validity import records
from ..inspection import inspect_payload
from ..parallel import default_jobs, get_executor
from ..partitions import check_segment, list_partitions
from ..progress import bar as progress_bar
from ..readers import Transactions, read_transactions
from ..senders import recover_senders
from ..stream import KEYFRAME_EVERY, StreamDecoder, StreamEncoder

#: batchkit rows: format name -> (level, mode). ``independent``: v2 payloads that each decode alone (what
#: ``batchkit.compress`` makes); ``stream``: v2 payloads that use the ones before them (``StreamEncoder``, one
#: stream over the batches in order); ``v1``: the v1 format; ``validity`` and ``stream-validity``: the
#: validity profile (senders, no signatures), independent and as a stream; they round-trip to the
#: ``(sender, unsigned)`` records, not to the signed bytes.
BATCHKIT_LEVELS = {f"batchkit-{prefix}{level}": (level, mode)
                   for prefix, mode in (("stream-", "stream"), ("", "independent"), ("v1-", "v1"),
                                        ("validity-", "validity"), ("stream-validity-", "stream-validity"))
                   for level in ("fast", "default", "max")}
#: The row every other row is compared with (``vs_op_span_pct``).
REFERENCE_FORMAT = "op-span-brotli10"
#: Row groups, in table order: payloads that decode alone, payloads that use the ones before them, and the
#: validity profile (which round-trips to records, not to signed bytes).
GROUPS = ("independent", "stream", "validity")
#: The row each group is compared with (``vs_reference_pct``): a stream with the plain zstd-7 stream over the
#: raw transactions (what a batcher gets in 20 lines), everything else with OP span batches + brotli-10.
GROUP_REFERENCE = {"independent": REFERENCE_FORMAT, "stream": "raw-zstd7-stream", "validity": REFERENCE_FORMAT}
#: The shared corpus the shipped prior was not trained on: what ``batchkit bench`` measures by default.
HELD_OUT_CORPUS = "ethereum-mainnet-recent.jsonl"
DEFAULT_BATCH_BYTES = 120_000
#: Size of the corpus generated when the shared corpora are absent.
GENERATED_TXS = 5_000
GENERATED_SEED = 2024
SYSTEM_TX_TYPE = 0x7E
BLOB_TX_TYPE = 0x03


# --- formats -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Format:
    """One row of the bench: a codec over one batch, and how many blobs a payload of n bytes needs."""

    name: str
    session: Callable[[], tuple[Callable, Callable]]
    """A new ``(encode, decode)`` pair for one run over the batches in order: ``encode(txs, senders) ->
    payload`` (only batchkit uses the senders), ``decode(payload) -> txs``."""
    blobs: Callable[[int], int]
    level: str | None = None
    """The batchkit level, or None for a baseline."""
    expect: Callable | None = None
    """``expect(txs, senders)``: what decoding must give back, when it is not ``txs`` (the validity profile)."""
    group: str = "independent"
    """One of :data:`GROUPS`."""


def _batchkit_format(name: str, level: str, mode: str) -> Format:

    profile = "validity" if mode.endswith("validity") else "full"

    def session():
        if mode.startswith("stream"):
            enc, dec = StreamEncoder(level, profile=profile), StreamDecoder()
            return (lambda txs, senders: enc.compress(txs, senders)), dec.decompress
        version = 1 if mode == "v1" else 2
        return (lambda txs, senders: compress(txs, level=level, senders=senders, version=version,
                                              profile=profile)), decompress

    group = "validity" if profile == "validity" else "stream" if mode == "stream" else "independent"
    return Format(name, session, blobs_needed, level, records if profile == "validity" else None, group)


def _baseline_format(name: str) -> Format:
    base = FORMATS[name]
    capacity = base.blob_capacity

    def encode(txs: list[bytes], senders: list[bytes]) -> bytes:
        return base.encode(txs)

    return Format(name, lambda: (encode, base.decode), lambda n: max(1, -(-n // capacity)))


def _stream_baseline_format(name: str) -> Format:
    base = STREAM_FORMATS[name]
    capacity = base.blob_capacity

    def session():
        encode, decode = base.session()
        return (lambda txs, senders: encode(txs)), decode

    return Format(name, session, lambda n: max(1, -(-n // capacity)), group="stream")


def known_formats() -> list[str]:
    """Every format name the bench knows: the batchkit levels, then the baselines, then the plain streams."""
    return [*BATCHKIT_LEVELS, *FORMATS, *STREAM_FORMATS]


def select_formats(spec: str | None) -> list[Format]:
    """``spec``: comma-separated names (None or empty: all). Raises InputError for an unknown name."""
    known = known_formats()
    names = known if not spec else [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(f"unknown format(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if not names:
        raise InputError("no formats given")
    names = list(dict.fromkeys(names))
    return [_batchkit_format(n, *BATCHKIT_LEVELS[n]) if n in BATCHKIT_LEVELS
            else _stream_baseline_format(n) if n in STREAM_FORMATS else _baseline_format(n) for n in names]


# --- corpus ------------------------------------------------------------------------------------------------

@dataclass
class Corpus:
    raws: list[bytes]
    description: str
    left_out: dict[str, int] = field(default_factory=dict)
    """Why transactions were left out, and how many."""
    files: list[str] = field(default_factory=list)
    """Names of the files read (empty for a generated corpus or blocks from a node)."""

    @property
    def trained_on(self) -> list[str]:
        """The files of the corpus that a shipped prior was trained on (:data:`batchkit.format.priors.TRAINED_ON`):
        a row whose payloads use that prior is in-sample on them."""
        trained = frozenset().union(*TRAINED_ON.values())
        return sorted({f for f in self.files if f in trained})


def _filter(raws: list[bytes], left_out: dict[str, int]) -> list[bytes]:
    kept = []
    for raw in raws:
        if raw[:1] == bytes([BLOB_TX_TYPE]):
            left_out["type-3 blob txs"] = left_out.get("type-3 blob txs", 0) + 1
        elif raw[:1] == bytes([SYSTEM_TX_TYPE]):
            left_out["system txs (0x7e)"] = left_out.get("system txs (0x7e)", 0) + 1
        else:
            kept.append(raw)
    return kept


def load_corpus(paths: Sequence[str], *, all_shared: bool = False) -> Corpus:
    """The bench corpus: ``paths`` read with :func:`batchkit.readers.read_transactions`; with no paths the
    shared corpus the prior was not trained on (:data:`HELD_OUT_CORPUS`), or every file of the shared corpora
    with ``all_shared`` (in-sample for the prior); without the shared corpora, a generated corpus. Type-3
    and system txs are left out."""
    left_out: dict[str, int] = {}
    directory = None if paths else shared_corpora_dir()
    if not paths and not all_shared and directory is not None and (Path(directory) / HELD_OUT_CORPUS).is_file():
        paths = [str(Path(directory) / HELD_OUT_CORPUS)]
    if paths:
        raws: list[bytes] = []
        files = [f for p in paths for f in (list_partitions(p) if Path(p).is_dir() else [p])]
        for path in files:
            found = read_transactions(path, skip_unsupported=True)
            raws += found.raws
            if found.skipped:
                left_out["unsupported txs"] = left_out.get("unsupported txs", 0) + found.skipped
        description = ", ".join(Path(p).name for p in paths)
        names = [Path(f).name for f in files]
    else:
        names = []
        if directory is not None:
            raws = load_all(directory, include_system=True, include_blobs=True)
            description = f"all of {directory}/*.jsonl"
            names = sorted(p.name for p in Path(directory).glob("*.jsonl"))
        else:
            raws = [t.raw for t in generate_batch(GENERATED_TXS, seed=GENERATED_SEED)]
            description = (f"generated corpus of {GENERATED_TXS} txs (seed {GENERATED_SEED}): "
                           "the shared corpora are absent")
    return Corpus(_filter(raws, left_out), description, left_out, names)


def corpus_of(txs: Transactions, description: str) -> Corpus:
    """The bench corpus of transactions already read (for example by :func:`batchkit.readers.read_node`);
    type-3 and system txs are left out, as in :func:`load_corpus`."""
    left_out = {"unsupported txs": txs.skipped} if txs.skipped else {}
    return Corpus(_filter(txs.raws, left_out), description, left_out)


# --- batches -----------------------------------------------------------------------------------------------

def _cut_by_counts(raws: list[bytes], counts: list[int]) -> list[tuple[int, int]]:
    spans, start = [], 0
    for c in counts:
        spans.append((start, start + c))
        start += c
    if start != len(raws):
        raise VerificationError(f"the builder's payloads carry {start} of {len(raws)} transactions")
    return spans


def cut_for_blobs(raws: list[bytes], senders: list[bytes], n_blobs: int) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of consecutive txs whose ``batchkit-default`` payload fills ``n_blobs`` blobs
    (the last span takes what is left), as :func:`batchkit.builder.build_payloads` cuts them."""
    if n_blobs < 1:
        raise InputError(f"--target-blobs must be at least 1, not {n_blobs}")
    payloads = build_payloads(raws, senders=senders, target_blobs=n_blobs, level="default", verify=False)
    return _cut_by_counts(raws, [v2.parse_header(p).n for p in payloads])


def cut_by_bytes(raws: list[bytes], batch_bytes: int) -> list[tuple[int, int]]:
    """Spans of :func:`batchkit.corpora.batches` (runs of at most ``batch_bytes`` raw bytes)."""
    if batch_bytes < 1:
        raise InputError(f"--batch-bytes must be positive, not {batch_bytes}")
    return _cut_by_counts(raws, [len(b) for b in batches(raws, batch_bytes)])


# --- running -----------------------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    level: str | None
    txs: int
    raw_bytes: int
    payload_bytes: int = 0
    blobs: int = 0
    encode_s: float = 0.0
    decode_s: float = 0.0
    cost_wei: int = 0
    payloads: list[bytes] = field(default_factory=list, repr=False)
    group: str = "independent"

    def uses_prior(self) -> bool:
        """Whether any of the row's payloads starts from a shipped prior (a v2 keyframe with flag bit 0)."""
        return any(p[:3] == b"BK\x02" and v2_header(p).prior is not None for p in self.payloads)

    def result(self, reference: "Row | None", group_reference: "Row | None" = None,
               in_sample: bool = False) -> dict:
        """One row of ``results``. Keys: ``name``; ``group`` (one of :data:`GROUPS`: ``independent``,
        ``stream``, ``validity``); ``in_sample`` (True when the row's payloads use a shipped prior and the
        corpus holds files that prior was trained on: its size is then not a result); ``bytes_per_tx``;
        ``ratio`` (raw / payload bytes); ``blobs``; ``encode_mb_s`` and ``decode_mb_s`` (raw MB per second);
        ``payload_bytes``; ``cost_per_tx_gwei``; ``vs_op_span_pct`` (bytes per tx against
        :data:`REFERENCE_FORMAT`, percent); ``reference`` (the row the group is compared with,
        :data:`GROUP_REFERENCE`) and ``vs_reference_pct`` (bytes per tx against it, percent; None when absent);
        ``encode_vs_reference`` and ``decode_vs_reference`` (speed as a multiple of the reference row's)."""
        bpt = self.payload_bytes / self.txs
        gref = group_reference
        return {
            "name": self.name,
            "bytes_per_tx": bpt,
            "ratio": self.raw_bytes / self.payload_bytes,
            "blobs": self.blobs,
            "encode_mb_s": self.raw_bytes / self.encode_s / 1e6 if self.encode_s else None,
            "decode_mb_s": self.raw_bytes / self.decode_s / 1e6 if self.decode_s else None,
            "payload_bytes": self.payload_bytes,
            "cost_per_tx_gwei": self.cost_wei / self.txs / 1e9,
            "vs_op_span_pct": (None if reference is None else
                               (bpt / (reference.payload_bytes / reference.txs) - 1) * 100),
            "group": self.group,
            "in_sample": in_sample,
            "reference": GROUP_REFERENCE[self.group],
            "vs_reference_pct": None if gref is None else (bpt / (gref.payload_bytes / gref.txs) - 1) * 100,
            "encode_vs_reference": (gref.encode_s / self.encode_s if gref is not None and self.encode_s
                                    and gref.encode_s else None),
            "decode_vs_reference": (gref.decode_s / self.decode_s if gref is not None and self.decode_s
                                    and gref.decode_s else None),
        }


def _progress(total: int, desc: str, unit: str = "batch"):
    return progress_bar(total, desc, unit)


def run_format(fmt: Format, batches: list[list[bytes]], senders: list[list[bytes]], *, base_fee: int,
               blob_base_fee: int, progress=None) -> Row:
    """Encode and decode every batch with ``fmt``, timing each call; raise VerificationError unless every
    batch comes back exactly."""
    row = Row(fmt.name, fmt.level, sum(map(len, batches)), sum(len(t) for b in batches for t in b), group=fmt.group)
    clock = time.perf_counter
    encode, decode = fmt.session()
    for i, (txs, snd) in enumerate(zip(batches, senders)):
        try:
            t0 = clock()
            payload = encode(txs, snd)
            t1 = clock()
            back = decode(payload)
            t2 = clock()
        except InputError as exc:
            raise InputError(f"{fmt.name} cannot encode batch {i}: {exc}") from exc
        if back != (txs if fmt.expect is None else fmt.expect(txs, snd)):
            raise VerificationError(f"{fmt.name}: batch {i} ({len(txs)} txs) does not round-trip")
        n_blobs = fmt.blobs(len(payload))
        row.encode_s += t1 - t0
        row.decode_s += t2 - t1
        row.payload_bytes += len(payload)
        row.blobs += n_blobs
        row.cost_wei += blob_cost(n_blobs, base_fee=base_fee, blob_base_fee=blob_base_fee)
        if fmt.level is not None:
            row.payloads.append(payload)
        if progress is not None:
            progress.update(1)
    return row


def column_bytes(payloads: list[bytes], txs: int) -> dict[str, float]:
    """Bytes per transaction of each column (plus the header and checksum), from :func:`batchkit.inspection.inspect_payload`
    summed over the payloads."""
    totals: dict[str, float] = {"header": 0.0}
    decoder = V2Decoder()
    for payload in payloads:
        report = inspect_payload(payload, decoder)
        totals["header"] += report["payload_bytes"] - report["body_bytes"] - report["signature_bytes"]
        for col in report["columns"]:
            totals[col["name"]] = totals.get(col["name"], 0.0) + col["compressed_bytes"]
    return {name: round(v / txs, 3) for name, v in totals.items()}


def versions() -> dict[str, str]:
    import brotli
    import zstandard
    return {
        "batchkit": __version__,
        "core": "compiled" if COMPILED else "pure python",
        "zstandard": zstandard.__version__,
        "libzstd": ".".join(map(str, zstandard.ZSTD_VERSION)),
        "brotli": getattr(brotli, "__version__", "unknown"),
        "python": platform.python_version(),
    }


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# --- the builder and posting (--target-blobs) -----------------------------------------------------------

#: Timed runs of each side of :func:`time_builder` (medians are reported).
BUILDER_REPEATS = 5
#: Keyframe interval of the v2-with-history rows (as ``compress --blob-stream``).
HISTORY_KEYFRAME_EVERY = 32


def _stream_build(raws: list[bytes], senders: list[bytes], target_blobs: int, version: int,
                  keyframe_every: int = 1) -> int:
    b = BatchBuilder(target_blobs=target_blobs, stream=True, version=version, keyframe_every=keyframe_every)
    n = 0
    for raw, sender in zip(raws, senders):
        if not b.add(raw, sender):
            b.seal()
            n += 1
            b.add(raw, sender)
    b.seal()
    return n + 1


def time_builder(raws: list[bytes], senders: list[bytes], target_blobs: int,
                 repeats: int = BUILDER_REPEATS) -> dict:
    """Medians, in the same run and interleaved, of one :func:`batchkit.compress` over every transaction and
    of ``BatchBuilder(stream=True)`` cutting the same transactions at ``target_blobs`` (the caller's loop: add,
    seal when add says so), for each payload version; everything verifies."""
    runs = {"compress_v1": lambda: compress(raws, senders=senders, version=1),
            "builder_v1": lambda: _stream_build(raws, senders, target_blobs, 1),
            "compress_v2": lambda: compress(raws, senders=senders, version=2),
            "builder_v2": lambda: _stream_build(raws, senders, target_blobs, 2),
            "builder_v2_history": lambda: _stream_build(raws, senders, target_blobs, 2, HISTORY_KEYFRAME_EVERY)}
    times: dict[str, list[float]] = {name: [] for name in runs}
    payloads = 0
    for _ in range(repeats):
        for name, run_once in runs.items():
            t0 = time.perf_counter()
            out = run_once()
            times[name].append(time.perf_counter() - t0)
            if name == "builder_v2":
                payloads = out
    med = {f"{k}_s": statistics.median(v) for k, v in times.items()}
    return {"repeats": repeats, "payloads": payloads, **med,
            "ratio_v1": med["builder_v1_s"] / med["compress_v1_s"],
            "ratio_v2": med["builder_v2_s"] / med["compress_v2_s"],
            "ratio_v2_history": med["builder_v2_history_s"] / med["compress_v2_s"],
            "keyframe_every": HISTORY_KEYFRAME_EVERY}


# --- entry point -------------------------------------------------------------------------------------------

def _run_format_job(job: tuple) -> Row:
    """Worker: one format over every batch (the format is rebuilt from its name: closures do not pickle)."""
    name, batches, senders, base_fee, blob_base_fee = job
    return run_format(select_formats(name)[0], batches, senders, base_fee=base_fee, blob_base_fee=blob_base_fee)


#: Batches per task on a distributed executor: one stream segment (a fresh stream session over them writes the
#: bytes one session over every batch writes, checked per chunk), so every row is the single-process row.
CHUNK_BATCHES = KEYFRAME_EVERY


def _run_chunk_job(job: tuple) -> Row:
    """Worker: one format over one chunk of batches (a fresh session: for a stream row, one whole segment)."""
    name, index, batches, senders, base_fee, blob_base_fee = job
    fmt = select_formats(name)[0]
    row = run_format(fmt, batches, senders, base_fee=base_fee, blob_base_fee=blob_base_fee)
    if BATCHKIT_LEVELS.get(name, (None, None))[1] == "stream":
        check_segment(row.payloads, f"{name} chunk {index}")
    return row


def _merge(rows: list[Row]) -> Row:
    out = Row(rows[0].name, rows[0].level, 0, 0, group=rows[0].group)
    for r in rows:
        out.txs += r.txs
        out.raw_bytes += r.raw_bytes
        out.payload_bytes += r.payload_bytes
        out.blobs += r.blobs
        out.encode_s += r.encode_s
        out.decode_s += r.decode_s
        out.cost_wei += r.cost_wei
        out.payloads += r.payloads
    return out


def _run_distributed(formats: list[Format], batches: list[list[bytes]], senders: list[list[bytes]], *,
                     base_fee: int, blob_base_fee: int, executor) -> list[Row]:
    """Every format over chunks of :data:`CHUNK_BATCHES` batches as separate tasks on ``executor``; the chunk
    rows of a format are summed (sizes, blobs and costs add; each call is still timed alone on its worker)."""
    starts = range(0, len(batches), CHUNK_BATCHES)
    work = [(fmt.name, k, batches[a:a + CHUNK_BATCHES], senders[a:a + CHUNK_BATCHES], base_fee, blob_base_fee)
            for fmt in formats for k, a in enumerate(starts)]
    names = [f"{w[0]} chunk {w[1]}" for w in work]
    per_format: dict[str, list[Row]] = {}
    with _progress(len(work), "bench", "chunk") as bar:
        for row in executor.map(_run_chunk_job, work, names=names):
            per_format.setdefault(row.name, []).append(row)
            bar.update(1)
    return [_merge(per_format[fmt.name]) for fmt in formats]


def _run_formats(formats: list[Format], batches: list[list[bytes]], senders: list[list[bytes]], *, base_fee: int,
                 blob_base_fee: int, jobs: int) -> list[Row]:
    """Every format over every batch: in this process (``jobs=1``, progress per batch), or one format per
    worker process on ``jobs`` processes (progress per format). Either way each call is timed alone in
    one thread; with several jobs the formats run side by side on different cores."""
    if jobs == 1:
        rows = []
        with _progress(len(formats) * len(batches), "bench") as bar:
            for fmt in formats:
                bar.set_description(fmt.name)
                rows.append(run_format(fmt, batches, senders, base_fee=base_fee, blob_base_fee=blob_base_fee,
                                       progress=bar))
        return rows
    work = [(fmt.name, batches, senders, base_fee, blob_base_fee) for fmt in formats]
    rows = []
    with get_executor(min(jobs, len(formats)), "processes") as pool, _progress(len(formats), "bench",
                                                                               "format") as bar:
        for row in pool.map(_run_format_job, work):
            rows.append(row)
            bar.update(1)
    return rows


def run(corpus: Corpus, formats: list[Format], *, batch_bytes: int | None = None, target_blobs: int | None = None,
        base_fee: int, blob_base_fee: int, limit: int | None = None, fork: str = "bpo2",
        jobs: int | None = 1, executor=None) -> dict:
    """Run the bench; returns ``{"meta", "results", "batchkit_columns"}`` (the JSON written by ``--json``).
    ``results``: one dict per format (keys in :meth:`Row.result`), sorted by group (:data:`GROUPS`) then bytes
    per transaction. ``meta`` has, besides the run's conditions, ``reference`` (:data:`REFERENCE_FORMAT`),
    ``group_reference`` (:data:`GROUP_REFERENCE`), ``prior_trained_on`` (the corpus files a shipped prior was
    trained on; empty on held-out data) and ``in_sample`` (any row is).
    ``jobs``: formats run side by side on that many processes (None: one per core); results are the same
    whatever ``jobs``, only the speeds see the other jobs' load. ``executor``: run on it instead (a
    :class:`batchkit.cluster.DaskExecutor`: chunks of :data:`CHUNK_BATCHES` batches per task; the same table)."""
    jobs = default_jobs() if jobs is None else jobs
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise InputError(f"--jobs must be at least 1, not {jobs!r}")
    raws = corpus.raws
    if limit is not None:
        if limit < 1:
            raise InputError(f"--limit must be at least 1, not {limit}")
        raws = raws[:limit]
    if not raws:
        raise InputError("no transactions to bench")
    t0 = time.perf_counter()
    senders = recover_senders(raws, strict=False)
    recover_s = time.perf_counter() - t0

    if target_blobs is not None:
        spans = cut_for_blobs(raws, senders, target_blobs)
        batch_label = f"batchkit-default fills {target_blobs} blob(s)"
    else:
        batch_bytes = DEFAULT_BATCH_BYTES if batch_bytes is None else batch_bytes
        spans = cut_by_bytes(raws, batch_bytes)
        batch_label = f"{batch_bytes:,} raw bytes"
    batches = [raws[a:b] for a, b in spans]
    batch_senders = [senders[a:b] for a, b in spans]

    if executor is not None:
        rows = _run_distributed(formats, batches, batch_senders, base_fee=base_fee, blob_base_fee=blob_base_fee,
                                executor=executor)
    else:
        rows = _run_formats(formats, batches, batch_senders, base_fee=base_fee, blob_base_fee=blob_base_fee,
                            jobs=jobs)
    by_name = {r.name: r for r in rows}
    reference = by_name.get(REFERENCE_FORMAT)
    trained_on = corpus.trained_on
    results = sorted((r.result(reference, by_name.get(GROUP_REFERENCE[r.group]),
                               bool(trained_on) and r.uses_prior()) for r in rows),
                     key=lambda r: (GROUPS.index(r["group"]), r["bytes_per_tx"], r["name"]))
    columns = {r.name.removeprefix("batchkit-"): column_bytes(r.payloads, r.txs) for r in rows
               if r.level is not None}

    meta = {
        "versions": versions(),
        "cpu": _cpu(),
        "corpus": corpus.description,
        "txs": len(raws),
        "raw_bytes": sum(map(len, raws)),
        "batches": len(batches),
        "batch_bytes": batch_bytes if target_blobs is None else None,
        "target_blobs": target_blobs,
        "batch_label": batch_label,
        "batch_txs": [len(b) for b in batches],
        "left_out": corpus.left_out,
        "limit": limit,
        "senders": "recovered once with recover_senders and supplied to batchkit (encode timed with senders given)",
        "recover_s": recover_s,
        "timing": "time.perf_counter (wall clock) around each encode and decode call, summed over batches; "
                  "batchkit's encoders compress a bulk section of 64 KiB or more on a second thread, every other "
                  "format runs on one"
                  + ("" if jobs == 1 or executor is not None else f"; {jobs} formats at a time on separate processes")
                  + ("" if executor is None else f"; chunks of {CHUNK_BATCHES} batches as tasks on Dask "
                                                 f"({executor.jobs} worker threads)"),
        "jobs": jobs,
        "fork": fork,
        "base_fee_gwei": base_fee / 1e9,
        "blob_base_fee_gwei": blob_base_fee / 1e9,
        "reference": REFERENCE_FORMAT,
        "group_reference": GROUP_REFERENCE,
        "prior_trained_on": trained_on,
        "in_sample": any(r["in_sample"] for r in results),
    }
    report = {"meta": meta, "results": results, "batchkit_columns": columns}
    if target_blobs is not None:
        report["posting"] = compare_posting(raws, senders, target_blobs=target_blobs, base_fee=base_fee,
                                            blob_base_fee=blob_base_fee, fork=fork,
                                            keyframe_every=HISTORY_KEYFRAME_EVERY).to_dict()
        report["builder_time"] = time_builder(raws, senders, target_blobs)
    return report
