"""event results and report versions (issue 12)

Revision ID: c12a9d3e1f40
Revises: c12b0e5f7a31
Create Date: 2026-12-05 01:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = 'c12a9d3e1f40'
down_revision: str | None = 'c12b0e5f7a31'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('online_apps', sa.Integer(), nullable=False),
    sa.Column('paper_apps', sa.Integer(), nullable=False),
    sa.Column('people_served', sa.Integer(), nullable=False),
    sa.Column('walk_ins', sa.Integer(), nullable=False),
    sa.Column('defects_on_spot', sa.Integer(), nullable=False),
    sa.Column('consultations', sa.JSON(), nullable=False),
    sa.Column('turned_away', sa.JSON(), nullable=False),
    sa.Column('started_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff_ids', sa.JSON(), nullable=False),
    sa.Column('remarks', models.base.EncryptedText(), nullable=True),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['support_events.id'], name=op.f('fk_event_results_event_id_support_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_results')),
    sa.UniqueConstraint('event_id', name=op.f('uq_event_results_event_id'))
    )
    op.create_table('report_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_by', sa.String(length=80), nullable=True),
    sa.Column('checked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_by', sa.String(length=80), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_versions')),
    sa.UniqueConstraint('kind', 'key', 'version', name=op.f('uq_report_versions_kind'))
    )
    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_versions_key'), ['key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_versions_key'))
    op.drop_table('report_versions')
    op.drop_table('event_results')
