"""``flask --app bot sandbox chat`` on a fresh checkout: it migrates, then talks."""

from __future__ import annotations

from tests.conftest import build_app


def test_the_terminal_chat_works_on_a_database_never_migrated(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    try:
        result = app.test_cli_runner().invoke(args=["sandbox", "chat"], input="メニュー\n5\n/quit\n")
    finally:
        app.extensions["event_processor"].shutdown()
    assert result.exit_code == 0, result.output
    assert "ご用件を選んでください。" in result.output
    assert "申請書の不備のお知らせについてですね。" in result.output  # button 5 was pressed
