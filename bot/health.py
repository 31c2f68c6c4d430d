"""GET /healthz: is the app up and can it reach its database."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from models.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    ok = db.ping()
    body = {
        "status": "ok" if ok else "degraded",
        "database": {"ok": ok, "dialect": db.dialect},
        "sandbox": current_app.config["SANDBOX"],
    }
    return jsonify(body), 200 if ok else 503
