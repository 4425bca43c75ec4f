"""The poster's signing key: from an environment variable or an encrypted keystore file (password from an
environment variable or a file), never from the command line.

The key stays inside a :class:`Signer`; its ``repr`` shows the address only, and no error raised here
quotes the key, the password or the file's contents (an :class:`~batchkit.errors.InputError` names the
variable or the file, and what is wrong).
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import InputError
from ..limits import MAX_KEYSTORE_BYTES

__all__ = ["Signer", "signer_from_env", "signer_from_keystore", "MAX_KEYSTORE_BYTES"]


def _account_class():
    """eth-account's ``Account``, imported without keeping the recursion limit its import raises (py_ecc sets
    it to 100,000 for the whole process; then deeply nested input overflows the C stack instead of raising
    RecursionError). Signing does not need it."""
    import sys

    limit = sys.getrecursionlimit()
    try:
        from eth_account import Account
    finally:
        sys.setrecursionlimit(limit)
    return Account


class Signer:
    """Signs transactions with one secp256k1 key (eth-account). Safe to use from several threads."""

    __slots__ = ("_account", "address")

    def __init__(self, key: bytes):
        try:
            self._account = _account_class().from_key(key)
        except Exception:  # eth-keys raises ValidationError / ValueError; neither message is shown
            raise InputError("the key is not a valid secp256k1 private key") from None
        #: The checksummed address (str).
        self.address: str = self._account.address

    def __repr__(self) -> str:
        return f"Signer({self.address})"

    def __reduce__(self):
        raise TypeError("a Signer is not pickled (it holds a private key)")

    def sign(self, tx: dict[str, Any]) -> bytes:
        """The signed canonical transaction (EIP-2718 bytes) for the fields ``tx`` (eth-account names)."""
        try:
            signed = self._account.sign_transaction(tx)
        except Exception as exc:  # eth-account's messages quote the fields, never the key
            raise InputError(f"the transaction could not be signed ({type(exc).__name__}: {exc})") from None
        return bytes(signed.raw_transaction)


def _key_bytes(text: str, where: str) -> bytes:
    text = text.strip()
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    if len(text) != 64:
        raise InputError(f"{where} does not hold a private key (64 hex digits, 0x optional)")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InputError(f"{where} does not hold a private key (64 hex digits, 0x optional)") from None


def signer_from_env(var: str) -> Signer:
    """The key in the environment variable ``var`` (64 hex digits, ``0x`` optional)."""
    if not isinstance(var, str) or not var:
        raise InputError("name the environment variable that holds the key")
    text = os.environ.get(var)
    if text is None:
        raise InputError(f"the environment variable {var} is not set (it should hold the private key)")
    try:
        return Signer(_key_bytes(text, f"the environment variable {var}"))
    except InputError as exc:
        raise InputError(f"the environment variable {var}: {exc.reason}" if "environment" not in exc.reason
                         else exc.reason) from None


def _password(password_env: str | None, password_file: str | os.PathLike | None) -> str:
    if (password_env is None) == (password_file is None):
        raise InputError("a keystore needs its password from exactly one of an environment variable or a file")
    if password_env is not None:
        value = os.environ.get(password_env)
        if value is None:
            raise InputError(f"the environment variable {password_env} is not set (it should hold the "
                             "keystore's password)")
        return value
    data = _read_small(password_file, "the password file", "a password")
    try:
        return data.decode().rstrip("\r\n")
    except UnicodeDecodeError:
        raise InputError(f"the password file {os.fspath(password_file)} is not UTF-8 text") from None


def _read_small(path: str | os.PathLike, what: str, larger_than: str) -> bytes:
    """The bytes of ``path`` (at most MAX_KEYSTORE_BYTES; InputError naming ``what`` otherwise)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_KEYSTORE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {what} {os.fspath(path)}: {exc.strerror}") from None
    if len(data) > MAX_KEYSTORE_BYTES:
        raise InputError(f"{what} {os.fspath(path)} is larger than {larger_than}")
    return data


def signer_from_keystore(path: str | os.PathLike, *, password_env: str | None = None,
                         password_file: str | os.PathLike | None = None) -> Signer:
    """The key of an encrypted keystore file (Web3 secret storage, as geth and ``cast wallet`` write it),
    decrypted with the password from the environment variable ``password_env`` or the file
    ``password_file`` (its trailing newline dropped)."""
    import json

    shown = os.fspath(path)
    data = _read_small(path, "the keystore", f"{MAX_KEYSTORE_BYTES} bytes: not a keystore")
    try:
        keystore = json.loads(data)
    except (ValueError, RecursionError):
        raise InputError(f"the keystore {shown} is not JSON") from None
    if not isinstance(keystore, dict) or not isinstance(keystore.get("crypto", keystore.get("Crypto")), dict):
        raise InputError(f"the keystore {shown} is not a Web3 secret storage file (no 'crypto' object)")
    password = _password(password_env, password_file)
    try:
        key = bytes(_account_class().decrypt(keystore, password))
    except ValueError as exc:
        reason = "wrong password" if "MAC" in str(exc) else "it cannot be decrypted"
        raise InputError(f"the keystore {shown}: {reason}") from None
    except Exception:
        raise InputError(f"the keystore {shown} cannot be decrypted (malformed)") from None
    return Signer(key)
