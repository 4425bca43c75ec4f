"""Stage 5: the command line against the API on the same transactions (issue 14's targets).

Two inputs: ``recent`` (``ethereum-mainnet-recent.jsonl`` of the shared corpora) and ``all`` (every corpus
file concatenated into a temporary file; unsupported types skipped, as ``--skip-unsupported`` does). The
API is timed on the transactions the reader found, the CLI on the file, JSON reading included:

- ``compress``: ``batchkit.compress(raws)`` against ``batchkit compress FILE`` (defaults: senders recovered,
  payload verified);
- ``decompress``: ``batchkit.decompress(payload)`` against ``batchkit decompress PAYLOAD -o OUT.jsonl``;
- ``inspect``: ``batchkit inspect PAYLOAD`` (compare with the group's ``decompress``).

Each CLI command runs twice: ``cli`` calls ``batchkit.cli.main`` in this process (the command's own cost)
and ``process`` starts ``python -m batchkit`` (what a user waits for: interpreter and imports included).
Compare medians within a group (``--benchmark-group-by=group``); ``extra_info`` has the sizes. Speed is
not asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import batchkit
from batchkit.cli.main import main
from batchkit.corpora import shared_corpora_dir
from batchkit.readers import read_transactions

ROUNDS = 5


@pytest.fixture(scope="module", params=["recent", "all"])
def corpus(request, tmp_path_factory):
    root = shared_corpora_dir()
    if root is None:
        pytest.skip("the shared corpora (../shared/corpora or $BATCHKIT_CORPORA) are not present")
    if request.param == "recent":
        path = root / "ethereum-mainnet-recent.jsonl"
        if not path.exists():
            pytest.skip(f"{path} is not present")
    else:
        path = tmp_path_factory.mktemp("cli") / "all.jsonl"
        path.write_bytes(b"".join(f.read_bytes() for f in sorted(root.glob("*.jsonl"))))
    raws = read_transactions(path, skip_unsupported=True).raws
    payload_path = tmp_path_factory.mktemp("cli") / f"{request.param}.bk"
    payload_path.write_bytes(batchkit.compress(raws))
    return request.param, path, raws, payload_path


def _run(benchmark, fn, corpus, group: str, who: str):
    name, path, raws, _ = corpus
    benchmark.group = f"{group} {name}"
    benchmark.extra_info.update({"corpus": name, "txs": len(raws), "raw_bytes": sum(map(len, raws)),
                                 "input_bytes": path.stat().st_size, "who": who})
    return benchmark.pedantic(fn, rounds=ROUNDS, iterations=1, warmup_rounds=1)


def _process(*args: str) -> None:
    """``python -m batchkit ARGS``, importing the batchkit this process imported (``-m`` would put the
    working directory first on the path)."""
    root = str(Path(batchkit.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-m", "batchkit", *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, cwd=tempfile.gettempdir())
    assert proc.returncode == 0, proc.stderr


def test_compress_api(benchmark, corpus):
    _run(benchmark, lambda: batchkit.compress(corpus[2]), corpus, "compress", "api")


def test_compress_cli(benchmark, corpus, tmp_path):
    out = tmp_path / "out.bk"
    _run(benchmark, lambda: main(["compress", str(corpus[1]), "--skip-unsupported", "-o", str(out)]),
         corpus, "compress", "cli")
    assert batchkit.decompress(out.read_bytes()) == corpus[2]


def test_compress_process(benchmark, corpus, tmp_path):
    out = tmp_path / "out.bk"
    _run(benchmark, lambda: _process("compress", str(corpus[1]), "--skip-unsupported", "-o", str(out)),
         corpus, "compress", "process")
    assert batchkit.decompress(out.read_bytes()) == corpus[2]


def test_decompress_api(benchmark, corpus):
    payload = corpus[3].read_bytes()
    assert _run(benchmark, lambda: batchkit.decompress(payload), corpus, "decompress", "api") == corpus[2]


def test_decompress_cli(benchmark, corpus, tmp_path):
    out = tmp_path / "out.jsonl"
    _run(benchmark, lambda: main(["decompress", str(corpus[3]), "-o", str(out)]), corpus, "decompress", "cli")
    assert read_transactions(out).raws == corpus[2]


def test_decompress_process(benchmark, corpus, tmp_path):
    out = tmp_path / "out.jsonl"
    _run(benchmark, lambda: _process("decompress", str(corpus[3]), "-o", str(out)), corpus, "decompress",
         "process")
    assert read_transactions(out).raws == corpus[2]


def test_inspect_cli(benchmark, corpus, capsys):
    _run(benchmark, lambda: main(["inspect", str(corpus[3])]), corpus, "decompress", "inspect cli")
    assert "data" in capsys.readouterr().out


def test_inspect_process(benchmark, corpus):
    _run(benchmark, lambda: _process("inspect", str(corpus[3])), corpus, "decompress", "inspect process")
