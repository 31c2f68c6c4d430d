"""SQLAlchemy models and data access. Importing this package registers every table."""

from models import (  # noqa: F401
    audit,
    conversations,
    inbound,
    inquiries,
    outbox,
    residents,
    sandbox,
)
from models.base import Base  # noqa: F401
