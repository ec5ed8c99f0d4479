"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 13:56:13.117890
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auditevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auditevent")),
    )
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditevent_at"), ["at"], unique=False)

    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("report_deadline", sa.Date(), nullable=False),
        sa.Column("board_deadline", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("questionnaire_version", sa.Integer(), nullable=False),
        sa.Column("source_file", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_code"), ["code"], unique=True)

    op.create_table(
        "unit",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["unit.id"], name=op.f("fk_unit_parent_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_code"), ["code"], unique=True)

    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("use_count", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_invite_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite")),
    )
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invite_code_hash"), ["code_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_invite_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("channel_user_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_person_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("channel", "channel_user_id", name=op.f("uq_person_channel")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "questionnaireversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_questionnaireversion_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaireversion")),
        sa.UniqueConstraint("campaign_id", "version", name=op.f("uq_questionnaireversion_campaign_id")),
    )
    with op.batch_alter_table("questionnaireversion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questionnaireversion_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], name=op.f("fk_nudge_campaign_id_campaign")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_nudge_person_id_person")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_nudge_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge")),
        sa.UniqueConstraint("campaign_id", "unit_id", "person_id", "step", name=op.f("uq_nudge_campaign_id")),
    )
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("draft_answers", sa.JSON(), nullable=False),
        sa.Column("draft_questionnaire_version", sa.Integer(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("first_submitted_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], name=op.f("fk_submission_campaign_id_campaign")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_submission_unit_id_unit")),
        sa.ForeignKeyConstraint(["updated_by"], ["person.id"], name=op.f("fk_submission_updated_by_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission")),
        sa.UniqueConstraint("campaign_id", "unit_id", name=op.f("uq_submission_campaign_id")),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "submissionversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("questionnaire_version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_submissionversion_submission_id_submission")
        ),
        sa.ForeignKeyConstraint(["submitted_by"], ["person.id"], name=op.f("fk_submissionversion_submitted_by_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissionversion")),
        sa.UniqueConstraint("submission_id", "version", name=op.f("uq_submissionversion_submission_id")),
    )
    with op.batch_alter_table("submissionversion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submissionversion_submission_id"), ["submission_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("submissionversion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissionversion_submission_id"))

    op.drop_table("submissionversion")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_unit_id"))
        batch_op.drop_index(batch_op.f("ix_submission_campaign_id"))

    op.drop_table("submission")
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nudge_unit_id"))
        batch_op.drop_index(batch_op.f("ix_nudge_status"))
        batch_op.drop_index(batch_op.f("ix_nudge_person_id"))
        batch_op.drop_index(batch_op.f("ix_nudge_campaign_id"))

    op.drop_table("nudge")
    with op.batch_alter_table("questionnaireversion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaireversion_campaign_id"))

    op.drop_table("questionnaireversion")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_unit_id"))

    op.drop_table("person")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invite_unit_id"))
        batch_op.drop_index(batch_op.f("ix_invite_code_hash"))

    op.drop_table("invite")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_code"))

    op.drop_table("unit")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_code"))

    op.drop_table("campaign")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditevent_at"))

    op.drop_table("auditevent")
