"""SQLAlchemy models and data access. Importing this package registers every table."""

from models import (  # noqa: F401
    accounts,
    api_tokens,
    applications,
    approvals,
    audit,
    bookings,
    console_sessions,
    conversations,
    defects,
    events,
    faq_review,
    inbound,
    inquiries,
    login_throttle,
    outbox,
    phone,
    places,
    plan,
    residents,
    sandbox,
    sandbox_twilio,
    staff,
    visits,
)
from models.base import Base  # noqa: F401
