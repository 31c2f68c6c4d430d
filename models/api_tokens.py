"""Staff API tokens: a name, a role, an expiry; only a hash of the value is stored.

Roles, each including the one before it:
- ``read_schedule``: read everything the API lists; personal fields masked;
- ``write_schedule``: also create, change and delete; personal fields masked;
- ``personal_data``: also personal fields in full and ``…/reveal``; every
  response that shows them is written to the audit log as a reveal.

The token value is 32 random bytes (``secrets.token_urlsafe``) shown once at
creation; the table keeps its SHA-256 (a random 256-bit value needs no slow
hash: nothing can be guessed from the digest). Tokens from the environment
(``STAFF_API_TOKENS``) still work, as ``write_schedule`` — see docs/api.md.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow

READ_SCHEDULE, WRITE_SCHEDULE, PERSONAL_DATA = "read_schedule", "write_schedule", "personal_data"
ROLES = (READ_SCHEDULE, WRITE_SCHEDULE, PERSONAL_DATA)  # each includes the ones before it
ENV_TOKEN_ROLE = WRITE_SCHEDULE
MAX_DAYS = 366


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def role_allows(role: str, needed: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def create_token(session: Session, name: str, role: str, days: int, now: datetime) -> str:
    """A new token; returns its value (shown once, never stored)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    value = "mdt_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, role=role, token_hash=digest(value), created_at=now,
                         expires_at=now + timedelta(days=days)))  # fmt: skip
    session.flush()
    return value


def find_active(session: Session, value: str, now: datetime) -> ApiToken | None:
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(value))).first()
    return token if token is not None and token.status(now) == "active" else None


def by_name(session: Session, name: str) -> ApiToken | None:
    return session.scalars(select(ApiToken).where(ApiToken.name == name)).first()


def all_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at)))
