"""Fuzz the blob stream decoder (``blobstream.BlobStreamDecoder``) on unpacked blob data. Only DecodeError
escapes, and an accepted sequence of blobs is exactly what the encoder writes for the payloads it yielded
(``tests/hostile_helpers.blobstream_oracle``; its planted-bug test is in ``tests/test_blobstream.py``).

Input: byte 0 bit 0 starts the decoder with ``skip_leading``; the rest is cut into blobs of 130,048 data
bytes (at most 3; the last one zero-padded). Packing into field elements is ``fuzz_blob.py``'s job.

    python fuzz/fuzz_blobstream.py fuzz/corpus/blobstream fuzz/seeds/blobstream -max_len=400000 -max_total_time=600
"""

import sys

import atheris

import _common  # sys.path

with atheris.instrument_imports(include=["batchkit"]):
    from hostile_helpers import blobstream_oracle


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    problem = blobstream_oracle(_common.split_blobs(data[1:]), skip_leading=bool(data[0] & 1))
    if problem is not None:
        raise AssertionError(problem)


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
