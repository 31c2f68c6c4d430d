"""The confirmed (face-blurred) photos of a report's events (``models.event_photos``)."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy.orm import Session

from models.event_photos import confirmed_photos


def confirmed(session: Session, content: dict[str, Any]) -> list[Any]:
    """Confirmed photos of the report's events, in event order. A checked (frozen) report
    keeps the photos confirmed when it was checked (``photo_ids``): one confirmed later
    does not slip into what the city already has."""
    ids = [row["event_id"] for row in content["events"]]
    found = list(confirmed_photos(session, ids)) if ids else []
    if "photo_ids" in content:
        kept = set(content["photo_ids"])
        found = [p for p in found if p.id in kept]
    return found


def caption(photo: Any) -> str:
    """A photo's caption as the city may read it (names and numbers hidden)."""
    from handlers.city_summary import summary_for_city

    return summary_for_city(photo.caption) if photo.caption else ""


def data_uri(photo: Any) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(photo.image).decode("ascii")
