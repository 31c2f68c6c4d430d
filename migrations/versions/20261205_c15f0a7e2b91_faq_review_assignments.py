"""FAQ review: staff assign a kept question to a topic (issue 15).

An assigned question becomes an example of its topic when the FAQ engine is
next built (handlers.faq.engine._staff_examples).

Revision ID: c15f0a7e2b91
Revises: 5e1d9c2a7b13
Create Date: 2026-12-05 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = 'c15f0a7e2b91'
down_revision: str | None = '5e1d9c2a7b13'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('faq_review_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_topic', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('assigned_at', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('assigned_by', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('faq_review_items', schema=None) as batch_op:
        batch_op.drop_column('assigned_by')
        batch_op.drop_column('assigned_at')
        batch_op.drop_column('assigned_topic')
