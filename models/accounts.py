"""Staff console accounts: logins, password hashes and lockout.

An account belongs to exactly one ``Staff`` row; the role, the city's
approval, the confidentiality pledge and whether the person is active are
read from that row, so there is one source of truth for who may do what.
Passwords are hashed with argon2id (argon2-cffi). After ``MAX_FAILURES``
wrong passwords in a row the account is locked for ``LOCKOUT``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.staff import Staff

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

# Reasons authenticate() refuses a login (templates map them to words).
UNKNOWN, LOCKED, BAD_PASSWORD, NO_PLEDGE, INACTIVE = (
    "unknown", "locked", "bad_password", "no_pledge", "inactive",
)  # fmt: skip

_hasher = PasswordHasher()
# Verified against when the login is unknown, so that a wrong login costs as
# much time as a wrong password and logins cannot be probed by timing.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class StaffAccount(Base):
    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), unique=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
        failed_attempts=0,
    )
    session.add(account)
    session.flush()
    return account


def authenticate(session: Session, login: str, password: str, now: datetime) -> StaffAccount | str:
    """The account when the password is right and the person may log in, else a reason.

    Counts failures and locks the account; the caller commits either way.
    """
    account = find_account(session, login, lock=True)
    if account is None:
        _verify(_DUMMY_HASH, password)
        return UNKNOWN
    if account.locked_until is not None and account.locked_until > now:
        return LOCKED
    if not _verify(account.password_hash, password):
        account.failed_attempts = (account.failed_attempts or 0) + 1
        if account.failed_attempts >= MAX_FAILURES:
            account.locked_until = now + LOCKOUT
            account.failed_attempts = 0
            return LOCKED
        return BAD_PASSWORD
    account.failed_attempts, account.locked_until = 0, None
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


def accounts_by_staff(session: Session) -> dict[int, StaffAccount]:
    return {a.staff_id: a for a in session.scalars(select(StaffAccount))}
