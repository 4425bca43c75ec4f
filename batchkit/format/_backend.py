"""Chooses the column kernels: the compiled ``_core``, or ``_pure`` when ``BATCHKIT_PURE_PYTHON=1``
(or when the compiled module is missing, which ``COMPILED`` then reports and the tests reject)."""

import os

PURE_REQUESTED = os.environ.get("BATCHKIT_PURE_PYTHON", "") == "1"

if PURE_REQUESTED:
    from . import _pure as core
    COMPILED = False
else:
    try:
        from . import _core as core
        COMPILED = True
    except ImportError:  # pragma: no cover - a broken install; tests/test_backend.py fails on it
        from . import _pure as core
        COMPILED = False

__all__ = ["core", "COMPILED", "PURE_REQUESTED"]
