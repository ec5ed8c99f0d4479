"""person.invite_id: the invite that enrolled the person (revoking them revokes it)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invite_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_person_invite_id_invite"), "invite", ["invite_id"], ["id"])
    _backfill()


def _backfill() -> None:
    """People enrolled before this column: their latest enrolment's audit record names the invite."""
    audit = sa.table(
        "auditevent",
        sa.column("id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("entity_id", sa.String()),
        sa.column("detail", sa.JSON()),
    )
    person = sa.table("person", sa.column("id", sa.Integer()), sa.column("invite_id", sa.Integer()))
    invite = sa.table("invite", sa.column("id", sa.Integer()))
    connection = op.get_bind()
    known = set(connection.execute(sa.select(invite.c.id)).scalars())
    latest: dict[int, int] = {}
    rows = connection.execute(
        sa.select(audit.c.entity_id, audit.c.detail).where(audit.c.action == "person.enrol").order_by(audit.c.id)
    )
    for entity_id, detail in rows:
        invite_id = (detail or {}).get("invite_id")
        if entity_id and entity_id.isdigit() and isinstance(invite_id, int) and invite_id in known:
            latest[int(entity_id)] = invite_id
    for person_id, invite_id in latest.items():
        connection.execute(sa.update(person).where(person.c.id == person_id).values(invite_id=invite_id))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_person_invite_id_invite"), type_="foreignkey")
        batch_op.drop_column("invite_id")
