"""Fuzz the blob stream decoder past its header checks: after the mutation, every blob's index, payload
index, ``first`` and padding are fixed up to what its records say (``tests/hostile_helpers.reseal_blobstream``),
so mutated lengths, ``used`` values and payload bytes reach the record walk, the pieces across blobs and
the index bounds. Oracle: ``blobstream_oracle`` (only DecodeError escapes; an accepted stream is exactly
the encoder's bytes for its payloads). Input as ``fuzz_blobstream.py`` (mode byte, then unpacked blob data).

    python fuzz/fuzz_blobstream_sealed.py fuzz/corpus/blobstream_sealed fuzz/seeds/blobstream -max_len=400000 -max_total_time=600
"""

import sys

import atheris

import _common  # sys.path

with atheris.instrument_imports(include=["batchkit"]):
    from hostile_helpers import blobstream_oracle, reseal_blobstream


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    problem = blobstream_oracle(reseal_blobstream(_common.split_blobs(data[1:])), skip_leading=bool(data[0] & 1))
    if problem is not None:
        raise AssertionError(problem)


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
