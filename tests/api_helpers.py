"""The staff API from tests: an app with tokens and a client that sends one.

``TOKEN`` is a database token with the role personal_data (sees everything);
``ENV_TOKEN`` comes from ``STAFF_API_TOKENS`` (the legacy path: write_schedule).
``token(role)`` makes another.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import build_app

TOKEN = ""  # set by api_app (a fresh database token per app)
ENV_TOKEN = "test-env-token-1"
AUTH: dict[str, str] = {}


def token(role: str, *, name: str | None = None, days: int = 30) -> str:
    from models.api_tokens import create_token
    from models.base import utcnow
    from models.db import db

    with db.unit_of_work() as s:
        value = create_token(s, name or f"test-{role}-{utcnow().timestamp()}", role, days, utcnow())
        s.commit()
    return value


def api_app(database_url: str, tokens: str = f"{ENV_TOKEN}, other-token"):
    global TOKEN
    app = build_app(database_url)
    app.config["STAFF_API_TOKENS"] = tokens
    TOKEN = token("personal_data", name="tests")
    AUTH["Authorization"] = f"Bearer {TOKEN}"
    return app


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


class Api:
    """``/api/v1`` calls with a token (personal_data unless given); ``raw`` is the client."""

    def __init__(self, app, value: str | None = None) -> None:
        self.raw = app.test_client()
        self.headers = bearer(value) if value else AUTH

    def get(self, path: str, **kw: Any):
        return self.raw.get("/api/v1" + path, headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):
        return self.raw.post("/api/v1" + path, json=json, headers=self.headers, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any):
        return self.raw.patch("/api/v1" + path, json=json, headers=self.headers, **kw)

    def delete(self, path: str):
        return self.raw.delete("/api/v1" + path, headers=self.headers)


def ok(resp, status: int = 200):
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()
