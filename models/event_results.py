"""What happened at a support event, recorded once by staff (issue 12, docs/reports.md).

One ``EventResult`` per event: applications taken (per method), people served,
walk-ins, consultations by category, defects found on the spot, residents
turned away by reason, the actual start and end, the staff who worked (ids
from the assignments) and remarks (特記事項, encrypted, redacted before a
report shows them). Counts only: nothing here names a resident.

Plan progress (``models.plan``) counts ``applications`` of recorded events;
an event without a result still counts its booked party sizes, labelled
予約ベース.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, EncryptedText, UTCDateTime, utcnow

CONSULT_CATEGORIES = ("application", "pickup", "certificate", "insurance", "other")
TURNED_AWAY_REASONS = ("not_resident", "no_id", "capacity", "other")
COUNT_FIELDS = ("online_apps", "paper_apps", "people_served", "walk_ins", "defects_on_spot")


class EventResult(Base):
    __tablename__ = "event_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("support_events.id", ondelete="CASCADE"), unique=True
    )
    online_apps: Mapped[int] = mapped_column(Integer, default=0)  # オンライン申請(その場で)
    paper_apps: Mapped[int] = mapped_column(Integer, default=0)  # 申請書(紙)
    people_served: Mapped[int] = mapped_column(Integer, default=0)
    walk_ins: Mapped[int] = mapped_column(Integer, default=0)  # served without a booking
    defects_on_spot: Mapped[int] = mapped_column(Integer, default=0)
    consultations: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    turned_away: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    remarks: Mapped[str | None] = mapped_column(EncryptedText)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def applications(self) -> int:
        return self.online_apps + self.paper_apps

    @property
    def consultations_total(self) -> int:
        return sum(self.consultations.values())

    @property
    def turned_away_total(self) -> int:
        return sum(self.turned_away.values())

    def figures(self) -> dict[str, Any]:
        """The counts as plain data (what a report and a version diff compare)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in COUNT_FIELDS}
        out["applications"] = self.applications
        out["consultations"] = {c: int(self.consultations.get(c, 0)) for c in CONSULT_CATEGORIES}
        out["turned_away"] = {r: int(self.turned_away.get(r, 0)) for r in TURNED_AWAY_REASONS}
        return out


def result_of(session: Session, event_id: int) -> EventResult | None:
    return session.scalars(select(EventResult).where(EventResult.event_id == event_id)).first()


def results_of(session: Session, event_ids: list[int]) -> dict[int, EventResult]:
    if not event_ids:
        return {}
    rows = session.scalars(select(EventResult).where(EventResult.event_id.in_(event_ids)))
    return {r.event_id: r for r in rows}


def recorded_applications(session: Session, event_ids) -> int:
    """Applications taken at these events (only events with a result)."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(EventResult.online_apps + EventResult.paper_apps), 0))
            .where(EventResult.event_id.in_(event_ids))
        )
        or 0
    )  # fmt: skip


def unrecorded_events(session: Session, since: datetime, now: datetime) -> list[Any]:
    """Events held (approved, open or done) that started in [since, now) with no result."""
    from models.events import APPROVED, DONE, OPEN, SupportEvent

    return list(
        session.scalars(
            select(SupportEvent)
            .where(
                SupportEvent.status.in_((APPROVED, OPEN, DONE)),
                SupportEvent.starts_at >= since,
                SupportEvent.starts_at < now,
                SupportEvent.id.not_in(select(EventResult.event_id)),
            )
            .order_by(SupportEvent.starts_at)
        )
    )
