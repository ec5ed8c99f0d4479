"""Invites: revoked by the operator or an admin (and with the reporter they enrolled), spent once each even
when many join at the same moment, and never crashed by forged button data."""

from __future__ import annotations

from pathlib import Path

from storage import migrate
from storage.database import Database


def test_the_migration_records_the_invite_that_enrolled_each_person_from_the_audit_trail(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'nqbot.db'}")
    try:
        migrate.upgrade(database.engine, "0005")
        with database.engine.begin() as connection:
            for statement in (
                "INSERT INTO unit (id, code, name, kind, member_count, created_at, updated_at)"
                " VALUES (1, 'CB-A', 'A', 'grassroots_cell', 9, '2022-09-01', '2022-09-01')",
                *(
                    "INSERT INTO invite (id, code_hash, role, unit_id, expires_at, max_uses, use_count, created_by,"
                    f" created_at) VALUES ({n}, 'h{n}', 'reporter', 1, '2022-10-01', 2, 1, 'cli', '2022-09-01')"
                    for n in (1, 2)
                ),
                *(
                    "INSERT INTO person (id, channel, channel_user_id, chat_id, display_name, role, unit_id, state,"
                    f" created_at, updated_at) VALUES ({n}, 'telegram', '{n}', '{n}', '', 'reporter', 1, 'active',"
                    " '2022-09-01', '2022-09-01')"
                    for n in (1, 2, 3)
                ),
                *(
                    "INSERT INTO auditevent (at, actor, action, entity, entity_id, detail) VALUES ('2022-09-02',"
                    f" 'x', 'person.enrol', 'person', '{person_id}', '{{\"invite_id\": {invite_id}}}')"
                    for person_id, invite_id in ((1, 1), (2, 1), (1, 2), (3, 99))  # 1 moved on; 99 is no invite
                ),
            ):
                connection.exec_driver_sql(statement)
        migrate.upgrade(database.engine, "0006")
        with database.engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT id, invite_id FROM person ORDER BY id").all()
        assert [tuple(row) for row in rows] == [(1, 2), (2, 1), (3, None)]
    finally:
        database.dispose()
