"""The error tree: fields are attributes, and every error a caller can cause is a BatchkitError."""

from __future__ import annotations

from pathlib import Path

import pytest

import batchkit
from batchkit import BatchBuilder, InputError, UnsupportedTransactionError
from batchkit.corpora import batches, generate_batch
from batchkit.format import v1
from batchkit.senders import recover_senders


def test_input_error_carries_reason_and_index():
    err = InputError("bad nonce", index=7)
    assert (err.reason, err.index, str(err)) == ("bad nonce", 7, "transaction 7 (0-based): bad nonce")
    assert isinstance(err, ValueError) and isinstance(err, batchkit.BatchkitError)
    unsupported = UnsupportedTransactionError(0x7E, index=2)
    assert (unsupported.tx_type, unsupported.index) == (0x7E, 2)
    assert unsupported.reason == "unsupported transaction type 0x7e"


def test_builder_names_the_offered_index_of_a_bad_transaction(generated_raws):
    b = BatchBuilder(target_blobs=1)
    assert b.add(generated_raws[0]) and b.add(generated_raws[1])
    with pytest.raises(InputError) as info:
        b.add(generated_raws[2][:-1])
    assert info.value.index == 2 and str(info.value) == f"transaction 2 (0-based): {info.value.reason}"
    assert not info.value.reason.startswith("transaction")


@pytest.mark.parametrize("call", [lambda: v1.resolve_level("fastest"), lambda: v1.resolve_level(23),
                                  lambda: recover_senders([], workers=0), lambda: batches([b"x"], 0),
                                  lambda: generate_batch(-1), lambda: batchkit.compress([b"\x01"], level="x")])
def test_bad_arguments_raise_input_error(call):
    with pytest.raises(InputError):
        call()


def test_corpora_live_inside_the_package():
    import batchkit.corpora
    assert Path(batchkit.corpora.__file__).parent.parent == Path(batchkit.__file__).parent
