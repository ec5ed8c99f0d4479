"""conversation state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 14:01:05.259865
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("channel_user_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=24), nullable=False),
        sa.Column("question_id", sa.String(length=48), nullable=True),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("failed_codes", sa.Integer(), nullable=False),
        sa.Column("failed_since", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], name=op.f("fk_conversation_campaign_id_campaign")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_conversation_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
        sa.UniqueConstraint("channel", "channel_user_id", name=op.f("uq_conversation_channel")),
    )


def downgrade() -> None:
    op.drop_table("conversation")
