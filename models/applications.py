"""Application records: who applied at a support event, as staff wrote it down.

Every personal field is encrypted (``EncryptedText``). Three keyed hashes make
matching possible without decrypting rows: the application id (23 digits),
the name in katakana, and the contact phone (E.164). A My Number is kept
only when unavoidable; it is never shown whole: ``masked()`` everywhere, and
a reveal goes through an audited API endpoint.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import crypto
from models.base import Base, EncryptedText, UTCDateTime, utcnow
from models.phone_numbers import e164
from personal_numbers.redact import is_my_number

if TYPE_CHECKING:
    from models.events import SupportEvent

APPLICATION_ID_DIGITS = 23
MAX_CONSULTATIONS = 100
MAX_NAME = 100


class RecordError(ValueError):
    """A field that cannot be stored; ``code`` names the rule, ``field`` the field."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(f"{field}: {code}")
        self.code, self.field = code, field


class ApplicationRecord(Base):
    __tablename__ = "application_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("support_events.id"), index=True)
    # The LINE or phone resident, when we know who they are on a channel.
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(EncryptedText)
    name_kana: Mapped[str | None] = mapped_column(EncryptedText)
    name_key: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText)  # E.164
    phone_key: Mapped[str | None] = mapped_column(String(64), index=True)
    application_id: Mapped[str | None] = mapped_column(EncryptedText)
    application_key: Mapped[str | None] = mapped_column(String(64), index=True)
    my_number: Mapped[str | None] = mapped_column(EncryptedText)  # only when unavoidable
    consultations: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # -- setters that keep the lookup hashes in step ------------------------------

    def set_name_kana(self, raw: str | None) -> None:
        kana = normalize_kana(raw) if raw else None
        if raw and not kana:
            raise RecordError("not_katakana", "name_kana")
        self.name_kana = kana
        self.name_key = crypto.lookup_hash(kana) if kana else None

    def set_contact_phone(self, raw: str | None) -> None:
        phone = e164(raw) if raw else None
        if raw and phone is None:
            raise RecordError("bad_phone", "contact_phone")
        self.contact_phone = phone
        self.phone_key = crypto.lookup_hash(phone) if phone else None

    def set_application_id(self, raw: str | None) -> None:
        digits = _digits(raw)
        if raw and len(digits) != APPLICATION_ID_DIGITS:
            raise RecordError("bad_application_id", "application_id")
        self.application_id = digits or None
        self.application_key = crypto.lookup_hash(digits) if digits else None

    def set_name(self, raw: str | None) -> None:
        name = (raw or "").strip()
        if not name:
            raise RecordError("missing_field", "name")
        if len(name) > MAX_NAME:
            raise RecordError("bad_value", "name")
        self.name = name

    def set_consultations(self, n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_CONSULTATIONS:
            raise RecordError("bad_value", "consultations")
        self.consultations = n

    def set_my_number(self, raw: str | None) -> None:
        digits = _digits(raw)
        if raw and not is_my_number(digits):
            raise RecordError("bad_my_number", "my_number")
        self.my_number = digits or None

    # -- what may be shown -------------------------------------------------------

    def masked_application_id(self) -> str | None:
        return masked(self.application_id)

    def masked_my_number(self) -> str | None:
        return masked(self.my_number)


# The text fields a record is made from (API body, console form), in form order.
RECORD_TEXT_FIELDS = ("name", "name_kana", "contact_phone", "application_id", "my_number")


def masked(value: str | None) -> str | None:
    """``****-****-1234``: the last four digits only, whatever the length."""
    if not value:
        return None
    return "****-****-" + value[-4:]


def _digits(raw: str | None) -> str:
    folded = unicodedata.normalize("NFKC", raw or "")
    return "".join(c for c in folded if c.isdigit())


# Separators people put inside a name: KATAKANA MIDDLE DOT, IDEOGRAPHIC SPACE, space.
_SEPARATORS = str.maketrans("", "", chr(0x30FB) + chr(0x3000) + " ")
HIRAGANA = (0x3041, 0x3096)  # small A .. small KE
KATAKANA = (0x30A1, 0x30FC)  # small A .. PROLONGED SOUND MARK
HIRAGANA_TO_KATAKANA = 0x60  # the two blocks are parallel


def normalize_kana(raw: str | None) -> str | None:
    """Hiragana or katakana name → katakana without spaces; None if other script."""
    text = unicodedata.normalize("NFKC", raw or "").translate(_SEPARATORS)
    out = []
    for ch in text:
        code = ord(ch)
        if HIRAGANA[0] <= code <= HIRAGANA[1]:
            ch = chr(code + HIRAGANA_TO_KATAKANA)
        if not (KATAKANA[0] <= ord(ch) <= KATAKANA[1]):
            return None
        out.append(ch)
    return "".join(out) or None


def record_errors(
    *,
    name: str | None,
    name_kana: str | None = None,
    contact_phone: str | None = None,
    application_id: str | None = None,
    my_number: str | None = None,
    consultations: int = 1,
    resident_id: int | None = None,
) -> list[RecordError]:
    """Every rule a new record's fields break (empty: it may be stored).

    A form shows them all at once; ``create_record`` stores without asking.
    A record needs a contact phone or a linked resident: someone to reach.
    """
    probe = ApplicationRecord()
    checks = (
        (probe.set_name, name), (probe.set_name_kana, name_kana),
        (probe.set_contact_phone, contact_phone), (probe.set_application_id, application_id),
        (probe.set_my_number, my_number), (probe.set_consultations, consultations),
    )  # fmt: skip
    errors = []
    for setter, value in checks:
        try:
            setter(value)
        except RecordError as err:
            errors.append(err)
    if not contact_phone and resident_id is None:
        errors.append(RecordError("missing_field", "contact_phone"))
    return errors


# -- data access -------------------------------------------------------------------------


def create_record(
    session: Session,
    *,
    event_id: int,
    name: str,
    created_by: str,
    name_kana: str | None = None,
    contact_phone: str | None = None,
    application_id: str | None = None,
    my_number: str | None = None,
    consultations: int = 1,
    resident_id: int | None = None,
) -> ApplicationRecord:
    record = ApplicationRecord(event_id=event_id, created_by=created_by, resident_id=resident_id)
    record.set_name(name)
    record.set_consultations(consultations)
    record.set_name_kana(name_kana)
    record.set_contact_phone(contact_phone)
    record.set_application_id(application_id)
    record.set_my_number(my_number)
    session.add(record)
    session.flush()
    return record


def records_of_resident(session: Session, resident) -> list[ApplicationRecord]:
    """Records linked to the resident, or whose contact phone is theirs; newest first."""
    conditions = [ApplicationRecord.resident_id == resident.id]
    if resident.phone and resident.phone.startswith("+"):
        keys = crypto.lookup_hashes(resident.phone)
        conditions.append(ApplicationRecord.phone_key.in_(keys))
    return list(
        session.scalars(
            select(ApplicationRecord).where(or_(*conditions)).order_by(ApplicationRecord.id.desc())
        )
    )


def records_by_name(
    session: Session, name_kana: str, event_id: int | None = None
) -> list[ApplicationRecord]:
    kana = normalize_kana(name_kana)
    if not kana:
        return []
    query = select(ApplicationRecord).where(
        ApplicationRecord.name_key.in_(crypto.lookup_hashes(kana))
    )
    if event_id is not None:
        query = query.where(ApplicationRecord.event_id == event_id)
    return list(session.scalars(query.order_by(ApplicationRecord.id.desc())))


def find_by_application_id(session: Session, raw: str) -> ApplicationRecord | None:
    digits = _digits(raw)
    if len(digits) != APPLICATION_ID_DIGITS:
        return None
    return session.scalars(
        select(ApplicationRecord).where(
            ApplicationRecord.application_key.in_(crypto.lookup_hashes(digits))
        )
    ).first()


def events_with_records(session: Session, since: datetime, until: datetime) -> list[int]:
    """Support events (ids, newest first) in the window that have application records."""
    from models.events import CANCELLED, SupportEvent

    return list(
        session.scalars(
            select(SupportEvent.id)
            .where(
                SupportEvent.id.in_(select(ApplicationRecord.event_id)),
                SupportEvent.starts_at >= since,
                SupportEvent.starts_at <= until,
                SupportEvent.status != CANCELLED,
            )
            .order_by(SupportEvent.starts_at.desc())
        )
    )


def records_of_event(session: Session, event_id: int) -> list[ApplicationRecord]:
    return list(
        session.scalars(
            select(ApplicationRecord)
            .where(ApplicationRecord.event_id == event_id)
            .order_by(ApplicationRecord.id)
        )
    )


def record_counts(session: Session, event_ids: list[int]) -> dict[int, int]:
    """How many records each of these events has (events without any: absent)."""
    if not event_ids:
        return {}
    rows = session.execute(
        select(ApplicationRecord.event_id, func.count(ApplicationRecord.id))
        .where(ApplicationRecord.event_id.in_(event_ids))
        .group_by(ApplicationRecord.event_id)
    )
    return {event_id: n for event_id, n in rows}


def events_by_id(session: Session, event_ids: set[int] | list[int]) -> dict[int, SupportEvent]:
    """The support events of some records, by id (for lists that show where they applied)."""
    from models.events import SupportEvent

    if not event_ids:
        return {}
    rows = session.scalars(select(SupportEvent).where(SupportEvent.id.in_(set(event_ids))))
    return {e.id: e for e in rows}
