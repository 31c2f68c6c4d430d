"""Personal fields in API responses: in full only for a ``personal_data`` token.

Other tokens see them masked as the console does (a phone's last two digits,
a name's first character, an address not at all). Every response that shows
them in full is written to the audit log as a ``reveal`` (``audited``).
"""

from __future__ import annotations

from flask import g

from bot.api import shows_personal as shows_personal
from models.audit import audit
from models.console_queries import mask, mask_name


def phone(value: str | None) -> str | None:
    return value if not value or shows_personal() else mask(value)


def name(value: str | None) -> str | None:
    return value if not value or shows_personal() else mask_name(value)


def hidden(value: str | None) -> str | None:
    """Free text that may identify someone (an address, notes): all or nothing."""
    return value if not value or shows_personal() else "•••"


def audited(session, target: str, detail: str | None = None) -> None:
    """``view`` of masked data, or ``reveal`` when this token sees it in full."""
    action = "reveal" if shows_personal() else "view"
    reason = f"{detail}; " if detail else ""
    audit(session, g.api_actor, action, target, f"{reason}role {g.api_role}")
