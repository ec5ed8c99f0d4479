"""Units CSV: all or nothing, bad lines named, re-import updates and never deletes a unit with data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.texts import said
from storage import units
from storage.database import Database
from storage.errors import NqbotError, UnitImportError
from storage.models import Channel, Person, Role, UnitKind
from tests.conftest import SAMPLE_UNITS

HEADER = "code,name,kind,member_count,parent\n"


def _csv(tmp_path: Path, body: str, name: str = "units.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _import(database: Database, path: Path, prune: bool = False) -> units.ImportResult:
    rows = units.read_units_csv(path)
    with database.session() as session:
        return units.import_units(session, rows=rows, source=str(path), prune=prune)


def test_the_sample_register_reads_with_both_kinds_of_unit() -> None:
    rows = units.read_units_csv(SAMPLE_UNITS)
    assert 18 <= len(rows) <= 25
    kinds = {row.unit.kind for row in rows}
    assert kinds == {UnitKind.grassroots_committee, UnitKind.grassroots_cell}


def test_every_bad_row_is_named_with_its_line_and_nothing_is_read(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "A1,Chi bộ A,chi bộ cơ sở,20,\n"  # line 2: fine (Vietnamese kind)
        "A2,,grassroots_cell,20,\n"  # line 3: no name
        "A3,Chi bộ C,tổ đảng,20,\n"  # line 4: unknown kind
        "A4,Chi bộ D,grassroots_cell,hai mươi,\n"  # line 5: not a number
        "A1,Chi bộ E,grassroots_cell,20,\n"  # line 6: repeated code
        "A6,Chi bộ F,grassroots_cell,20,A6\n",
    )  # line 7: own parent
    with pytest.raises(UnitImportError) as caught:
        units.read_units_csv(path)
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "name is empty" in problems[0]
    assert "kind 'tổ đảng'" in problems[1]
    assert "'hai mươi' is not a whole number" in problems[2]
    assert "already on line 2" in problems[3]
    assert str(caught.value).startswith(f"{path}: nothing imported, 5 bad row(s)")


def test_a_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("ma,ten\nA,B\n", encoding="utf-8")
    with pytest.raises(UnitImportError, match="line 1: missing column"):
        units.read_units_csv(path)


async def test_an_unknown_parent_imports_nothing(database: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path, "A1,Chi bộ A,grassroots_cell,20,\nA2,Chi bộ B,grassroots_cell,20,ZZ\n")
    with pytest.raises(UnitImportError, match="line 3: parent 'ZZ'"):
        _import(database, path)
    with database.session() as session:
        assert units.count_units(session) == 0


async def test_reimport_updates_names_and_counts_and_keeps_units_with_data(database: Database, tmp_path: Path) -> None:
    first = _csv(
        tmp_path,
        "A1,Chi bộ A,grassroots_cell,20,\nA2,Đảng bộ B,grassroots_committee,1.234,\nA3,Chi bộ C,grassroots_cell,9,A2\n",
    )
    result = _import(database, first)
    assert (result.created, result.updated) == (3, 0)
    with database.session() as session:
        a1 = units.get_unit(session, code="A1")
        a2 = units.get_unit(session, code="A2")
        a3 = units.get_unit(session, code="A3")
        assert a1 and a2 and a3 and a2.member_count == 1234 and a3.parent_id == a2.id
        session.add(
            Person(channel=Channel.telegram, channel_user_id="1", chat_id="1", role=Role.reporter, unit_id=a1.id)
        )

    second = _csv(tmp_path, "A2,Đảng bộ B (mới),grassroots_committee,1300,\n", name="again.csv")
    result = _import(database, second, prune=True)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert result.pruned == ["A3"] and result.not_in_file == ["A1"]  # A1 has a reporter: kept
    with database.session() as session:
        a2 = units.get_unit(session, code="A2")
        assert a2 is not None and (a2.name, a2.member_count) == ("Đảng bộ B (mới)", 1300)
        assert units.get_unit(session, code="A1") is not None
        assert units.get_unit(session, code="A3") is None

    result = _import(database, second)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)


@pytest.mark.parametrize(
    ("body", "circle"),
    [
        ("A1,Chi bộ A,chi bộ,20,A2\nA2,Chi bộ B,chi bộ,20,A1\n", "A1 → A2 → A1"),
        (
            "A3,Chi bộ C,chi bộ,9,A1\nA1,Chi bộ A,chi bộ,20,A2\nA2,Đảng bộ B,đảng bộ,20,A3\nA4,D,chi bộ,2,A3\n",
            "A1 → A2 → A3 → A1",
        ),
    ],
)
async def test_units_whose_parents_go_round_in_a_circle_import_nothing(
    database: Database, tmp_path: Path, body: str, circle: str
) -> None:
    path = _csv(tmp_path, body)
    with pytest.raises(NqbotError) as caught:
        _import(database, path)
    assert said(caught.value.message, "en") == (
        f"{path}: nothing imported: each of these units would be above itself (parent after parent): {circle}"
    )
    assert said(caught.value.message, "vi") == (
        f"{path}: không nhập gì: các đơn vị này thành cấp trên của chính mình (cấp trên nối cấp trên): {circle}"
    )
    with database.session() as session:
        assert units.count_units(session) == 0


async def test_a_circle_through_a_unit_already_in_the_database_is_refused_too(
    database: Database, tmp_path: Path
) -> None:
    _import(database, _csv(tmp_path, "A1,Đảng bộ A,đảng bộ,20,\nA2,Chi bộ B,chi bộ,20,A1\n"))
    turned = _csv(tmp_path, "A1,Đảng bộ A,đảng bộ,20,A2\n", name="turned.csv")  # A2 stays A1's child
    with pytest.raises(NqbotError) as caught:
        _import(database, turned)
    assert said(caught.value.message, "en").endswith(": A1 → A2 → A1")
    with database.session() as session:
        a1 = units.get_unit(session, code="A1")
        assert a1 is not None and a1.parent_id is None
