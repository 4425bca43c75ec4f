"""Shared checkers for hostile-input tests and fuzz targets.

Every oracle is a plain function taking the decoder(s) under test as arguments and returning ``None`` when
the property holds, or a string describing the failure. Tests assert ``oracle(...) is None``; planted-bug
tests pass a deliberately broken decoder and assert a failure is reported (an oracle that cannot fail
checks nothing). Fuzz targets raise on a non-None result.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
from typing import Callable, Sequence

from batchkit.format import _pure
from batchkit.errors import DecodeError, InputError

try:
    from batchkit.format import _core
except ImportError:  # pragma: no cover - test_hostile fails on it unless pure python was requested
    _core = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _kind(exc: BaseException | None) -> str:
    return "ok" if exc is None else type(exc).__name__


# --- decode oracle: only DecodeError escapes; accepted input re-encodes to the same columns ---------

def payload_oracle(data, decode: Callable, parse: Callable, disassemble: Callable) -> str | None:
    """``decode(data)`` either raises DecodeError or returns txs/groups that ``disassemble`` turns back into
    exactly the streams ``parse(data)`` found (so nothing was dropped, invented or reinterpreted)."""
    try:
        decoded = decode(data)
    except DecodeError:
        return None
    except Exception as exc:  # noqa: BLE001 - the point is to catch anything else
        return f"{type(exc).__name__} escaped decode: {exc!r}"
    try:
        parsed = parse(data)
    except Exception as exc:  # noqa: BLE001
        return f"decode accepted but parse raised {type(exc).__name__}: {exc}"
    if len(decoded.txs) != parsed.n:
        return f"decoded {len(decoded.txs)} txs, header says {parsed.n}"
    try:
        chain, streams = disassemble(decoded.txs, decoded.groups)
    except Exception as exc:  # noqa: BLE001
        return f"decoded txs do not re-encode: {type(exc).__name__}: {exc}"
    if tuple(streams) != tuple(parsed.streams):
        diff = [_pure.STREAMS[i] for i, (a, b) in enumerate(zip(streams, parsed.streams)) if a != b]
        return f"re-encoded columns differ: {diff}"
    if chain != parsed.chain:
        return f"re-encoded chain {chain.hex()} != header chain {parsed.chain.hex()}"
    return None


def only_decode_error(fn: Callable, *args) -> str | None:
    """``fn(*args)`` returns or raises DecodeError; anything else is a failure."""
    try:
        fn(*args)
    except DecodeError:
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__} escaped {getattr(fn, '__name__', fn)}: {exc!r}"
    return None


def rejects(fn: Callable, *args, error: type = DecodeError) -> str | None:
    """``fn(*args)`` must raise ``error`` (and nothing else)."""
    try:
        fn(*args)
    except error:
        return None
    except Exception as exc:  # noqa: BLE001
        return f"expected {error.__name__}, got {type(exc).__name__}: {exc!r}"
    return f"expected {error.__name__}, input was accepted"


# --- differential oracles ----------------------------------------------------------------------------

def _call(fn: Callable, *args):
    try:
        return fn(*args), None
    except Exception as exc:  # noqa: BLE001
        return None, exc


def assemble_diff(n: int, chain: bytes, streams: Sequence[bytes], a: Callable, b: Callable) -> str | None:
    """Two assemble implementations agree: same accept/reject, same exception type, same (txs, groups).
    Only DecodeError may be raised by either."""
    out_a, exc_a = _call(a, n, chain, tuple(streams))
    out_b, exc_b = _call(b, n, chain, tuple(streams))
    for name, exc in (("a", exc_a), ("b", exc_b)):
        if exc is not None and not isinstance(exc, DecodeError):
            return f"assemble {name} raised {type(exc).__name__}: {exc!r}"
    if _kind(exc_a) != _kind(exc_b):
        return f"accept/reject differs: a={_kind(exc_a)} ({exc_a}) b={_kind(exc_b)} ({exc_b})"
    if exc_a is None:
        txs_a, groups_a = out_a[:2]
        txs_b, groups_b = out_b[:2]
        if list(txs_a) != list(txs_b):
            return f"txs differ ({len(txs_a)} vs {len(txs_b)})"
        if list(groups_a) != list(groups_b):
            return "groups differ"
        if [list(x) for x in out_a[2:]] != [list(x) for x in out_b[2:]]:
            return "senders differ"  # the validity profile's third output
    return None


def disassemble_diff(txs: Sequence[bytes], senders, a: Callable, b: Callable) -> str | None:
    """Two disassemble implementations agree: same accept/reject, exception type and streams."""
    out_a, exc_a = _call(a, txs, senders)
    out_b, exc_b = _call(b, txs, senders)
    for name, exc in (("a", exc_a), ("b", exc_b)):
        if exc is not None and not isinstance(exc, InputError):
            return f"disassemble {name} raised {type(exc).__name__}: {exc!r}"
    if _kind(exc_a) != _kind(exc_b):
        return f"accept/reject differs: a={_kind(exc_a)} ({exc_a}) b={_kind(exc_b)} ({exc_b})"
    if exc_a is None and out_a != out_b:
        return "streams differ"
    return None


def roundtrip_oracle(txs: Sequence[bytes], senders, disassemble: Callable, assemble: Callable) -> str | None:
    """``assemble(disassemble(txs))`` gives back ``txs`` (used for crossed pairs)."""
    chain, streams = disassemble(txs, senders)
    try:
        out, groups = assemble(len(txs), chain, streams)
    except Exception as exc:  # noqa: BLE001
        return f"assemble rejected disassemble's output: {type(exc).__name__}: {exc}"
    if list(out) != list(txs):
        return f"round trip changed the txs ({len(out)} vs {len(txs)})"
    if disassemble(out, groups) != (chain, streams):
        return "re-disassembling with the decoded groups changed the streams"
    return None


def rlp_acceptance_diff(raw: bytes, parse_tx: Callable, disassemble: Callable) -> str | None:
    """``tx.parse_tx`` and ``disassemble`` accept exactly the same single transactions."""
    _, exc_p = _call(parse_tx, raw)
    _, exc_d = _call(disassemble, [raw], None)
    for name, exc in (("parse_tx", exc_p), ("disassemble", exc_d)):
        if exc is not None and not isinstance(exc, InputError):
            return f"{name} raised {type(exc).__name__}: {exc!r}"
    if (exc_p is None) != (exc_d is None):
        return f"parse_tx {_kind(exc_p)} ({exc_p}) vs disassemble {_kind(exc_d)} ({exc_d})"
    return None


# --- byte-level mutations ----------------------------------------------------------------------------

def bit_flips(data: bytes):
    """Every single-bit flip of ``data``: yields (bit index, mutated bytes)."""
    buf = bytearray(data)
    for i in range(len(buf) * 8):
        buf[i >> 3] ^= 1 << (i & 7)
        yield i, bytes(buf)
        buf[i >> 3] ^= 1 << (i & 7)


def uvarint(value: int) -> bytes:
    out = bytearray()
    _pure.put_uvarint(out, value)
    return bytes(out)


# --- memory measurement in a child process -----------------------------------------------------------

def peak_rss_growth_mb(code: str, env: dict | None = None, timeout: float = 120) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; it must define ``run()``. Returns the growth (MB) of the
    process's peak RSS across ``run()`` and ``run()``'s printed result."""
    script = textwrap.dedent("""
        import resource, sys
        sys.path.insert(0, {root!r})
        {code}
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = run()
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) / 1024.0)
        print(result)
    """).format(root=ROOT, code=textwrap.dedent(code))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise AssertionError(f"child failed: {proc.stderr[-2000:]}")
    lines = proc.stdout.strip().splitlines()
    return float(lines[-2]), lines[-1]


