"""The validity profile (v2 flag bit 1): senders instead of signatures, decoded to ``ValidityTx`` records.

Both kernels are run and compared; decoders get hostile input (truncation at every offset, every bit flip,
forged header fields with a valid checksum, mutated streams) and must raise only DecodeError."""

from __future__ import annotations

import random
import zlib

import pytest

import batchkit
from batchkit import ValidityTx
from batchkit.coerce import sender_labels
from batchkit.errors import DecodeError, InputError, SenderRecoveryError
from batchkit.format import _pure, v2
from batchkit.format.streams import NSTREAMS_VALIDITY, S_PARITY, S_SENDER, S_SIG, STREAMS_VALIDITY
from batchkit.format.validity import records
from batchkit.corpora import generate_batch
from batchkit.tx import parse_tx

from hostile_helpers import _core, assemble_diff, disassemble_diff, resign, uvarint

KERNELS = [pytest.param(_pure, id="pure"),
           pytest.param(_core, id="compiled", marks=pytest.mark.skipif(_core is None, reason="no _core"))]


@pytest.fixture(scope="module")
def gen():
    g = generate_batch(200, seed=31)
    return [t.raw for t in g], [t.sender for t in g]


@pytest.fixture(scope="module")
def batches_(gen):
    raws, senders = gen
    return [(raws[i:i + 25], senders[i:i + 25]) for i in range(0, len(raws), 25)]


@pytest.fixture(scope="module")
def vstream(batches_):
    enc = batchkit.StreamEncoder("fast", keyframe_every=3, profile="validity")
    return [enc.compress(txs, snd) for txs, snd in batches_]


def _kinds(raws):
    out = set()
    for raw in raws:
        if raw[0] >= 0xC0:
            out.add("legacy-155" if parse_tx(raw).v >= 37 else "legacy")
        else:
            out.add(raw[0])
    return out


def test_the_generated_batch_has_every_signed_envelope(gen):
    assert _kinds(gen[0]) == {"legacy", "legacy-155", 1, 2, 3, 4}


def test_a_payload_decodes_to_senders_and_signing_payloads(gen):
    raws, senders = gen
    payload = batchkit.compress(raws, senders=senders, profile="validity")
    assert v2.parse_header(payload).validity
    out = batchkit.decompress(payload)
    assert all(type(r) is ValidityTx for r in out)
    assert [r.sender for r in out] == senders
    # tx.parse_tx is an implementation of the signing hash apart from the column kernels
    assert [r.signing_hash for r in out] == [parse_tx(raw).signing_hash() for raw in raws]
    batchkit.verify(raws, payload, senders=senders)
    batchkit.verify(raws, payload)  # senders recovered
    h = v2.parse_header(payload)
    assert h.header_len + h.len_a + h.len_b + v2.CRC_BYTES == len(payload)  # no signature section


def test_the_signed_hash_is_not_what_it_gives(gen):
    raws, senders = gen
    out = batchkit.decompress(batchkit.compress(raws, senders=senders, profile="validity"))
    assert all(r.unsigned != raw for r, raw in zip(out, raws))


def test_given_senders_are_carried_as_given_and_verification_compares_them(gen):
    raws, senders = gen
    other = [bytes([i % 256]) * 20 for i in range(len(raws))]
    payload = batchkit.compress(raws, senders=["0x" + s.hex() for s in other], profile="validity")
    assert [r.sender for r in batchkit.decompress(payload)] == other
    with pytest.raises(batchkit.VerificationError):
        batchkit.verify(raws, payload, senders=senders)


def test_missing_senders_are_recovered_and_an_unrecoverable_one_is_an_input_error(gen):
    raws, senders = gen
    mixed = [None if i % 3 else s for i, s in enumerate(senders)]
    payload = batchkit.compress(raws, senders=mixed, profile="validity")
    assert [r.sender for r in batchkit.decompress(payload)] == senders
    import dataclasses
    broken = raws[:5] + [dataclasses.replace(parse_tx(raws[5]), r=0).encode()]
    with pytest.raises(SenderRecoveryError) as info:
        batchkit.compress(broken, profile="validity")
    assert info.value.index == 5
    with pytest.raises(SenderRecoveryError):
        batchkit.compress(broken, senders=senders[:5] + [None], profile="validity")
    payload = batchkit.compress(broken, senders=senders[:6], profile="validity")  # given: carried
    assert [r.sender for r in batchkit.decompress(payload)] == senders[:6]


