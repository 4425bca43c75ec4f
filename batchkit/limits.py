"""Every limit batchkit enforces: documented constants, checked before anything is allocated.

Every count in a payload is also checked against the bytes left in its stream, so no count can promise
more items than there are bytes; these limits bound what a *valid-looking* input may ask for.
"""

# --- the v1 decoder (format/) ------------------------------------------------------------------------

#: Largest payload (compressed, with header) the decoder accepts, and the most the CLI reads as one.
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

# --- posting (l1/blob.py, l1/calldata.py) -----------------------------------------------------------------

#: Most blobs one payload may span.
MAX_BLOBS = 64
#: Largest payload blobs carry: 64 blobs of 130,048 usable bytes, less the 4-byte blob header
#: (8,323,068 bytes; ``blob.py`` checks the figure against its geometry).
MAX_BLOB_PAYLOAD_BYTES = MAX_BLOBS * 130_048 - 4
#: Largest blob manifest ``read_blob_dir`` reads (a 64-blob manifest with proofs is about 25 KB).
MAX_MANIFEST_BYTES = 1 << 20
#: Most calldata frames one payload may span (a frame's index and count are u8).
MAX_FRAMES = 64
#: Largest payload calldata frames carry: 64 frames of 418,902 payload bytes (26,809,728 bytes;
#: ``calldata.py`` derives the frame size from the gas rules and checks the figure).
MAX_CALLDATA_PAYLOAD_BYTES = MAX_FRAMES * 418_902

# --- the blob stream (l1/blobstream.py) ------------------------------------------------------------------

#: Largest payload a blob stream carries: the largest the payload decoder accepts (at most 130 blobs).
MAX_STREAM_PAYLOAD_BYTES = MAX_PAYLOAD_BYTES
#: Largest blob index and payload index of a stream (u32): 2^32 - 1 blobs are 800 years of 6 every 12 s.
MAX_STREAM_INDEX = 2**32 - 1
#: Most blobs in one L1 blob transaction (EIP-7594): the largest ``blobs_per_tx`` a stream directory takes.
MAX_BLOBS_PER_TX = 6
#: Most blobs in one stream directory (8.5 GB of blobs; a 1 GB JSONL input makes about 1,800).
MAX_STREAM_DIR_BLOBS = 65_536
#: Largest stream manifest read (about 600 bytes a blob, so room for MAX_STREAM_DIR_BLOBS).
MAX_STREAM_MANIFEST_BYTES = 64 << 20

# --- input (readers/: files, stdin and a node share these bounds) -----------------------------------------

#: The most bytes read from one transactions file or stdin (1 GiB), and the most transaction bytes read from a
#: node for one range. About 4 million mainnet-sized transactions: far more than any batch, and small enough
#: that a mistaken path (a disk image, /dev/zero) fails fast.
MAX_INPUT_BYTES = 1 << 30
#: Longest line of JSON Lines or hex lines (of a file, stdin or anything read line by line), refused when it
#: passes the bound without reading the rest of it: room for the hex of the largest record.
MAX_LINE_BYTES = 64 << 20
#: Largest transaction (its signed bytes) read from any input: a record's ``raw``, a hex line, a JSON-RPC
#: transaction's ``input``, a cryo row. Its hex is refused by length before it is decoded. Twice
#: MAX_CALLDATA_BYTES: a transaction with the most calldata a payload carries, and room for its access list.
MAX_RECORD_BYTES = 32 << 20
#: Nesting of arrays and objects in JSON read from any input (a file, stdin, a node's answer; a batch of
#: blocks nests 7 deep). Checked before the stdlib's decoder sees the text: it recurses once per level, and
#: where the recursion limit has been raised (py_ecc, which eth-account imports, sets it to 100,000) deep
#: nesting overflows the C stack.
MAX_JSON_DEPTH = 32

#: The most files a directory of partitions may hold (``batchkit compress DIR``, ``bench DIR``): each is one
#: unit of work, so a directory beyond this is more likely a mistake than a corpus.
MAX_PARTITIONS = 100_000

# --- v2 streams (format/v2.py) --------------------------------------------------------------------------

#: Payloads in one segment (a keyframe and the payloads after it): ``seq`` must be below this.
MAX_SEGMENT_PAYLOADS = 1024
#: Compressed body bytes of one segment a decoder keeps (to rebuild its state after a rejected payload).
MAX_SEGMENT_BYTES = 64 * 1024 * 1024
#: The zstd window of each of a v2 segment's two section frames (v2.WINDOW_LOG = 23): the history a payload's
#: matches may reach back over, and what a stream decoder holds per section. Measured on the long stream of
#: every shared corpus concatenated (18.2 MB of raw transactions, 350 KB batches; ``benches/window.py``):
#: 2^24 to 2^27 save 0.03% at level 7 and 0.17% at level 19 (0.08% with long-distance matching), so the
#: window stays 8 MiB. A stream decoder's state is therefore bounded by 2 x MAX_WINDOW_BYTES of windows (plus
#: libzstd's two 128 KiB block buffers), the prior's dictionaries (4.3 MiB for the shipped one), and the
#: segment's compressed bodies (at most MAX_SEGMENT_BYTES): about 85 MiB at worst, 8 MiB for a segment of
#: one blob payload.
MAX_WINDOW_BYTES = 1 << 23

# --- reading from a node (readers/node.py) ------------------------------------------------------------

#: Blocks asked for in one HTTP request (one JSON-RPC batch). Nodes cap batches too (geth: 1,000 calls and
#: 25 MB of answer), and a full mainnet block is up to a few MB of JSON.
MAX_BLOCKS_PER_REQUEST = 100
#: HTTP requests to one node in flight at once.
MAX_CONCURRENCY = 16
#: Largest HTTP answer read (64 MiB): refused unread when its Content-Length says more, else cut as soon as
#: it passes the limit.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: Blocks in one range. The transactions read from a node count against MAX_INPUT_BYTES, as a file's do.
MAX_RANGE_BLOCKS = 1_000_000

assert MAX_LINE_BYTES >= 2 * MAX_RECORD_BYTES and MAX_RECORD_BYTES >= 2 * MAX_CALLDATA_BYTES

#: Largest keystore file (Web3 secret storage JSON, a few hundred bytes) or password file the poster reads
#: (batchkit/l1/keys.py).
MAX_KEYSTORE_BYTES = 1 << 16

# --- deriving from L1 (l1/beacon.py, l1/derive.py) ----------------------------------------------------

#: Largest beacon answer read (32 MiB): 64 blobs as JSON hex are 16.8 MB, as SSZ 8.4 MB.
MAX_BEACON_RESPONSE_BYTES = 32 * 1024 * 1024
#: Versioned hashes asked of the beacon node in one request (a block holds at most 21 blobs under BPO2).
MAX_BLOBS_PER_BEACON_REQUEST = 64
#: Most L1 blocks a deriver keeps checkpoints for, so the deepest reorg it can undo (mainnet finalises
#: after 64 blocks).
MAX_REORG_DEPTH = 1024
#: Most L1 blocks a deriver reads back from its start block to find the stream's keyframe.
MAX_KEYFRAME_LOOKBACK = 100_000
