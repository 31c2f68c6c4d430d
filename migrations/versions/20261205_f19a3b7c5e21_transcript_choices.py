"""transcript choices: the buttons a message carried (value -> label), so a tap is
recorded as the label the resident saw (issue 19)

Revision ID: f19a3b7c5e21
Revises: c15f0a7e2b91
Create Date: 2026-12-05 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f19a3b7c5e21"
down_revision: str | None = "c15f0a7e2b91"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transcript", schema=None) as batch_op:
        batch_op.add_column(sa.Column("choices", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transcript", schema=None) as batch_op:
        batch_op.drop_column("choices")
