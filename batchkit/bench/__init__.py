"""``batchkit bench``: batchkit against today's production batch formats, on the same batches.

What is measured
================

The corpus (files given on the command line, or the blocks ``--rpc URL --blocks A:B`` names, else
``ethereum-mainnet-recent.jsonl`` of the shared corpora, the one corpus the shipped prior was not trained on,
else a generated corpus of 5,000 transactions) is read once. Transactions some format cannot carry are left out for *every*
format, so all rows see the same batches: type-3 blob transactions (OP and Scroll reject them) and unsigned
system transactions (type 0x7e: OP deposits, Scroll L1 messages). Senders are recovered once, before any
timing, and handed to batchkit (it groups nonces per sender); batchkit's encode speed is therefore measured
with senders supplied, as a batcher that already knows them would run it.

The transactions are cut once into batches of consecutive transactions, either of about ``batch_bytes`` raw
bytes (:func:`batchkit.corpora.batches`) or so that each batch's ``batchkit-default`` payload fills
``target_blobs`` blobs. Every format then encodes and decodes every batch, each call timed with
:func:`time.perf_counter` (wall clock: batchkit's encoders compress a bulk section of 64 KiB or more on a
second thread, the other formats run on one), and every batch must round-trip exactly (else
:class:`VerificationError`).

Per format: payload bytes (each format's own framing included), ratio (raw bytes / payload bytes), bytes per
transaction, blobs (per batch ``ceil(payload / blob_capacity)`` in that format's own blob packing;
:func:`batchkit.l1.blob.blobs_needed` for batchkit), encode and decode MB/s (raw transaction bytes, 10^6, per
second), the cost of posting every batch in blobs (:func:`batchkit.l1.cost.blob_cost`) per transaction in gwei,
and bytes per transaction relative to ``op-span-brotli10``.

Rows come in groups (``group``): ``independent`` (payloads that decode alone: batchkit's independent rows and
the per-batch baselines), ``stream`` (payloads that use the ones before them: batchkit's ``stream-`` rows and
the plain compressor streams of :mod:`batchkit.baselines.streams`, one compressor kept across batches and
flushed per batch) and ``validity`` (the validity profile). Each row is also compared with its group's
reference row (``reference``, ``vs_reference_pct``, ``encode_vs_reference``, ``decode_vs_reference``): a stream
with ``raw-zstd7-stream``, the others with ``op-span-brotli10``. A row is ``in_sample`` when its payloads use a
shipped prior and the corpus holds files that prior was trained on
(:data:`batchkit.format.priors.TRAINED_ON`): its size then says little about data the prior has not seen, and
the text table marks it ``*``.

With ``target_blobs`` the report also has ``posting`` (:func:`batchkit.estimate.compare_posting`: the same
transactions as payloads of about ``target_blobs`` blobs, laid into batchkit's blob stream, into per-payload
blobs and into OP frames laid continuously; blobs, blob transactions, blob gas and fees per transaction) and
``builder_time`` (:func:`time_builder`: ``BatchBuilder(stream=True)`` against one ``compress`` over the same
transactions, medians of interleaved runs).

``--repeats N`` runs it all N times (:func:`batchkit.bench.report.merge_repeats`: the sizes must agree, the
speeds are medians with every run kept). ``--html`` adds :func:`batchkit.bench.classes.class_results` (bytes per
transaction per transaction class) and writes :func:`batchkit.bench.html.write_html`.

Example::

    batchkit bench --batch-bytes 120000 --json bench.json --plot plots/ --html bench.html --repeats 3
"""

from .harness import (BATCHKIT_LEVELS, DEFAULT_BATCH_BYTES, REFERENCE_FORMAT, Corpus, Format, Row, column_bytes,
                      corpus_of, cut_by_bytes, cut_for_blobs, known_formats, load_corpus, run, run_format,
                      select_formats, time_builder, versions)
from .plots import write_plots
from .report import (merge_repeats, render_builder_time, render_columns, render_meta, render_posting,
                     render_table)

__all__ = ["BATCHKIT_LEVELS", "DEFAULT_BATCH_BYTES", "REFERENCE_FORMAT", "Corpus", "Format", "Row", "column_bytes",
           "corpus_of", "cut_by_bytes", "cut_for_blobs", "known_formats", "load_corpus", "run", "run_format",
           "select_formats", "versions", "render_columns", "render_meta", "render_table", "write_plots",
           "render_posting", "render_builder_time", "time_builder", "merge_repeats"]
