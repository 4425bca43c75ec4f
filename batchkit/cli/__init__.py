"""The ``batchkit`` command line (console script ``batchkit = batchkit.cli:main``)."""

from .main import build_parser, main

__all__ = ["main", "build_parser"]
