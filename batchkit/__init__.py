"""batchkit: batches of signed Ethereum transactions into the smallest L1 payloads (calldata and EIP-4844
blobs), and back.

>>> import batchkit
>>> payload = batchkit.compress(raw_txs)              # doctest: +SKIP
>>> batchkit.decompress(payload) == raw_txs           # doctest: +SKIP
True

The names below are imported on first use (PEP 562): ``import batchkit`` alone costs a few milliseconds,
so a process that needs one submodule (the command line decoding a payload, a worker) does not pay for
all of them. ``batchkit.compress`` and ``from batchkit import compress`` work as before; the first access
imports the submodule under the interpreter's import lock, so it is safe from any thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__
from .errors import (BatchkitError, BlockNotFoundError, DecodeError, InputError, JsonRpcError, LimitExceededError,
                     NodeUnreachableError, RpcError, RpcResponseError, UnsupportedTransactionError,
                     UnsupportedVersionError, VerificationError)

if TYPE_CHECKING:
    from .api import compress, decompress, verify
    from .builder import BatchBuilder, build_payloads
    from .format.validity import ValidityTx
    from .many import compress_many, decompress_many
    from .stream import ParentMismatchError, StreamDecoder, StreamEncoder

__all__ = ["compress", "decompress", "verify", "ValidityTx", "StreamEncoder", "StreamDecoder", "ParentMismatchError",
           "compress_many", "decompress_many", "BatchBuilder", "build_payloads", "BatchkitError", "DecodeError",
           "InputError", "LimitExceededError", "UnsupportedTransactionError", "UnsupportedVersionError",
           "VerificationError", "RpcError", "NodeUnreachableError", "BlockNotFoundError", "JsonRpcError",
           "RpcResponseError"]

#: Public name -> the submodule (relative to this package) that defines it, imported on first access.
_LAZY = {
    "compress": ".api", "decompress": ".api", "verify": ".api",
    "ValidityTx": ".format.validity",
    "BatchBuilder": ".builder", "build_payloads": ".builder",
    "compress_many": ".many", "decompress_many": ".many",
    "StreamEncoder": ".stream", "StreamDecoder": ".stream", "ParentMismatchError": ".stream",
}


def __getattr__(name: str):
    import importlib
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # later accesses skip this function; every thread stores the same object
        return value
    # ``batchkit.api``, ``batchkit.format``, ...: the submodules ``import batchkit`` used to import, and others
    if not name.startswith("_"):
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":  # the submodule exists and failed to import: say why
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
