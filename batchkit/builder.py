"""Fill payloads up to a size target, one transaction at a time, without recompressing on every addition.

A batcher receives transactions one by one and must post payloads that fill a number of blobs as closely
as possible without going over. Recompressing the whole pending batch after each addition (what several
production batchers do) costs O(N^2) in the batch size. :class:`BatchBuilder` instead:

- disassembles each transaction once when it is added, to check it and to learn its *column bytes*
  ``u`` (what it adds to the compressible body; its 64 signature bytes are stored raw);
- estimates the payload as ``64 n + B(U)``, ``U`` the column bytes pending, with a ratio model: the
  ratio of the previous payload until a cheap *probe* (zstd level 1 over the pending columns, scaled by
  the real/probe factor learned on the previous payload) recalibrates it at about 90% of the target,
  then exact *anchors* from real compressions near the boundary;
- compresses for real only where the estimate cannot tell whether the next transaction fits (the
  estimate and its error band straddle the target), at most :data:`MAX_CHECKS` times per payload, and
  keeps the last real compression that fit so :meth:`BatchBuilder.seal` usually reuses it.

So the work per payload is a bounded number of compressions of at most one payload, and the total
grows linearly with the input; memory holds one payload's transactions.

:meth:`~BatchBuilder.add` returns ``False`` when a real compression of the pending transactions plus
this one exceeds the target, or when the estimate puts it over the target by more than its error band.
Should a sealed payload still come out over the target (the model was wrong by more than its band), the
last transactions are dropped from it and carried into the next payload: :meth:`~BatchBuilder.seal`
never returns a payload over the target, and :attr:`~BatchBuilder.carried` counts such transactions.

Example::

    >>> from batchkit.builder import BatchBuilder, build_payloads
    >>> b = BatchBuilder(target_blobs=1)
    >>> payloads = []
    >>> for raw, sender in zip(raws, senders):          # doctest: +SKIP
    ...     if not b.add(raw, sender):
    ...         payloads.append(b.seal())
    ...         b.add(raw, sender)
    >>> payloads.append(b.seal())                       # doctest: +SKIP
    >>> build_payloads(raws, senders=senders, target_blobs=6)   # the same loop  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Sequence

from .l1.blob import HEADER_SIZE, USABLE_BYTES_PER_BLOB
from .l1.blobstream import BODY_SIZE, LENGTH_SIZE
from .coerce import SenderLabels, parse_sender
from .errors import InputError, UnsupportedTransactionError, VerificationError
from .format import v1, v2
from .format._backend import core
from .format.streams import NSTREAMS, SIG_STREAM
from .limits import MAX_BLOB_PAYLOAD_BYTES, MAX_STREAM_PAYLOAD_BYTES

__all__ = ["BatchBuilder", "build_payloads", "iter_payloads", "target_for_blobs", "MAX_CHECKS", "CALIBRATE_AT"]

#: Real compressions :meth:`BatchBuilder.add` may run per payload to settle the boundary.
MAX_CHECKS = 2
#: After a real compression that fits, keep adding (and recompress at the seal) only if it left more
#: than this fraction of the target free; else the payload is closed on the compression already made.
CONTINUE_GAP = 0.02
#: Extra real compressions :meth:`BatchBuilder.seal` may run when its payload overshoots, before it
#: falls back to halving (which ends: one transaction alone always fits, checked on add).
MAX_SEAL_RETRIES = 3
#: zstd level of the calibration probe.
PROBE_LEVEL = 1
#: Estimated fills at which a probe runs (each at most once per payload, before any real compression).
PROBE_AT = (0.6, 0.85, 0.95)
#: Relative error band of the probe-calibrated estimate, and of the prior (previous payload's ratio).
#: The real/probe factor drifts by up to about 2% between payloads of the real corpora, but the anchors of
#: the real checks absorb most of that: measured on all the corpora, 1% gives a median fill of 98.0% at
#: one and at six blobs (2% gave 98.0% and 96.9%) for about the same time.
PROBE_BAND = 0.01
PRIOR_BAND = 0.10
#: Body/column-bytes ratio assumed before any compression has been seen (in stream mode: payload bytes per
#: raw byte, signatures left out; measured 0.27 on recent mainnet, so the first estimate runs high).
DEFAULT_RATIO = 0.45
#: Stream mode: the first payload learns its ratio from one real compression once its estimate passes this
#: share of the target (later payloads use the ratio of the one before). A quarter costs a quarter of one
#: payload's compression, once.
CALIBRATE_AT = 0.25
#: Error of an anchored estimate: this fraction of the estimated growth since the anchor, plus a constant
#: (compressed sizes jitter by a few hundred bytes when a few transactions are added: measured on the
#: real corpora, zstd-9, 450-transaction batches).
ANCHOR_BAND = 0.5
ANCHOR_SLACK = 400
_SIG = 64
#: Upper bound of a payload's header plus the uvarint stream lengths of one transaction's columns.
_OVERHEAD_BOUND = 48 + 3 * NSTREAMS


def target_for_blobs(n_blobs: int, *, stream: bool = False) -> int:
    """Payload bytes ``n_blobs`` blobs carry: ``130,048 n - 4`` on their own (:mod:`batchkit.l1.blob`),
    ``130,033 n - 4`` in a blob stream (:mod:`batchkit.l1.blobstream`)."""
    if not isinstance(n_blobs, int) or isinstance(n_blobs, bool) or n_blobs < 1:
        raise InputError(f"target_blobs must be a positive integer, not {n_blobs!r}")
    if stream:
        return BODY_SIZE * n_blobs - LENGTH_SIZE
    return USABLE_BYTES_PER_BLOB * n_blobs - HEADER_SIZE


class BatchBuilder:
    """Accumulate signed transactions into a payload of at most ``target_bytes`` (or ``target_blobs``
    blobs: ``130,048 n - 4`` bytes). Give exactly one target.

    ``level``: as for :func:`batchkit.compress`. ``verify``: decode every sealed payload and compare it
    with its transactions. ``version``: the payloads' format, 2 (default: v2 payloads, each with its CRC-32,
    independent keyframes as :func:`batchkit.compress` writes) or 1 (no checksum: only when a decoder of
    v1 needs it). ``keyframe_every`` (stream mode, version 2
    only; default 1): consecutive payloads form one v2 stream (:mod:`batchkit.stream`) with a keyframe every
    that many, each later payload using the ones before it as history; decode them in order.

    ``stream=True`` cuts payloads for a blob stream (:mod:`batchkit.l1.blobstream`), where a payload need not
    fit its blobs: the stream lays payloads end to end, so the target (``target_blobs``: ``130,033 n - 4``
    bytes) is where to cut, not a ceiling. :meth:`add` then costs O(1): it estimates the payload from the
    raw bytes at the ratio of the payload before, and returns False when sealing now lands nearer the
    target than adding the transaction; :meth:`seal` compresses once (the first payload also once at
    :data:`CALIBRATE_AT` of the target, to learn its ratio). Payloads land within a few percent of the
    target (a transaction larger than what is left goes first into the next payload); none passes
    ``MAX_STREAM_PAYLOAD_BYTES``. The transactions are parsed when the payload is sealed: :meth:`seal`
    raises :class:`InputError` naming an invalid one by its index among all transactions added, and
    drops it (the others stay pending).

    Counters (for tests and tuning): :attr:`compressions` real compressions and :attr:`probes` since the
    last seal; :attr:`carried` transactions moved to the next payload by seals that overshot.
    """

    def __init__(self, target_blobs: int | None = None, target_bytes: int | None = None, *,
                 level: str | int = "default", verify: bool = True, stream: bool = False, version: int = 2,
                 keyframe_every: int = 1):
        if (target_blobs is None) == (target_bytes is None):
            raise InputError("give exactly one of target_blobs and target_bytes")
        if target_blobs is not None:
            target = target_for_blobs(target_blobs, stream=stream)
        else:
            if not isinstance(target_bytes, int) or isinstance(target_bytes, bool) or target_bytes < 1:
                raise InputError(f"target_bytes must be a positive integer, not {target_bytes!r}")
            target = target_bytes
        limit = MAX_STREAM_PAYLOAD_BYTES if stream else MAX_BLOB_PAYLOAD_BYTES
        if target > limit:
            raise InputError(f"target of {target} bytes exceeds the payload limit of {limit}")
        if version not in (1, 2):
            raise InputError(f"unknown payload version {version!r}: use 1 or 2")
        if keyframe_every != 1 and not (stream and version == 2):
            raise InputError("keyframe_every applies to stream=True, version=2 (payloads with history)")
        self.version = version
        #: Stream mode, version 2: one v2 encoder for every payload (its verifier follows the stream).
        self._v2 = v2.Encoder(level, keyframe_every=keyframe_every, verify=verify) if stream and version == 2 \
            else None
        self.stream = bool(stream)
        #: The size no payload may pass: the target, or in a stream the stream's payload limit.
        self.limit = limit if stream else target
        self.target = target
        self.level = level
        self.verify = verify
        method, param_a, param_b = v1.resolve_level(level)
        #: A zstd level this cheap is its own probe.
        self._real_is_cheap = method == v1.METHOD_ZSTD and max(param_a, param_b) <= 3
        self._ratio: float | None = None      # body / column bytes of the last sealed payload
        self._k: float | None = None          # real body / probe body, learned on the last sealed payload
        self._seen = 0                        # transactions offered so far (for error indexes)
        self.carried = 0
        self._raws: list[bytes] = []
        self._senders: list[bytes | None] = []
        self._idx: list[int] = []             # stream mode: index of each pending transaction among all added
        self._u: list[int] = []
        self._lab: list[int] = []
        self._clear_payload_state()

    # --- state ----------------------------------------------------------------------------------------

    def _clear_payload_state(self) -> None:
        self._labels = SenderLabels()
        self._lab = [self._labels.label(s) for s in self._senders]
        self._U = sum(self._u)
        self._raw_bytes = sum(map(len, self._raws))
        self._anchor: tuple[int, int, int] | None = None   # (n, U, body) of a real compression
        self._probe: tuple[int, int, float] | None = None  # (n, U, estimated body) from the probe
        self._probes_run = 0
        self._checks = 0
        self._cache: tuple[int, bytes, tuple] | None = None  # (n, payload, streams) of the last fit
        self._calibrated = False              # stream mode: this payload's calibration ran
        self._set_ratio()
        self.compressions = 0
        self.probes = 0

    def resume(self, payloads) -> int:
        """Stream mode, version 2: continue the stream whose payloads (the ones posted, back to their last
        keyframe at least) are ``payloads``, so the next payload sealed is their next (see
        :meth:`batchkit.StreamEncoder.resume`). Returns how many were replayed."""
        if self._v2 is None:
            raise InputError("resume() continues a v2 stream: BatchBuilder(stream=True, version=2)")
        return self._v2.resume(payloads)

    def reset(self) -> None:
        """Drop every pending transaction (the calibration learned so far is kept)."""
        self._raws, self._senders, self._u, self._idx = [], [], [], []
        self._clear_payload_state()

    def __len__(self) -> int:
        return len(self._raws)

    @property
    def pending_bytes(self) -> int:
        """Raw bytes of the pending transactions."""
        return self._raw_bytes

    @property
    def estimated_size(self) -> int:
        """The estimated size of the payload :meth:`seal` would return now (exact after a real
        compression of exactly the pending transactions)."""
        n = len(self._raws)
        if n == 0:
            return 0
        if self._cache is not None and self._cache[0] == n:
            return len(self._cache[1])
        if self.stream:
            return round(self._stream_estimate(n, self._raw_bytes))
        return round(self._estimate(n, self._U)[0])

    # --- the model ----------------------------------------------------------------------------------

    def _estimate(self, n: int, U: int) -> tuple[float, float]:
        """(estimated payload size, error band) for ``n`` transactions of ``U`` column bytes."""
        if self._anchor is not None and (self._probe is None or self._probe[0] <= self._anchor[0]):
            an, aU, aB = self._anchor
            r = aB / max(aU, 1)
            grow = r * (U - aU)
            band = 0.0 if (n, U) == (an, aU) else ANCHOR_BAND * abs(grow) + ANCHOR_SLACK
            return _SIG * n + aB + grow, band
        if self._probe is not None:
            pn, pU, pB = self._probe
            r = pB / max(pU, 1)
            body = pB + r * (U - pU)
            return _SIG * n + body, PROBE_BAND * body + ANCHOR_BAND * abs(r * (U - pU)) + ANCHOR_SLACK
        r = self._ratio if self._ratio is not None else DEFAULT_RATIO
        body = r * U
        return _SIG * n + body, PRIOR_BAND * body + ANCHOR_SLACK

    def _streams(self, n: int) -> tuple[bytes, tuple]:
        return core.disassemble(self._raws[:n], self._lab[:n])

    def _compress(self, n: int) -> tuple[bytes, tuple]:
        """A real compression of the first ``n`` pending transactions: (payload, streams)."""
        self.compressions += 1
        chain, streams = self._streams(n)
        payload = self._encode(n, chain, streams)
        body = len(payload) - _SIG * n
        self._anchor = (n, sum(self._u[:n]), body)
        return payload, streams

    def _run_probe(self, n: int) -> None:
        U = sum(self._u[:n])
        if self._real_is_cheap:
            self._check(n)
            return
        if self._k is None:  # first payload: learn the real/probe factor on this prefix
            payload, streams = self._compress(n)
            if len(payload) <= self.target:
                self._cache = (n, payload, streams)
            self._learn_k(n, payload, streams)
            return
        self.probes += 1
        chain, streams = self._streams(n)
        probe = len(v1.compress_body(v1.METHOD_ZSTD, PROBE_LEVEL, v1.pack_columns(streams)))
        self._probe = (n, U, self._k * probe)

    def _check(self, n: int) -> bool:
        """Compress the first ``n`` pending transactions; keep the payload if it fits. Returns whether it fits."""
        payload, streams = self._compress(n)
        if len(payload) <= self.target:
            self._cache = (n, payload, streams)
            return True
        return False

    # --- adding -------------------------------------------------------------------------------------

    def _column_bytes(self, raw: bytes, index: int) -> int:
        try:
            _, streams = core.disassemble([raw], None)
        except UnsupportedTransactionError as exc:
            raise UnsupportedTransactionError(exc.tx_type, index=index) from None
        except InputError as exc:
            raise InputError(exc.reason, index=index) from None
        u = sum(map(len, streams)) - len(streams[SIG_STREAM])
        if _SIG + u + _OVERHEAD_BOUND > self.target:
            alone = (v1.encode_streams(1, *core.disassemble([raw], None), self.level) if self.version == 1
                     else v2.encode([raw], None, self.level, verify=False))
            if len(alone) > self.target:
                raise InputError(f"a transaction of {len(raw)} bytes makes a payload of {len(alone)} bytes "
                                 f"even alone: over the target of {self.target}", index=index)
        return u

    def add(self, raw, sender=None) -> bool:
        """Add one signed transaction (bytes-like, network form) and its 20-byte sender (or None).

        Returns True if it was added; False if the payload would then exceed the target (in stream mode:
        if sealing now lands nearer the target): the transaction is *not* added, and the caller should
        :meth:`seal` and add it again. Raises :class:`InputError` for a transaction that is not valid or
        does not fit in the target even alone (in stream mode only for one over the payload limit: the
        transactions are parsed at the seal).
        """
        if self.stream:
            return self._add_stream(raw, sender)
        index = self._seen
        raw = bytes(raw)
        sender = None if sender is None else parse_sender(sender, index)
        u = self._column_bytes(raw, index)
        self._seen += 1
        n = len(self._raws)
        n1, U1 = n + 1, self._U + u
        self._raws.append(raw)
        self._senders.append(sender)
        self._u.append(u)
        self._lab.append(self._labels.label(sender))
        try:
            fits = self._decide(n, n1, U1)
        except BaseException:
            fits = False
            raise
        finally:
            if not fits:
                self._raws.pop()
                self._senders.pop()
                self._u.pop()
                self._lab.pop()
        if fits:
            self._U = U1
            self._raw_bytes += len(raw)
        else:
            self._seen -= 1
        return fits

    def _decide(self, n: int, n1: int, U1: int) -> bool:
        """Whether the first ``n1`` entries (the pending ones plus the new one, already appended) fit."""
        if n == 0:
            return True  # checked to fit alone
        T = self.target
        est, band = self._estimate(n1, U1)
        while (self._checks == 0 and self._probes_run < len(PROBE_AT)
               and est + band >= PROBE_AT[self._probes_run] * T):
            self._probes_run += 1
            self._run_probe(n1)
            if self._cache is not None and self._cache[0] == n1:
                return True
            if self._anchor is not None and self._anchor[0] == n1 and self._probe is None:
                return False  # the real compression of all n1 went over
            est, band = self._estimate(n1, U1)
        if self._cache is not None and self._cache[0] == n and len(self._cache[1]) > (1 - CONTINUE_GAP) * T:
            return False  # close on the compression already made rather than recompress for a few bytes
        if est + band <= T:
            return True
        if est - band > T:
            return False
        if self._checks >= MAX_CHECKS:
            return False
        self._checks += 1
        return self._check(n1)

    def _encode(self, n: int, chain: bytes, streams: tuple) -> bytes:
        """The payload of the first ``n`` pending transactions, whose columns are ``chain``, ``streams``."""
        if self.version == 1:
            return v1.encode_streams(n, chain, streams, self.level)
        return v2.encode(self._raws[:n], self._lab[:n], self.level, verify=False)  # a keyframe

    def _decode(self, payload: bytes) -> list[bytes]:
        return (v1.decode(payload) if self.version == 1 else v2.decode(payload)).txs

    # --- stream mode ---------------------------------------------------------------------------------

    def _add_stream(self, raw, sender) -> bool:
        """O(1) per transaction: no parsing here (the seal's disassembly checks every transaction)."""
        if type(raw) is not bytes:
            try:
                raw = memoryview(raw).tobytes()
            except TypeError:
                raise InputError(f"a transaction must be bytes-like, not {type(raw).__name__}",
                                 index=self._seen) from None
        if sender is not None and (type(sender) is not bytes or len(sender) != 20):
            sender = parse_sender(sender, self._seen)
        size = len(raw)
        if size > self.limit:
            raise InputError(f"a transaction of {size} bytes is over the payload limit of {self.limit}",
                             index=self._seen)
        n = len(self._raws)
        if n:
            sigs = _SIG * (n + 1)
            grown = sigs + self._r * (self._raw_bytes + size - sigs)
            if grown > CALIBRATE_AT * self.target and self._ratio is None and not self._calibrated:
                self._calibrate(n)
                grown = sigs + self._r * (self._raw_bytes + size - sigs)
            if grown > self.target and grown - self.target >= self.target - self._stream_estimate(n, self._raw_bytes):
                return False  # sealing now lands nearer the target than adding this one
        self._idx.append(self._seen)
        self._seen += 1
        self._raws.append(raw)
        self._senders.append(sender)
        self._lab.append(self._labels.label(sender))
        self._raw_bytes += size
        return True

    def _stream_estimate(self, n: int, raw_bytes: int) -> float:
        """Payload bytes for ``n`` transactions of ``raw_bytes``: signatures as they are, the rest at
        :attr:`_r`."""
        return _SIG * n + self._r * (raw_bytes - _SIG * n)

    def _set_ratio(self) -> None:
        """``_r``: payload bytes per raw byte (signatures left out) of this payload's calibration, else of
        the payload before, else DEFAULT_RATIO."""
        if self._anchor is not None:
            self._r = self._anchor[2] / max(self._anchor[1], 1)
        else:
            self._r = DEFAULT_RATIO if self._ratio is None else self._ratio

    def _calibrate(self, n: int) -> None:
        """One real compression of the first payload's ``n`` pending transactions, to learn its ratio (with a
        v2 encoder the trial is the next payload of the stream, and is dropped again)."""
        self._calibrated = True
        head = self._v2.head if self._v2 is not None else None
        payload = self._compress_stream(n)
        if self._v2 is not None:
            try:
                self._v2.rewind(head)  # the trial goes; a resumed stream keeps its history
            except InputError:  # the trial was a keyframe: the next payload starts a segment anyway
                self._v2.rewind(None)
        elif len(payload) <= self.limit:
            self._cache = (n, payload, ())
        self._anchor = (n, sum(map(len, self._raws[:n])) - _SIG * n, len(payload) - _SIG * n)
        self._set_ratio()

    def _compress_stream(self, n: int) -> bytes:
        """The payload of the first ``n`` pending transactions. An invalid one is dropped and reported by its
        index among all transactions added (the v2 encoder is left as it was)."""
        self.compressions += 1
        try:
            if self._v2 is not None:
                return self._v2.encode(self._raws[:n], self._lab[:n])
            chain, streams = core.disassemble(self._raws[:n], self._lab[:n])
        except InputError as exc:
            if exc.index is None:
                raise
            bad = exc.index
            index = self._idx[bad]
            del self._raws[bad], self._senders[bad], self._idx[bad]
            self._clear_payload_state()
            if isinstance(exc, UnsupportedTransactionError):
                raise UnsupportedTransactionError(exc.tx_type, index=index) from None
            raise InputError(exc.reason, index=index) from None
        return self._encode(n, chain, streams)

    def _seal_stream(self) -> bytes:
        n = len(self._raws)
        head = None if self._v2 is None else self._v2.head
        if self._cache is not None and self._cache[0] == n:
            payload = self._cache[1]
        else:
            payload = self._compress_stream(n)
        while len(payload) > self.limit:  # only for a ratio far off: halve until it fits (one tx does)
            n = max(1, n // 2)
            if self._v2 is not None:
                self._v2.rewind(head)
            payload = self._compress_stream(n)
        raw_bytes = sum(map(len, self._raws[:n]))
        if raw_bytes > _SIG * n:
            self._ratio = (len(payload) - _SIG * n) / (raw_bytes - _SIG * n)
        if self.verify and self._v2 is None and self._decode(payload) != self._raws[:n]:
            raise VerificationError("the payload does not decode to the input transactions")
        self.carried += len(self._raws) - n
        del self._raws[:n], self._senders[:n], self._idx[:n]
        self._clear_payload_state()
        return payload

    # --- sealing ------------------------------------------------------------------------------------

    def seal(self) -> bytes:
        """Return the payload of the pending transactions (never over the target; verified by decoding
        when ``verify``) and start the next one. Transactions dropped because the payload overshot stay
        pending for the next payload. Raises :class:`InputError` when nothing is pending."""
        n = len(self._raws)
        if n == 0:
            raise InputError("no pending transactions to seal")
        if self.stream:
            return self._seal_stream()
        if self._cache is not None and self._cache[0] == n:
            _, payload, streams = self._cache
        else:
            payload, streams = self._compress(n)
            retries = 0
            while len(payload) > self.target:
                n = self._shrink(n, len(payload), retries)
                retries += 1
                payload, streams = self._compress(n)
        self._learn(n, payload, streams)
        if self.verify and self._decode(payload) != self._raws[:n]:
            raise VerificationError("the payload does not decode to the input transactions")
        self.carried += len(self._raws) - n
        del self._raws[:n], self._senders[:n], self._u[:n]
        self._clear_payload_state()
        return payload

    def _shrink(self, n: int, size: int, retries: int) -> int:
        """How many transactions to keep after a payload of ``n`` came out at ``size`` > target."""
        if retries >= MAX_SEAL_RETRIES or n == 1:
            return max(1, n // 2)
        an, aU, aB = self._anchor
        r = aB / max(aU, 1)
        over = size - self.target
        drop = 0
        saved = 0.0
        while drop < n - 1 and saved < 1.5 * over + ANCHOR_SLACK:
            drop += 1
            saved += _SIG + r * self._u[n - drop]
        return n - drop

    def _learn(self, n: int, payload: bytes, streams: tuple) -> None:
        U = sum(self._u[:n])
        if U > 0:
            self._ratio = (len(payload) - _SIG * n) / U
            self._learn_k(n, payload, streams)

    def _learn_k(self, n: int, payload: bytes, streams: tuple) -> None:
        if not self._real_is_cheap:
            self.probes += 1
            probe = len(v1.compress_body(v1.METHOD_ZSTD, PROBE_LEVEL, v1.pack_columns(streams)))
            self._k = (len(payload) - _SIG * n) / max(probe, 1)


def iter_payloads(raws: Iterable, *, senders: Iterable | None = None, target_blobs: int | None = None,
                  target_bytes: int | None = None, level: str | int = "default", verify: bool = True,
                  stream: bool = False, version: int = 2, keyframe_every: int = 1,
                  progress: Callable[[int], object] | None = None) -> Iterator[bytes]:
    """Yield consecutive payloads of ``raws`` as they are sealed (the last one holds what is left).

    ``raws`` and ``senders`` (one 20-byte address per transaction, or None) may be any iterables, generators
    included: memory holds one payload's transactions, whatever the length of the input. ``stream``: cut for
    a blob stream; ``version``, ``keyframe_every``: see :class:`BatchBuilder`. Decoding the payloads in turn
    (with one :class:`batchkit.StreamDecoder` when they have history) and concatenating gives back ``raws``.
    Raises InputError if ``senders`` ends before ``raws`` or after. ``progress``: called with the number of
    transactions each sealed payload carries.
    """
    builder = BatchBuilder(target_blobs, target_bytes, level=level, verify=verify, stream=stream, version=version,
                           keyframe_every=keyframe_every)
    pairs: Iterable = ((raw, None) for raw in raws) if senders is None else zip(raws, senders, strict=True)
    def seal() -> bytes:
        pending = len(builder)
        payload = builder.seal()
        if progress is not None:
            progress(pending - len(builder))
        return payload

    try:
        for raw, sender in pairs:
            while not builder.add(raw, sender):
                yield seal()
    except ValueError as exc:
        if isinstance(exc, InputError) or "zip()" not in str(exc):
            raise
        raise InputError("raws and senders have different lengths") from None
    while len(builder):
        yield seal()


def build_payloads(raws: Iterable, *, senders: Sequence | None = None, target_blobs: int | None = None,
                   target_bytes: int | None = None, level: str | int = "default",
                   verify: bool = True, stream: bool = False, version: int = 2,
                   keyframe_every: int = 1, progress: Callable[[int], object] | None = None) -> list[bytes]:
    """Every payload of :func:`iter_payloads`, as a list (``senders``: one per transaction, or None)."""
    raws = list(raws)
    if senders is not None and len(senders) != len(raws):
        raise InputError(f"{len(senders)} senders for {len(raws)} transactions")
    return list(iter_payloads(raws, senders=senders, target_blobs=target_blobs, target_bytes=target_bytes,
                              level=level, verify=verify, stream=stream, version=version,
                              keyframe_every=keyframe_every, progress=progress))
