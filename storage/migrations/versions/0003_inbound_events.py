"""inbound events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 14:07:39.330971
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inboundevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inboundevent")),
        sa.UniqueConstraint("channel", "event_id", name=op.f("uq_inboundevent_channel")),
    )
    with op.batch_alter_table("inboundevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inboundevent_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inboundevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inboundevent_received_at"))

    op.drop_table("inboundevent")