__all__ = ["payload_oracle", "only_decode_error", "rejects", "assemble_diff", "disassemble_diff",
           "roundtrip_oracle", "rlp_acceptance_diff", "bit_flips", "uvarint", "peak_rss_growth_mb", "resource"]


def split_stream_input(data: bytes, most: int = 8) -> list[bytes]:
    """The fuzz input of ``fuzz_stream``: payloads as ``u16 LE length ‖ bytes``, at most ``most`` of them
    (a short last length takes what is left)."""
    out, pos = [], 0
    while pos < len(data) and len(out) < most:
        n = int.from_bytes(data[pos:pos + 2], "little")
        out.append(data[pos + 2:pos + 2 + n])
        pos += 2 + n
    return out


def join_stream_input(payloads: Sequence[bytes]) -> bytes:
    return b"".join(len(p).to_bytes(2, "little") + p for p in payloads)


def stream_oracle(payloads: Sequence[bytes], decoder_factory: Callable, disassemble: Callable) -> str | None:
    """Feed ``payloads`` to one v2 decoder in order. Only DecodeError may escape; a rejected payload leaves
    the decoder as it was: for every payload, a new decoder fed only the payloads accepted before it makes the
    same decision (and the same transactions); an accepted payload's transactions disassemble (with the
    decoded sender groups) to exactly its sections."""
    from batchkit.format.v1 import pack_sections

    dec = decoder_factory()
    decisions = []
    for i, payload in enumerate(payloads):
        head = dec.head
        try:
            d = dec.decode(payload)
        except DecodeError:
            if dec.head != head:
                return f"payload {i}: rejected, but the decoder's head moved"
            decisions.append(None)
            continue
        except BaseException as exc:  # noqa: BLE001 - the oracle's point
            return f"payload {i}: {_kind(exc)} escaped: {exc}"
        try:
            _, streams = disassemble(d.txs, d.groups)
        except BaseException as exc:  # noqa: BLE001
            return f"payload {i}: accepted transactions do not disassemble: {_kind(exc)}: {exc}"
        if pack_sections(streams) != d.sections:
            return f"payload {i}: accepted, but its transactions re-encode to other columns"
        decisions.append(d.txs)
    for i, payload in enumerate(payloads):
        clean = decoder_factory()
        for p, txs in zip(payloads[:i], decisions[:i]):
            if txs is not None:
                clean.decode(p)
        try:
            txs = clean.decode(payload).txs
        except DecodeError:
            txs = None
        except BaseException as exc:  # noqa: BLE001
            return f"payload {i}: {_kind(exc)} escaped from a clean decoder: {exc}"
        if txs != decisions[i]:
            return (f"payload {i}: {'accepted' if decisions[i] is not None else 'rejected'} after the payloads "
                    f"before it, {'accepted' if txs is not None else 'rejected'} after only the accepted ones: "
                    "a rejected payload changed the decoder's state")
    return None


