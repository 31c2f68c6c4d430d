"""SQLAlchemy models and data access. Importing this package registers every table."""

from models import (  # noqa: F401
    accounts,
    applications,
    approvals,
    audit,
    bookings,
    city_notices,
    contracts,
    conversations,
    defects,
    events,
    faq_review,
    inbound,
    inquiries,
    outbox,
    phone,
    places,
    plan,
    residents,
    sandbox,
    sandbox_email,
    sandbox_twilio,
    staff,
    visits,
)
from models.base import Base  # noqa: F401
