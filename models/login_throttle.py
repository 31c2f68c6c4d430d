"""Progressive delays after wrong console passwords: per client address and per account.

Three counters, each a row keyed by what it counts:
- ``pair:<account>:<address>`` — wrong passwords for one account from one
  address; after ``PAIR_FREE`` the next try waits, the wait doubling;
- ``addr:<address>`` — wrong passwords (or unknown logins) from one address
  for any account (password spraying); after ``ADDR_FREE``;
- ``account:<account>`` — wrong passwords for one account from anywhere
  (a distributed attack); after ``ACCOUNT_FREE``, much higher, so that one
  attacker who knows a login cannot keep its owner out.
A wait starts at ``FIRST_DELAY`` and doubles with each further failure, up to
``MAX_DELAY``: never an indefinite lockout. Failures older than ``FORGET``
are forgotten; a right password clears the pair and the account counters;
a manager clears any of them (console: ログインの制限, or
``flask --app bot staff unlock``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime

PAIR_FREE, ADDR_FREE, ACCOUNT_FREE = 5, 20, 50
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
FORGET = timedelta(hours=1)


class LoginThrottle(Base):
    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


def keys(address: str, account_id: int | None) -> dict[str, int]:
    """The counters a login attempt touches, with how many failures each allows."""
    found = {f"addr:{address[:80]}": ADDR_FREE}
    if account_id is not None:
        found[f"pair:{account_id}:{address[:80]}"] = PAIR_FREE
        found[f"account:{account_id}"] = ACCOUNT_FREE
    return found


def delay(failures: int, free: int) -> timedelta | None:
    """How long to wait after ``failures`` in a row, when more than ``free`` are allowed."""
    if failures < free:
        return None
    return min(MAX_DELAY, FIRST_DELAY * (2 ** min(failures - free, 10)))


def blocked_until(session: Session, address: str, account_id: int | None,
                  now: datetime) -> datetime | None:  # fmt: skip
    """The latest time any counter of this attempt blocks until, if it is in the future."""
    rows = session.scalars(select(LoginThrottle).where(
        LoginThrottle.key.in_(keys(address, account_id)))).all()  # fmt: skip
    until = [r.blocked_until for r in rows if r.blocked_until and r.blocked_until > now]
    return max(until) if until else None


def record_failure(session: Session, address: str, account_id: int | None, now: datetime) -> None:
    for key, free in keys(address, account_id).items():
        row = session.scalars(
            select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
        ).first()
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        elif row.last_failure_at < now - FORGET and not (row.blocked_until or now) > now:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = delay(row.failures, free)
        row.blocked_until = now + wait if wait else None
    session.flush()


def record_success(session: Session, address: str, account_id: int) -> None:
    """A right password: the pair and the account start again (the address does not)."""
    clear(session, f"pair:{account_id}:{address[:80]}", f"account:{account_id}")


def clear(session: Session, *keys_: str) -> int:
    result = session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys_)))
    return result.rowcount or 0


def clear_account(session: Session, account_id: int) -> int:
    """A manager's reset: every counter naming this account."""
    result = session.execute(delete(LoginThrottle).where(
        (LoginThrottle.key == f"account:{account_id}")
        | LoginThrottle.key.like(f"pair:{account_id}:%")))  # fmt: skip
    return result.rowcount or 0


def active(session: Session, now: datetime) -> list[LoginThrottle]:
    """Counters that block now, or have failures within FORGET (for the managers' page)."""
    return list(session.scalars(select(LoginThrottle).where(
        LoginThrottle.last_failure_at >= now - FORGET).order_by(LoginThrottle.key)))  # fmt: skip