def blobstream_oracle(datas: Sequence[bytes], *, skip_leading: bool = False) -> str | None:
    """The blob stream decoder on unpacked blob data: only DecodeError escapes, and an accepted sequence is
    exactly what the encoder writes for the payloads it yielded, from the same first indexes and with a
    flush after every blob that is not full (the layout is canonical). Returns a description of the
    failure, or None."""
    from batchkit.l1.blobstream import BlobStreamDecoder, BlobStreamEncoder
    from batchkit.l1.blob import unpack_data
    dec = BlobStreamDecoder(skip_leading=skip_leading)
    layouts, payloads = [], []
    try:
        for d in datas:
            payloads += dec.feed_data(d)
            layouts.append(dec.last_layout)
        dec.finish()
    except DecodeError:
        return None
    except Exception as exc:  # noqa: BLE001 - the point of the oracle
        return f"{type(exc).__name__} escaped: {exc}"
    if skip_leading:
        return None  # skipped bytes are not re-encoded
    enc, out, i = None, [], 0
    for lay in layouts:
        if enc is None:
            enc = BlobStreamEncoder(first_blob=lay.index, first_payload=lay.payload_index)
        while i < len(payloads) and payloads[i].last_blob == lay.index:
            out += enc.add(payloads[i].data)
            i += 1
        if not lay.full:
            out += enc.flush()
    if [unpack_data(b.blob) for b in out] != list(datas):
        return "accepted blobs that are not the encoder's bytes for their payloads"
    return None


# --- re-sealing: mutated payloads given a valid checksum and parent, so a fuzzer reaches past them ----------

def _lenient_uvarint(buf, pos: int, end: int) -> tuple[int, int]:
    value = shift = 0
    while pos < end and shift < 64:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            break
    return value, pos


def reseal_stream(payloads: Sequence[bytes]) -> list[bytes]:
    """Fix up what a mutation breaks first in v2 payloads: a payload at position ``seq > 0`` of its segment
    names as parent the hash of the latest payload before it at ``seq - 1`` (since the latest keyframe), and
    every payload's CRC is recomputed. Payloads too short for a header, or of another magic or version, are
    kept as they are. Deterministic, so a saved fuzz input replays."""
    import zlib

    from batchkit.format.v2 import CRC_BYTES, HASH_BYTES, MAGIC, VERSION, payload_hash

    out: list[bytes] = []
    at_seq: dict[int, bytes] = {}
    for p in payloads:
        b = bytearray(p)
        end = len(b) - CRC_BYTES
        if end > 4 and b[:2] == MAGIC and b[2] == VERSION:
            seq, pos = _lenient_uvarint(b, 4, end)
            if seq == 0:
                at_seq.clear()
            elif pos + HASH_BYTES <= end and seq - 1 in at_seq:
                b[pos:pos + HASH_BYTES] = at_seq[seq - 1]
            b[end:] = zlib.crc32(b[:end]).to_bytes(CRC_BYTES, "little")
            at_seq[seq] = payload_hash(bytes(b))
        out.append(bytes(b))
    return out


