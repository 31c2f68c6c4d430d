"""Places in the console: the city's approval (who, when, document), archiving; demo marks.

Revision ID: e18f2a6c4d19
Revises: f19b8d2e6a43
Create Date: 2026-12-05 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = 'e18f2a6c4d19'
down_revision: str | None = "f19b8d2e6a43"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_approver', models.base.EncryptedText(), nullable=True))
        batch_op.add_column(sa.Column('approved_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('approval_ref', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('archived_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('demo', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('demo', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('demo')
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_column('demo')
        batch_op.drop_column('archived_at')
        batch_op.drop_column('approval_ref')
        batch_op.drop_column('approved_on')
        batch_op.drop_column('city_approver')
