"""Settings come from the environment; sandbox mode is explicit."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from models.crypto import Keyring


def test_no_line_credentials_means_sandbox_with_the_stand_in():
    s = load_settings({"DATA_ENCRYPTION_KEY": Keyring.generate(), "PORT": "8123"})
    assert s.sandbox
    assert s.line_api_base_url == "http://127.0.0.1:8123/sandbox/line-api"
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith(".sqlite")


def test_production_needs_an_encryption_key_and_secret_key():
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"}
    with pytest.raises(ConfigError, match="DATA_ENCRYPTION_KEY"):
        load_settings(env)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings({**env, "DATA_ENCRYPTION_KEY": Keyring.generate()})
    s = load_settings({**env, "DATA_ENCRYPTION_KEY": Keyring.generate(), "SECRET_KEY": "x"})
    assert not s.sandbox and s.line_api_base_url == "https://api.line.me"


def test_half_a_credential_pair_is_an_error():
    with pytest.raises(ConfigError, match="both"):
        load_settings({"LINE_CHANNEL_SECRET": "s"})


def test_line_api_base_url_can_point_elsewhere():
    s = load_settings(
        {
            "LINE_CHANNEL_SECRET": "s",
            "LINE_CHANNEL_ACCESS_TOKEN": "t",
            "DATA_ENCRYPTION_KEY": Keyring.generate(),
            "SECRET_KEY": "x",
            "LINE_API_BASE_URL": "http://stand-in.local:9000/",
        }
    )
    assert s.as_flask_config()["LINE_API_BASE_URL"] == "http://stand-in.local:9000"


def test_sandbox_start_up_says_so(database_url, caplog):
    from tests.conftest import build_app

    with caplog.at_level("WARNING"):
        app = build_app(database_url)
    assert app.config["SANDBOX"]
    assert "SANDBOX MODE" in caplog.text
