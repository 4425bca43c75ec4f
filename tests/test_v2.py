"""Format v2: streams of payloads with history, keyframes, parents, the checksum, priors, resume and rewind."""

from __future__ import annotations

import os
import signal
import threading
import time
import zlib

import pytest

import batchkit
from batchkit import StreamDecoder, StreamEncoder
from batchkit.corpora import batches, generate_batch, load_jsonl
from batchkit.errors import DecodeError, InputError, LimitExceededError, UnsupportedVersionError
from batchkit.format import priors, v2

from conftest import CORPORA, NO_CORPORA


def _recrc(body: bytes) -> bytes:
    body = bytes(body[:-4])
    return body + zlib.crc32(body).to_bytes(4, "little")


@pytest.fixture(scope="module")
def small_batches():
    """Consecutive batches of generated transactions (every envelope type), with their senders."""
    g = generate_batch(480, seed=21)
    raws, senders = [t.raw for t in g], [t.sender for t in g]
    return [(raws[i:i + 40], senders[i:i + 40]) for i in range(0, len(raws), 40)]


@pytest.fixture(scope="module")
def small_stream(small_batches):
    enc = StreamEncoder("fast", keyframe_every=4)
    return [enc.compress(txs, senders) for txs, senders in small_batches]


@pytest.fixture(scope="module")
def recent_batches():
    if CORPORA is None:
        pytest.skip(NO_CORPORA)
    raws = [bytes.fromhex(r["raw"][2:]) for r in load_jsonl(CORPORA / "ethereum-mainnet-recent.jsonl")]
    return batches(raws[:6000], 120_000)


def test_a_stream_round_trips_and_keyframes_fall_where_asked(small_batches, small_stream):
    dec = StreamDecoder()
    for i, ((txs, _), payload) in enumerate(zip(small_batches, small_stream)):
        d = dec.decode(payload)
        assert d.txs == txs
        assert d.header.seq == i % 4
        assert (d.header.parent is None) == (i % 4 == 0)
    assert batchkit.decompress(small_stream) == [t for txs, _ in small_batches for t in txs]


def test_history_makes_real_stream_payloads_smaller_than_independent_ones(recent_batches):
    enc = StreamEncoder("fast")
    stream = [enc.compress(b, recover=False) for b in recent_batches]
    alone = [batchkit.compress(b, level="fast", recover=False) for b in recent_batches]
    assert batchkit.decompress(stream) == [t for b in recent_batches for t in b]
    assert stream[0] == v2.encode(recent_batches[0], None, "fast", prior=None)  # a keyframe: decodes alone
    assert sum(map(len, stream[1:])) < 0.97 * sum(map(len, alone[1:]))


def test_decoding_can_start_at_any_keyframe_and_not_before_it(small_batches, small_stream):
    with pytest.raises(v2.ParentMismatchError) as info:
        StreamDecoder().decompress(small_stream[5])
    assert info.value.expected == v2.payload_hash(small_stream[4]) and info.value.head is None
    dec = StreamDecoder()
    for i in range(4, len(small_stream)):
        assert dec.decompress(small_stream[i]) == small_batches[i][0]
    assert batchkit.decompress(small_stream[8]) == small_batches[8][0]
    with pytest.raises(v2.ParentMismatchError):
        batchkit.decompress(small_stream[9])


def test_a_missing_or_replaced_parent_is_named_and_the_decoder_keeps_its_state(small_batches, small_stream):
    dec = StreamDecoder()
    dec.decompress(small_stream[0])
    dec.decompress(small_stream[1])
    with pytest.raises(v2.ParentMismatchError) as info:  # payload 2 was lost
        dec.decompress(small_stream[3])
    assert info.value.expected == v2.payload_hash(small_stream[2])
    assert info.value.head == v2.payload_hash(small_stream[1])
    # A reorg: another payload 1 with other content.
    other = StreamEncoder("fast", keyframe_every=4)
    forked = [other.compress(*small_batches[0]), other.compress(*small_batches[2])]
    with pytest.raises(v2.ParentMismatchError):
        dec.decompress(forked[1])
    assert dec.decompress(small_stream[2]) == small_batches[2][0]


def test_every_single_bit_flip_of_real_payloads_is_rejected(small_stream):
    for index in (0, 1, 2):
        payload = small_stream[index]
        for offset in range(len(payload)):
            dec = StreamDecoder()
            for p in small_stream[:index]:
                dec.decompress(p)
            bad = bytearray(payload)
            bad[offset] ^= 1 << (offset % 8)
            with pytest.raises(DecodeError):
                dec.decompress(bytes(bad))
            assert dec.decompress(payload)  # the decoder was left as it was


