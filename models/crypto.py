"""Field-level encryption and keyed lookup hashes for personal data.

Keys come from DATA_ENCRYPTION_KEY: a comma-separated list of Fernet keys,
newest first. New values are encrypted with the first key; every key in the
list can decrypt, so a key is rotated by prepending a new one and running
``flask --app bot keys rotate`` to re-encrypt what is stored.

Stored values are AES-256-GCM tokens, ``v2:`` + url-safe base64 of (key id,
4 bytes | nonce, 12 bytes | ciphertext and tag), the AES key derived from the
configured key (``cryptography``'s AESGCM: one call per value, where Fernet
takes a padder, a cipher context and an HMAC object each time: the webhook's
hot path encrypts several fields per message, issue 16). Values written
earlier as Fernet tokens are still read, and ``keys rotate`` rewrites them.

Lookup hashes (to find a resident by phone number or LINE user id without
decrypting every row) are HMAC-SHA256 with a key derived from each
encryption key; ``lookup_hashes`` returns one per key so that lookups keep
working while a rotation is under way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

GCM_PREFIX = "v2:"


class KeyError_(RuntimeError):
    """Raised when DATA_ENCRYPTION_KEY is missing or malformed."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[bytes, ...]

    @classmethod
    def from_setting(cls, setting: str) -> Keyring:
        parts = tuple(p.strip().encode() for p in setting.split(",") if p.strip())
        if not parts:
            raise KeyError_("DATA_ENCRYPTION_KEY is empty")
        for p in parts:
            try:
                Fernet(p)
            except (ValueError, TypeError) as exc:
                raise KeyError_(
                    "DATA_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes), "
                    "comma-separated, newest first"
                ) from exc
        return cls(parts)

    @staticmethod
    def generate() -> str:
        return Fernet.generate_key().decode()

    # Built once per keyring (a frozen dataclass: cached_property writes __dict__).
    @cached_property
    def fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(k) for k in self.keys])

    @cached_property
    def aead(self) -> tuple[bytes, AESGCM, dict[bytes, AESGCM]]:
        """(primary key id, primary cipher, every cipher by key id)."""
        ciphers = {}
        for key in self.keys:
            raw = base64.urlsafe_b64decode(key)
            key_id = hashlib.sha256(b"myna-desk key id v2|" + raw).digest()[:4]
            ciphers[key_id] = AESGCM(hashlib.sha256(b"myna-desk aes-gcm v2|" + raw).digest())
        primary = next(iter(ciphers))
        return primary, ciphers[primary], ciphers

    def _hmac_key(self, key: bytes) -> bytes:
        return hashlib.sha256(b"myna-desk lookup v1|" + base64.urlsafe_b64decode(key)).digest()

    @cached_property
    def _hmac_keys(self) -> tuple[bytes, ...]:
        return tuple(self._hmac_key(k) for k in self.keys)

    def lookup_hashes(self, value: str) -> list[str]:
        """One keyed hash per key, primary first."""
        data = value.encode()
        return [hmac.new(k, data, hashlib.sha256).hexdigest() for k in self._hmac_keys]

    def lookup_hash(self, value: str) -> str:
        return self.lookup_hashes(value)[0]


_keyring: Keyring | None = None


def install_keyring(keyring: Keyring) -> None:
    """Set the process-wide keyring (called by create_app and the clock)."""
    global _keyring
    _keyring = keyring


def keyring() -> Keyring:
    if _keyring is None:
        raise KeyError_("no encryption keyring installed: create the app first")
    return _keyring


def encrypt(plain: str) -> str:
    key_id, cipher, _ = keyring().aead
    nonce = os.urandom(12)
    sealed = cipher.encrypt(nonce, plain.encode(), None)
    return GCM_PREFIX + base64.urlsafe_b64encode(key_id + nonce + sealed).decode()


def decrypt(token: str) -> str:
    ring = keyring()
    if token.startswith(GCM_PREFIX):
        try:
            data = base64.urlsafe_b64decode(token[len(GCM_PREFIX) :])
            cipher = ring.aead[2].get(data[:4])
            if cipher is None:
                raise InvalidTag
            return cipher.decrypt(data[4:16], data[16:], None).decode()
        except (InvalidTag, ValueError) as exc:
            raise KeyError_("a stored value cannot be decrypted with any configured key") from exc
    try:
        return ring.fernet.decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyError_("a stored value cannot be decrypted with any configured key") from exc


def reencrypt(token: str) -> str:
    """Re-encrypt a stored token under the primary key (an old Fernet token too)."""
    return encrypt(decrypt(token))


def lookup_hash(value: str) -> str:
    return keyring().lookup_hash(value)


def lookup_hashes(value: str) -> list[str]:
    return keyring().lookup_hashes(value)
