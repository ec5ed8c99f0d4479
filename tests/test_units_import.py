"""Units CSV: all or nothing, bad lines named, re-import updates and never deletes a unit with data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.texts import said
from storage import nudges, reports, submissions, units
from storage.database import Database
from storage.errors import NqbotError, Text, UnitImportError
from storage.models import Campaign, Channel, Person, Role, UnitKind
from tests.conftest import SAMPLE_UNITS

HEADER = "code,name,kind,member_count,parent\n"


def english(problems: list[Text]) -> list[str]:
    return [said(problem, "en") for problem in problems]


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
    problems = english(caught.value.problems)
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "name is empty" in problems[0]
    assert "kind 'tổ đảng'" in problems[1]
    assert "'hai mươi' is not a whole number" in problems[2]
    assert "already on line 2" in problems[3]
    assert said(caught.value.message, "en").startswith(f"{path}: nothing imported, 5 bad row(s)")
    vietnamese = said(caught.value.message, "vi")  # the operator's language by default
    assert vietnamese.startswith(f"{path}: không nhập gì, 5 dòng lỗi: dòng 3: cột name để trống; dòng 4: loại")


def test_a_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("ma,ten\nA,B\n", encoding="utf-8")
    with pytest.raises(UnitImportError) as caught:
        units.read_units_csv(path)
    assert english(caught.value.problems) == [
        "line 1: missing column(s) code, name, kind, member_count; expected code,name,kind,member_count,parent,reports"
    ]


async def test_an_unknown_parent_imports_nothing(database: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path, "A1,Chi bộ A,grassroots_cell,20,\nA2,Chi bộ B,grassroots_cell,20,ZZ\n")
    with pytest.raises(UnitImportError) as caught:
        _import(database, path)
    assert english(caught.value.problems) == ["line 3: parent 'ZZ' is not a unit of this file or the database"]
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


HIERARCHY = "code,name,kind,member_count,parent,reports\n"


def _register(tmp_path: Path, body: str, name: str = "register.csv") -> Path:
    path = tmp_path / name
    path.write_text(HIERARCHY + body, encoding="utf-8")
    return path


async def test_the_sample_register_keeps_its_order_and_a_committee_reports_for_its_cells(
    database: Database,
) -> None:
    lines = SAMPLE_UNITS.read_text(encoding="utf-8").splitlines()[1:]
    in_file = [line.split(",")[0] for line in lines]
    rows = units.read_units_csv(SAMPLE_UNITS)
    through = [row.unit.code for row in rows if row.through_parent]
    assert len(through) >= 1 and {row.parent_code for row in rows if row.through_parent} == {"DB-SYT"}
    with database.session() as session:
        units.import_units(session, rows=rows, source="sample")
    with database.session() as session:
        listed = units.list_units(session)
        assert [u.code for u in listed] == in_file  # the register's order, not the codes'
        assert [u.register_order for u in listed] == list(range(1, len(in_file) + 1))
        assert [u.code for u in units.list_units(session, reporting_only=True)] == [
            code for code in in_file if code not in through
        ]
        assert units.count_units(session) == len(in_file) - len(through)
        committee = units.get_unit(session, code="DB-SYT")
        assert committee is not None and committee.id is not None
        assert units.affiliated_cells(session, unit_id=committee.id) == len(through)
        cell = units.get_unit(session, code=through[0])
        assert cell is not None and cell.reports_through_parent and cell.parent_id == committee.id


@pytest.mark.parametrize(
    ("word", "through"),
    [
        ("parent", True),
        ("Qua Đảng ủy", True),
        ("qua cấp trên", True),
        ("self", False),
        ("Tự báo cáo", False),
        ("", False),
    ],
)
def test_the_reports_column_takes_english_and_vietnamese_words(tmp_path: Path, word: str, through: bool) -> None:
    path = _register(tmp_path, f"D1,Đảng bộ D,đảng bộ cơ sở,40,,\nC1,Chi bộ C,chi bộ,12,D1,{word}\n")
    rows = units.read_units_csv(path)
    assert [row.through_parent for row in rows] == [False, through]


def test_a_file_without_the_reports_column_reads_every_unit_as_reporting_itself(tmp_path: Path) -> None:
    rows = units.read_units_csv(_csv(tmp_path, "D1,Đảng bộ D,đảng bộ,40,\nC1,Chi bộ C,chi bộ,12,D1\n"))
    assert [(row.order, row.through_parent) for row in rows] == [(1, False), (2, False)]


def test_bad_reports_values_are_named_with_their_lines(tmp_path: Path) -> None:
    path = _register(
        tmp_path,
        "D1,Đảng bộ D,đảng bộ,40,,\n"  # line 2: fine
        "C1,Chi bộ C,chi bộ,12,D1,cấp trên báo\n"  # line 3: not a known word
        "C2,Chi bộ E,chi bộ,12,,parent\n"  # line 4: no parent to report through
        "D2,Đảng bộ F,đảng bộ,30,D1,qua đảng ủy\n",  # line 5: a committee does not report through another
    )
    with pytest.raises(UnitImportError) as caught:
        units.read_units_csv(path)
    problems = english(caught.value.problems)
    assert problems == [
        "line 3: reports 'cấp trên báo' is not 'parent' (qua đảng ủy) or 'self' (tự báo cáo)",
        "line 4: reports 'parent' needs a parent: the grassroots committee (đảng bộ cơ sở) that reports for it",
        "line 5: reports 'parent': only a cell (chi bộ) reports through its grassroots committee",
    ]


async def test_a_cell_reporting_through_a_parent_that_is_a_cell_imports_nothing(
    database: Database, tmp_path: Path
) -> None:
    _import(database, _register(tmp_path, "C0,Chi bộ gốc,chi bộ,9,,\n", name="first.csv"))
    path = _register(
        tmp_path, "C1,Chi bộ A,chi bộ,20,,\nC2,Chi bộ B,chi bộ,8,C1,parent\nC3,Chi bộ C,chi bộ,5,C0,parent\n"
    )
    with pytest.raises(UnitImportError) as caught:
        _import(database, path)
    assert english(caught.value.problems) == [
        "line 3: reports through its parent 'C1', which is not a grassroots committee (đảng bộ cơ sở)",
        "line 4: reports through its parent 'C0', which is not a grassroots committee (đảng bộ cơ sở)",
    ]
    with database.session() as session:
        assert [u.code for u in units.list_units(session)] == ["C0"]


async def test_a_committee_turned_cell_under_its_reporting_cells_is_refused(database: Database, tmp_path: Path) -> None:
    _import(database, _register(tmp_path, "D1,Đảng bộ D,đảng bộ,40,,\nC1,Chi bộ C,chi bộ,12,D1,parent\n"))
    turned = _register(tmp_path, "D1,Đảng bộ D,chi bộ,40,,\n", name="turned.csv")  # C1 stays, through D1
    with pytest.raises(UnitImportError) as caught:
        _import(database, turned)
    assert "unit C1 (in the database): reports through its parent 'D1'" in said(caught.value.message, "en")


async def test_reimport_follows_the_new_order_and_how_a_cell_reports(database: Database, tmp_path: Path) -> None:
    _import(
        database,
        _register(tmp_path, "D1,Đảng bộ D,đảng bộ,40,,\nC1,Chi bộ C,chi bộ,12,D1,parent\nA9,Chi bộ A,chi bộ,7,,\n"),
    )
    again = _register(tmp_path, "C1,Chi bộ C,chi bộ,12,D1,tự báo cáo\nD1,Đảng bộ D,đảng bộ,40,,\n", name="again.csv")
    result = _import(database, again)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)  # C1 now reports itself
    assert result.not_in_file == ["A9"]
    with database.session() as session:
        assert [(u.code, u.register_order) for u in units.list_units(session)] == [("C1", 1), ("D1", 2), ("A9", None)]
        c1 = units.get_unit(session, code="C1")
        assert c1 is not None and not c1.reports_through_parent
        assert units.count_units(session) == 3


async def test_cells_reported_by_their_committee_are_not_missing_and_not_nudged(
    database: Database, tmp_path: Path
) -> None:
    body = "D1,Đảng bộ D,đảng bộ,40,,\nC1,Chi bộ C,chi bộ,12,D1,parent\nC2,Chi bộ E,chi bộ,9,D1,\n"
    _import(database, _register(tmp_path, body))
    with database.session() as session:
        code_of = {u.id: u.code for u in units.list_units(session)}
        for unit_id, code in code_of.items():  # one reporter a unit, none has reported (no campaign: id 0)
            session.add(
                Person(
                    channel=Channel.telegram, channel_user_id=code, chat_id=code, role=Role.reporter, unit_id=unit_id
                )
            )
        session.flush()
        assert [m.code for m in reports.missing_units(session, campaign_id=0)] == ["D1", "C2"]  # C2 reports itself
        assert sorted(code_of[unit] for unit, _ in nudges.targets(session, campaign_id=0)) == ["C2", "D1"]


async def test_a_cell_that_reported_before_its_committee_took_over_is_not_counted_twice(
    database: Database, loaded: Campaign
) -> None:
    with database.session() as session:
        cell = units.get_unit(session, code="CB-SYT-VP")  # reports through DB-SYT in the sample register
        committee = units.get_unit(session, code="DB-SYT")
        assert cell is not None and committee is not None and cell.reports_through_parent
        for unit in (cell, committee):
            sub = submissions.get_or_create_submission(
                session, campaign_id=loaded.id or 0, unit_id=unit.id or 0, questionnaire_version=1
            )
            submissions.submit(
                session,
                submission=sub,
                answers={"held": "not_yet"},
                questionnaire_version=1,
                person_id=None,
                late=False,
            )
        progress = reports.progress(session, campaign_id=loaded.id or 0)
        assert (progress.submitted, units.count_units(session)) == (1, 22)  # the committee, of the 22 that report
