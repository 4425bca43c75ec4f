"""Transaction corpora: a deterministic generator of realistic signed batches, and loaders for the real
corpus kept beside the repository (``../shared/corpora``). Installed as ``batchkit.corpora``."""

from .generate import GeneratedTx, generate_batch
from .shared import batches, load_all, load_jsonl, shared_corpora_dir

__all__ = ["GeneratedTx", "generate_batch", "batches", "load_all", "load_jsonl", "shared_corpora_dir"]
