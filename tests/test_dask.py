"""batchkit on Dask (issue 15): :class:`batchkit.cluster.DaskExecutor` and the ``--scheduler``/``--workers``
paths of ``compress`` and ``bench``, on a real LocalCluster of 2 worker processes, against the single-process
path (same bytes, same tables)."""

from __future__ import annotations

import json
import re
import sys

import pytest

distributed = pytest.importorskip("distributed")  # the test extra installs it: CI runs these

import cloudpickle  # noqa: E402

import batchkit  # noqa: E402
from batchkit.cli import main  # noqa: E402
from batchkit.cluster import DaskExecutor  # noqa: E402
from batchkit.corpora import generate_batch  # noqa: E402
from batchkit.corpora.__main__ import main as corpora_main  # noqa: E402
from batchkit.errors import DecodeError, InputError  # noqa: E402
from batchkit.partitions import check_segment, list_partitions  # noqa: E402
from batchkit.tx import parse_tx  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c


@pytest.fixture(scope="module")
def executor(cluster):
    with DaskExecutor(cluster.scheduler_address) as ex:
        yield ex


def _square_or_fail(x):
    import time
    time.sleep(0.02 * (x % 3))  # finish out of order
    if x == 5:
        raise DecodeError("planted")
    if x == 6:
        raise KeyError("other")
    return x * x


def test_map_keeps_order_and_raises_a_named_error_at_its_turn(executor):
    assert executor.jobs == 2
    assert list(executor.map(_square_or_fail, range(5))) == [0, 1, 4, 9, 16]
    got = []
    with pytest.raises(DecodeError, match=r"^part-5: planted"):
        for r in executor.map(_square_or_fail, range(40), names=[f"part-{i}" for i in range(40)]):
            got.append(r)
    assert got == [0, 1, 4, 9, 16]
    with pytest.raises(KeyError) as info:
        list(executor.map(_square_or_fail, [6]))
    assert "in item 0" in "".join(getattr(info.value, "__notes__", []))
    # the executor is still usable, and a long map holds a bounded window
    assert list(executor.map(_square_or_fail, range(7, 60))) == [x * x for x in range(7, 60)]


def test_executor_needs_one_of_scheduler_or_workers():
    with pytest.raises(InputError):
        DaskExecutor()
    with pytest.raises(InputError):
        DaskExecutor("tcp://127.0.0.1:1", 2)
    with pytest.raises(InputError):
        DaskExecutor(workers=0)


def _shards(tmp_path, n=900, parts=3):
    d = tmp_path / "shards"
    assert corpora_main(["generate", "-n", str(n), "--seed", "11", "--partitions", str(parts), "-o", str(d)]) == 0
    return d


def test_generated_shards_are_the_generator_batches(tmp_path):
    d = _shards(tmp_path, n=301, parts=3)
    files = list_partitions(d)
    assert [f.name for f in files] == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    for i, (f, n) in enumerate(zip(files, (101, 100, 100))):
        records = [json.loads(line) for line in f.read_text().splitlines()]
        assert [bytes.fromhex(r["raw"][2:]) for r in records] == [t.raw for t in generate_batch(n, seed=11 + i)]
    blocks = [json.loads(f.read_text().splitlines()[0])["block"] for f in files]
    assert blocks == sorted(set(blocks))  # block numbers continue across shards


def _outputs(d):
    return {p.name.split(".", 1)[1]: p.read_bytes() for p in sorted(d.iterdir())}


def test_compress_partitions_on_dask_writes_the_single_process_bytes(tmp_path, cluster, capsys):
    shards = _shards(tmp_path)
    (tmp_path / "one").mkdir()
    (tmp_path / "dask").mkdir()
    assert main(["compress", str(shards), "--target-blobs", "1", "-o", str(tmp_path / "one" / "p"), "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["compress", str(shards), "--target-blobs", "1", "-o", str(tmp_path / "dask" / "p"),
                 "--scheduler", cluster.scheduler_address]) == 0
    err = capsys.readouterr().err
    assert "3 partitions, 900 transactions" in err and len(re.findall(r"^worker ", err, re.M)) == 2  # both ran
    one, dask = _outputs(tmp_path / "one"), _outputs(tmp_path / "dask")
    assert one == dask and len(one) >= 3
    for k in range(3):
        part = [v for name, v in sorted(one.items()) if name.startswith(f"part-0000{k}.")]
        records = (shards / f"part-0000{k}.jsonl").read_text().splitlines()
        assert batchkit.decompress(part) == [bytes.fromhex(json.loads(r)["raw"][2:]) for r in records]


