"""The golden blob stream decodes forever, and the encoder still writes exactly those blobs.

``tests/golden/blobstream/stream-a`` was written once by ``tests/golden/make_golden_blobstream.py``; these tests
only read it. A failure here means the meaning of committed blob bytes changed: that is a new blob encoding
version, not a reason to regenerate the vectors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import batchkit
from batchkit.l1 import blob, blobstream
from batchkit.tx import keccak256

GOLDEN = Path(__file__).parent / "golden" / "blobstream"
STREAM = GOLDEN / "stream-a"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text())


def test_golden_files_are_the_recorded_ones():
    assert {p.name for p in STREAM.iterdir()} == set(EXPECTED["blobs"])
    for name, digest in EXPECTED["blobs"].items():
        assert hashlib.sha256((STREAM / name).read_bytes()).hexdigest() == digest, name


def test_golden_stream_decodes_and_its_batchkit_payloads_decode_in_order():
    carried = list(blobstream.read_stream_dir(STREAM))
    assert [hashlib.sha256(c.data).hexdigest() for c in carried] == [p["sha256"] for p in EXPECTED["payloads"]]
    assert [(c.index, c.first_blob, c.last_blob) for c in carried] == [(0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0),
                                                                        (4, 0, 1)]
    v2 = batchkit.StreamDecoder()
    for c, want in zip(carried, EXPECTED["payloads"]):
        if want["tx_hashes"] is None:
            continue  # the opaque filler
        version = batchkit.api.payload_version(c.data)
        txs = batchkit.decompress(c.data) if version == 1 else v2.decompress(c.data)
        assert ["0x" + keccak256(t).hex() for t in txs] == want["tx_hashes"]


def test_golden_stream_starts_at_blob_1_and_its_length_is_cut_across_the_blobs():
    data = [blob.unpack_data((STREAM / f"blob-00000{i}.bin").read_bytes()) for i in range(2)]
    dec = blobstream.BlobStreamDecoder()
    dec.feed_data(data[0])
    assert dec.last_layout.pieces[-1].size == 2 and not dec.last_layout.pieces[-1].ends  # 2 of 4 length bytes
    # Blob 1 holds only the rest of payload 4: a decoder starting there skips it whole.
    late = blobstream.BlobStreamDecoder(skip_leading=True)
    assert late.feed_data(data[1]) == [] and (late.skipped_bytes, late.skipped_blobs) == (10_875, 1)


def test_the_encoder_still_writes_the_golden_blobs():
    payloads = [c.data for c in blobstream.read_stream_dir(STREAM, check_kzg=False)]
    blobs = blobstream.encode_stream(payloads)
    assert [b.blob for b in blobs] == [(STREAM / f"blob-00000{i}.bin").read_bytes() for i in range(2)]
