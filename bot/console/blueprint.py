"""The console blueprint object, shared by the route modules."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")