def test_a_bad_partition_is_named_and_the_others_are_kept(tmp_path, cluster, capsys):
    shards = _shards(tmp_path)
    bad = shards / "part-00001.jsonl"
    lines = bad.read_text().splitlines()
    lines[40] = lines[40].replace('"raw":"0x', '"raw":"0xzz')  # a planted bad transaction
    bad.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["compress", str(shards), "--target-blobs", "1", "-o", str(out / "p"), "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "partition part-00001.jsonl failed: InputError" in err and "line 41" in err
    assert "1 of 3 partitions failed" in err
    got = _outputs(out)
    assert {name.split(".")[0] for name in got} == {"part-00000", "part-00002"}
    for k in (0, 2):
        part = [v for name, v in sorted(got.items()) if name.startswith(f"part-0000{k}.")]
        records = (shards / f"part-0000{k}.jsonl").read_text().splitlines()
        assert batchkit.decompress(part) == [bytes.fromhex(json.loads(r)["raw"][2:]) for r in records]


def test_cryo_parquet_partitions_are_read_by_the_workers(tmp_path, cluster):
    from test_inputs import _cryo_table
    import pyarrow.parquet as pq

    def rebuildable(tx):  # what cryo's columns carry: legacy, and 0x02 without an access list
        return tx.type == 0 or (tx.type == 2 and not tx.access_list)

    raws = [t.raw for t in generate_batch(1500, seed=5) if rebuildable(parse_tx(t.raw))]
    d = tmp_path / "cryo"
    d.mkdir()
    for k, start in enumerate(range(0, len(raws), 400)):
        pq.write_table(_cryo_table(raws[start:start + 400]), d / f"txs_{k:03d}.parquet")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert main(["compress", str(d), "--target-blobs", "1", "-o", str(tmp_path / "a" / "p"), "--jobs", "1"]) == 0
    assert main(["compress", str(d), "--target-blobs", "1", "-o", str(tmp_path / "b" / "p"),
                 "--scheduler", cluster.scheduler_address]) == 0
    a = _outputs(tmp_path / "a")
    assert a == _outputs(tmp_path / "b")
    assert batchkit.decompress([a[k] for k in sorted(a)]) == raws


def test_stream_segments_on_dask_are_the_serial_stream(tmp_path, generated_raws, cluster):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"raw": "0x" + r.hex()}) + "\n" for r in generated_raws))
    args = ["compress", str(src), "--stream", "--batch-bytes", "8000", "--keyframe-every", "4"]
    assert main(args + ["-o", str(tmp_path / "serial")]) == 0
    assert main(args + ["-o", str(tmp_path / "dask"), "--scheduler", cluster.scheduler_address]) == 0
    serial = sorted((tmp_path / "serial").iterdir())
    dask = sorted((tmp_path / "dask").iterdir())
    assert len(serial) > 8
    assert [p.name for p in serial] == [p.name for p in dask]
    assert [p.read_bytes() for p in serial] == [p.read_bytes() for p in dask]
    assert batchkit.decompress([p.read_bytes() for p in dask]) == generated_raws


def test_a_segment_that_is_not_whole_is_refused(generated_raws):
    enc = batchkit.StreamEncoder("fast", keyframe_every=1)  # every payload a keyframe: seq 0, 0, ...
    payloads = [enc.compress(generated_raws[i:i + 50]) for i in range(0, 150, 50)]
    with pytest.raises(InputError, match="segment 3: the encoder started a new segment at payload 1"):
        check_segment(payloads, "segment 3")
    enc = batchkit.StreamEncoder("fast", keyframe_every=8)
    check_segment([enc.compress(generated_raws[i:i + 50]) for i in range(0, 150, 50)], "ok")


def test_bench_on_dask_gives_the_single_process_table(tmp_path, generated_raws, cluster):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"raw": "0x" + r.hex()}) + "\n" for r in generated_raws))
    formats = "batchkit-stream-fast,batchkit-default,op-span-brotli10"
    # 1,000-byte batches: more than one chunk of 128 batches, so chunk rows are summed
    common = ["bench", str(src), "--batch-bytes", "1000", "--formats", formats]
    assert main(common + ["--json", str(tmp_path / "one.json"), "--jobs", "1"]) == 0
    assert main(common + ["--json", str(tmp_path / "dask.json"), "--scheduler", cluster.scheduler_address]) == 0
    one, dask = (json.loads((tmp_path / n).read_text()) for n in ("one.json", "dask.json"))
    assert one["meta"]["batches"] > 128
    speeds = ("encode_vs_reference", "decode_vs_reference")  # speed ratios, as the MB/s figures
    sizes = lambda rep: [{k: v for k, v in r.items() if "_mb_s" not in k and k not in speeds}  # noqa: E731
                         for r in rep["results"]]
    assert sizes(one) == sizes(dask)
    assert one["batchkit_columns"] == dask["batchkit_columns"]


def test_dask_flags_need_work_that_splits(tmp_path, generated_raws, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"raw": "0x" + r.hex()}) + "\n" for r in generated_raws))
    assert main(["compress", str(src), "--target-blobs", "1", "-o", str(tmp_path / "p"), "--workers", "2"]) == 2
    assert "directory" in capsys.readouterr().err
    assert main(["compress", str(tmp_path), "-o", str(tmp_path / "p")]) == 2
    assert "--target-blobs" in capsys.readouterr().err
