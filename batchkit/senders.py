"""Sender recovery: the 20-byte address that signed each transaction.

The sender is not in a transaction's bytes; it is recovered from the signature (``y_parity``, ``r``, ``s``)
over the transaction's signing hash, with libsecp256k1 (through ``coincurve``). The signing message and the
signature come from one strict walk of the envelope by the column core (``core.signing_parts``), the walk
the codec itself makes: no RLP library decodes or re-encodes the transaction. The address is the last
20 bytes of ``keccak256`` of the uncompressed public key without its ``0x04`` prefix.

One recovery costs about 50 microseconds, so :func:`recover_senders` spreads large lists over a process
pool (one process per core; :func:`batchkit.parallel.process_pool`, whose workers die with this process and
ignore Ctrl-C) and keeps small ones in-process, where the pool would cost more than it saves.

Only the transaction's own sender is recovered: EIP-7702 authorities (the signers of the authorization
tuples) are not.

Example::

    >>> from batchkit.senders import recover_sender, recover_senders
    >>> recover_sender(raw)                  # doctest: +SKIP
    b'\\x12...'
    >>> recover_senders(raws, workers=2)     # doctest: +SKIP
    [b'\\x12...', ...]
"""

from __future__ import annotations

import itertools
import os
from typing import TYPE_CHECKING, Iterable, Iterator

from coincurve import PublicKey

from .errors import InputError, SenderRecoveryError
from .parallel import process_pool, stop_pool
from .format._backend import core
from .tx import keccak256

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: Below this many transactions :func:`recover_senders` stays in-process: starting workers and
#: shipping the bytes to them costs more than the recovery itself.
POOL_THRESHOLD = 2000

#: :func:`recover_stream` recovers this many transactions at a time (about 1 s of work on two cores).
STREAM_CHUNK = 32_768

#: Each worker gets about this many chunks, so one slow chunk does not leave a core idle at the end.
_CHUNKS_PER_WORKER = 4

#: The order of the secp256k1 group.
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def recover_sender(raw: bytes | bytearray | memoryview, *, index: int | None = None) -> bytes:
    """Return the 20-byte address that signed ``raw`` (a signed tx in its network form).

    Raises :class:`~batchkit.errors.InputError` (naming ``index`` when given) if ``raw`` is not a valid
    transaction, and its subclass :class:`~batchkit.errors.SenderRecoveryError` if the transaction is
    well formed but its signature does not recover to a public key (``r`` or ``s`` zero or not below the
    curve order, no curve point with that ``r``, or the point at infinity). High-``s`` signatures (before
    Homestead) are accepted: they recover like any other.
    """
    message, signature = core.signing_parts(raw, index)
    return _recover(keccak256(message), signature, index)


def _recover(message_hash: bytes, signature: bytes, index: int | None) -> bytes:
    """``signature``: r (32 bytes) ‖ s (32 bytes) ‖ y parity (1 byte), as ``core.signing_parts`` gives it."""
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if not (0 < r < _SECP256K1_N and 0 < s < _SECP256K1_N):
        raise SenderRecoveryError("signature r or s is out of range: the sender cannot be recovered", index=index)
    try:
        public_key = PublicKey.from_signature_and_message(signature, message_hash, hasher=None)
    except Exception as exc:  # coincurve raises ValueError or its own errors for a bad signature
        raise SenderRecoveryError(f"signature does not recover to a public key ({exc})", index=index) from exc
    return keccak256(public_key.format(compressed=False)[1:])[12:]


def _recover_or_none(raw: bytes, index: int, strict: bool) -> bytes | None:
    try:
        return recover_sender(raw, index=index)
    except SenderRecoveryError:
        if strict:
            raise
        return None


def _recover_chunk(start: int, raws: list[bytes], strict: bool = True) -> tuple[list[bytes | None], int | None]:
    """Worker: recover one chunk. Returns the senders and the index of the first failure (or ``None``);
    the parent re-raises that failure itself, so exceptions never cross the process boundary."""
    senders: list[bytes | None] = []
    for offset, raw in enumerate(raws):
        try:
            senders.append(_recover_or_none(raw, start + offset, strict))
        except InputError:
            return senders, start + offset
    return senders, None


