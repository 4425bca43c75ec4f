"""Write the validity-profile golden payloads ONCE: ``python tests/golden/make_golden_validity.py``. The tests
only decode them, forever; never regenerate them for a format change (a change of bytes is a new version).

Independent payloads ``<name>.bk`` and streams ``<name>.NNN.bk`` (consecutive payloads of one stream, in
order); ``expected.json`` maps each file to the sha256 of its bytes, whether it is a keyframe, and per
transaction the sender and the signing hash (keccak256 of the unsigned transaction) it decodes to."""

import hashlib
import os
import sys

import batchkit
from once import fresh_dir, write_expected
from batchkit.corpora import batches, generate_batch, load_jsonl, shared_corpora_dir
from batchkit.format import v2
from batchkit.format.validity import records

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "validity")


def main() -> int:
    if not fresh_dir(HERE):
        return 1
    files = {}
    g = generate_batch(120, seed=5)  # every envelope type, legacy with and without EIP-155
    raws, senders = [t.raw for t in g], [t.sender for t in g]
    for level in ("fast", "default", "max"):
        files[f"generated-all-types-{level}.bk"] = (
            batchkit.compress(raws, level=level, senders=senders, profile="validity"), records(raws, senders))
    g = generate_batch(360, seed=6)
    enc = batchkit.StreamEncoder("default", keyframe_every=3, profile="validity")
    for i in range(6):
        part = g[60 * i:60 * i + 60]
        txs, snd = [t.raw for t in part], [t.sender for t in part]
        files[f"generated-stream.{i:03d}.bk"] = (enc.compress(txs, snd), records(txs, snd))
    corpora = shared_corpora_dir()
    if corpora is not None:
        recent = [bytes.fromhex(r["raw"][2:]) for r in load_jsonl(corpora / "ethereum-mainnet-recent.jsonl")]
        recent = [t for t in recent if t[0] != 3]
        enc = batchkit.StreamEncoder("default", keyframe_every=2, profile="validity")
        for i, b in enumerate(batches(recent[:400], 20_000)[:5]):
            payload = enc.compress(b)
            files[f"recent-stream.{i:03d}.bk"] = (payload, batchkit.decompress(payload) if i == 0 else None)
    dec = batchkit.StreamDecoder()
    expected = {}
    for name, (payload, recs) in sorted(files.items()):
        if name.startswith("recent-stream"):
            recs = dec.decompress(payload)  # checked against the recovered senders by compress(verify=True)
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(payload)
        expected[name] = {"sha256": hashlib.sha256(payload).hexdigest(), "keyframe": v2.parse_header(payload).seq == 0,
                          "senders": ["0x" + r.sender.hex() for r in recs],
                          "signing_hashes": ["0x" + r.signing_hash.hex() for r in recs]}
    write_expected(HERE, expected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
