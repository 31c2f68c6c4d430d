"""Staff console accounts: logins, password hashes and lockout.

An account belongs to exactly one ``Staff`` row; the role, the city's
approval, the confidentiality pledge and whether the person is active are
read from that row, so there is one source of truth for who may do what.
Passwords are hashed with argon2id (argon2-cffi). Wrong passwords slow
further tries down progressively, per client address and per account
(``models/login_throttle.py``): never an indefinite lockout.
"""

from __future__ import annotations

import functools
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import login_throttle as throttle
from models.base import Base, UTCDateTime, utcnow
from models.staff import Staff

MAX_FAILURES = throttle.PAIR_FREE  # wrong passwords in a row before the first wait
MIN_PASSWORD_LENGTH = 10

# Reasons authenticate() refuses a login (templates map them to words).
UNKNOWN, LOCKED, BAD_PASSWORD, NO_PLEDGE, INACTIVE = (
    "unknown", "locked", "bad_password", "no_pledge", "inactive",
)  # fmt: skip

_hasher = PasswordHasher()
# Verified against when the login is unknown, so that a wrong login costs as
# much time as a wrong password and logins cannot be probed by timing.
@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password")  # made once, at the first unknown login


class StaffAccount(Base):
    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), unique=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[Staff] = relationship(lazy="joined", innerjoin=True)

    @property
    def role(self) -> str:
        return self.staff.role

    def may_log_in(self) -> str | None:
        """None when the linked staff row allows a session, else the reason."""
        if not self.staff.active:
            return INACTIVE
        if self.staff.pledge_signed_on is None:
            return NO_PLEDGE
        return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalize_login(login: str) -> str:
    return (login or "").strip().lower()


def get_account(session: Session, account_id: int) -> StaffAccount | None:
    return session.get(StaffAccount, account_id)


def find_account(session: Session, login: str, *, lock: bool = False) -> StaffAccount | None:
    query = select(StaffAccount).where(StaffAccount.login == normalize_login(login))
    if lock:
        query = query.with_for_update(of=StaffAccount)
    return session.scalars(query).first()


def create_account(
    session: Session,
    *,
    login: str,
    password: str,
    name: str,
    role: str,
    pledge_signed_on=None,
    approved_by_city: bool = False,
) -> StaffAccount:
    """A new staff member with a console login (the CLI and tests use this)."""
    staff = Staff(
        name=name,
        role=role,
        pledge_signed_on=pledge_signed_on,
        approved_by_city=approved_by_city,
        active=True,
    )
    session.add(staff)
    session.flush()
    account = StaffAccount(
        staff_id=staff.id,
        login=normalize_login(login),
        password_hash=hash_password(password),
    )
    session.add(account)
    session.flush()
    return account


def authenticate(
    session: Session, login: str, password: str, now: datetime, address: str = "local"
) -> StaffAccount | str:
    """The account when the password is right and the person may log in, else a reason.

    ``address`` is the client's; failures are counted per address and per
    account (models/login_throttle.py), and a try while either waits is
    refused unchecked. The caller commits either way.
    """
    account = find_account(session, login, lock=True)
    account_id = account.id if account is not None else None
    if throttle.blocked_until(session, address, account_id, now) is not None:
        return LOCKED
    if account is None or not _verify(account.password_hash, password):
        if account is None:
            _verify(_dummy_hash(), password)  # the same time as a wrong password
        throttle.record_failure(session, address, account_id, now)
        if throttle.blocked_until(session, address, account_id, now) is not None:
            return LOCKED
        return UNKNOWN if account is None else BAD_PASSWORD
    throttle.record_success(session, address, account.id)
    refusal = account.may_log_in()
    if refusal is not None:
        return refusal
    account.last_login_at = now
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return account


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def change_password(account: StaffAccount, current: str, new: str) -> str | None:
    """Set a new password; None, or why not (``bad_password``, ``too_short``, ``same``)."""
    if not _verify(account.password_hash, current):
        return BAD_PASSWORD
    if len(new) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if new == current:
        return "same"
    account.password_hash = hash_password(new)
    return None


def accounts_by_staff(session: Session) -> dict[int, StaffAccount]:
    return {a.staff_id: a for a in session.scalars(select(StaffAccount))}
