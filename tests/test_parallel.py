"""The executor interface and compress_many / decompress_many: the serial run's output, in order, on every
executor (and on a foreign one written against the interface alone, as a Dask executor would be); errors
keep their type and name the batch, also from a worker process."""

from __future__ import annotations

import pickle
from typing import Callable, Iterable, Iterator

import pytest

import batchkit
from batchkit.errors import DecodeError, InputError, LimitExceededError, UnsupportedTransactionError
from batchkit.parallel import ProcessExecutor, SerialExecutor, ThreadExecutor, get_executor


class ReversedExecutor:
    """Another implementation written against the contract only: it runs the items last to first (as a
    cluster might finish them) and still yields the results in item order."""

    jobs = 3

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        items = list(items)
        results: list = [None] * len(items)
        errors: dict = {}
        for i in reversed(range(len(items))):
            try:
                results[i] = fn(items[i])
            except Exception as exc:
                errors[i] = exc
        for i, result in enumerate(results):
            if i in errors:
                raise errors[i]
            yield result

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def executors():
    made = [SerialExecutor(), ThreadExecutor(2), ProcessExecutor(2), ReversedExecutor()]
    yield made
    for ex in made:
        ex.close()


@pytest.fixture(scope="module")
def cut(generated_raws):
    return [generated_raws[i:i + 37] for i in range(0, len(generated_raws), 37)]


@pytest.mark.parametrize("level", ["fast", "default", "max", 7])
def test_every_executor_gives_the_serial_payloads(executors, cut, level):
    serial = [batchkit.compress(b, level=level) for b in cut]
    for ex in executors:
        assert batchkit.compress_many(cut, level=level, executor=ex) == serial, type(ex).__name__
        assert batchkit.decompress_many(serial, executor=ex) == cut, type(ex).__name__


def test_jobs_and_senders(cut, generated_senders):
    senders = [generated_senders[i:i + 37] for i in range(0, len(generated_senders), 37)]
    serial = [batchkit.compress(b, senders=s) for b, s in zip(cut, senders)]
    assert batchkit.compress_many(cut, senders=senders, jobs=2) == serial
    assert batchkit.compress_many(cut, senders=senders, jobs=1) == serial
    assert batchkit.decompress_many(serial, jobs=2) == cut
    seen = []
    assert batchkit.compress_many(cut, jobs=2, progress=seen.append) == [batchkit.compress(b) for b in cut]
    assert seen == [1] * len(cut)
    assert batchkit.compress_many([], jobs=2) == [] and batchkit.decompress_many([], jobs=2) == []


def test_errors_keep_their_type_and_name_the_first_failing_batch(executors, cut):
    batches = [list(b) for b in cut]
    batches[2][5] = batches[2][5][:-3]
    batches[4][0] = bytes([0x7E]) + batches[4][0][1:]
    payloads = [batchkit.compress(b) for b in cut]
    payloads[3] = payloads[3][:-1]
    for ex in executors:
        with pytest.raises(InputError, match=r"^batch 2: transaction 5 \(0-based\): ") as info:
            batchkit.compress_many(batches, executor=ex)
        assert type(info.value) is InputError and info.value.index == 5
        with pytest.raises(UnsupportedTransactionError, match=r"^batch 4: ") as info:
            batchkit.compress_many([batches[0], batches[1], batches[3], batches[3], batches[4]], executor=ex)
        assert info.value.tx_type == 0x7E
        with pytest.raises(DecodeError, match=r"^batch 3: "):
            batchkit.decompress_many(payloads, executor=ex)


def test_errors_pickle_with_their_attributes():
    for exc in (LimitExceededError("payload size", 9, 3, offset=1, column="header"),
                UnsupportedTransactionError(0x7E, index=4), InputError("bad", index=2), DecodeError("x")):
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and str(back) == str(exc) and back.__dict__ == exc.__dict__


def test_an_early_stop_drops_the_queued_work():
    ex = ThreadExecutor(2)
    it = ex.map(lambda x: x * 2, range(10_000))
    assert [next(it) for _ in range(3)] == [0, 2, 4]
    it.close()
    ex.close()


def test_get_executor():
    assert isinstance(get_executor(1), SerialExecutor)
    assert isinstance(get_executor(2, "serial"), SerialExecutor)
    with get_executor(2, "threads") as ex:
        assert isinstance(ex, ThreadExecutor) and ex.jobs == 2
    for bad in (0, -1, True, 1.5):
        with pytest.raises(InputError):
            get_executor(bad)
    with pytest.raises(InputError):
        get_executor(2, "dask")


# --- issue 21: compress_many takes what compress takes ---------------------------------------------------

def test_compress_many_takes_hex_and_refuses_none_as_compress_does():
    import batchkit
    from batchkit.errors import InputError
    from batchkit.corpora import generate_batch
    raws = [t.raw for t in generate_batch(5, seed=21)]
    assert batchkit.compress_many([[r.hex() for r in raws]], jobs=1) == [batchkit.compress([r.hex() for r in raws])]
    assert batchkit.compress_many([["0x" + r.hex() for r in raws]], jobs=1) == [batchkit.compress(raws)]
    for bad in ([None], [raws[0], 5], ["zz"]):
        with pytest.raises(InputError):
            batchkit.compress(bad)
        with pytest.raises(InputError, match="batch 1"):
            batchkit.compress_many([raws, bad], jobs=1)
        with pytest.raises(InputError, match="batch 1"):
            batchkit.compress_many([raws, bad], jobs=2)
