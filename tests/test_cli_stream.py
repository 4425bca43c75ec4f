"""``compress --stream`` / ``--resume`` and stream directories in ``decompress``, ``verify`` and ``inspect``."""

from __future__ import annotations

import json

import pytest

import batchkit
from batchkit.cli import main
from batchkit.corpora import batches


def _jsonl(path, raws):
    path.write_text("".join(json.dumps({"raw": "0x" + r.hex()}) + "\n" for r in raws))
    return path


def test_stream_directory_round_trips_through_every_command(tmp_path, generated_raws, capsys):
    src = _jsonl(tmp_path / "in.jsonl", generated_raws)
    out = tmp_path / "st"
    assert main(["compress", str(src), "--stream", "-o", str(out), "--batch-bytes", "20000",
                 "--keyframe-every", "3", "--no-recover"]) == 0
    files = sorted(out.glob("*.bk"))
    assert len(files) > 4
    assert batchkit.decompress([f.read_bytes() for f in files]) == generated_raws
    back = tmp_path / "back.jsonl"
    assert main(["decompress", str(out), "-o", str(back)]) == 0
    assert [bytes.fromhex(json.loads(l)["raw"][2:]) for l in back.read_text().splitlines()] == generated_raws
    assert main(["verify", str(src), str(out)]) == 0
    capsys.readouterr()
    assert main(["inspect", str(out), "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["stream"]["position"] for r in reports][:4] == [0, 1, 2, 0]
    assert sum(r["transactions"] for r in reports) == len(generated_raws)


def test_resume_continues_the_stream_as_if_it_never_stopped(tmp_path, generated_raws):
    parts = batches(generated_raws, 20_000)
    first = [t for b in parts[:4] for t in b]
    rest = [t for b in parts[4:] for t in b]
    out = tmp_path / "st"
    args = ["--stream", "-o", str(out), "--batch-bytes", "20000", "--keyframe-every", "3", "--no-recover"]
    assert main(["compress", str(_jsonl(tmp_path / "a.jsonl", first)), *args]) == 0
    assert main(["compress", str(_jsonl(tmp_path / "b.jsonl", rest)), *args]) == 2  # DIR holds a stream
    assert main(["compress", str(_jsonl(tmp_path / "b.jsonl", rest)), *args, "--resume"]) == 0
    enc = batchkit.StreamEncoder("default", keyframe_every=3)
    expected = [enc.compress(b, recover=False) for b in parts]
    assert [f.read_bytes() for f in sorted(out.glob("*.bk"))] == expected


def test_a_stream_that_starts_after_its_keyframe_reports_what_it_could_not_decode(tmp_path, generated_raws, capsys):
    out = tmp_path / "st"
    assert main(["compress", str(_jsonl(tmp_path / "in.jsonl", generated_raws)), "--stream", "-o", str(out),
                 "--batch-bytes", "20000", "--keyframe-every", "3", "--no-recover"]) == 0
    files = sorted(out.glob("*.bk"))
    for f in files[:2]:
        f.unlink()  # the node starts at payload 2: payloads 2 is not a keyframe, 3 is
    back = tmp_path / "back.jsonl"
    capsys.readouterr()
    assert main(["decompress", str(out), "-o", str(back)]) == 0
    err = capsys.readouterr().err
    assert "1 of" in err and "could not be decoded" in err and "000002.bk" in err
    decoded = [bytes.fromhex(json.loads(l)["raw"][2:]) for l in back.read_text().splitlines()]
    assert decoded == batchkit.decompress([f.read_bytes() for f in files[3:]])


@pytest.mark.parametrize("extra", [["--resume"], ["--keyframe-every", "3"], ["--batch-bytes", "1000"]])
def test_stream_options_without_stream_are_refused(tmp_path, generated_raws, extra, capsys):
    src = _jsonl(tmp_path / "in.jsonl", generated_raws[:20])
    assert main(["compress", str(src), "-o", str(tmp_path / "x.bk"), *extra]) == 2
    assert "--stream" in capsys.readouterr().err


def test_decompress_dir_names_the_file_of_a_corrupt_payload(tmp_path, generated_raws, capsys):
    import zlib
    out = tmp_path / "st"
    assert main(["compress", str(_jsonl(tmp_path / "in.jsonl", generated_raws)), "--stream", "-o", str(out),
                 "--batch-bytes", "20000", "--keyframe-every", "3", "--no-recover"]) == 0
    victim = sorted(out.glob("*.bk"))[4]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x40
    victim.write_bytes(bytes(data))                                     # a checksum mismatch
    capsys.readouterr()
    assert main(["decompress", str(out), "-o", str(tmp_path / "back.jsonl")]) == 2
    err = capsys.readouterr().err
    assert str(victim) in err and "checksum" in err and len(err.strip().splitlines()) == 1, err
    body = bytes(data[:-4])
    victim.write_bytes(body + zlib.crc32(body).to_bytes(4, "little"))  # past the checksum: a body that fails
    assert main(["decompress", str(out), "-o", str(tmp_path / "back.jsonl")]) == 2
    err = capsys.readouterr().err
    assert str(victim) in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "back.jsonl").exists()


@pytest.mark.parametrize("profile", ["full", "validity"])
def test_resume_with_input_already_posted_appends_only_what_is_new(tmp_path, generated_raws, profile, capsys):
    parts = batches(generated_raws, 20_000)
    first = [t for b in parts[:4] for t in b]
    out = tmp_path / "st"
    args = ["--stream", "-o", str(out), "--batch-bytes", "20000", "--keyframe-every", "3", "--profile", profile]
    assert main(["compress", str(_jsonl(tmp_path / "a.jsonl", first)), *args]) == 0
    held = sorted(out.glob("*.bk"))
    capsys.readouterr()
    # the whole input again (a batcher restarted on its input file): only what the stream lacks is added
    assert main(["compress", str(_jsonl(tmp_path / "all.jsonl", generated_raws)), *args, "--resume"]) == 0
    err = capsys.readouterr().err
    assert f"skipped {len(first)} transactions the stream already holds" in err, err
    files = sorted(out.glob("*.bk"))
    assert [f.read_bytes() for f in files[:len(held)]] == [f.read_bytes() for f in held]
    decoded = batchkit.decompress([f.read_bytes() for f in files])
    assert len(decoded) == len(generated_raws)  # not len(first) more
    # and once more: nothing is new
    assert main(["compress", str(tmp_path / "all.jsonl"), *args, "--resume"]) == 0
    assert "nothing to add" in capsys.readouterr().err
    assert sorted(out.glob("*.bk")) == files


def test_blob_stream_resume_goes_on_after_the_last_blob_and_skips_what_it_holds(tmp_path, generated_raws, capsys):
    from batchkit.l1.blobstream import read_stream_dir
    half = len(generated_raws) // 2
    out = tmp_path / "bs"
    args = ["--to", "blobs", "--blob-stream", "-o", str(out), "--target-blobs", "1", "--keyframe-every", "4",
            "--no-recover"]
    assert main(["compress", str(_jsonl(tmp_path / "a.jsonl", generated_raws[:half])), *args]) == 0
    before = {p.name: p.read_bytes() for p in out.glob("blob-*.bin")}
    first = [c.data for c in read_stream_dir(out)]
    assert main(["compress", str(_jsonl(tmp_path / "all.jsonl", generated_raws)), *args]) != 0  # DIR holds one
    capsys.readouterr()
    assert main(["compress", str(tmp_path / "all.jsonl"), *args, "--resume"]) == 0
    err = capsys.readouterr().err
    assert f"skipped {half} transactions the stream already holds" in err, err
    carried = list(read_stream_dir(out))                   # strict: KZG, indexes, pieces, manifest
    assert [c.data for c in carried[:len(first)]] == first
    assert all((out / name).read_bytes() == data for name, data in before.items())
    assert [c.index for c in carried] == list(range(len(carried)))
    assert batchkit.decompress([c.data for c in carried]) == generated_raws
    from batchkit.format import v2
    last_seq = v2.parse_header(first[-1]).seq
    assert v2.parse_header(carried[len(first)].data).seq == (last_seq + 1) % 4  # it goes on the history
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert main(["compress", str(tmp_path / "all.jsonl"), *args, "--resume"]) == 0
    assert "nothing to add" in capsys.readouterr().err
    assert [c.data for c in read_stream_dir(out)] == [c.data for c in carried]
