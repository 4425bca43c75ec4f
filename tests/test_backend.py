"""The compiled core must be the one in use unless the pure twin is asked for."""

import os

import batchkit.format._backend as backend


def test_compiled_core_is_loaded_unless_pure_python_is_requested():
    if os.environ.get("BATCHKIT_PURE_PYTHON") == "1":
        assert backend.core.__name__ == "batchkit.format._pure"
    else:
        assert backend.COMPILED, "batchkit.format._core did not load: the package was installed without its build"
        assert backend.core.__name__ == "batchkit.format._core"


def test_both_backends_expose_the_same_functions():
    from batchkit.format import _core, _pure
    for name in ("disassemble", "assemble", "put_uvarint", "get_uvarint", "pack_bits", "unpack_bits", "STREAMS"):
        assert hasattr(_core, name) and hasattr(_pure, name), name
    assert _core.STREAMS == _pure.STREAMS
