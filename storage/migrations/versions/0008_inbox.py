"""inbox: an update is stored (its JSON, chat, kind) before it is handled, and marked handled by its turn

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inboundevent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("chat_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_inboundevent_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inboundevent_handled_at"), ["handled_at"], unique=False)
    # Every row so far was written by the turn that handled its update.
    op.execute("UPDATE inboundevent SET handled_at = received_at")


def downgrade() -> None:
    # An update stored and not yet handled would be taken for a handled one: it is dropped instead.
    op.execute("DELETE FROM inboundevent WHERE handled_at IS NULL")
    with op.batch_alter_table("inboundevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inboundevent_handled_at"))
        batch_op.drop_index(batch_op.f("ix_inboundevent_chat_id"))
        batch_op.drop_column("attempts")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("handled_at")
        batch_op.drop_column("kind")
        batch_op.drop_column("chat_id")
        batch_op.drop_column("payload")
