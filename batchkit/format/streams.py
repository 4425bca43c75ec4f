"""The v1 stream table: the one place the streams' names, wire order, indices and bodies are defined.

``_pure``, ``_core`` and ``v1`` all import it; FORMAT.md describes each stream.
"""

#: Stream names in wire order.
STREAMS = ("kind", "parity", "sig", "chainx", "group", "nonce", "gas", "fee1", "fee2", "value", "to", "addr",
           "dlen", "data", "al", "keys", "blob", "blobhash", "auth", "authsig")
NSTREAMS = len(STREAMS)
(S_KIND, S_PARITY, S_SIG, S_CHAINX, S_GROUP, S_NONCE, S_GAS, S_FEE1, S_FEE2, S_VALUE, S_TO, S_ADDR, S_DLEN, S_DATA,
 S_AL, S_KEYS, S_BLOB, S_BLOBHASH, S_AUTH, S_AUTHSIG) = range(NSTREAMS)

#: ``sig`` is stored raw after the bodies (r ‖ s are random: incompressible); every other stream is in a body.
SIG_STREAM = S_SIG
BODY_STREAMS = tuple(i for i in range(NSTREAMS) if i != SIG_STREAM)
#: The streams of ``body_b``: bulky byte strings. Compressing them apart from the small numeric streams
#: gives each frame its own entropy tables (-0.7 B/tx at zstd 9 on the real corpora).
BULK_STREAMS = (S_ADDR, S_DATA, S_KEYS, S_BLOBHASH, S_AUTHSIG)
#: The streams of ``body_a``, after the stream lengths.
SMALL_STREAMS = tuple(i for i in BODY_STREAMS if i not in BULK_STREAMS)

#: Kind byte: bits 0-2 the envelope type, bit 3 "chain id differs from the batch's" (the id is in ``chainx``),
#: bit 4 "legacy without EIP-155" (v = 27/28). Other bits are zero.
KIND_TYPE_MASK = 0x07
KIND_CHAIN_EXCEPTION = 0x08
KIND_UNPROTECTED = 0x10
MAX_TYPE = 4

#: Address references (``to``, access-list and authorization addresses) index one table built in order of
#: first occurrence: 0 = contract creation (``to`` only), 1 = a new address (next 20 bytes of ``addr``),
#: k >= 2 = table entry k - 2.
REF_CREATE, REF_NEW, REF_TABLE = 0, 1, 2

#: The validity profile (v2 flag bit 1) carries no signatures: ``parity`` and ``sig`` are empty and not on the
#: wire, and one stream is added after the table above: ``sender``, one address reference per transaction
#: (through the same address table; read before the transaction's ``to``). Kernels take and give
#: ``NSTREAMS_VALIDITY`` streams for this profile, ``NSTREAMS`` for the full one.
S_SENDER = NSTREAMS
STREAMS_VALIDITY = STREAMS + ("sender",)
NSTREAMS_VALIDITY = len(STREAMS_VALIDITY)
#: Streams whose lengths and bytes a validity payload carries: every stream but ``parity`` and ``sig``.
VALIDITY_BODY_STREAMS = tuple(i for i in range(NSTREAMS_VALIDITY) if i not in (S_PARITY, S_SIG))
VALIDITY_SMALL_STREAMS = tuple(i for i in VALIDITY_BODY_STREAMS if i not in BULK_STREAMS)
