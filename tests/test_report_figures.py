"""The compiled report's figures on a realistic campaign, each computed here on its own and compared.

45 grassroots organisations must report (10 committees, 35 cells, one of them a cell with a parent that
reports on its own); 7 more cells report through their committee (one of them sent a report before the
register said so; one was added to U04 after U04 reported, so U04 gave no x/y). Units report on time, late,
late outside the quarter, amend their report, answer under the old questionnaire (absence reasons without
counts, no dissemination question), report they have not held the session, or do not report at all. The
test keeps what it inserted (`Row`s below) and counts each figure with its own loops over those rows, then
compares with storage.compiled's Totals, the appendix's totals and the body's sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.exports import appendix, notes, sentences
from storage import campaigns, submissions
from storage.campaign_spec import CampaignSpec, Question
from storage.compiled import CompiledReport, compile_report, presenter_name
from storage.database import Database
from storage.models import Channel, Person, PersonState, Role, Unit, UnitKind
from tests.test_exports import submit

TODAY = date(2022, 10, 5)
DEADLINE, QUARTER_END = date(2022, 9, 20), date(2022, 9, 30)
REASONS = ["sick", "business", "study", "maternity", "other"]
# The questions the old questionnaire (version 1) did not have.
NEW_IN_V2 = {
    "cells_total", "cells_held", "absent_sick", "absent_business", "absent_study", "absent_maternity",
    "absent_other", "absent_other_what", "makeup_planned_date", "dissemination", "dissemination_items",
}  # fmt: skip
# One person written many ways: the distinct presenters are these six.
PRESENTERS = [
    ["Nguyễn Văn An, Bí thư Đảng ủy", "đ/c nguyễn văn an", "Đồng chí NGUYỄN  VĂN AN - Bí thư", "Nguyễn Văn An."],
    ["Lê Thị Cúc, Phó Bí thư", "Đ/c: Lê Thị Cúc (Phó Bí thư)", "lê thị cúc, phó bí thư chi bộ"],
    ["TS. Phạm Văn Dũng, Giảng viên Trường Chính trị", "Phạm Văn Dũng"],
    ["Trần Thị Bình, Bí thư chi bộ", "Ông Trần Thị Bình"],  # a careless "Ông": still the same person
    ["Hoàng Minh Đức, Trưởng ban Tuyên giáo"],
    ["Vũ Ngọc Hà, Bí thư"],
]
PROPOSALS = {
    "supply": [
        "Đề nghị cung cấp thêm tài liệu hỏi đáp về Nghị quyết.",
        "Cần bổ sung tài liệu hỏi đáp.",
        "Đề nghị cấp thêm tài liệu hỏi đáp cho chi bộ",
        "đề nghị cung cấp thêm tài liệu hỏi đáp",
    ],
    "training": ["Đề nghị tổ chức tập huấn cho báo cáo viên.", "Tổ chức tập huấn báo cáo viên cấp cơ sở"],
}


@dataclass
class Row:
    """One unit as inserted, and the versions of its report (answers, questionnaire version, when, late)."""

    code: str
    name: str
    kind: UnitKind
    members: int
    order: int | None
    parent: str | None = None
    through_parent: bool = False
    versions: list[tuple[dict[str, Any], int, datetime]] = field(default_factory=list)
    draft: bool = False
    reporter: PersonState | None = None

    @property
    def latest(self) -> dict[str, Any]:
        return self.versions[-1][0]

    @property
    def latest_version(self) -> int:
        return self.versions[-1][1]

    @property
    def first_at(self) -> datetime:
        return self.versions[0][2]


def at(day: int, month: int = 9) -> datetime:
    return datetime(2022, month, day, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


def _register() -> list[Row]:
    """The units: cells first in the register, committees after them, each committee's cells right after it;
    U45 has no line in the register (listed last)."""
    rows = []
    for i in range(1, 46):
        committee = i <= 10
        rows.append(
            Row(
                code=f"U{i:02d}",
                name=f"{'Đảng bộ' if committee else 'Chi bộ'} đơn vị {i:02d}",
                kind=UnitKind.grassroots_committee if committee else UnitKind.grassroots_cell,
                members=80 + 5 * i if committee else 15 + (7 * i) % 30,
                order=None if i == 45 else (100 + 10 * i if committee else i),
                parent="U03" if i == 12 else None,  # a cell with a parent that reports on its own
            )
        )
    for n, parent in enumerate(["U01", "U01", "U01", "U02", "U02", "U02", "U04"], start=1):
        order = next(r.order for r in rows if r.code == parent)
        assert order is not None
        rows.append(
            Row(f"A{n:02d}", f"Chi bộ trực thuộc {n:02d}", UnitKind.grassroots_cell, 12, order + n, parent, True)
        )
    return rows


def _answers(row: Row, i: int, version: int) -> dict[str, Any]:
    """A held session's answers that follow the questionnaire's rules, varied by the unit's number."""
    with_bloc = 30 <= i <= 34
    exempt = i % 3 if i % 4 else 0
    absent = [0, 1, 3, 0, 2, 5][i % 6]
    total = row.members + (2 if i % 7 == 0 else 0)  # a few differ from the register
    answers: dict[str, Any] = {
        "held": "with_bloc" if with_bloc else "self_organised",
        "session_dates": [{8: "2022-09-25", 18: "2022-09-25", 9: "2022-10-02"}.get(i, f"2022-09-{10 + i % 9:02d}")],
        "members_total": total,
        "members_exempt": exempt,
        "members_attended": total - exempt - absent,
        "key_officials": 3 + i % 4,
        "non_members": i % 5,
        "essays": total - exempt - absent,
        "action_plan": ["issued", "drafting", "not_yet"][i % 3],
    }  # fmt: skip
    if answers["action_plan"] == "issued":
        answers |= {"action_plan_number": f"{i:02d}-KH/CB", "action_plan_date": "2022-09-05"}
    if not with_bloc:
        variants = PRESENTERS[i % len(PRESENTERS)]
        answers |= {
            "format": ["in_person", "online", "hybrid"][i % 3],
            "sessions": 1 + i % 2,
            "presenter": variants[(i // len(PRESENTERS)) % len(variants)],
        }
        if answers["format"] != "in_person":
            answers["video_sites"] = 1 + i % 4
    if absent:
        chosen = [REASONS[i % 5]] if absent == 1 else [REASONS[i % 5], REASONS[(i + 2) % 5]]
        answers |= {"absent_reasons": chosen, "makeup": i % 2 == 0}
        if version >= 2:
            first = absent - (absent // 2 if len(chosen) > 1 else 0)
            answers |= {f"absent_{chosen[0]}": first} | (
                {f"absent_{chosen[1]}": absent - first} if first < absent else {}
            )
            if "other" in chosen:
                answers["absent_other_what"] = "Việc gia đình"
    if version >= 2:
        answers["dissemination"] = ["none"] if i % 5 == 0 else ["website", "meetings"] if i % 2 else ["bulletin"]
        if i % 5:
            answers["dissemination_items"] = i % 4
    if i in (1, 2):
        answers |= {"cells_total": 3, "cells_held": 3 if i == 1 else 2}
    if i <= 20 and i % 3 == 0:
        answers["proposals"] = PROPOSALS["supply"][(i // 3) % 4]
    elif i in (4, 10, 16):
        answers["proposals"] = PROPOSALS["training"][i % 2]
    elif i in (5, 11):
        answers["proposals"] = f"Đề nghị nâng cấp đường truyền trực tuyến tại điểm cầu số {i}; hỗ trợ kinh phí."
    return answers


def _not_held(i: int) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "held": "not_yet",
        "planned_date": "2022-10-15",
        "not_held_reason": "Chờ tài liệu",
        "action_plan": "not_yet",
        "dissemination": ["none"] if i % 2 else ["meetings"],
    }
    if i == 37:
        del answers["action_plan"]  # an answer lost to a questionnaire edit: "not stated"
    return answers


def campaign_rows() -> list[Row]:
    """Each unit's versions: U01–U34 held it (U30–U34 at the bloc's conference), U35–U39 not yet, U40–U45 have
    not reported; U21–U24 answered under the old questionnaire; U05, U15, U25, U36 sent late (U25 after the
    quarter); U07 and U20 amended; A04 (reports through U02) sent one anyway."""
    rows = _register()
    by_code = {r.code: r for r in rows}
    for i in range(1, 35):
        row = by_code[f"U{i:02d}"]
        version = 1 if 21 <= i <= 24 else 2
        when = at(3, 10) if i == 25 else at(22) if i in (5, 15) else at(10 + i % 10)
        row.versions.append((_answers(row, i, version), version, when))
    for i in range(35, 40):
        by_code[f"U{i:02d}"].versions.append((_not_held(i), 2, at(28) if i == 36 else at(18)))
    by_code["U07"].versions.append((by_code["U07"].latest | {"non_members": 9}, 2, at(25)))  # amended late
    u20 = by_code["U20"]
    u20.versions.insert(0, (_answers(u20, 20, 1) | {"members_attended": u20.latest["members_attended"] - 2}, 1, at(9)))
    by_code["A04"].versions.append((_answers(by_code["A04"], 3, 2), 2, at(15)))
    by_code["U41"].draft = True
    by_code["U41"].reporter = by_code["U43"].reporter = PersonState.active
    by_code["U42"].reporter = PersonState.unreachable
    for code in ("U01", "U12", "U35"):
        by_code[code].reporter = PersonState.active
    return rows


def _questionnaires(nq15: CampaignSpec) -> tuple[CampaignSpec, CampaignSpec]:
    """The old questionnaire (without NEW_IN_V2) and the current one (with them all)."""
    current = list(nq15.questionnaire)
    have = {q.id for q in current}
    for question_id in sorted(NEW_IN_V2 - have - {"dissemination", "makeup_planned_date"}):
        current.append(Question.model_validate({"id": question_id, "type": "integer", "text": {"vi": question_id}}))
    old = [q for q in current if q.id not in NEW_IN_V2]
    return nq15.model_copy(update={"questionnaire": old}), nq15.model_copy(update={"questionnaire": current})


@pytest.fixture
def rows(database: Database, nq15: CampaignSpec) -> list[Row]:
    inserted = campaign_rows()
    old, current = _questionnaires(nq15)
    with database.session() as session:
        assert campaigns.load_campaign(session, spec=old).questionnaire_version == 1
        assert campaigns.load_campaign(session, spec=current).questionnaire_version == 2
        campaign = campaigns.get_campaign(session, code=nq15.code)
        assert campaign is not None and campaign.id is not None
        ids: dict[str, int] = {}
        for row in inserted:  # parents first: they come before their cells in `inserted`
            unit = Unit(code=row.code, name=row.name, kind=row.kind, member_count=row.members)
            unit.register_order, unit.reports_through_parent = row.order, row.through_parent
            unit.parent_id = ids[row.parent] if row.parent else None
            session.add(unit)
            session.flush()
            assert unit.id is not None
            ids[row.code] = unit.id
        for row in inserted:
            person = _person(session, ids[row.code], row) if row.reporter else None
            for answers, version, when in row.versions:
                submit(session, campaign.id, ids[row.code], person, answers, when, version, DEADLINE)
            if row.draft:
                draft = submissions.get_or_create_submission(
                    session, campaign_id=campaign.id, unit_id=ids[row.code], questionnaire_version=2
                )
                submissions.save_draft(session, submission=draft, answers={"held": "not_yet"}, person_id=person)
    return inserted


def _person(session: Any, unit_id: int, row: Row) -> int:
    assert row.reporter is not None
    person = Person(
        channel=Channel.zalo,
        channel_user_id=f"z-{row.code}",
        chat_id=f"z-{row.code}",
        display_name=f"Bí thư {row.code}",
        role=Role.reporter,
        unit_id=unit_id,
        state=row.reporter,
    )
    session.add(person)
    session.flush()
    assert person.id is not None
    return person.id


@pytest.fixture
def data(database: Database, rows: list[Row]) -> CompiledReport:
    with database.session() as session:
        return compile_report(session, campaign_code="nq15-2022", today=TODAY)


# --- independent counts over the inserted rows ---


def must_report(rows: list[Row]) -> list[Row]:
    return [r for r in rows if not r.through_parent]


def reported(rows: list[Row]) -> list[Row]:
    return [r for r in must_report(rows) if r.versions]


def held(rows: list[Row]) -> list[Row]:
    return [r for r in reported(rows) if r.latest["held"] != "not_yet"]


def vi_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def vi_percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}".replace(".", ",")


def body(data: CompiledReport) -> str:
    return "\n".join(
        sentences.study(data, "vi")
        + sentences.dissemination(data, "vi")
        + sentences.action_program(data, "vi")
        + sentences.timing(data, "vi")
    )


# --- units in their hierarchy ---


def test_only_grassroots_organisations_are_units_and_lists_follow_the_register(
    data: CompiledReport, rows: list[Row]
) -> None:
    units = must_report(rows)
    t = data.totals
    assert (
        (t.units, t.committees, t.cells)
        == (
            len(units),
            sum(r.kind is UnitKind.grassroots_committee for r in units),
            sum(r.kind is UnitKind.grassroots_cell for r in units),
        )
        == (45, 10, 35)
    )
    assert t.affiliated_cells == sum(r.through_parent for r in rows) == 7
    assert t.register_members == sum(r.members for r in units)
    in_register = sorted(units, key=lambda r: (r.order is None, r.order or 0, r.code))
    assert [r.unit.code for r in data.reported] == [r.code for r in in_register if r.versions]
    assert [m.unit.code for m in data.missing] == [r.code for r in in_register if not r.versions]
    assert "A04" not in {v.unit.code for v in data.reported}  # its report does not count: U02 reports for it
    contacts = {m.unit.code: [(p.handle, p.state) for p in m.reporters] for m in data.missing}
    assert contacts == {
        r.code: [(f"z-{r.code}", r.reporter)] if r.reporter else [] for r in in_register if not r.versions
    }
    u01 = next(r.unit for r in data.reported if r.unit.code == "U01")
    assert [c.code for c in data.cells_of(u01.id)] == ["A01", "A02", "A03"]
    assert u01.register_cells == 3
    u03 = next(r.unit for r in data.reported if r.unit.code == "U03")
    assert data.cells_of(u03.id) == [] and u03.register_cells == 0  # U12, its cell, reports on its own
    text = body(data)
    assert "Đảng bộ Khối có 45 TCCSĐ phải báo cáo (10 đảng bộ cơ sở, 35 chi bộ cơ sở; 7 chi bộ trực thuộc" in text


def test_a_committees_affiliated_cells_are_counted_x_of_y(data: CompiledReport, rows: list[Row]) -> None:
    answered = [r for r in reported(rows) if "cells_total" in r.latest]
    cells_held = sum(r.latest["cells_held"] for r in answered)
    cells_total = sum(r.latest["cells_total"] for r in answered)
    t = data.totals
    assert (t.committees_with_cells, t.cells_held, t.cells_total) == (len(answered), cells_held, cells_total)
    assert (cells_held, cells_total) == (5, 6)
    having = {r.parent for r in rows if r.through_parent}
    silent = len(having - {r.code for r in answered})
    assert (t.committees_having_cells, silent) == (len(having), 1)  # U04: reported before its cell was registered
    assert (
        f"Tại 2 đảng bộ cơ sở có chi bộ trực thuộc, {cells_held}/{cells_total} chi bộ trực thuộc đã tổ chức học tập"
        f" ({silent} đảng bộ cơ sở khác có chi bộ trực thuộc chưa nêu số liệu này)."
    ) in body(data)


# --- every unit accounted for ---


def test_each_group_adds_up_to_the_units_that_must_report(data: CompiledReport, rows: list[Row]) -> None:
    units, done = must_report(rows), reported(rows)
    missing = len(units) - len(done)
    t = data.totals
    assert (t.held, t.not_held, t.missing) == (len(held(rows)), len(done) - len(held(rows)), missing) == (34, 5, 6)
    forms = [r.latest.get("dissemination") for r in done]
    disseminated = sum(bool(f) and f != ["none"] for f in forms)
    none = sum(f == ["none"] for f in forms)
    unanswered = sum(f is None for f in forms)
    assert (t.disseminated_units, t.not_disseminated, t.dissemination_unanswered) == (disseminated, none, unanswered)
    assert disseminated + none + unanswered + missing == len(units)
    plans = [r.latest.get("action_plan") for r in done]
    issued, drafting, not_yet = (plans.count(choice) for choice in ("issued", "drafting", "not_yet"))
    assert (t.action_plans["issued"], t.action_plans["drafting"], t.action_plans["not_yet"]) == (
        issued,
        drafting,
        not_yet,
    )
    assert t.action_plans_unanswered == plans.count(None) == 1
    assert issued + drafting + not_yet + plans.count(None) + missing == len(units)

    text = body(data)
    assert f"có 34/45 TCCSĐ (đạt {vi_percent(34, 45)}%) đã tổ chức học tập" in text
    assert "5 TCCSĐ đã báo cáo nhưng chưa tổ chức" in text and "6 TCCSĐ chưa báo cáo." in text
    assert f"có {disseminated}/45 TCCSĐ đã tuyên truyền Nghị quyết" in text
    assert f"{none} TCCSĐ chưa tuyên truyền, {unanswered} TCCSĐ không nêu nội dung này, 6 TCCSĐ chưa báo cáo." in text
    assert f"có {issued}/45 TCCSĐ (đạt {vi_percent(issued, 45)}%) đã ban hành chương trình hành động" in text
    assert f"đang xây dựng: {drafting} đơn vị, chưa ban hành: {not_yet} đơn vị." in text
    assert "1 TCCSĐ không nêu nội dung này, 6 TCCSĐ chưa báo cáo." in text


# --- attendance, with its denominators ---


def test_attendance_among_the_units_that_held_it_and_against_the_whole_register(
    data: CompiledReport, rows: list[Row]
) -> None:
    attended = sum(r.latest["members_attended"] for r in held(rows))
    eligible = sum(r.latest["members_total"] - r.latest["members_exempt"] for r in held(rows))
    exempt = sum(r.latest["members_exempt"] for r in held(rows))
    register = sum(r.members for r in must_report(rows))
    t = data.totals
    assert (t.members_attended, t.members_eligible, t.members_exempt, t.register_members) == (
        attended,
        eligible,
        exempt,
        register,
    )
    assert t.attendance_rate == pytest.approx(attended / eligible)
    assert t.register_attendance_rate == pytest.approx(attended / register)
    assert register > eligible  # the register holds the units that did not hold it: the two rates differ
    # The appendix's row rate has the body's denominator: attended / (members − exempt), shown as eligible.
    for report in data.held:
        answers = next(r.latest for r in rows if r.code == report.unit.code)
        assert report.members_eligible == answers["members_total"] - answers["members_exempt"]
    assert (
        f"Số đảng viên tham gia học tập: {vi_number(attended)} đồng chí, đạt {vi_percent(attended, eligible)}%"
        f" trên tổng số {vi_number(eligible)} đảng viên của các TCCSĐ đã tổ chức học tập (không tính"
        f" {exempt} đảng viên được miễn sinh hoạt) và đạt {vi_percent(attended, register)}% trên tổng số"
        f" {vi_number(register)} đảng viên của toàn Đảng bộ Khối theo sổ"
    ) in body(data)


def test_the_appendix_totals_use_the_bodys_denominators(data: CompiledReport, rows: list[Row]) -> None:
    cols = appendix.columns(data, "vi")
    fields = [col.field for col in cols]
    totals = dict(zip(fields, appendix.totals(data, cols, "vi"), strict=True))
    t = data.totals
    issued = sum(r.latest.get("action_plan") == "issued" for r in reported(rows))
    assert totals["attendance_rate"] == pytest.approx(t.attendance_rate)
    assert totals["action_program"] == appendix.Share(issued, len(must_report(rows)))  # x of every TCCSĐ, as the body
    assert totals["members_attended"] == t.members_attended
    assert totals["absent"] == t.absent
    assert {r: totals[f"absent_{r}"] for r in REASONS} == {r: t.absent_by_reason[r] for r in REASONS}
    assert (totals["cells_held"], totals["cells_total"]) == (t.cells_held, t.cells_total)
    # A row's rate is attended / (members − exempt), and both numbers it is made of are columns of the table.
    assert {"members_attended", "members_total", "members_exempt"} <= set(fields)


# --- absence, in people ---


def test_absence_reasons_are_people_and_add_up_to_the_absent(data: CompiledReport, rows: list[Row]) -> None:
    by_reason: dict[str, int] = {}
    uncounted_units = uncounted_people = absent_total = 0
    for row in held(rows):
        a = row.latest
        absent = a["members_total"] - a["members_exempt"] - a["members_attended"]
        absent_total += absent
        counts = {reason: a[f"absent_{reason}"] for reason in REASONS if f"absent_{reason}" in a}
        if absent and not counts:
            uncounted_units += 1
            uncounted_people += absent
        for reason, people in counts.items():
            by_reason[reason] = by_reason.get(reason, 0) + people
    t = data.totals
    assert t.absent == absent_total
    assert dict(t.absent_by_reason) == by_reason
    assert (t.units_absent_uncounted, t.absent_uncounted) == (uncounted_units, uncounted_people)
    assert uncounted_units > 0 and len(by_reason) >= 3
    assert sum(t.absent_by_reason.values()) + t.absent_uncounted == t.absent
    labels = {
        "sick": "ốm đau",
        "business": "đi công tác",
        "study": "đi học",
        "maternity": "thai sản",
        "other": "lý do khác",
    }
    items = ", ".join(f"{labels[r]} {by_reason[r]} đồng chí" for r in REASONS if r in by_reason)
    units_absent = sum(
        r.latest["members_total"] - r.latest["members_exempt"] - r.latest["members_attended"] > 0 for r in held(rows)
    )
    assert (
        f"Số đảng viên vắng: {absent_total} đồng chí tại {units_absent} TCCSĐ, trong đó: {items};"
        f" {uncounted_units} TCCSĐ không nêu số người theo lý do ({uncounted_people} đồng chí vắng)."
    ) in body(data)
    made_up = sum(r.latest.get("makeup") is True for r in held(rows))
    assert f"{made_up}/{units_absent} TCCSĐ có đảng viên vắng đã tổ chức học bù." in body(data)


# --- presenters ---


def test_presenters_are_counted_once_each_however_the_units_wrote_them(data: CompiledReport, rows: list[Row]) -> None:
    named = [r for r in held(rows) if r.latest.get("presenter")]
    assert len(data.presenters) == data.totals.presenters == len(PRESENTERS)
    assert {p.name for p in data.presenters} == {
        "Nguyễn Văn An", "Lê Thị Cúc", "Phạm Văn Dũng", "Trần Thị Bình", "Hoàng Minh Đức", "Vũ Ngọc Hà",
    }  # fmt: skip
    assert sum(len(p.units) for p in data.presenters) == len(named)
    an = next(p for p in data.presenters if p.name == "Nguyễn Văn An")
    assert {u.code for u in an.units} == {r.code for r in named if presenter_name(r.latest["presenter"]) == an.name}
    cuc = next(p for p in data.presenters if p.name == "Lê Thị Cúc")
    assert sorted(an.positions) == ["Bí thư", "Bí thư Đảng ủy"]
    # "Phó Bí thư" twice (once in brackets), "phó bí thư chi bộ": each wording once, whatever its case
    assert len(cuc.positions) == 2 and {p.casefold() for p in cuc.positions} == {"phó bí thư", "phó bí thư chi bộ"}
    text = body(data)
    assert f"Báo cáo viên: 6 đồng chí, trình bày tại {len(named)} TCCSĐ (" in text
    assert "XLSX" not in text and "bảng tổng hợp" not in text


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("đ/c  NGUYỄN văn an, Bí thư", "Nguyễn Văn An"),
        ("Đồng chí Nguyễn Văn An - Bí thư chi bộ", "Nguyễn Văn An"),
        ("PGS.TS. Lê Thị Cúc (Trưởng khoa)", "Lê Thị Cúc"),
        ("Đ/c: Trần  Thị Bình.", "Trần Thị Bình"),
        ("Ông Nguyễn Văn An", "Nguyễn Văn An"),
        ("Ông Ích Khiêm", "Ông Ích Khiêm"),  # "Ông" is the surname of a three-word name
        ("- Vũ Ngọc Hà: Bí thư", "Vũ Ngọc Hà"),
        ("Báo cáo viên: đ/c Vũ Ngọc Hà, Bí thư", "Vũ Ngọc Hà"),
        ("BCV - Vũ Ngọc Hà", "Vũ Ngọc Hà"),
    ],
)
def test_a_presenters_name_is_read_without_title_position_case_or_spacing(written: str, name: str) -> None:
    assert presenter_name(written) == name


# --- timing ---


def test_timing_by_the_units_deadline_and_within_its_quarter(data: CompiledReport, rows: list[Row]) -> None:
    done = reported(rows)
    on_time = sum(r.first_at.date() <= DEADLINE for r in done)
    within = sum(r.first_at.date() <= QUARTER_END for r in done)
    last_dates = [max(date.fromisoformat(d) for d in r.latest["session_dates"]) for r in held(rows)]
    t = data.totals
    assert (t.reported_on_time, t.late, t.reported_within_quarter) == (on_time, len(done) - on_time, within)
    assert (t.held_by_deadline, t.held_within_quarter) == (
        sum(d <= DEADLINE for d in last_dates),
        sum(d <= QUARTER_END for d in last_dates),
    )
    assert (t.quarter, t.quarter_end) == ((3, 2022), QUARTER_END)
    assert t.late == 4 and within == len(done) - 1  # U25 reported in October
    paragraphs = sentences.timing(data, "vi")
    assert paragraphs[0] == (
        f"Tính đến ngày 05/10/2022, {on_time}/45 TCCSĐ gửi báo cáo đúng hạn (đến ngày 20/09/2022), 4 TCCSĐ gửi"
        f" báo cáo muộn, 6 TCCSĐ chưa báo cáo; {within}/45 TCCSĐ đã gửi báo cáo trong Quý III/2022."
    )
    assert paragraphs[1] == (
        f"{sum(d <= DEADLINE for d in last_dates)}/45 TCCSĐ hoàn thành học tập, quán triệt đến ngày 20/09/2022;"
        f" {sum(d <= QUARTER_END for d in last_dates)}/45 TCCSĐ hoàn thành trong Quý III/2022."
    )


def test_amended_reports_count_by_their_latest_version_and_their_first_time(
    data: CompiledReport, rows: list[Row]
) -> None:
    by_code = {r.unit.code: r for r in data.reported}
    assert data.totals.amended == sum(len(r.versions) > 1 for r in reported(rows)) == 2
    assert not by_code["U07"].late  # first sent on time, amended after the deadline
    u20 = next(r for r in rows if r.code == "U20")
    assert by_code["U20"].latest.number("members_attended") == u20.latest["members_attended"]
    assert by_code["U20"].absent_by_reason is not None  # the amended version carries counts


# --- the units' notes ---


def test_the_notes_digest_groups_similar_points_and_counts_units(data: CompiledReport, rows: list[Row]) -> None:
    writers = [r for r in reported(rows) if r.latest.get("proposals")]
    supply = {r.code for r in writers if r.latest["proposals"] in PROPOSALS["supply"]}
    training = {r.code for r in writers if r.latest["proposals"] in PROPOSALS["training"]}
    points, wrote = notes.digest(data, "proposals")
    assert wrote == len(writers)
    assert [(p.units) for p in points[:2]] == [len(supply), len(training)]
    assert points[0].text in {p.rstrip(".") for p in PROPOSALS["supply"]}
    assert points[1].text in {p.rstrip(".") for p in PROPOSALS["training"]}
    digest = sentences.notes_digest(data, data.spec.report.proposals.notes[0], "vi")
    assert digest[0] == f"Qua báo cáo của {len(writers)}/45 TCCSĐ có ý kiến, các ý kiến được nêu nhiều nhất:"
    assert digest[1] == f"- {points[0].text} ({len(supply)} TCCSĐ)."
    assert all("Ban biên tập" not in line for line in digest)
    assert len(digest) <= 1 + notes.LIMIT
    assert [unit for unit, _ in notes.written(data, "proposals")] == [
        r.unit.name for r in data.reported if r.latest.value("proposals")
    ]


def test_a_note_is_split_into_points() -> None:
    assert notes.points("1. Đề nghị cấp tài liệu; 2) Tập huấn báo cáo viên. Thời gian gấp\n- Tổ chức tốt.") == [
        "Đề nghị cấp tài liệu",
        "Tập huấn báo cáo viên",
        "Thời gian gấp",
        "Tổ chức tốt",
    ]


# --- the body as a whole ---


def test_the_body_names_no_file_format_and_no_editing_hint(data: CompiledReport) -> None:
    text = body(data) + "\n".join(
        line for part in data.spec.report.assessment.notes for line in sentences.notes_digest(data, part, "vi")
    )
    assert not re.search(r"XLSX|DOCX|Excel|Ban biên tập|trước khi ký", text)
    assert "gửi báo cáo sau hạn" not in "\n".join(sentences.study(data, "vi"))  # timing says it once


def test_the_sentences_still_speak_english_when_asked(data: CompiledReport) -> None:
    text = "\n".join(sentences.study(data, "en") + sentences.timing(data, "en"))
    assert "34/45 units" in text and "đồng chí" not in text and "TCCSĐ" not in text
