"""Fuzz the v2 stream decoder (``format.v2.Decoder``) with sequences of payloads: only DecodeError escapes, a
rejected payload leaves the decoder as it was, and accepted payloads re-encode to their columns
(``tests/hostile_helpers.stream_oracle``). Input: payloads as ``u16 LE length ‖ bytes``.

    python fuzz/fuzz_stream.py fuzz/corpus/stream fuzz/seeds/stream -max_len=200000 -max_total_time=600
"""

import sys

import atheris

import _common  # noqa: F401 - sys.path

with atheris.instrument_imports(include=["batchkit"]):
    from batchkit.format import v2
    from batchkit.format._backend import core

from hostile_helpers import split_stream_input, stream_oracle


def TestOneInput(data: bytes) -> None:
    failure = stream_oracle(split_stream_input(data), v2.Decoder, core.disassemble)
    if failure is not None:
        raise AssertionError(failure)


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
