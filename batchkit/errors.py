"""The exception tree. Every error batchkit raises derives from :class:`BatchkitError`.

``DecodeError`` (and its subclasses) is the only exception a decoder lets out, whatever the input bytes.
Errors about bad *input* (malformed transactions, unknown fields) also derive from ``ValueError``.
"""

from __future__ import annotations


class BatchkitError(Exception):
    """Root of every batchkit error."""


class InputError(BatchkitError, ValueError):
    """Input that is not a valid signed transaction, an argument out of range, or a file that is not in a
    known input shape.

    ``reason`` is what is wrong; ``index`` the position of the offending transaction when known (the
    message then starts with ``transaction <index>:``). Re-raise with more context from these attributes,
    never by cutting the message apart.
    """

    def __init__(self, reason: str, *, index: int | None = None):
        super().__init__(reason if index is None else f"transaction {index}: {reason}")
        self.reason = reason
        self.index = index


class UnsupportedTransactionError(InputError):
    """A well-formed transaction of a type batchkit does not carry (for example OP deposits, 0x7e)."""

    def __init__(self, tx_type: int, *, index: int | None = None):
        super().__init__(f"unsupported transaction type 0x{tx_type:02x}", index=index)
        self.tx_type = tx_type


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


class BlobStreamError(DecodeError):
    """Blobs that do not form a valid blob stream (:mod:`batchkit.blobstream`). ``blob_index`` is the stream
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
    unchanged; :meth:`~batchkit.blobstream.BlobStreamDecoder.resync` drops the open payload and starts over."""


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