def test_truncated_payloads_are_rejected_at_every_offset(small_stream):
    dec = StreamDecoder()
    dec.decompress(small_stream[0])
    for cut in range(len(small_stream[1])):
        with pytest.raises(DecodeError):
            dec.decompress(small_stream[1][:cut])
    dec.decompress(small_stream[1])


def test_a_payload_with_a_valid_checksum_but_corrupt_blocks_leaves_the_decoder_usable(small_batches, small_stream):
    dec = StreamDecoder()
    dec.decompress(small_stream[0])
    h = v2.parse_header(small_stream[1])
    rejected = 0
    for offset in range(h.header_len, h.header_len + h.len_a + h.len_b, 7):
        bad = bytearray(small_stream[1])
        bad[offset] ^= 0xFF
        try:
            out = dec.decompress(_recrc(bad))
        except DecodeError:
            rejected += 1
            continue
        assert out != small_batches[1][0] or bytes(bad) == small_stream[1]
        dec = StreamDecoder()  # it accepted a forged payload 1: start again
        dec.decompress(small_stream[0])
    assert rejected
    assert dec.decompress(small_stream[1]) == small_batches[1][0]
    assert dec.decompress(small_stream[2]) == small_batches[2][0]


def test_header_fields_are_strict(small_batches, small_stream):
    key = bytearray(StreamEncoder("fast", priors=True).compress(*small_batches[0]))
    assert key[3] == v2.FLAG_PRIORS and key[4] == 0
    for flags in (0x04, 0x80):  # bit 1 is the validity profile (test_validity.py)
        bad = bytearray(key)
        bad[3] = flags
        with pytest.raises(DecodeError, match="flags"):
            batchkit.decompress(_recrc(bad))
    with pytest.raises(UnsupportedVersionError, match="priors"):
        batchkit.decompress(_recrc(key[:5] + b"\xee" * 8 + key[13:]))
    with pytest.raises(DecodeError, match="checksum"):
        batchkit.decompress(small_stream[0] + b"\x00")
    seq_too_far = bytes(small_stream[1][:4]) + b"\x80\x08" + bytes(small_stream[1][5:])
    with pytest.raises(LimitExceededError):
        StreamDecoder().decompress(_recrc(seq_too_far))


def test_hostile_block_headers_are_bounded_before_decompression():
    with pytest.raises(DecodeError, match="last"):
        v2.max_output(b"\x01\x00\x00", 0, "body_a")
    with pytest.raises(DecodeError, match="reserved"):
        v2.max_output(b"\x06\x00\x00", 0, "body_a")
    rle = (((128 * 1024) << 3) | (1 << 1)).to_bytes(3, "little") + b"\x00"
    assert v2.max_output(rle * 3, 0, "body_a") == 3 * 128 * 1024
    with pytest.raises(LimitExceededError):
        v2.max_output(rle * 600, 0, "body_a")  # 75 MiB from 2.4 KB


@pytest.mark.parametrize("k", [1, 3, 5, 9, 11])
def test_an_encoder_resumed_from_posted_payloads_makes_the_same_next_payload(small_batches, small_stream, k):
    enc = StreamEncoder.resumed(small_stream[:k], "fast", keyframe_every=4)
    assert enc.head == v2.payload_hash(small_stream[k - 1])
    assert enc.compress(*small_batches[k]) == small_stream[k]


def test_resume_at_another_level_starts_a_new_segment(small_batches, small_stream):
    enc = StreamEncoder.resumed(small_stream[:2], 19, keyframe_every=4)
    nxt = enc.compress(*small_batches[2])
    assert v2.parse_header(nxt).seq == 0
    dec = StreamDecoder()
    for p in small_stream[:2] + [nxt]:
        dec.decompress(p)


def test_rewind_drops_unposted_payloads_and_continues_byte_for_byte(small_batches, small_stream):
    enc = StreamEncoder("fast", keyframe_every=4)
    for i in range(2):
        enc.compress(*small_batches[i])
    posted = enc.head
    enc.compress(*small_batches[5])  # made, never posted
    enc.compress(*small_batches[6])
    assert enc.rewind(posted) == 2
    assert enc.compress(*small_batches[2]) == small_stream[2]
    with pytest.raises(InputError, match="resume"):
        enc.rewind(b"\x00" * 16)


def test_resume_needs_a_keyframe(small_stream):
    with pytest.raises(InputError, match="keyframe"):
        StreamEncoder.resumed(small_stream[1:3], "fast")


