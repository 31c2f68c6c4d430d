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


def test_database_time_limits_for_requests_default_to_one_and_five_seconds():
    key = {"DATA_ENCRYPTION_KEY": Keyring.generate()}
    s = load_settings(key)
    assert (s.db_lock_timeout_ms, s.db_statement_timeout_ms) == (1000, 5000)
    s = load_settings({**key, "DB_LOCK_TIMEOUT_MS": "250", "DB_STATEMENT_TIMEOUT_MS": "0"})
    assert (s.db_lock_timeout_ms, s.db_statement_timeout_ms) == (250, 0)


@pytest.mark.parametrize("value", ["1s", "-1", "1.5", "²"])
def test_a_time_limit_that_is_not_whole_milliseconds_is_an_error(value):
    with pytest.raises(ConfigError, match="DB_LOCK_TIMEOUT_MS"):
        load_settings({"DATA_ENCRYPTION_KEY": Keyring.generate(), "DB_LOCK_TIMEOUT_MS": value})
