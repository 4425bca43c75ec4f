"""Input readers: every input shape, stdin, hash checks, bad JSON, unsupported types, cryo Parquet,
and the API's single-transaction parser."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from coincurve import PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from eth_account import Account

from batchkit.errors import InputError, UnsupportedTransactionError
from batchkit.coerce import parse_api_tx
from batchkit.limits import MAX_INPUT_BYTES
from batchkit.readers import Transactions, iter_transactions, read_transactions
from batchkit.readers.rpc import from_rpc, raw_from_rpc
from batchkit.senders import recover_sender
from batchkit.tx import BlobTx, LegacyTx, keccak256, parse_tx

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
needs_corpora = pytest.mark.skipif(not CORPORA.is_dir(), reason=f"the shared corpus is not at {CORPORA}")

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
SENDER = bytes.fromhex(Account.from_key(KEY).address[2:])
TO = "0x" + "35" * 20


def _eth_account_txs() -> list[bytes]:
    base = dict(gas=90000, to=TO, value=12345, data="0xa9059cbb" + "00" * 64)
    auth = Account.from_key("0x" + "11" * 32).sign_authorization(
        {"chainId": 1, "address": "0x" + "42" * 20, "nonce": 3})
    txs = [dict(base, nonce=0, gasPrice=10**10),
           dict(base, nonce=1, gasPrice=10**10, chainId=1),
           dict(base, nonce=2, type=1, gasPrice=10**10, chainId=1,
                accessList=[{"address": TO, "storageKeys": ["0x" + "00" * 31 + "07"]}]),
           dict(base, nonce=3, type=2, maxFeePerGas=3 * 10**10, maxPriorityFeePerGas=10**9, chainId=1),
           dict(base, nonce=4, type=2, maxFeePerGas=3 * 10**10, maxPriorityFeePerGas=10**9, chainId=1,
                to=None, data="0x6080604052"),
           dict(base, nonce=5, type=4, maxFeePerGas=3 * 10**10, maxPriorityFeePerGas=10**9, chainId=1,
                authorizationList=[auth])]
    raws = [bytes(Account.sign_transaction({k: v for k, v in tx.items() if v is not None}, KEY).raw_transaction)
            for tx in txs]
    blob = BlobTx(1, 6, 10**9, 3 * 10**10, 21000, bytes.fromhex("ff" * 20), 0, b"", (), 10**9,
                  (b"\x01" + bytes(range(31)),), 0, 0, 0)
    sig = PrivateKey(bytes.fromhex(KEY[2:])).sign_recoverable(blob.signing_hash(), hasher=None)
    blob = dataclasses.replace(blob, y_parity=sig[64], r=int.from_bytes(sig[:32], "big"),
                               s=int.from_bytes(sig[32:64], "big"))
    return raws + [blob.encode()]


RAWS = _eth_account_txs()


def _hx(b: bytes) -> str:
    return "0x" + b.hex()


def _rpc(raw: bytes, sender: bytes = SENDER) -> dict:
    """The JSON-RPC object of a tx, built from its parsed fields."""
    tx = parse_tx(raw)
    obj = {"hash": _hx(keccak256(raw)), "from": _hx(sender), "type": hex(tx.type), "nonce": hex(tx.nonce),
           "gas": hex(tx.gas), "to": _hx(tx.to) if tx.to else None, "value": hex(tx.value), "input": _hx(tx.data),
           "r": hex(tx.r), "s": hex(tx.s)}
    if isinstance(tx, LegacyTx):
        obj.update(gasPrice=hex(tx.gas_price), v=hex(tx.v))
        return obj
    obj.update(chainId=hex(tx.chain_id), yParity=hex(tx.y_parity), v=hex(tx.y_parity),
               accessList=[{"address": _hx(e.address), "storageKeys": [_hx(k) for k in e.storage_keys]}
                           for e in tx.access_list])
    if tx.type == 1:
        obj["gasPrice"] = hex(tx.gas_price)
    else:
        obj.update(maxPriorityFeePerGas=hex(tx.max_priority_fee_per_gas), maxFeePerGas=hex(tx.max_fee_per_gas))
    if tx.type == 3:
        obj.update(maxFeePerBlobGas=hex(tx.max_fee_per_blob_gas),
                   blobVersionedHashes=[_hx(h) for h in tx.blob_versioned_hashes])
    if tx.type == 4:
        obj["authorizationList"] = [{"chainId": hex(a.chain_id), "address": _hx(a.address), "nonce": hex(a.nonce),
                                     "yParity": hex(a.y_parity), "r": hex(a.r), "s": hex(a.s)}
                                    for a in tx.authorization_list]
    return obj


def _block(raws: list[bytes], number: int = 100) -> dict:
    return {"number": hex(number), "hash": "0x" + "ab" * 32, "transactions": [_rpc(r) for r in raws]}


def _write(tmp_path: Path, text: str | bytes, name: str = "input") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _corpus_rows(name: str, n: int) -> list[dict]:
    with open(CORPORA / name) as f:
        return [json.loads(line) for line, _ in zip(f, range(n))]


# --- shapes -----------------------------------------------------------------------------------------

def test_the_fixture_covers_every_type():
    assert sorted({raw[0] if raw[0] < 0xC0 else 0 for raw in RAWS}) == [0, 1, 2, 3, 4]
    assert all(recover_sender(raw) == SENDER for raw in RAWS)


def test_jsonl_records_with_raw_hash_and_from(tmp_path):
    lines = [json.dumps({"chain_id": 1, "block": 5, "index": i, "raw": _hx(r), "hash": _hx(keccak256(r)),
                         "from": _hx(SENDER)}) for i, r in enumerate(RAWS)]
    txs = read_transactions(_write(tmp_path, "\n".join(lines) + "\n\n"))
    assert txs == Transactions(RAWS, [SENDER] * len(RAWS), 0)


@needs_corpora
def test_jsonl_records_from_the_real_corpus(tmp_path):
    rows = _corpus_rows("raiko.jsonl", 50)
    path = _write(tmp_path, "".join(json.dumps(r) + "\n" for r in rows))
    txs = read_transactions(path)
    assert txs.raws == [bytes.fromhex(r["raw"][2:]) for r in rows]
    assert txs.senders is None and txs.skipped == 0


def test_hex_lines_with_and_without_0x(tmp_path):
    text = "\n".join((_hx(r) if i % 2 else r.hex()) for i, r in enumerate(RAWS)) + "\n"
    assert read_transactions(_write(tmp_path, text)).raws == RAWS


def test_single_json_rpc_block_rebuilds_every_type(tmp_path):
    txs = read_transactions(_write(tmp_path, json.dumps(_block(RAWS), indent=2)))
    assert txs.raws == RAWS and txs.senders == [SENDER] * len(RAWS)


def test_json_array_of_blocks_and_rpc_responses(tmp_path):
    doc = [_block(RAWS[:3], 1), {"jsonrpc": "2.0", "id": 1, "result": _block(RAWS[3:], 2)}]
    assert read_transactions(_write(tmp_path, json.dumps(doc))).raws == RAWS


def test_jsonl_of_blocks_and_rpc_responses(tmp_path):
    text = json.dumps(_block(RAWS[:2], 1)) + "\n" + json.dumps({"result": _block(RAWS[2:], 2)}) + "\n"
    assert read_transactions(_write(tmp_path, text)).raws == RAWS


def test_single_rpc_response(tmp_path):
    assert read_transactions(_write(tmp_path, json.dumps({"id": 1, "result": _block(RAWS)}))).raws == RAWS


def test_block_with_hashes_only_is_rejected(tmp_path):
    block = {"number": "0x1", "transactions": ["0x" + "11" * 32]}
    with pytest.raises(InputError, match="full transactions"):
        read_transactions(_write(tmp_path, json.dumps(block)))


def test_rpc_tx_with_a_wrong_hash_is_rejected_with_its_index(tmp_path):
    block = _block(RAWS)
    block["transactions"][2]["hash"] = "0x" + "00" * 32
    with pytest.raises(InputError, match="hash") as info:
        read_transactions(_write(tmp_path, json.dumps(block)))
    assert info.value.index == 2


def test_stdin(monkeypatch):
    data = "\n".join(_hx(r) for r in RAWS).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert read_transactions("-").raws == RAWS


def test_open_file_objects_binary_and_text():
    text = "\n".join(_hx(r) for r in RAWS)
    assert read_transactions(io.BytesIO(text.encode())).raws == RAWS
    assert read_transactions(io.StringIO(text)).raws == RAWS


def test_empty_input_gives_no_transactions(tmp_path):
    assert read_transactions(_write(tmp_path, "\n  \n")) == Transactions([], None, 0)


# --- errors ------------------------------------------------------------------------------------------

def test_json_that_orjson_reads_inexactly_or_not_at_all_reads_as_before(tmp_path):
    """The JSON reader takes records from orjson, and anything else from the stdlib decoder: a block whose
    value is an integer past 64 bits (orjson would make it a float), NaN and a lone surrogate (orjson
    rejects them) read as the stdlib reads them."""
    big = LegacyTx(0, 10**10, 21000, bytes.fromhex("35" * 20), 10**30, b"", 27, 0, 0)
    sig = PrivateKey(bytes.fromhex(KEY[2:])).sign_recoverable(big.signing_hash(), hasher=None)
    big = dataclasses.replace(big, v=27 + sig[64], r=int.from_bytes(sig[:32], "big"),
                              s=int.from_bytes(sig[32:64], "big")).encode()
    obj = _rpc(big)
    obj["value"] = 10**30  # a JSON number
    for text in (json.dumps({"number": "0x5", "transactions": [obj]}),
                 json.dumps({"number": "0x5", "transactions": [obj]}) + "\n" + json.dumps({"raw": _hx(RAWS[0])}),
                 json.dumps([{"raw": _hx(big)}, {"number": "0x5", "transactions": [obj]}])):
        txs = read_transactions(_write(tmp_path, text))
        assert txs.raws[0] == big
    text = '{"raw": "%s", "note": NaN}\n{"raw": "%s", "note": "\\ud800"}\n' % (_hx(RAWS[0]), _hx(RAWS[1]))
    assert read_transactions(_write(tmp_path, text)).raws == RAWS[:2]


@pytest.mark.parametrize("spelling", ["0x{}", "0X{}", "{}", " 0x{} ", "0x{}\u00a0", "0x{}".upper()])
def test_record_hex_in_every_spelling_hex_bytes_accepts(tmp_path, spelling):
    raw = RAWS[3]
    text = json.dumps({"raw": spelling.format(raw.hex()), "hash": spelling.format(keccak256(raw).hex())})
    assert read_transactions(_write(tmp_path, text)).raws == [raw]


def test_record_hash_mismatch_is_rejected_with_its_index(tmp_path):
    lines = [json.dumps({"raw": _hx(r), "hash": _hx(keccak256(r))}) for r in RAWS]
    lines[4] = json.dumps({"raw": _hx(RAWS[4]), "hash": _hx(keccak256(RAWS[3]))})
    with pytest.raises(InputError, match="line 5.*does not match") as info:
        read_transactions(_write(tmp_path, "\n".join(lines)))
    assert info.value.index == 4


@pytest.mark.parametrize("text, match", [
    ('{"raw": "0x00",', "bad JSON"),
    ('{"raw": "' + _hx(RAWS[0]) + '"}\n{"raw": oops}\n', "line 2: bad JSON"),
    ('{"something": 1}', "unknown JSON object"),
    ('[1, 2]', "expected a JSON object"),
    ('{"raw": 5}', "hex string"),
    ('{"raw": "0xzz"}', "not valid hex"),
    ('{"jsonrpc": "2.0", "error": {"code": -32000}}', "without a block"),
    ('{"result": null}', "without a block"),
    ('{"transactions": 5}', "not a list"),
    ('0x02c0\nnot hex at all\n', "line 1|line 2"),
    ('{"transactions": [{"type": "0x2", "nonce": "0x1"}]}', "transaction 0"),
])
def test_bad_inputs_raise_input_error_never_raw_exceptions(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        read_transactions(_write(tmp_path, text))


def _with(raw: bytes, **fields) -> str:
    return json.dumps(_block([raw]) | {"transactions": [_rpc(raw) | fields]})


@pytest.mark.parametrize("text", [
    _with(RAWS[3], nonce="-0x1"),                                   # was a TypeError from the RLP encoder
    _with(RAWS[3], value=-5),
    _with(RAWS[3], gas=1e400),                                      # float('inf'): was an OverflowError
    _with(RAWS[3]).replace('"value": "0x3039"', '"value": Infinity'),
    _with(RAWS[-1], to=None),                                       # a blob tx without 'to': was a TypeError
    _with(RAWS[5], to="0x"),
    _with(RAWS[5], authorizationList=[{"chainId": "0x1", "address": "0x" + "42" * 20, "nonce": "-0x3",
                                       "yParity": "0x0", "r": "0x1", "s": "0x1"}]),
], ids=["negative-nonce", "negative-value", "gas-1e400", "value-Infinity", "blob-to-null", "7702-to-0x",
        "negative-auth-nonce"])
def test_rpc_fields_out_of_range_are_input_errors(tmp_path, text):
    with pytest.raises(InputError, match="transaction 0"):
        read_transactions(_write(tmp_path, text))


_RPC_FIELDS = ("type", "chainId", "nonce", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "to", "value",
               "input", "accessList", "yParity", "v", "r", "s", "maxFeePerBlobGas", "blobVersionedHashes",
               "authorizationList", "hash")
_SCALAR = (st.none() | st.booleans() | st.integers(-2**300, 2**300) | st.floats() | st.text(max_size=6)
           | st.sampled_from(["0x", "0x0", "-0x1", "0x" + "ff" * 40, "0x" + "11" * 20, "0x" + "22" * 32]))
_JSON = _SCALAR | st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["address", "storageKeys", "chainId", "nonce", "yParity", "r", "s"]), inner, max_size=4),
    max_leaves=8)


@given(raw=st.sampled_from(RAWS), changes=st.dictionaries(st.sampled_from(_RPC_FIELDS), _JSON, min_size=1, max_size=3))
def test_from_rpc_on_any_field_values_rebuilds_or_raises_input_error(raw, changes):
    obj = _rpc(raw) | changes
    try:
        tx = from_rpc(obj)
    except InputError:
        return
    assert raw_from_rpc(obj) == tx.encode()


def test_malformed_tx_in_hex_lines_names_line_and_index(tmp_path):
    with pytest.raises(InputError, match=r"transaction 1 \(0-based\): line 2") as info:
        read_transactions(_write(tmp_path, _hx(RAWS[0]) + "\n0x02c0\n"))
    assert info.value.index == 1


def test_binary_garbage_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="neither UTF-8"):
        read_transactions(_write(tmp_path, b"\xff\xfe\x00garbage"))
    with pytest.raises(InputError, match="cannot read"):
        read_transactions(tmp_path / "does-not-exist")


def test_input_larger_than_the_limit_is_rejected(monkeypatch, tmp_path):
    from batchkit import limits
    text = "\n".join(_hx(r) for r in RAWS).encode()
    monkeypatch.setattr(limits, "MAX_INPUT_BYTES", len(text))
    assert len(read_transactions(io.BytesIO(text))) == len(RAWS)  # at the limit
    assert len(read_transactions(_write(tmp_path, text))) == len(RAWS)
    monkeypatch.setattr(limits, "MAX_INPUT_BYTES", len(text) - 1)
    with pytest.raises(InputError, match="MAX_INPUT_BYTES"):
        read_transactions(io.BytesIO(text))
    with pytest.raises(InputError, match="MAX_INPUT_BYTES"):
        read_transactions(_write(tmp_path, text))
    assert MAX_INPUT_BYTES == 1 << 30


# --- unsupported types -------------------------------------------------------------------------------

@needs_corpora
def test_system_txs_raise_unsupported_or_are_skipped_and_counted(tmp_path):
    system = _corpus_rows("l2-system-txs-0x7e.jsonl", 1000)
    assert system and all(r["raw"].startswith("0x7e") for r in system)
    lines = [json.dumps({"raw": _hx(r), "hash": _hx(keccak256(r))}) for r in RAWS[:2]]
    lines += [json.dumps(r) for r in system] + [json.dumps({"raw": _hx(RAWS[2])})]
    path = _write(tmp_path, "\n".join(lines))
    with pytest.raises(UnsupportedTransactionError, match="0x7e") as info:
        read_transactions(path)
    assert info.value.index == 2 and info.value.tx_type == 0x7E
    txs = read_transactions(path, skip_unsupported=True)
    assert txs.raws == RAWS[:3] and txs.skipped == len(system)


def test_unsupported_rpc_tx_is_skipped_in_a_block(tmp_path):
    block = _block(RAWS[:2])
    block["transactions"].insert(1, {"type": "0x7e", "hash": "0x" + "00" * 32, "from": _hx(SENDER)})
    path = _write(tmp_path, json.dumps(block))
    with pytest.raises(UnsupportedTransactionError):
        read_transactions(path)
    txs = read_transactions(path, skip_unsupported=True)
    assert txs.raws == RAWS[:2] and txs.skipped == 1 and txs.senders == [SENDER, SENDER]


# --- cryo Parquet -------------------------------------------------------------------------------------

def _cryo_table(raws: list[bytes], *, hex_strings: bool = False, value_column: str = "value"):
    """A table with cryo's transaction column names and types (binary bytes, U256 value, r/s binary,
    v the y-parity bit, as cryo writes it)."""
    pa = pytest.importorskip("pyarrow")
    rows = {k: [] for k in ("transaction_hash", "nonce", "from_address", "to_address", value_column, "input",
                            "gas_limit", "gas_price", "transaction_type", "max_priority_fee_per_gas",
                            "max_fee_per_gas", "chain_id", "r", "s", "v")}
    b = (lambda x: None if x is None else _hx(x)) if hex_strings else (lambda x: x)
    for raw in raws:
        tx = parse_tx(raw)
        rows["transaction_hash"].append(b(keccak256(raw)))
        rows["nonce"].append(tx.nonce)
        rows["from_address"].append(b(SENDER))
        rows["to_address"].append(b(tx.to))
        rows[value_column].append(str(tx.value) if value_column == "value_string" else tx.value.to_bytes(32, "big"))
        rows["input"].append(b(tx.data))
        rows["gas_limit"].append(tx.gas)
        rows["gas_price"].append(getattr(tx, "gas_price", None))
        rows["transaction_type"].append(tx.type)
        rows["max_priority_fee_per_gas"].append(getattr(tx, "max_priority_fee_per_gas", None))
        rows["max_fee_per_gas"].append(getattr(tx, "max_fee_per_gas", None))
        rows["chain_id"].append(1)
        rows["r"].append(b(tx.r.to_bytes(32, "big")))
        rows["s"].append(b(tx.s.to_bytes(32, "big")))
        rows["v"].append(bool(tx.y_parity))
    types = {"nonce": pa.uint64(), "gas_limit": pa.uint64(), "gas_price": pa.uint64(),
             "transaction_type": pa.uint32(), "max_priority_fee_per_gas": pa.uint64(),
             "max_fee_per_gas": pa.uint64(), "chain_id": pa.uint64(), "v": pa.bool_()}
    return pa.table({k: pa.array(v, type=types.get(k)) for k, v in rows.items()})


def _parquet(tmp_path: Path, table) -> Path:
    import pyarrow.parquet as pq
    path = tmp_path / "txs.parquet"
    pq.write_table(table, path)
    return path


def _rebuildable() -> list[bytes]:
    # legacy pre-155, EIP-155, and 0x02 without an access list (index 0, 1, 3, 4 of RAWS)
    return [RAWS[0], RAWS[1], RAWS[3], RAWS[4]]


@pytest.mark.parametrize("hex_strings, value_column", [(False, "value"), (True, "value_string")])
def test_cryo_parquet_rebuilds_legacy_and_1559_txs(tmp_path, hex_strings, value_column):
    raws = _rebuildable()
    txs = read_transactions(_parquet(tmp_path, _cryo_table(raws, hex_strings=hex_strings,
                                                           value_column=value_column)))
    assert txs.raws == raws and txs.senders == [SENDER] * len(raws)


@needs_corpora
def test_cryo_parquet_from_real_mainnet_rows(tmp_path):
    rows = [bytes.fromhex(r["raw"][2:]) for r in _corpus_rows("raiko.jsonl", 300)]
    raws = [r for r in rows if r[0] >= 0xC0 or (r[0] == 2 and not parse_tx(r).access_list)][:100]
    assert len(read_transactions(_parquet(tmp_path, _cryo_table(raws))).raws) == len(raws)


@pytest.mark.parametrize("raw_index, match", [(2, "access-list"), (5, "0x04"), (6, "0x03")])
def test_cryo_parquet_rejects_what_its_columns_cannot_rebuild(tmp_path, raw_index, match):
    with pytest.raises(InputError, match=match) as info:
        read_transactions(_parquet(tmp_path, _cryo_table([RAWS[0], RAWS[raw_index]])))
    assert info.value.index == 1


def test_cryo_parquet_without_signature_columns_is_rejected(tmp_path):
    table = _cryo_table(_rebuildable()).drop(["r", "s", "v"])
    with pytest.raises(InputError, match="r, s and v"):
        read_transactions(_parquet(tmp_path, table))


def test_cryo_parquet_deposit_rows_are_unsupported_or_skipped(tmp_path):
    import pyarrow as pa
    table = _cryo_table(_rebuildable())
    types = table.column("transaction_type").to_pylist()
    types[1] = 0x7E
    table = table.set_column(table.column_names.index("transaction_type"), "transaction_type",
                             pa.array(types, type=pa.uint32()))
    path = _parquet(tmp_path, table)
    with pytest.raises(UnsupportedTransactionError):
        read_transactions(path)
    txs = read_transactions(path, skip_unsupported=True)
    assert txs.skipped == 1 and txs.raws == [r for i, r in enumerate(_rebuildable()) if i != 1]


def test_corrupt_parquet_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="Parquet"):
        read_transactions(_write(tmp_path, b"PAR1" + b"\x00" * 50))


# --- API -----------------------------------------------------------------------------------------------

def test_parse_api_tx_accepts_bytes_hex_and_signed_transactions():
    raw = RAWS[3]
    signed = Account.sign_transaction(
        dict(nonce=3, gas=90000, to=TO, value=12345, data="0xa9059cbb" + "00" * 64, type=2,
             maxFeePerGas=3 * 10**10, maxPriorityFeePerGas=10**9, chainId=1), KEY)
    legacy = type("Old", (), {"rawTransaction": raw})()
    for obj in (raw, bytearray(raw), memoryview(raw), _hx(raw), raw.hex(), " " + _hx(raw).upper()[2:] + "\n",
                signed, legacy):
        assert parse_api_tx(obj) == raw


@pytest.mark.parametrize("obj", [b"", "0xzz", 5, object(), b"\x02\xc0", b"\x7e\xc0"])
def test_parse_api_tx_rejects_with_input_error(obj):
    with pytest.raises(InputError):
        parse_api_tx(obj, index=9)


# --- iter_transactions: the same transactions, one at a time -------------------------------------------

def _streamed(source, **kw) -> tuple[list[bytes], list, int]:
    txs = iter_transactions(source, **kw)
    pairs = list(txs)
    return [r for r, _ in pairs], [s for _, s in pairs], txs.skipped


@pytest.mark.parametrize("shape", ["jsonl", "hex", "block", "block-array", "jsonl-blocks", "one-line-array",
                                   "bom-blank-lines"])
def test_iter_transactions_reads_every_shape_like_read_transactions(tmp_path, shape):
    records = "".join(json.dumps({"raw": _hx(r), "hash": _hx(keccak256(r)), "from": _hx(SENDER)}) + "\n"
                      for r in RAWS)
    text = {
        "jsonl": records,
        "hex": "\n".join(r.hex() for r in RAWS) + "\n",
        "block": json.dumps(_block(RAWS), indent=2),
        "block-array": json.dumps([_block(RAWS[:3], 1), {"result": _block(RAWS[3:], 2)}], indent=1),
        "jsonl-blocks": json.dumps(_block(RAWS[:3], 1)) + "\n" + json.dumps({"result": _block(RAWS[3:], 2)}) + "\n",
        "one-line-array": json.dumps([_hx(r) for r in RAWS]),
        "bom-blank-lines": "\ufeff\n\n" + records + "\n\n",
    }[shape]
    path = _write(tmp_path, text)
    whole = read_transactions(path)
    raws, senders, skipped = _streamed(path)
    assert raws == whole.raws == RAWS and skipped == 0
    if whole.senders is not None:
        assert senders == whole.senders
    with open(path, "rb") as f:
        assert _streamed(f)[0] == RAWS
    assert _streamed(io.BytesIO(path.read_bytes()))[0] == RAWS
    assert _streamed(io.StringIO(path.read_text(encoding="utf-8")))[0] == RAWS


def test_iter_transactions_keeps_each_records_sender_and_counts_skips(tmp_path):
    deposit = "0x7e" + "f8" + "00" * 10
    lines = [json.dumps({"raw": _hx(RAWS[0]), "from": _hx(SENDER)}), json.dumps({"raw": deposit}),
             json.dumps({"raw": _hx(RAWS[1])})]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(UnsupportedTransactionError):
        list(iter_transactions(path))
    raws, senders, skipped = _streamed(path, skip_unsupported=True)
    assert raws == RAWS[:2] and senders == [SENDER, None] and skipped == 1


@needs_corpora
@pytest.mark.parametrize("name", ["ethereum-mainnet-recent.jsonl", "nimbus-eth1.jsonl",
                                  "op-base-from-l1-batches.jsonl"])
def test_iter_transactions_on_the_real_corpora(name):
    whole = read_transactions(CORPORA / name, skip_unsupported=True)
    raws, _, skipped = _streamed(CORPORA / name, skip_unsupported=True)
    assert raws == whole.raws and skipped == whole.skipped


def test_iter_transactions_errors_name_the_line(tmp_path):
    good = json.dumps({"raw": _hx(RAWS[0])})
    for text, match in ((good + "\n{not json\n", "line 2: bad JSON"),
                        (good + "\n" + json.dumps({"raw": _hx(RAWS[1]), "hash": "0x" + "00" * 32}) + "\n",
                         "line 2: keccak256"),
                        (RAWS[0].hex() + "\nzz\n", "line 2"),
                        (good + "\n" + good.encode().hex()[:10] + "\n", "line 2")):
        path = _write(tmp_path, text)
        it = iter(iter_transactions(path))
        assert next(it)[0] == RAWS[0]   # the good line comes out before the bad one is reached
        with pytest.raises(InputError, match=match):
            next(it)
    path = _write(tmp_path, b"0x" + RAWS[0].hex().encode() + b"\n\xff\xfe\n")
    with pytest.raises(InputError, match="line 2 is not UTF-8"):
        list(iter_transactions(path))


def test_iter_transactions_bounds_each_line_not_the_file(tmp_path, monkeypatch):
    import batchkit.limits as limits_module
    lines = "".join(json.dumps({"raw": _hx(r)}) + "\n" for r in RAWS)
    longest = max(len(line) for line in lines.splitlines(keepends=True))
    monkeypatch.setattr(limits_module, "MAX_LINE_BYTES", longest)
    monkeypatch.setattr(limits_module, "MAX_INPUT_BYTES", 100)  # far below the file: JSON Lines are not bounded
    assert _streamed(_write(tmp_path, lines * 3))[0] == RAWS * 3
    monkeypatch.setattr(limits_module, "MAX_LINE_BYTES", longest - 1)
    with pytest.raises(InputError, match="longer than MAX_LINE_BYTES"):
        list(iter_transactions(_write(tmp_path, lines)))
    monkeypatch.setattr(limits_module, "MAX_LINE_BYTES", 1 << 20)
    with pytest.raises(InputError, match="larger than MAX_INPUT_BYTES"):  # one document is read whole
        list(iter_transactions(_write(tmp_path, json.dumps(_block(RAWS), indent=2))))


def test_iter_transactions_of_nothing_and_of_a_missing_file(tmp_path):
    assert _streamed(_write(tmp_path, "\n\n  \n")) == ([], [], 0)
    with pytest.raises(InputError, match="cannot read"):
        list(iter_transactions(tmp_path / "absent.jsonl"))
    txs = iter_transactions(_write(tmp_path, RAWS[0].hex()))
    list(txs)
    with pytest.raises(InputError, match="once"):
        list(txs)


def test_iter_transactions_deep_json_line_is_an_input_error_even_after_kzg(tmp_path):
    # In a fresh interpreter (this one imported eth_account, whose py_ecc raises the recursion limit to
    # 100,000, so json.loads of deep nesting overflows the C stack): batchkit's KZG setup must not import
    # it, and a deeply nested line must then be an InputError, not a crash.
    path = _write(tmp_path, json.dumps({"raw": _hx(RAWS[0])}) + "\n" + "{\"a\":" + "[" * 200_000 + "\n")
    code = ("import sys\n"
            "from batchkit.l1 import blob\n"
            "from batchkit.errors import InputError\n"
            "from batchkit.readers import iter_transactions\n"
            "blob.commitment(blob.encode_blobs(b'x')[0])\n"
            "assert sys.getrecursionlimit() == 1000 and 'eth_account' not in sys.modules\n"
            "try:\n"
            "    list(iter_transactions(sys.argv[1]))\n"
            "except InputError as exc:\n"
            "    print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "line 2: JSON nested deeper than MAX_JSON_DEPTH" in proc.stdout
