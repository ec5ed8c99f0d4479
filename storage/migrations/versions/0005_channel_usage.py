"""channel usage

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 14:51:45.208393
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channelusage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channelusage")),
        sa.UniqueConstraint("channel", "month", name=op.f("uq_channelusage_channel")),
    )


def downgrade() -> None:
    op.drop_table("channelusage")
