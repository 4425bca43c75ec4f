"""Write the v2 golden payloads ONCE: ``python tests/golden/make_golden_v2.py``. The tests only decode them,
forever; never regenerate them for a format change (a change of bytes is a new version). They were written
when ``default`` was zstd 9/7 and streams started from the prior at every level: today's defaults write other
(equally valid) bytes for the default-level and stream files, so running this again would not reproduce them.

Independent payloads ``<name>.bk`` and streams ``<name>.NNN.bk`` (consecutive payloads of one stream, in
order, with keyframes where ``expected.json`` says); ``expected.json`` maps each file to the sha256 of its
bytes and the keccak hashes of its transactions."""

import hashlib
import os
import sys

import batchkit
from once import fresh_dir, write_expected
from batchkit.corpora import batches, generate_batch, load_jsonl, shared_corpora_dir
from batchkit.format import v2
from batchkit.tx import keccak256

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "v2")


def main() -> int:
    if not fresh_dir(HERE):
        return 1
    files = {}
    g = generate_batch(120, seed=5)  # every envelope type
    raws, senders = [t.raw for t in g], [t.sender for t in g]
    for level in ("fast", "default", "max"):
        files[f"generated-all-types-{level}.bk"] = (batchkit.compress(raws, level=level, senders=senders), raws)
    files["generated-all-types-no-prior.bk"] = (v2.encode(raws, list(range(len(raws))), "default", prior=None), raws)
    g = generate_batch(360, seed=6)
    enc = batchkit.StreamEncoder("default", keyframe_every=3)
    for i in range(6):
        part = g[60 * i:60 * i + 60]
        txs = [t.raw for t in part]
        files[f"generated-stream.{i:03d}.bk"] = (enc.compress(txs, [t.sender for t in part]), txs)
    corpora = shared_corpora_dir()
    if corpora is not None:
        recent = [bytes.fromhex(r["raw"][2:]) for r in load_jsonl(corpora / "ethereum-mainnet-recent.jsonl")]
        enc = batchkit.StreamEncoder("default", keyframe_every=2)
        for i, b in enumerate(batches(recent[:400], 20_000)[:5]):
            files[f"recent-stream.{i:03d}.bk"] = (enc.compress(b), b)
    expected = {}
    for name, (payload, txs) in files.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(payload)
        expected[name] = {"sha256": hashlib.sha256(payload).hexdigest(), "keyframe": v2.parse_header(payload).seq == 0,
                          "tx_hashes": ["0x" + keccak256(t).hex() for t in txs]}
    write_expected(HERE, expected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
