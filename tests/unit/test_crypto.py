"""Encrypted columns, keyed lookup hashes and key rotation."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from models import crypto
from models.crypto import KeyError_, Keyring


@pytest.fixture
def keys():
    old, new = Keyring.generate(), Keyring.generate()
    yield old, new
    crypto.install_keyring(Keyring.from_setting(Keyring.generate()))


def test_bad_keys_are_refused_with_a_clear_error():
    with pytest.raises(KeyError_, match="Fernet"):
        Keyring.from_setting("not-a-key")
    with pytest.raises(KeyError_):
        Keyring.from_setting(" , ")


def test_personal_fields_are_not_stored_in_clear(app, keys):
    from models.db import db
    from models.residents import Resident, get_or_create_resident

    with db.unit_of_work() as s:
        r = get_or_create_resident(s, "phone", "+819012345678")
        r.display_name = "山田 花子"
        s.commit()
    with db.engine.connect() as conn:
        raw = conn.execute(text("SELECT phone, display_name, phone_key FROM residents")).one()
    assert "9012345678" not in raw[0] and "山田" not in raw[1]
    assert "9012345678" not in raw[2]
    with db.unit_of_work() as s:
        assert s.get(Resident, r.id).display_name == "山田 花子"


def test_rotation_reencrypts_and_lookups_survive(app, keys):
    from models.db import db
    from models.residents import find_resident, get_or_create_resident
    from models.rotation import rotate_all

    old, new = keys
    crypto.install_keyring(Keyring.from_setting(old))
    with db.unit_of_work() as s:
        get_or_create_resident(s, "line", "U" + "a" * 32)
        s.commit()
    # Prepend the new key: old data still reads and is still found.
    crypto.install_keyring(Keyring.from_setting(f"{new},{old}"))
    with db.unit_of_work() as s:
        assert find_resident(s, "line", "U" + "a" * 32) is not None
        assert rotate_all(s) >= 1
        s.commit()
    # Drop the old key: everything still reads and is found.
    crypto.install_keyring(Keyring.from_setting(new))
    with db.unit_of_work() as s:
        found = find_resident(s, "line", "U" + "a" * 32)
        assert found is not None and found.line_user_id == "U" + "a" * 32


def test_values_are_aes_gcm_tokens_and_old_fernet_tokens_still_read(keys):
    old, new = keys
    crypto.install_keyring(Keyring.from_setting(old))
    token = crypto.encrypt("下関 花子")
    assert token.startswith(crypto.GCM_PREFIX) and "下関" not in token
    assert crypto.encrypt("下関 花子") != token  # a fresh nonce every time
    legacy = Fernet(old.encode()).encrypt("山田 太郎".encode()).decode()  # written before v2
    crypto.install_keyring(Keyring.from_setting(f"{new},{old}"))
    assert crypto.decrypt(token) == "下関 花子"
    assert crypto.decrypt(legacy) == "山田 太郎"
    rotated = crypto.reencrypt(legacy)
    assert rotated.startswith(crypto.GCM_PREFIX)
    crypto.install_keyring(Keyring.from_setting(new))
    assert crypto.decrypt(rotated) == "山田 太郎"
    with pytest.raises(KeyError_):
        crypto.decrypt(token)  # its key was dropped


def test_a_tampered_or_truncated_token_is_refused(keys):
    crypto.install_keyring(Keyring.from_setting(keys[0]))
    token = crypto.encrypt("0120-95-0178")
    data = bytearray(base64.urlsafe_b64decode(token[len(crypto.GCM_PREFIX) :]))
    data[20] ^= 0x01  # one bit of the ciphertext
    flipped = crypto.GCM_PREFIX + base64.urlsafe_b64encode(bytes(data)).decode()
    for bad in (flipped, token[:12], crypto.GCM_PREFIX + "!!", "v2:"):
        with pytest.raises(KeyError_):
            crypto.decrypt(bad)