def test_profile_arguments_are_checked(gen):
    raws, senders = gen
    with pytest.raises(InputError):
        batchkit.compress(raws, profile="zk")
    with pytest.raises(InputError):
        batchkit.compress(raws, senders=senders, profile="validity", version=1)
    with pytest.raises(InputError):
        batchkit.StreamEncoder(profile="nope")
    with pytest.raises(InputError):
        batchkit.compress(raws, senders=senders[:-1], profile="validity")
    with pytest.raises(InputError):
        v2.encode(raws, None, senders=[b"\x00" * 19] * len(raws))


def test_the_full_profile_is_unchanged(gen):
    raws, senders = gen
    payload = batchkit.compress(raws, senders=senders)
    assert not v2.parse_header(payload).validity
    assert batchkit.decompress(payload) == raws


def test_an_empty_batch(gen):
    payload = batchkit.compress([], profile="validity")
    assert batchkit.decompress(payload) == []
    assert v2.parse_header(payload).validity


# --- kernels ---------------------------------------------------------------------------------------------

@pytest.mark.skipif(_core is None, reason="no _core")
def test_both_kernels_give_the_same_streams_and_records(gen):
    raws, senders = gen
    labels = sender_labels(senders, len(raws))
    a = _pure.disassemble(raws, labels, senders)
    b = _core.disassemble(raws, labels, senders)
    assert a == b and len(a[1]) == NSTREAMS_VALIDITY
    assert a[1][S_SIG] == a[1][S_PARITY] == b""
    assert _pure.assemble(len(raws), *a) == _core.assemble(len(raws), *a)
    messages, groups, out_senders = _core.assemble(len(raws), *a)
    assert out_senders == senders
    assert messages == [r.unsigned for r in records(raws, senders)]
    for bad in ([b"\x00" * 20] * (len(raws) - 1), [b"\x00" * 21] * len(raws), ["ab" * 20] * len(raws)):
        assert disassemble_diff(raws, labels, lambda t, l: _pure.disassemble(t, l, bad),
                                lambda t, l: _core.disassemble(t, l, bad)) is None
        with pytest.raises(InputError):
            _core.disassemble(raws, labels, bad)


def _canonical(n, chain, streams, kernel) -> str | None:
    """Streams the kernel accepts are exactly the ones disassemble makes from what it decoded."""
    try:
        messages, groups, senders = kernel.assemble(n, chain, streams)
    except DecodeError:
        return None
    again = kernel.disassemble([resign(m) for m in messages], groups, senders)
    if again != (bytes(chain), tuple(bytes(s) for s in streams)):
        return "accepted streams that disassemble does not make"
    return None


@pytest.mark.parametrize("kernel", KERNELS)
def test_accepted_streams_are_canonical(gen, kernel):
    raws, senders = gen
    chain, streams = kernel.disassemble(raws, sender_labels(senders, len(raws)), senders)
    assert _canonical(len(raws), chain, streams, kernel) is None
    rng = random.Random(7)
    for _ in range(300):
        s = list(streams)
        k = rng.choice([i for i in range(NSTREAMS_VALIDITY) if s[i]] + [S_SENDER])
        b = bytearray(s[k])
        op = rng.randrange(3)
        if op == 0 and b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            del b[rng.randrange(len(b)):]
        else:
            b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
        s[k] = bytes(b)
        assert _canonical(len(raws), chain, s, kernel) is None, STREAMS_VALIDITY[k]


