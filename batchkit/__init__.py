"""batchkit: batches of signed Ethereum transactions into the smallest L1 payloads (calldata and
EIP-4844 blobs), and back.

>>> import batchkit
>>> payload = batchkit.compress(raw_txs)              # doctest: +SKIP
>>> batchkit.decompress(payload) == raw_txs           # doctest: +SKIP
True
"""

from .api import compress, decompress, verify
from .builder import BatchBuilder, build_payloads
from .errors import (BatchkitError, DecodeError, InputError, LimitExceededError, UnsupportedTransactionError,
                     UnsupportedVersionError, VerificationError)

__version__ = "0.1.0"

__all__ = ["compress", "decompress", "verify", "BatchBuilder", "build_payloads", "BatchkitError", "DecodeError", "InputError",
           "LimitExceededError", "UnsupportedTransactionError", "UnsupportedVersionError", "VerificationError"]
