"""SQLAlchemy models and data access. Importing this package registers every table."""

from models import (  # noqa: F401
    accounts,
    announcements,
    applications,
    approvals,
    audit,
    booking_reasons,
    bookings,
    conversations,
    defects,
    events,
    faq_review,
    inbound,
    inquiries,
    notices,
    outbox,
    phone,
    places,
    plan,
    renewals,
    residents,
    sandbox,
    sandbox_twilio,
    staff,
    visits,
)
from models.base import Base  # noqa: F401
