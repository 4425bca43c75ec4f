"""Ethereum L1 as the data-availability layer: what a batcher posts and what a rollup node reads back.

- ``blob``: EIP-4844 blob packing, KZG commitments, proofs and versioned hashes.
- ``blobstream``: payloads laid end to end over blobs, every sealed blob full.
- ``calldata``: calldata frames under the EIP-7825 gas cap.
- ``cost``: calldata gas, blob fees and the fork schedule.
- ``sidecar``: blob transactions in their network forms (version 0 blob proofs, version 1 cell proofs).
- ``fees``, ``keys``: fees from the node under caps and replacement bumps; the signing key.
- ``poster``: :class:`~batchkit.l1.poster.Poster`, batches onto L1 that survives restarts and reorgs.
- ``beacon``: blobs from a beacon node (``/eth/v1/beacon/blobs``, by slot, root or block number).
- ``derive``: :class:`~batchkit.l1.derive.Deriver`, the L2 transactions back from L1 as a rollup node reads them.
"""
