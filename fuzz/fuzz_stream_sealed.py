"""Fuzz the v2 stream decoder past its checksum: the fuzzer's payloads are re-sealed before decoding (each
payload's parent set to the payload before it in its segment, its CRC recomputed:
``tests/hostile_helpers.reseal_stream``), so a mutation reaches the header fields, the zstd blocks and the
columns instead of stopping at the CRC. Same oracle as ``fuzz_stream.py`` (``stream_oracle``): only
DecodeError escapes, a rejected payload leaves the decoder as it was, accepted payloads re-encode to their
columns. Input: payloads as ``u16 LE length ‖ bytes`` (the seeds of ``fuzz_stream.py``).

    python fuzz/fuzz_stream_sealed.py fuzz/corpus/stream_sealed fuzz/seeds/stream -max_len=200000 -max_total_time=600
"""

import sys

import atheris

import _common  # noqa: F401 - sys.path

with atheris.instrument_imports(include=["batchkit"]):
    from batchkit.format import v2
    from batchkit.format._backend import core

from hostile_helpers import reseal_stream, split_stream_input, stream_oracle


def TestOneInput(data: bytes) -> None:
    failure = stream_oracle(reseal_stream(split_stream_input(data)), v2.Decoder, core.disassemble)
    if failure is not None:
        raise AssertionError(failure)


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
