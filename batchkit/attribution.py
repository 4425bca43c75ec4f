"""Per-transaction attribution of a batch's cost: what each transaction adds to the payload, and how the
production per-transaction estimators compare with that.

- :func:`marginal_sizes`: exact leave-one-out, ``size(batch) - size(batch without tx)``, in payload bytes.
  Each leave-one-out recompresses the body once (columns are rebuilt with ``core.disassemble``, which is
  cheap); for a 500-transaction batch at ``default`` that is 500 zstd-9 compressions of about 200 KB.
  Marginal sizes of one transaction can be negative or tiny (a repeat of an earlier one) and their sum is
  not the batch size: compressed size is not additive.
- :func:`op_fastlz_estimate`: OP Stack Fjord's estimate, FastLZ size of the tx through the fitted line
  ``max(100e6, -42_585_600 + 836_500 * fastlz_size) / 1e6`` (ethereum-optimism op-geth
  ``core/types/rollup_cost.go``). The FastLZ length is computed here in Python, the same algorithm as
  Solady's ``LibZip.flzCompress`` that the GasPriceOracle uses (the PyPI ``fastlz`` package wraps a
  different FastLZ and does not build on current Pythons).
- :func:`arbitrum_estimate`: Arbitrum's, brotli level 1 of the tx bytes (Arbitrum charges 16 gas per byte
  of it).
- :func:`attribution_report`: each estimator against the marginal truth.
"""

from __future__ import annotations

import math
from typing import Sequence

import brotli

from .coerce import sender_labels
from .errors import InputError
from .format import v1
from .format._backend import core

__all__ = ["marginal_sizes", "op_fastlz_estimate", "fastlz_length", "arbitrum_estimate", "attribution_report"]

OP_FASTLZ_COEF = 836_500
OP_FASTLZ_INTERCEPT = -42_585_600
OP_MIN_SIZE = 100_000_000
OP_SCALE = 1_000_000


def _labels(senders, n):
    return None if senders is None else sender_labels(senders, n)


def _size(raws, labels, level) -> int:
    chain, streams = core.disassemble(raws, labels)
    return len(v1.encode_streams(len(raws), chain, streams, level))


def marginal_sizes(raws: Sequence[bytes], senders: Sequence[bytes] | None = None,
                   level: str | int = "default") -> list[int]:
    """Payload bytes each transaction adds: ``size(batch) - size(batch without it)`` (exact
    leave-one-out; ``n + 1`` compressions). Senders, when given, label the nonce groups as in
    :func:`batchkit.compress`."""
    raws = [bytes(r) for r in raws]
    labels = _labels(senders, len(raws))
    full = _size(raws, labels, level)
    out = []
    for i in range(len(raws)):
        rest = raws[:i] + raws[i + 1:]
        lab = None if labels is None else labels[:i] + labels[i + 1:]
        out.append(full - _size(rest, lab, level) if rest else full)
    return out


def fastlz_length(data: bytes) -> int:
    """Length of FastLZ (level 1, Solady ``flzCompress``) output for ``data``, without building it."""
    data = bytes(data)
    n = len(data)
    size = 0
    table = [0] * 8192
    limit = n - 13 if n >= 13 else 0

    def u24(i: int) -> int:
        return data[i] | data[i + 1] << 8 | data[i + 2] << 16

    def h(v: int) -> int:
        return ((2654435769 * v) >> 19) & 0x1FFF

    def literals(r: int) -> int:
        extra = 0x21 * (r // 0x20)
        r %= 0x20
        return extra + (r + 1 if r else 0)

    anchor = 0
    ip = 2
    while ip < limit:
        while True:
            seq = u24(ip)
            key = h(seq)
            ref = table[key]
            table[key] = ip
            distance = ip - ref
            if ip >= limit:
                break
            ip += 1
            if distance < 8192 and seq == u24(ref):
                break
        if ip >= limit:
            break
        ip -= 1
        if ip > anchor:
            size += literals(ip - anchor)
        # match length: compare from ref+3 and ip+3 up to limit + 9
        p, q = ref + 3, ip + 3
        end = limit + 9 - q
        length = 0
        while length < end:
            if data[p + length] != data[q + length]:
                end = 0
            length += 1
        l1 = length - 1
        size += 3 * (l1 // 262) + (3 if l1 % 262 >= 6 else 2)
        ip += length
        table[h(u24(ip))] = ip
        ip += 1
        table[h(u24(ip))] = ip
        ip += 1
        anchor = ip
    return size + literals(n - anchor)


def op_fastlz_estimate(raw: bytes) -> int:
    """OP Fjord's estimated compressed size of ``raw`` in bytes:
    ``max(100e6, -42_585_600 + 836_500 * fastlz_size) // 1e6``."""
    scaled = max(OP_MIN_SIZE, OP_FASTLZ_INTERCEPT + OP_FASTLZ_COEF * fastlz_length(raw))
    return scaled // OP_SCALE


def arbitrum_estimate(raw: bytes) -> int:
    """Arbitrum's per-transaction size: brotli level 1 of the tx bytes (it charges 16 gas per byte)."""
    return len(brotli.compress(bytes(raw), quality=1))


def _corr(a: Sequence[float], b: Sequence[float]) -> float:
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    va = sum((x - ma) ** 2 for x in a)
    vb = sum((y - mb) ** 2 for y in b)
    if va == 0 or vb == 0:
        return float("nan")
    return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / math.sqrt(va * vb)


def attribution_report(raws: Sequence[bytes], senders: Sequence[bytes] | None = None,
                       level: str | int = "default") -> dict:
    """Compare OP's FastLZ estimate and Arbitrum's brotli-1 size with the marginal truth on one batch.

    Returns ``{"n", "batch_bytes", "marginal_total", "estimators": {name: {"total", "mae",
    "mean_signed_error", "correlation", "total_over_batch"}}}`` (sizes in bytes; ``total_over_batch`` is
    the estimator's sum over the payload size)."""
    raws = [bytes(r) for r in raws]
    if not raws:
        raise InputError("no transactions")
    truth = marginal_sizes(raws, senders, level)
    batch = _size(raws, _labels(senders, len(raws)), level)
    report = {"n": len(raws), "level": level, "batch_bytes": batch, "marginal_total": sum(truth),
              "estimators": {}}
    for name, fn in (("op_fastlz", op_fastlz_estimate), ("arbitrum_brotli1", arbitrum_estimate)):
        est = [fn(r) for r in raws]
        report["estimators"][name] = {
            "total": sum(est),
            "mae": sum(abs(e - t) for e, t in zip(est, truth)) / len(raws),
            "mean_signed_error": sum(e - t for e, t in zip(est, truth)) / len(raws),
            "correlation": _corr(est, truth) if len(raws) > 1 else float("nan"),
            "total_over_batch": sum(est) / batch,
        }
    return report
