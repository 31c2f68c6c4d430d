"""phone line: voice call state, callback tasks, SMS opt-outs, Twilio stand-in

Revision ID: b7e1c2d3f4a5
Revises: 9a6d39c4ceda
Create Date: 2026-11-25 21:40:08.071994
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = 'b7e1c2d3f4a5'
down_revision: str | None = '9a6d39c4ceda'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('phone_callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('phone', models.base.EncryptedText(), nullable=True),
    sa.Column('recording_sid', models.base.EncryptedText(), nullable=True),
    sa.Column('recording_url', models.base.EncryptedText(), nullable=True),
    sa.Column('recording_seconds', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_callbacks'))
    )
    with op.batch_alter_table('phone_callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_callbacks_call_sid'), ['call_sid'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_callbacks_inquiry_id'), ['inquiry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_callbacks_resident_id'), ['resident_id'], unique=False)

    op.create_table('sandbox_twilio_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resource', sa.String(length=16), nullable=False),
    sa.Column('sid', sa.String(length=40), nullable=True),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('to', models.base.EncryptedText(), nullable=True),
    sa.Column('to_key', sa.String(length=64), nullable=True),
    sa.Column('params', models.base.EncryptedText(), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_twilio_requests'))
    )
    with op.batch_alter_table('sandbox_twilio_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_twilio_requests_to_key'), ['to_key'], unique=False)

    op.create_table('sms_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_key', sa.String(length=64), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_opt_outs')),
    sa.UniqueConstraint('phone_key', name=op.f('uq_sms_opt_outs_phone_key'))
    )
    op.create_table('voice_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('menu', models.base.EncryptedJSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_s', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_calls')),
    sa.UniqueConstraint('call_sid', name=op.f('uq_voice_calls_call_sid'))
    )
    with op.batch_alter_table('voice_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voice_calls_resident_id'), ['resident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('voice_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voice_calls_resident_id'))

    op.drop_table('voice_calls')
    op.drop_table('sms_opt_outs')
    with op.batch_alter_table('sandbox_twilio_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_twilio_requests_to_key'))

    op.drop_table('sandbox_twilio_requests')
    with op.batch_alter_table('phone_callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_callbacks_resident_id'))
        batch_op.drop_index(batch_op.f('ix_phone_callbacks_inquiry_id'))
        batch_op.drop_index(batch_op.f('ix_phone_callbacks_call_sid'))

    op.drop_table('phone_callbacks')