def test_independent_payloads_use_the_shipped_prior_and_say_so(small_batches):
    txs, senders = small_batches[0]
    with_prior = batchkit.compress(txs, senders=senders)
    without = v2.encode(txs, None, "default", prior=None)
    assert v2.parse_header(with_prior).prior == priors.DEFAULT_ID
    assert v2.parse_header(without).prior is None
    assert batchkit.decompress(with_prior) == batchkit.decompress(without) == txs
    assert priors.DEFAULT_ID in priors.available()


# The faults strike once: the encoder's recovery replays the segment through the same functions.

def _lossy_assemble(real):
    left = [1]

    def lossy(n, chain, validity, columns_a, columns_b, sigs):
        txs, groups = real(n, chain, validity, columns_a, columns_b, sigs)
        if left and left.pop():
            return txs[:-1], groups
        return txs, groups
    return lossy


def _flipping_decompress(real, column):
    left = [1]

    def flipping(obj, blocks, col, offset=None):
        out = real(obj, blocks, col, offset)
        if col == column and out and left and left.pop():
            return out[:-1] + bytes([out[-1] ^ 1])
        return out
    return flipping


@pytest.mark.parametrize("threaded", [False, True], ids=["one-thread", "section-b-thread"])
@pytest.mark.parametrize("fault", ["assembler drops a transaction", "section a inflates wrong",
                                   "section b inflates wrong", "section b's thread fails"])
def test_a_failed_verification_leaves_the_encoder_where_it_was(monkeypatch, small_batches, small_stream,
                                                               threaded, fault):
    # Verification checks what decode(payload) would compute in two halves (the columns assemble back to the
    # input; the payload's sections inflate to those columns), section b possibly on a second thread: a
    # fault in either half, on either path, is caught, and the encoder continues byte for byte.
    monkeypatch.setattr(v2, "PARALLEL_SECTION_BYTES", 0 if threaded else 1 << 40)
    enc = StreamEncoder("fast", keyframe_every=4)
    enc.compress(*small_batches[0])
    with monkeypatch.context() as m:
        if fault == "assembler drops a transaction":
            m.setattr(v2, "_assemble", _lossy_assemble(v2._assemble))
        elif fault == "section b's thread fails":
            real, target = v2._compress_block, enc._enc._compressors[1]

            def failing(obj, section, flush=True):
                if obj is target:
                    assert threading.current_thread().name.startswith("batchkit-section-b") == threaded
                    raise RuntimeError("zstd failed")
                return real(obj, section, flush)
            m.setattr(v2, "_compress_block", failing)
        else:
            m.setattr(v2, "_decompress", _flipping_decompress(v2._decompress,
                                                              "body_a" if "section a" in fault else "body_b"))
        with pytest.raises(RuntimeError if "thread fails" in fault else batchkit.VerificationError):
            enc.compress(*small_batches[1])
    assert enc.compress(*small_batches[1]) == small_stream[1]
    assert enc.compress(*small_batches[2]) == small_stream[2]


@pytest.mark.parametrize("verify", [True, False])
def test_section_b_on_a_second_thread_makes_the_same_bytes(monkeypatch, small_batches, small_stream, verify):
    monkeypatch.setattr(v2, "PARALLEL_SECTION_BYTES", 0)
    enc = StreamEncoder("fast", keyframe_every=4, verify=verify)
    assert [enc.compress(*b) for b in small_batches] == small_stream
    venc = StreamEncoder("fast", keyframe_every=4, profile="validity")
    monkeypatch.setattr(v2, "PARALLEL_SECTION_BYTES", 1 << 40)
    one = [venc.compress(*b) for b in small_batches[:5]]
    monkeypatch.setattr(v2, "PARALLEL_SECTION_BYTES", 0)
    venc = StreamEncoder("fast", keyframe_every=4, profile="validity")
    assert [venc.compress(*b) for b in small_batches[:5]] == one


def test_an_interrupt_while_section_b_compresses_leaves_the_encoder_as_it_was(
        monkeypatch, small_batches, small_stream):
    monkeypatch.setattr(v2, "PARALLEL_SECTION_BYTES", 0)
    enc = StreamEncoder("fast", keyframe_every=4)
    enc.compress(*small_batches[0])
    real, left = v2._assemble, [1]

    def interrupted(*args):
        if left and left.pop():
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(v2, "_assemble", interrupted)
    with pytest.raises(KeyboardInterrupt):
        enc.compress(*small_batches[1])
    assert enc.compress(*small_batches[1]) == small_stream[1]
    assert enc.compress(*small_batches[2]) == small_stream[2]


