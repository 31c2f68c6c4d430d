"""The staff API from tests: an app with a token configured and a client that sends it."""

from __future__ import annotations

from typing import Any

from tests.conftest import build_app

TOKEN = "test-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def api_app(database_url: str, tokens: str = f"{TOKEN}, other-token"):
    app = build_app(database_url)
    app.config["STAFF_API_TOKENS"] = tokens
    return app


class Api:
    """``/api/v1`` calls with the token; ``raw`` is the bare test client."""

    def __init__(self, app) -> None:
        self.raw = app.test_client()

    def get(self, path: str, **kw: Any):
        return self.raw.get("/api/v1" + path, headers=AUTH, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):
        return self.raw.post("/api/v1" + path, json=json, headers=AUTH, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any):
        return self.raw.patch("/api/v1" + path, json=json, headers=AUTH, **kw)

    def delete(self, path: str):
        return self.raw.delete("/api/v1" + path, headers=AUTH)


def ok(resp, status: int = 200):
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()