def default_workers() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def recover_senders(raws: list[bytes], *, workers: int | None = None, strict: bool = True) -> list[bytes | None]:
    """Recover the sender of every transaction in ``raws``, in order.

    ``workers`` is the number of processes (default: one per core). Lists shorter than
    :data:`POOL_THRESHOLD`, and ``workers=1``, are handled in this process. Raises
    :class:`~batchkit.errors.InputError` naming the index of the first transaction that fails. With
    ``strict=False`` a well-formed transaction whose signature does not recover gets ``None`` (an unknown
    sender: the encoder gives it a sender group of its own) instead of raising
    :class:`~batchkit.errors.SenderRecoveryError`; malformed transactions still raise.
    """
    raws = [bytes(raw) for raw in raws]
    if workers is None:
        workers = default_workers()
    if workers < 1:
        raise InputError(f"workers must be at least 1, not {workers}")
    if workers == 1 or len(raws) < POOL_THRESHOLD:
        return [_recover_or_none(raw, i, strict) for i, raw in enumerate(raws)]

    pool = process_pool(workers)
    try:
        senders = _recover_in(pool, workers, raws, 0, strict)
    except BaseException:
        stop_pool(pool, now=True)
        raise
    stop_pool(pool, now=False)
    return senders


def _recover_in(pool: ProcessPoolExecutor, workers: int, raws: list[bytes], base: int,
                strict: bool = True) -> list[bytes | None]:
    """The senders of ``raws`` (transactions ``base``, ``base + 1``, ... of the input) through ``pool``."""
    n_chunks = workers * _CHUNKS_PER_WORKER
    size = -(-len(raws) // n_chunks)
    starts = range(0, len(raws), size)
    senders: list[bytes | None] = []
    futures = [pool.submit(_recover_chunk, base + start, raws[start:start + size], strict) for start in starts]
    for future in futures:
        chunk, failed = future.result()
        if failed is not None:
            for other in futures:
                other.cancel()
            recover_sender(raws[failed - base], index=failed)  # raises the error, with its real type
            raise AssertionError("unreachable: a worker failed on a transaction that recovers")
        senders.extend(chunk)  # type: ignore[arg-type]
    return senders


def recover_stream(pairs: Iterable[tuple[bytes, bytes | None]], *, workers: int | None = None,
                   chunk: int = STREAM_CHUNK, strict: bool = True) -> Iterator[tuple[bytes, bytes | None]]:
    """``(raw, sender)`` pairs with every missing sender (None) recovered from the signature, in order, for an
    input of any length: pairs are taken ``chunk`` at a time and one process pool serves the whole stream.
    Senders already given are kept (not verified). Raises :class:`~batchkit.errors.InputError` naming the
    index (the position in ``pairs``) of the first transaction that does not recover; with ``strict=False``
    a well-formed transaction whose signature does not recover gets ``None``, as in :func:`recover_senders`."""
    if workers is None:
        workers = default_workers()
    if workers < 1:
        raise InputError(f"workers must be at least 1, not {workers}")
    it = iter(pairs)
    pool: ProcessPoolExecutor | None = None
    base = 0
    finished = False
    try:
        while True:
            block = list(itertools.islice(it, chunk))
            if not block:
                finished = True
                return
            missing = [i for i, (_, s) in enumerate(block) if s is None]
            if missing:
                raws = [bytes(block[i][0]) for i in missing]
                if workers == 1 or len(raws) < POOL_THRESHOLD:
                    found = [_recover_or_none(raw, base + i, strict) for raw, i in zip(raws, missing)]
                else:
                    pool = pool or process_pool(workers)
                    try:
                        found = _recover_in(pool, workers, raws, 0, strict)
                    except InputError as exc:  # name the transaction by its position in the input
                        if exc.index is None:
                            raise
                        raise type(exc)(exc.reason, index=base + missing[exc.index]) from None
                for i, sender in zip(missing, found):
                    block[i] = (block[i][0], sender)
            yield from block  # type: ignore[misc]
            base += len(block)
    finally:
        if pool is not None:  # left early (an error, an interrupt, the caller stopped): no waiting
            stop_pool(pool, now=not finished)
