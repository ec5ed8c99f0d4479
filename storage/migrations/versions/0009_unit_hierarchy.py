"""units in their register: the order of the register, and whether a cell reports through its committee

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("register_order", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reports_through_parent", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("reports_through_parent")
        batch_op.drop_column("register_order")
