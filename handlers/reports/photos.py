"""The confirmed (face-blurred) photos of a report's events (``models.event_photos``)."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy.orm import Session


def confirmed(session: Session, content: dict[str, Any]) -> list[Any]:
    """Confirmed photos of the report's events, in event order; none before photos exist."""
    try:
        from models.event_photos import confirmed_photos
    except ImportError:  # the photo feature is not installed in this build
        return []
    ids = [row["event_id"] for row in content["events"]]
    return list(confirmed_photos(session, ids)) if ids else []


def data_uri(photo: Any) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(photo.image).decode("ascii")
