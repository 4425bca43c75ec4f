"""The exception tree. Every error batchkit raises derives from :class:`BatchkitError`.

``DecodeError`` (and its subclasses) is the only exception a decoder lets out, whatever the input bytes.
Errors about bad *input* (malformed transactions, unknown fields) also derive from ``ValueError``.
"""

from __future__ import annotations


def _rebuild(cls: type, args: tuple, state: dict) -> "BatchkitError":
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class BatchkitError(Exception):
    """Root of every batchkit error. Errors pickle with their type, message and attributes (they come back
    from worker processes whatever their constructor's signature)."""

    def __reduce__(self):
        return _rebuild, (type(self), self.args, dict(self.__dict__))


class InputError(BatchkitError, ValueError):
    """Input that is not a valid signed transaction, an argument out of range, or a file that is not in a
    known input shape.

    ``reason`` is what is wrong; ``index`` the position of the offending transaction when known, counted
    from 0 as in the list given (the message then starts with ``transaction <index> (0-based):``; a line of
    a file is counted from 1, as editors do). Re-raise with more context from these attributes,
    never by cutting the message apart.
    """

    def __init__(self, reason: str, *, index: int | None = None):
        super().__init__(reason if index is None else f"transaction {index} (0-based): {reason}")
        self.reason = reason
        self.index = index


class UnsupportedTransactionError(InputError):
    """A well-formed transaction of a type batchkit does not carry (for example OP deposits, 0x7e)."""

    def __init__(self, tx_type: int, *, index: int | None = None):
        super().__init__(f"unsupported transaction type 0x{tx_type:02x}", index=index)
        self.tx_type = tx_type


class SenderRecoveryError(InputError):
    """A well-formed transaction whose signature does not recover to a sender (``r`` or ``s`` zero or not
    below the secp256k1 order, no curve point with that ``r``, the point at infinity). ``compress`` does
    not raise it: such a transaction gets a sender group of its own."""


class FileError(BatchkitError, OSError):
    """A file that could not be read or written. The message names the caller's path (never a temporary
    file batchkit writes first): ``cannot read x.bk: No such file or directory``. ``errno``, ``strerror``
    and ``filename`` are those of the ``OSError`` it wraps, ``action`` is ``read`` or ``write``."""

    def __init__(self, action: str, path: str, cause: OSError):
        super().__init__(cause.errno, cause.strerror or str(cause), path)
        self.action = action

    def __str__(self) -> str:
        return f"cannot {self.action} {self.filename}: {self.strerror}"


