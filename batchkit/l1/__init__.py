"""Ethereum L1 as the data-availability layer: what a batcher posts and what a rollup node reads back.

- ``blob``: EIP-4844 blob packing, KZG commitments, proofs and versioned hashes.
- ``blobstream``: payloads laid end to end over blobs, every sealed blob full.
- ``calldata``: calldata frames under the EIP-7825 gas cap.
- ``cost``: calldata gas, blob fees and the fork schedule.
"""
