"""Write the seed corpora of the fuzz targets from real payloads (small corpus batches and generated
batches of every envelope type). Run once: ``python fuzz/make_seeds.py``; output in fuzz/seeds/."""

import hashlib
import os
import sys

import _common

import batchkit
from batchkit.l1 import blob, calldata
from batchkit.format import _pure
from batchkit.corpora import batches, generate_batch, load_all, shared_corpora_dir

HERE = os.path.dirname(os.path.abspath(__file__))


def write(kind: str, data: bytes) -> None:
    d = os.path.join(HERE, "seeds", kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def main() -> int:
    sets = []
    for seed, n in ((1, 3), (2, 8), (3, 20), (4, 60)):
        g = generate_batch(n, seed=seed)
        sets.append(([t.raw for t in g], [t.sender for t in g]))
    if shared_corpora_dir() is not None:
        for b in batches(load_all(), 3_000)[:12]:
            sets.append((b, None))
    for txs, senders in sets:
        for level in ("fast", "default", "max"):
            p = batchkit.compress(txs, level=level, senders=senders, recover=False)
            write("payload", p)
        ids = list(range(len(txs))) if senders is None else [senders.index(s) for s in senders]
        chain, streams = _pure.disassemble(txs, ids)
        write("assemble", _common.pack_streams(len(txs), chain, streams))
        p = batchkit.compress(txs, level="fast", senders=senders, recover=False)
        blobs = blob.encode_blobs(p)
        if len(blobs) <= 2:
            mode = 2 if len(blobs) == 2 else 0
            write("blob", bytes([mode]) + b"".join(blobs).rstrip(b"\x00"))
        frames = calldata.frame(p)
        write("blob", bytes([1]) + b"".join(len(f).to_bytes(2, "little") + f for f in frames if len(f) < 65536))
    write("blob", bytes([1]) + (3).to_bytes(2, "little") + b"\x81\x00\x02")
    from hostile_helpers import join_stream_input
    for level, every in (("fast", 2), ("default", 3), ("max", 8)):
        enc = batchkit.StreamEncoder(level, keyframe_every=every)
        payloads = [enc.compress(txs, senders, recover=False) for txs, senders in sets[:6]]
        write("stream", join_stream_input(payloads))
        write("stream", join_stream_input([payloads[0], payloads[2], payloads[1]]))
    blobstream_seeds(sets)
    validity_seeds(sets)
    return 0


def validity_seeds(sets) -> None:
    """Validity-profile streams (the fuzz_validity input, as fuzz_stream's): the generated batches (every
    envelope type, their senders carried), at each level, with a payload given twice (a retry after a
    rejected one) and out of order."""
    from hostile_helpers import join_stream_input
    gen = [(txs, senders) for txs, senders in sets if senders is not None]
    for level, every in (("fast", 2), ("default", 3), ("max", 8)):
        enc = batchkit.StreamEncoder(level, keyframe_every=every, profile="validity")
        payloads = [enc.compress(txs, senders) for txs, senders in gen]
        write("validity", join_stream_input(payloads))
        write("validity", join_stream_input([payloads[0], payloads[1], payloads[1], payloads[2]]))
        write("validity", join_stream_input([payloads[0], payloads[2], payloads[1]]))


def blobstream_seeds(sets) -> None:
    """Unpacked blob data of small streams (the fuzz_blobstream input: a mode byte, then the data, trailing
    zeros dropped): many small payloads in one blob, payloads spanning blobs, a flush in the middle."""
    from batchkit.l1 import blobstream
    payloads = [batchkit.compress(txs, level="fast", senders=senders, recover=False) for txs, senders in sets]
    streams = [blobstream.encode_stream(payloads[:4]),
               blobstream.encode_stream([p[:50] for p in payloads] * 3),
               blobstream.encode_stream(payloads * 12)]
    enc = blobstream.BlobStreamEncoder(first_blob=9, first_payload=40)
    flushed = enc.add(payloads[-1]) + enc.flush() + enc.add(payloads[-2] * 3) + enc.flush()
    for sblobs in streams + [flushed]:
        data = b"".join(blob.unpack_data(b.blob) for b in sblobs[:3]).rstrip(b"\x00")
        write("blobstream", bytes([0]) + data)
    write("blobstream", bytes([1]) + b"".join(blob.unpack_data(b.blob) for b in streams[2][1:3]).rstrip(b"\x00"))


if __name__ == "__main__":
    sys.exit(main())
