"""event photos (faces blurred before storing; issue 12 point 2)

Revision ID: c12b0e5f7a31
Revises: f19a3b7c5e21
Create Date: 2026-12-05 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = 'c12b0e5f7a31'
down_revision: str | None = 'f19a3b7c5e21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('image', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('caption', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('faces_found', sa.Integer(), nullable=False),
    sa.Column('boxes_added', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_account_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['support_events.id'], name=op.f('fk_event_photos_event_id_support_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_account_id'], ['staff_accounts.id'], name=op.f('fk_event_photos_uploaded_by_account_id_staff_accounts')),
    sa.ForeignKeyConstraint(['confirmed_by_account_id'], ['staff_accounts.id'], name=op.f('fk_event_photos_confirmed_by_account_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_photos'))
    )
    with op.batch_alter_table('event_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_photos_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_photos_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('event_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_photos_status'))
        batch_op.drop_index(batch_op.f('ix_event_photos_event_id'))
    op.drop_table('event_photos')
