"""SQLAlchemy models and data access. Importing this package registers every table."""

from models import (  # noqa: F401
    audit,
    bookings,
    conversations,
    events,
    inbound,
    inquiries,
    outbox,
    places,
    plan,
    residents,
    sandbox,
    staff,
    visits,
)
from models.base import Base  # noqa: F401
