"""Declares the compiled core; everything else is in pyproject.toml.

BATCHKIT_BOUNDSCHECK=1 builds the core with Cython's bounds and wraparound checks on (for fuzzing).
"""
import os

from Cython.Build import cythonize
from setuptools import Extension, setup

checked = os.environ.get("BATCHKIT_BOUNDSCHECK") == "1"
extensions = [Extension("batchkit.format._core", ["batchkit/format/_core.pyx"], extra_compile_args=["-O3"])]
setup(
    ext_modules=cythonize(
        extensions,
        language_level=3,
        compiler_directives={
            "boundscheck": checked,
            "wraparound": checked,
            "initializedcheck": checked,
            "cdivision": True,
            "embedsignature": True,
        },
    ),
)