@pytest.mark.skipif(_core is None, reason="no _core")
def test_the_kernels_agree_on_mutated_validity_streams(gen):
    raws, senders = gen
    chain, streams = _pure.disassemble(raws, sender_labels(senders, len(raws)), senders)
    rng = random.Random(8)
    for k in range(NSTREAMS_VALIDITY):
        for _ in range(25):
            s = list(streams)
            b = bytearray(s[k])
            if b and rng.random() < 0.5:
                b[rng.randrange(len(b))] = rng.randrange(256)
            elif b and rng.random() < 0.5:
                del b[rng.randrange(len(b)):]
            else:
                b += bytes([rng.randrange(256)])
            s[k] = bytes(b)
            assert assemble_diff(len(raws), chain, s, _pure.assemble, _core.assemble) is None, STREAMS_VALIDITY[k]


@pytest.mark.parametrize("kernel", KERNELS)
def test_the_kernels_reject_what_the_profile_cannot_carry(gen, kernel):
    raws, senders = gen
    n = len(raws)
    chain, streams = kernel.disassemble(raws, sender_labels(senders, n), senders)

    def with_(k, data):
        s = list(streams)
        s[k] = data
        return s

    cases = {
        "a parity bit": with_(S_PARITY, b"\x00" * ((n + 7) // 8)),
        "signatures": with_(S_SIG, b"\x00" * 64 * n),
        "sender creation ref": with_(S_SENDER, uvarint(0) + streams[S_SENDER][1:]),
        "sender past the table": with_(S_SENDER, uvarint(10_000) + streams[S_SENDER][1:]),
        "sender stream short": with_(S_SENDER, streams[S_SENDER][:-1]),
        "sender stream long": with_(S_SENDER, streams[S_SENDER] + b"\x02"),
        "no sender stream": list(streams)[:-1],
    }
    for name, s in cases.items():
        with pytest.raises(DecodeError):
            kernel.assemble(n, chain, s)
    # an unsigned legacy EIP-155 transaction whose chain id no v can carry
    big = (2 ** 255 - 17).to_bytes(32, "big")
    legacy = next(i for i, r in enumerate(raws) if r[0] >= 0xC0 and parse_tx(r).v >= 37)
    one_chain, one = kernel.disassemble([raws[legacy]], [0], [senders[legacy]])
    with pytest.raises(DecodeError):
        kernel.assemble(1, big, one)
    ok = (2 ** 255 - 18).to_bytes(32, "big")
    assert kernel.assemble(1, ok, one)[0][0].endswith(b"\xa0" + ok + b"\x80\x80")


# --- payloads --------------------------------------------------------------------------------------------

def test_a_stream_round_trips_and_resumes_byte_for_byte(batches_, vstream):
    dec = batchkit.StreamDecoder()
    for (txs, snd), payload in zip(batches_, vstream):
        assert dec.decompress(payload) == records(txs, snd)
    keyframes = [i for i, p in enumerate(vstream) if v2.parse_header(p).seq == 0]
    assert keyframes == [0, 3, 6]
    enc = batchkit.StreamEncoder.resumed(vstream[3:5], "fast", keyframe_every=3, profile="validity")
    assert enc.compress(*batches_[5]) == vstream[5]
    with pytest.raises(InputError):
        batchkit.StreamEncoder.resumed(vstream[3:5], "fast", keyframe_every=3)
    assert batchkit.decompress(vstream[:4]) == [r for t, s in batches_[:4] for r in records(t, s)]


def _reseal(payload: bytes) -> bytes:
    body = payload[:-4]
    return body + zlib.crc32(body).to_bytes(4, "little")


def test_every_single_bit_flip_is_rejected(vstream):
    for index in (0, 1):
        payload = vstream[index]
        for offset in range(len(payload)):
            dec = batchkit.StreamDecoder()
            for p in vstream[:index]:
                dec.decompress(p)
            bad = bytearray(payload)
            bad[offset] ^= 1 << (offset % 8)
            with pytest.raises(DecodeError):
                dec.decompress(bytes(bad))
            assert dec.decompress(payload)


def test_truncation_at_every_offset_is_rejected(vstream):
    dec = batchkit.StreamDecoder()
    dec.decompress(vstream[0])
    for cut in range(len(vstream[1])):
        with pytest.raises(DecodeError):
            dec.decompress(vstream[1][:cut])
    dec.decompress(vstream[1])
    for cut in range(len(vstream[0])):
        with pytest.raises(DecodeError):
            batchkit.decompress(vstream[0][:cut])


def test_forged_header_fields_with_a_valid_checksum_are_rejected(gen, vstream):
    raws, senders = gen
    payload = vstream[0]
    h = v2.parse_header(payload)
    assert payload[3] == v2.FLAG_VALIDITY and payload[4] == 0
    count_at = 5
    assert payload[count_at:count_at + len(uvarint(h.n))] == uvarint(h.n)
    for forged in (h.n + 1, h.n - 1, 0, 2 ** 40):
        bad = payload[:count_at] + uvarint(forged) + payload[count_at + len(uvarint(h.n)):]
        with pytest.raises(DecodeError):
            batchkit.decompress(_reseal(bad))
    # the profile flag cleared: the payload has no signatures for its count
    with pytest.raises(DecodeError):
        batchkit.decompress(_reseal(payload[:3] + b"\x00" + payload[4:]))
    # the flag set on a full-profile payload: signatures where none may be
    full = batchkit.compress(raws[:10], senders=senders[:10], level="fast")
    with pytest.raises(DecodeError):
        batchkit.decompress(_reseal(full[:3] + bytes([full[3] | v2.FLAG_VALIDITY]) + full[4:]))
    # an unknown flag bit
    with pytest.raises(DecodeError):
        batchkit.decompress(_reseal(payload[:3] + bytes([payload[3] | 0x04]) + payload[4:]))


def test_a_segment_does_not_change_profile(batches_, vstream):
    dec = batchkit.StreamDecoder()
    dec.decompress(vstream[0])
    enc = batchkit.StreamEncoder("fast", keyframe_every=3)
    full = [enc.compress(txs, snd) for txs, snd in batches_[:2]]
    assert full[1][4] == 1  # seq 1, then the parent
    mixed = _reseal(full[1][:5] + v2.payload_hash(vstream[0]) + full[1][5 + v2.HASH_BYTES:])
    with pytest.raises(DecodeError, match="profile"):
        dec.decompress(mixed)
    assert dec.decompress(vstream[1]) == records(*batches_[1])


# --- command line ----------------------------------------------------------------------------------------

def test_cli_profile_validity_compress_decompress_verify_inspect(tmp_path, gen, capsys):
    import json
    from batchkit.cli import main
    raws, senders = gen
    src = tmp_path / "txs.hex"
    src.write_text("".join("0x" + r.hex() + "\n" for r in raws))
    out, back = tmp_path / "p.bk", tmp_path / "back.jsonl"
    assert main(["compress", str(src), "-o", str(out), "--profile", "validity"]) == 0
    assert v2.parse_header(out.read_bytes()).validity
    assert main(["decompress", str(out), "-o", str(back)]) == 0
    lines = [json.loads(line) for line in back.read_text().splitlines()]
    assert [set(rec) for rec in lines] == [{"sender", "unsigned", "signing_hash"}] * len(raws)
    want = records(raws, senders)
    assert [bytes.fromhex(rec["sender"][2:]) for rec in lines] == senders
    assert [bytes.fromhex(rec["unsigned"][2:]) for rec in lines] == [r.unsigned for r in want]
    assert [rec["signing_hash"] for rec in lines] == ["0x" + r.signing_hash.hex() for r in want]
    assert main(["verify", str(src), str(out)]) == 0
    assert main(["inspect", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["profile"] == "validity" and report["signature_bytes"] == 0
    sdir = tmp_path / "stream"
    assert main(["compress", str(src), "-o", str(sdir), "--profile", "validity", "--stream",
                 "--batch-bytes", "8000", "--keyframe-every", "2"]) == 0
    back2 = tmp_path / "back2.jsonl"
    assert main(["decompress", str(sdir), "-o", str(back2)]) == 0
    assert back2.read_text() == back.read_text()
    assert main(["verify", str(src), str(sdir)]) == 0
    assert main(["compress", str(src), "-o", str(tmp_path / "x"), "--profile", "validity",
                 "--target-blobs", "1"]) != 0
    assert main(["compress", str(src), "-o", str(tmp_path / "y"), "--profile", "validity", "--no-recover"]) != 0