class DecodeError(BatchkitError, ValueError):
    """Bytes that are not a valid payload. Says where: ``offset`` (byte offset in the layer being read)
    and ``column`` (the stream or field), when known."""

    def __init__(self, message: str, *, offset: int | None = None, column: str | None = None):
        where = []
        if column is not None:
            where.append(f"column {column}")
        if offset is not None:
            where.append(f"offset {offset}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message)
        self.reason = message
        self.offset = offset
        self.column = column


class UnsupportedVersionError(DecodeError):
    """A payload whose magic is right but whose version (or method) this batchkit does not know:
    the data may be fine and batchkit out of date."""


class LimitExceededError(DecodeError):
    """A declared size or count above a documented limit. Carries ``limit`` and ``value``."""

    def __init__(self, what: str, value: int, limit: int, *, offset: int | None = None,
                 column: str | None = None):
        super().__init__(f"{what} {value} exceeds the limit {limit}", offset=offset, column=column)
        self.limit = limit
        self.value = value


class VerificationError(BatchkitError):
    """The encoder's own output did not decode back to the input (a batchkit bug: please report it)."""


class RpcError(BatchkitError):
    """Reading from a node failed. ``reason`` is what went wrong; ``url`` the node's address as shown
    (scheme, host and port: credentials, path and query are left out, they often hold an API key);
    ``block`` the block number concerned, when there is one."""

    def __init__(self, reason: str, *, url: str, block: int | None = None):
        super().__init__(f"{url}: {reason}" if block is None else f"{url}: block {block}: {reason}")
        self.reason = reason
        self.url = url
        self.block = block


class NodeUnreachableError(RpcError):
    """No answer from the node after every attempt: connection refused, host not resolved, time-out.
    ``attempts`` is how many requests were made."""

    def __init__(self, reason: str, *, url: str, attempts: int, block: int | None = None):
        super().__init__(f"{reason} (after {attempts} attempt{'' if attempts == 1 else 's'})", url=url, block=block)
        self.reason = reason
        self.attempts = attempts


class RpcResponseError(RpcError):
    """The node answered, but not with what was asked: an HTTP error status (``status``), a body that is not
    JSON or too large, answers to other ids, another block, a transaction that does not hash to its
    ``hash`` (``index``: its position in the block)."""

    def __init__(self, reason: str, *, url: str, block: int | None = None, status: int | None = None,
                 index: int | None = None):
        super().__init__(reason if index is None else f"transaction {index}: {reason}", url=url, block=block)
        self.reason = reason
        self.status = status
        self.index = index


class JsonRpcError(RpcError):
    """The node answered with a JSON-RPC error object: ``code`` and ``rpc_message`` are its fields,
    ``method`` the method called."""

    def __init__(self, code: object, rpc_message: str, *, url: str, method: str, block: int | None = None):
        super().__init__(f"{method} failed: JSON-RPC error {code}: {rpc_message}", url=url, block=block)
        self.code = code
        self.rpc_message = rpc_message
        self.method = method


class BlockNotFoundError(RpcError):
    """A block the node does not have (beyond its head, or pruned). ``head`` is the node's latest block
    number, when known."""

    def __init__(self, block: int, *, url: str, head: int | None = None):
        detail = "the node does not have it" if head is None else f"the node's latest block is {head}"
        super().__init__(f"not found ({detail})", url=url, block=block)
        self.head = head


class BeaconResponseError(RpcResponseError):
    """A beacon node answered, but not with the blobs asked for: an HTTP error status (``status``; 404 for a
    block or blob it does not have), an answer that is not a list of blobs, too large, or another count of
    blobs than the versioned hashes asked (:mod:`batchkit.l1.beacon`)."""


class ReorgTooDeepError(RpcError):
    """An L1 reorg replaced more blocks than the deriver keeps checkpoints for (``depth``: the blocks it kept).
    Derive again from a block before the reorg (``batchkit derive --blocks``)."""

    def __init__(self, reason: str, *, url: str, depth: int, block: int | None = None):
        super().__init__(reason, url=url, block=block)
        self.depth = depth


class BlobStreamError(DecodeError):
    """Blobs that do not form a valid blob stream (:mod:`batchkit.l1.blobstream`). ``blob_index`` is the stream
    position of the offending blob when known; ``offset`` is a raw byte offset inside that blob."""

    def __init__(self, message: str, *, blob_index: int | None = None, offset: int | None = None,
                 column: str | None = None):
        if blob_index is not None and column is None:
            column = f"stream blob {blob_index}"
        super().__init__(message, offset=offset, column=column)
        self.blob_index = blob_index


class TrailingBytesError(BlobStreamError):
    """Non-zero bytes after the bytes a stream blob declares in use."""


class _PositionError(BlobStreamError):
    def __init__(self, message: str, *, expected: int, got: int, **where):
        super().__init__(message, **where)
        self.expected = expected
        self.got = got


class MissingBlobError(_PositionError):
    """A blob index jumped forward: blobs ``expected`` .. ``got - 1`` were never fed. The decoder's state is
    unchanged; :meth:`~batchkit.l1.blobstream.BlobStreamDecoder.resync` drops the open payload and starts over."""


class BlobOrderError(_PositionError):
    """A blob index went backwards (``got`` < ``expected``): blobs fed out of order."""


class DuplicateBlobError(BlobOrderError):
    """The blob just fed is the previous blob again, byte for byte: ignoring it is safe (the decoder's state is
    unchanged)."""


class PieceBoundaryError(_PositionError):
    """A blob header places the first payload beginning in the blob at body offset ``got`` where the open
    payload ends at ``expected`` (-1: no payload begins): the pieces overlap or some are missing."""


class OrphanPieceError(BlobStreamError):
    """Bytes of a payload whose earlier pieces were never seen (a decoder that must start at a payload
    boundary was given a blob that begins inside one)."""


class IncompletePayloadError(BlobStreamError):
    """The stream ended, or a blob that is not full closed, with a payload unfinished. ``payload_index`` is
    that payload's index in the stream, ``missing`` how many of its bytes are missing (None if unknown)."""

    def __init__(self, message: str, *, payload_index: int, missing: int | None = None, **where):
        super().__init__(message, **where)
        self.payload_index = payload_index
        self.missing = missing


class PostingError(BatchkitError):
    """The poster cannot go on (:mod:`batchkit.l1.poster`): the node is another chain than asked, the
    account cannot pay, or the chain holds a stream the input does not continue. Nothing was sent for
    the step that failed; ``reason`` says what is wrong (never quoting a key)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ChainIdMismatchError(PostingError):
    """The node serves another chain than the one asked for (``expected``, ``got``)."""

    def __init__(self, expected: int, got: int, *, url: str):
        super().__init__(f"{url}: the node serves chain {got}, not chain {expected}")
        self.expected = expected
        self.got = got


class InsufficientFundsError(PostingError):
    """The posting account's balance (``balance`` wei) is below what the next transaction may cost
    (``needed`` wei)."""

    def __init__(self, address: str, balance: int, needed: int):
        super().__init__(f"the account {address} holds {balance} wei, the next transaction may cost up to "
                         f"{needed} wei: fund it (nothing was sent)")
        self.balance = balance
        self.needed = needed


class ChainStateError(PostingError):
    """What the chain already holds from this poster does not fit the input (another input, another
    batching, or a stream whose start lies before the blocks scanned)."""
