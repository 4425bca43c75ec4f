"""Write the blob-stream golden directory ONCE: ``python tests/golden/make_golden_blobstream.py``. The tests
only read it, forever; never regenerate it for a change of layout (a change of bytes is a new version).

``blobstream/stream-a/`` is a stream directory as ``compress --blob-stream`` writes it: two blobs carrying a v1
payload, a v2 keyframe and its child, an opaque filler payload sized so that the next payload's 4-byte
length is cut 2 + 2 across the blob boundary, and a last v1 payload. ``expected.json`` lists each payload's
sha256 and, for batchkit payloads, the keccak hashes of its transactions."""

import hashlib
import os
import sys

import batchkit
from once import write_expected
from batchkit.l1 import blobstream
from batchkit.corpora import generate_batch
from batchkit.tx import keccak256

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "blobstream")


def main() -> int:
    out = os.path.join(HERE, "stream-a")
    if os.path.exists(out) and "--force" not in sys.argv:
        print("golden vectors exist; they are never regenerated (pass --force only for a new directory)")
        return 1
    os.makedirs(HERE, exist_ok=True)
    g = generate_batch(300, seed=11)
    raws, senders = [t.raw for t in g], [t.sender for t in g]
    enc = batchkit.StreamEncoder("default", keyframe_every=4)
    batches = [raws[0:80], raws[80:160], raws[160:240], None, raws[240:300]]
    payloads = [batchkit.compress(batches[0], senders=senders[0:80], version=1),
                enc.compress(batches[1], senders[80:160]), enc.compress(batches[2], senders[160:240])]
    used = sum(blobstream.LENGTH_SIZE + len(p) for p in payloads)
    filler_size = blobstream.BODY_SIZE - 2 - used - blobstream.LENGTH_SIZE  # leaves 2 bytes in blob 0
    filler, seed = b"", b"batchkit blob stream golden filler"
    while len(filler) < filler_size:
        seed = hashlib.sha256(seed).digest()
        filler += seed
    payloads += [filler[:filler_size], batchkit.compress(batches[4], senders=senders[240:300], version=1)]
    summary = blobstream.write_stream_dir(payloads, out, blobs_per_tx=6)
    assert summary["blob_count"] == 2
    expected = {"payloads": [{"sha256": hashlib.sha256(p).hexdigest(),
                              "tx_hashes": None if b is None else ["0x" + keccak256(t).hex() for t in b]}
                             for p, b in zip(payloads, batches)],
                "blobs": {name: hashlib.sha256(open(os.path.join(out, name), "rb").read()).hexdigest()
                          for name in sorted(os.listdir(out))}}
    write_expected(HERE, expected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
