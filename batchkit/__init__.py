"""batchkit: batches of signed Ethereum transactions into the smallest L1 payloads (calldata and
EIP-4844 blobs), and back.

>>> import batchkit
>>> payload = batchkit.compress(raw_txs)              # doctest: +SKIP
>>> batchkit.decompress(payload) == raw_txs           # doctest: +SKIP
True
"""

from ._version import __version__
from .api import compress, decompress, verify
from .format.validity import ValidityTx
from .builder import BatchBuilder, build_payloads
from .many import compress_many, decompress_many
from .stream import ParentMismatchError, StreamDecoder, StreamEncoder
from .errors import (BatchkitError, BlockNotFoundError, DecodeError, InputError, JsonRpcError, LimitExceededError,
                     NodeUnreachableError, RpcError, RpcResponseError, UnsupportedTransactionError,
                     UnsupportedVersionError, VerificationError)

__all__ = ["compress", "decompress", "verify", "ValidityTx", "StreamEncoder", "StreamDecoder", "ParentMismatchError",
           "compress_many", "decompress_many", "BatchBuilder", "build_payloads", "BatchkitError", "DecodeError",
           "InputError", "LimitExceededError", "UnsupportedTransactionError", "UnsupportedVersionError",
           "VerificationError", "RpcError", "NodeUnreachableError", "BlockNotFoundError", "JsonRpcError",
           "RpcResponseError"]