def test_the_decoder_takes_inflated_sections_only_for_exactly_the_blocks_of_the_payload(small_stream):
    dec = v2.Decoder()
    dec.decode(small_stream[0])
    payload = small_stream[1]
    h = v2.parse_header(payload)
    link = (h.seq, h.parent, h.prior, h.validity)
    body_a = payload[h.header_len:h.header_len + h.len_a]
    body_b = payload[h.header_len + h.len_a:h.header_len + h.len_a + h.len_b]
    flipped = lambda body: body[:-1] + bytes([body[-1] ^ 1])  # noqa: E731
    wrongs = [(None, (flipped(body_b), b"\0" * h.size_b)), (None, (body_b, b"\0" * (h.size_b + 1))),
              ((flipped(body_a), b"\0" * h.size_a), None), ((body_a, b"\0" * (h.size_a - 1)), None)]
    for wrong in wrongs:
        with dec._lock:
            seg, decoders = dec._open(*link)
            with pytest.raises(DecodeError):
                dec._accept(payload, h, lambda *a: None, (seg, decoders, link), wrong)
    with pytest.raises(DecodeError):  # a link other than the one opened
        with dec._lock:
            seg, decoders = dec._open(*link)
            dec._accept(payload, h, lambda *a: None, (seg, decoders, (h.seq, h.parent, h.prior, not h.validity)))
    assert dec.position == 1
    assert dec.decode(payload).hash == v2.payload_hash(payload)


def test_the_stream_objects_accept_bytes_bytearray_and_memoryview(small_batches, small_stream):
    dec = StreamDecoder()
    assert dec.decompress(bytearray(small_stream[0])) == small_batches[0][0]
    assert dec.decompress(memoryview(b"xx" + small_stream[1])[2:]) == small_batches[1][0]
    with pytest.raises(DecodeError):
        dec.decompress("not bytes")


def test_keyframe_every_is_checked():
    for bad in (0, -1, 10**6, True, "3"):
        with pytest.raises(InputError):
            StreamEncoder(keyframe_every=bad)


# --- the stream oracle (fuzz/fuzz_stream.py) ------------------------------------------------------------

from pathlib import Path  # noqa: E402

from batchkit.format._backend import core  # noqa: E402

from hostile_helpers import join_stream_input, split_stream_input, stream_oracle  # noqa: E402

SEEDS = Path(__file__).resolve().parents[1] / "fuzz" / "seeds" / "stream"


def test_stream_fuzz_seeds_pass_the_oracle():
    seeds = sorted(SEEDS.iterdir())
    assert seeds
    for seed in seeds:
        assert stream_oracle(split_stream_input(seed.read_bytes()), v2.Decoder, core.disassemble) is None, seed


def test_stream_oracle_holds_on_mutated_streams(small_stream):
    import random
    rng = random.Random(5)
    for _ in range(150):
        payloads = [bytearray(p) for p in small_stream[:5]]
        victim = payloads[rng.randrange(5)]
        for _ in range(rng.randrange(1, 4)):
            victim[rng.randrange(len(victim))] = rng.randrange(256)
        if rng.random() < 0.7:
            victim[:] = _recrc(victim)
        data = join_stream_input([bytes(p) for p in payloads])
        assert stream_oracle(split_stream_input(data), v2.Decoder, core.disassemble) is None


def test_stream_oracle_catches_a_decoder_that_does_not_roll_back(monkeypatch, small_batches):
    enc = StreamEncoder("fast")
    stream = [enc.compress(*small_batches[0]), enc.compress(*small_batches[0])]  # the second one is all history
    h = v2.parse_header(stream[1])
    bad = bytearray(stream[1])
    bad[h.header_len + h.len_a + h.len_b - 1] ^= 0x55  # corrupt the last block of body_b, then fix the crc
    payloads = [stream[0], _recrc(bad), stream[1]]
    assert stream_oracle(payloads, v2.Decoder, core.disassemble) is None
    real = v2._Segment.ready_decoders

    def no_rebuild(self):
        if self.decoders is None:
            self.decoders = self.fresh_decoders()  # planted bug: forgets the accepted bodies
        return real(self)

    monkeypatch.setattr(v2._Segment, "ready_decoders", no_rebuild)
    assert stream_oracle(payloads, v2.Decoder, core.disassemble) is not None


@pytest.fixture(scope="module")
def fifty_payloads():
    g = generate_batch(500, seed=33)
    parts = [([t.raw for t in g[i:i + 10]], [t.sender for t in g[i:i + 10]]) for i in range(0, 500, 10)]
    enc = StreamEncoder("default", keyframe_every=16)
    return parts, [enc.compress(txs, senders) for txs, senders in parts]


