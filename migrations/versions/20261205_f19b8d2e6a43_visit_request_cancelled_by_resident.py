"""visit request cancelled by the resident

Revision ID: f19b8d2e6a43
Revises: c12a9d3e1f40
Create Date: 2026-12-05 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "f19b8d2e6a43"
down_revision: str | None = "c12a9d3e1f40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cancelled_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("visit_requests", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