def resign(message: bytes) -> bytes:
    """A signed envelope with the signing payload ``message`` and the signature r = s = 1, y = 0 (what a
    validity record's transaction disassembles like: the profile carries no signature)."""
    typed = message[0] < 0xC0
    body = message[1:] if typed else message
    items, _ = _pure._rlp_list(body, 0, len(body), "message")
    first = 1 if body[0] <= 0xF7 else 1 + body[0] - 0xF7  # where the list's payload starts
    if typed:
        return message[:1] + _pure._rlp_lst(body[first:] + b"\x80\x01\x01")
    if len(items) == 6:
        return _pure._rlp_lst(body[first:] + b"\x1b\x01\x01")
    chain = int.from_bytes(body[items[6][1]:items[6][2]], "big")
    v = chain * 2 + 35
    return _pure._rlp_lst(body[first:items[5][2]] + _pure._rlp_str(v.to_bytes((v.bit_length() + 7) // 8, "big"))
                          + b"\x01\x01")


def validity_disassembler(kernel) -> Callable:
    """``disassemble(records, groups)`` for :func:`stream_oracle` on validity-profile payloads: each record
    re-signed (:func:`resign`) and disassembled with its sender."""
    def disassemble(recs, groups):
        return kernel.disassemble([resign(r.unsigned) for r in recs], groups, [r.sender for r in recs])
    return disassemble


def reseal_blobstream(datas: Sequence[bytes]) -> list[bytes]:
    """Fix up the header fields of unpacked stream blobs that a mutation breaks first: blob indexes follow the
    first blob's, each blob's ``payload_index`` and ``first`` are what its records (walked by their lengths
    over the bodies, ``used`` as mutated) say, and the padding is zeroed. The first blob keeps its indexes.
    Fixing stops at a blob whose version or ``used`` is out of range or at a record length of 0 or past the
    limit (the rest is kept as it is): the decoder rejects those on their own."""
    from batchkit.l1.blobstream import BODY_SIZE, HEADER_SIZE, LENGTH_SIZE, NO_PAYLOAD_START, STREAM_VERSION
    from batchkit.limits import MAX_STREAM_PAYLOAD_BYTES

    out: list[bytes] = []
    bi = pi = None
    head, need, open_ = b"", 0, False
    for n, data in enumerate(datas):
        d = bytearray(data)
        used = int.from_bytes(d[12:15], "big") if len(d) >= HEADER_SIZE else 0
        if len(d) < HEADER_SIZE + BODY_SIZE or d[0] != STREAM_VERSION or not 1 <= used <= BODY_SIZE:
            return out + [bytes(x) for x in datas[n:]]
        if bi is None:
            bi, pi = int.from_bytes(d[1:5], "big"), int.from_bytes(d[5:9], "big")
        d[1:5], d[5:9] = (bi % 2**32).to_bytes(4, "big"), (pi % 2**32).to_bytes(4, "big")
        body = d[HEADER_SIZE:HEADER_SIZE + used]
        pos = 0
        if n == 0:  # where the first blob says its first record begins (skip_leading starts there)
            first0 = int.from_bytes(d[9:12], "big")
            pos = used if first0 >= used else first0
        elif open_:
            if len(head) < LENGTH_SIZE:
                k = min(LENGTH_SIZE - len(head), used)
                head += bytes(body[:k])
                pos = k
                if len(head) == LENGTH_SIZE:
                    need = int.from_bytes(head, "big")
            if len(head) == LENGTH_SIZE:
                take = min(need, used - pos)
                need -= take
                pos += take
                open_ = need > 0
        first = pos if pos < used else NO_PAYLOAD_START
        begins, broken = 0, False
        while pos < used:
            begins += 1
            if used - pos < LENGTH_SIZE:
                head, open_, pos = bytes(body[pos:used]), True, used
                break
            length = int.from_bytes(body[pos:pos + LENGTH_SIZE], "big")
            if not 1 <= length <= MAX_STREAM_PAYLOAD_BYTES:
                broken = True
                break
            stop = pos + LENGTH_SIZE + length
            if stop <= used:
                pos = stop
                continue
            head, need, open_, pos = bytes(body[pos:pos + LENGTH_SIZE]), stop - used, True, used
        d[9:12] = first.to_bytes(3, "big")
        d[HEADER_SIZE + used:] = bytes(len(d) - HEADER_SIZE - used)
        out.append(bytes(d))
        if broken:
            return out + [bytes(x) for x in datas[n + 1:]]
        bi, pi = bi + 1, pi + begins
        if used < BODY_SIZE:
            open_ = False
    return out
