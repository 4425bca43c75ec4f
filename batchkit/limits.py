"""Decoder limits: documented constants, checked before anything is allocated.

Every count in a payload is also checked against the bytes left in its stream, so no count can promise
more items than there are bytes; these limits bound what a *valid-looking* payload may ask for.
"""

#: Largest payload (compressed, with header) a decoder accepts.
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
#: Largest total of the decompressed streams of one payload (the zstd output cap).
MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
#: Largest total of rebuilt transaction bytes one payload may decode to.
MAX_OUTPUT_BYTES = 128 * 1024 * 1024
#: Transactions in one payload.
MAX_TXS = 1_000_000
#: Calldata of one transaction.
MAX_CALLDATA_BYTES = 16 * 1024 * 1024
#: Entries of the address table of one payload.
MAX_ADDRESSES = 1_000_000
#: Access-list entries (address + keys) in one payload, and storage keys in one payload.
MAX_ACCESS_LIST_ENTRIES = 1_000_000
MAX_STORAGE_KEYS = 1_000_000
#: EIP-7702 authorizations in one payload.
MAX_AUTHORIZATIONS = 100_000
#: Blob versioned hashes of one type-3 transaction.
MAX_BLOB_HASHES_PER_TX = 64
