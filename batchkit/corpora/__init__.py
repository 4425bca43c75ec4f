"""Transaction corpora: a deterministic generator of realistic signed batches, and loaders for the real
corpus kept beside the repository (``../shared/corpora``). Installed as ``batchkit.corpora``."""

from .shared import batches, load_all, load_jsonl, shared_corpora_dir

__all__ = ["GeneratedTx", "generate_batch", "batches", "load_all", "load_jsonl", "shared_corpora_dir"]


def __getattr__(name: str):
    # The generator (eth_abi, pyrlp: about 0.15 s to import) only when asked for: the CLI's start imports
    # this package for ``batches``.
    if name in ("GeneratedTx", "generate_batch"):
        from . import generate
        return getattr(generate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