@pytest.mark.parametrize("k", [1, 2, 15, 16, 17, 31, 33, 49])
def test_fifty_payloads_rebuilt_from_payloads_1_to_k_give_payload_k_plus_1_byte_for_byte(fifty_payloads, k):
    parts, payloads = fifty_payloads
    enc = StreamEncoder.resumed(payloads[:k], "default", keyframe_every=16)  # it finds the last keyframe itself
    assert enc.compress(*parts[k]) == payloads[k]
    dec = StreamDecoder()
    start = (k // 16) * 16
    for p in payloads[start:k + 1]:
        dec.decompress(p)
    assert dec.head == v2.payload_hash(payloads[k])


def test_every_single_bit_flip_of_real_mainnet_payloads_is_rejected(recent_batches):
    small = batches([t for b in recent_batches for t in b][:600], 15_000)[:3]
    enc = StreamEncoder("default")
    payloads = [enc.compress(b, recover=False) for b in small]
    for index, payload in enumerate(payloads):
        dec = StreamDecoder()
        for p in payloads[:index]:
            dec.decompress(p)
        for offset in range(len(payload)):
            for bit in (offset % 8, (offset + 3) % 8):
                bad = bytearray(payload)
                bad[offset] ^= 1 << bit
                with pytest.raises(DecodeError):
                    dec.decompress(bytes(bad))
        assert dec.decompress(payload) == small[index]


# --- issue 21: resume() racing compress() raises, never forks the stream ---------------------------------

def test_resume_racing_compress_raises_instead_of_forking(small_batches):
    import threading
    from batchkit.errors import InputError
    enc = StreamEncoder("fast", keyframe_every=1000)
    made = [enc.compress(*small_batches[0])]
    raised = []
    go = threading.Barrier(2)

    def compressing():
        go.wait()
        for i in range(60):
            made.append(enc.compress(*small_batches[i % len(small_batches)]))

    def resuming():
        go.wait()
        for _ in range(60):
            try:
                enc.resume(enc.segment)
            except InputError:
                raised.append(1)

    threads = [threading.Thread(target=compressing), threading.Thread(target=resuming)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dec = StreamDecoder()
    for i, p in enumerate(made):  # every payload names the one made before it: no fork
        dec.decompress(p)
    with pytest.raises(InputError):
        enc.resume(made[:-1])      # a point of the stream behind the encoder: rewind() is for that
    assert enc.resume(enc.segment) == len(enc.segment)  # its own head: nothing changes
    fresh = StreamEncoder("fast", keyframe_every=1000)
    assert fresh.resume(made) == len(made)
    assert fresh.compress(*small_batches[1]) == enc.compress(*small_batches[1])


def test_prior_tables_are_per_level_so_bytes_do_not_depend_on_what_ran_before():
    # Levels 6 and 7 share strategy and window; their dictionary tables must still be their own, so a
    # level-7 stream is the same bytes whether or not a level-6 stream was made first in the process.
    import subprocess
    import sys
    code = ("import sys, hashlib\n"
            "from batchkit.corpora import generate_batch\n"
            "from batchkit.format import v2\n"
            "from batchkit.format.priors import DEFAULT_ID\n"
            "txs = [t.raw for t in generate_batch(200, seed=3)]\n"
            "if sys.argv[1] == 'first6':\n"
            "    v2.Encoder(6, prior=DEFAULT_ID, verify=False).encode(txs, None)\n"
            "p = v2.Encoder(7, prior=DEFAULT_ID, verify=False).encode(txs, None)\n"
            "print(hashlib.sha256(p).hexdigest())\n")
    outs = {subprocess.run([sys.executable, "-c", code, arg], capture_output=True, text=True, check=True).stdout
            for arg in ("alone", "first6")}
    assert len(outs) == 1


def test_a_forked_child_compresses_on_threads_of_its_own(monkeypatch, small_batches, small_stream):
    # A forked child has none of its parent's threads: the section pool it inherits is forgotten (else the
    # child's section b would wait for a thread that does not exist).
    monkeypatch.setattr(v2, "PARALLEL_SECTION_BYTES", 0)
    StreamEncoder("fast", keyframe_every=4).compress(*small_batches[0])  # the parent's pool exists now
    pid = os.fork()
    if pid == 0:  # the child: exit status 0 when it makes the same stream
        try:
            enc = StreamEncoder("fast", keyframe_every=4)
            os._exit(0 if [enc.compress(*b) for b in small_batches[:3]] == small_stream[:3] else 1)
        except BaseException:
            os._exit(2)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung compressing section b")
