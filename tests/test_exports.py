"""The compiled report: a campaign with known numbers, exported, then read back with openpyxl and python-docx.

Eight units: one reported on time (under the first questionnaire), one late, one amended (its second version
under a questionnaire that dropped the essays question), one that reported it has not held the session yet,
one with only a draft, one with nobody enrolled, one whose reporter blocked the bot, one enrolled and silent.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.exports import build_docx, build_xlsx, export_files
from bot.exports.appendix import AppendixFieldError
from bot.exports.docx import place_and_date
from bot.texts import said
from storage import campaigns, submissions, units
from storage.campaign_spec import CampaignSpec
from storage.compiled import CompiledReport, ReporterState, UnknownCampaign, compile_report
from storage.database import Database
from storage.models import Channel, Person, PersonState, Role, UnitBase, UnitKind
from tests.dialogue import statements

TODAY = date(2022, 10, 5)  # the campaign closes today: still in progress
CELL, COMMITTEE = UnitKind.grassroots_cell, UnitKind.grassroots_committee
UNITS = [
    ("U01", "Chi bộ Sở Tư pháp", CELL, 40),
    ("U02", "Đảng bộ Sở Y tế", COMMITTEE, 120),
    ("U03", "Chi bộ Sở Tài chính", CELL, 30),
    ("U04", "Chi bộ Sở Xây dựng", CELL, 25),
    ("U05", "Chi bộ Sở Nội vụ", CELL, 18),
    ("U06", "Đảng bộ Sở Giáo dục", COMMITTEE, 200),
    ("U07", "Chi bộ Sở Công Thương", CELL, 22),
    ("U08", "Chi bộ Sở Ngoại vụ", CELL, 12),
]
ON_TIME = {  # U01, under questionnaire 1
    "held": "self_organised",
    "session_dates": ["2022-09-15"],
    "format": "in_person",
    "sessions": 1,
    "presenter": "Nguyễn Văn An, Bí thư chi bộ",
    "members_total": 40,
    "members_exempt": 2,
    "members_attended": 36,
    "key_officials": 5,
    "absent_reasons": ["sick", "business"],
    "makeup": True,
    "makeup_date": "2022-09-18",
    "non_members": 3,
    "essays": 30,
    "action_plan": "issued",
    "action_plan_number": "05-KH/CB",
    "action_plan_date": "2022-09-10",
    "dissemination": ["website", "social_media"],
    "dissemination_items": 4,
    "strengths": "Tổ chức nghiêm túc, đúng kế hoạch.",
    "proposals": "Đề nghị cung cấp thêm tài liệu hỏi đáp.",
}
LATE = {  # U02, after the deadline
    "held": "with_bloc",
    "session_dates": ["2022-09-19"],
    "format": "hybrid",
    "video_sites": 3,
    "sessions": 2,
    "presenter": "Lê Thị Cúc, Phó Bí thư Đảng ủy",
    "members_total": 120,
    "members_exempt": 0,
    "members_attended": 120,
    "key_officials": 12,
    "non_members": 10,
    "action_plan": "drafting",
    "dissemination": ["bulletin"],
    "dissemination_items": 2,
    "weaknesses": "=Thời gian gấp",  # a reporter's text that looks like a formula
}
AMENDED_V1 = {  # U03, under questionnaire 1
    "held": "self_organised",
    "session_dates": ["2022-09-16"],
    "format": "online",
    "video_sites": 1,
    "sessions": 1,
    "presenter": "Phạm Văn Dũng, Bí thư chi bộ",
    "members_total": 30,
    "members_exempt": 0,
    "members_attended": 25,
    "key_officials": 4,
    "absent_reasons": ["study"],
    "makeup": False,
    "non_members": 0,
    "essays": 25,
    "action_plan": "not_yet",
    "dissemination": ["none"],
}
AMENDED_V2 = {k: v for k, v in AMENDED_V1.items() if k != "essays"} | {"members_attended": 28}
NOT_HELD = {  # U07
    "held": "not_yet",
    "planned_date": "2022-09-30",
    "not_held_reason": "Chờ tài liệu",
    "action_plan": "not_yet",
    "dissemination": ["meetings"],
    "dissemination_items": 0,
}


def at(day: int, month: int = 9, hour: int = 2) -> datetime:
    return datetime(2022, month, day, hour, 0, tzinfo=UTC)  # 09:00 in Hà Nội


@pytest.fixture
def campaign(database: Database, nq15: CampaignSpec) -> str:
    """The NQ 15 campaign with the eight units and their reports; its code."""
    with database.session() as session:
        campaigns.load_campaign(session, spec=nq15)
        rows = [
            units.UnitRow(
                line=i, unit=UnitBase(code=code, name=name, kind=kind, member_count=members), parent_code=None
            )
            for i, (code, name, kind, members) in enumerate(UNITS, start=2)
        ]
        units.import_units(session, rows=rows, source="test")
    with database.session() as session:
        campaign_id = campaigns.get_campaign(session, code=nq15.code).id  # type: ignore[union-attr]
        ids = {u.code: u.id for u in units.list_units(session)}
        people = {
            name: _person(session, ids[unit], name, state)
            for unit, name, state in [
                ("U01", "Nguyễn Văn An", PersonState.active),
                ("U02", "Lê Thị Cúc", PersonState.active),
                ("U03", "Phạm Văn Dũng", PersonState.active),
                ("U03", "Trần Thị Bình", PersonState.active),
                ("U04", "Hoàng Văn Em", PersonState.active),
                ("U06", "Đỗ Văn Phúc", PersonState.unreachable),
                ("U07", "Vũ Thị Giang", PersonState.active),
                ("U08", "Bùi Văn Hải", PersonState.active),
            ]
        }

        def send(unit: str, answers: dict[str, Any], who: str, when: datetime, *, version: int = 1) -> None:
            submit(session, campaign_id, ids[unit], people[who], answers, when, version, nq15.report_deadline)

        send("U01", ON_TIME, "Nguyễn Văn An", at(15))
        send("U03", AMENDED_V1, "Phạm Văn Dũng", at(16))
        # The board switches the essays question off: a second questionnaire.
        edited = nq15.model_copy(update={"questionnaire": [q for q in nq15.questionnaire if q.id != "essays"]})
        assert campaigns.load_campaign(session, spec=edited).questionnaire_version == 2
        send("U03", AMENDED_V2, "Trần Thị Bình", at(18), version=2)
        send("U07", NOT_HELD, "Vũ Thị Giang", at(19), version=2)
        send("U02", LATE, "Lê Thị Cúc", at(22), version=2)
        draft(session, campaign_id, ids["U04"], people["Hoàng Văn Em"])
    return nq15.code


def submit(
    session: Any,
    campaign_id: int,
    unit_id: int | None,
    person_id: int | None,
    answers: dict[str, Any],
    when: datetime,
    version: int,
    deadline: date,
) -> None:
    """A unit's report submitted at `when` under questionnaire `version` (late after `deadline`; no person: sent
    from the command line)."""
    assert unit_id is not None
    submission = submissions.get_or_create_submission(
        session, campaign_id=campaign_id, unit_id=unit_id, questionnaire_version=version
    )
    submissions.submit(
        session,
        submission=submission,
        answers=answers,
        questionnaire_version=version,
        person_id=person_id,
        late=when.date() > deadline,
        now=when,
    )


def draft(session: Any, campaign_id: int, unit_id: int | None, person_id: int) -> None:
    """A draft of three answers (questionnaire 2), not submitted."""
    assert unit_id is not None
    submission = submissions.get_or_create_submission(
        session, campaign_id=campaign_id, unit_id=unit_id, questionnaire_version=2
    )
    submissions.save_draft(
        session,
        submission=submission,
        answers={"held": "self_organised", "session_dates": ["2022-09-20"], "format": "in_person"},
        person_id=person_id,
    )


def _person(
    session: Any,
    unit_id: int | None,
    name: str,
    state: PersonState,
    channel: Channel = Channel.telegram,
    handle: str | None = None,
) -> int:
    """A reporter of the unit; their account on the channel is their name unless `handle` is given."""
    person = Person(
        channel=channel,
        channel_user_id=handle or name,
        chat_id=handle or name,
        display_name=name,
        role=Role.reporter,
        unit_id=unit_id,
        state=state,
    )
    session.add(person)
    session.flush()
    assert person.id is not None
    return person.id


@pytest.fixture
def data(database: Database, campaign: str) -> CompiledReport:
    with database.session() as session:
        return compile_report(session, campaign_code=campaign, today=TODAY)


# --- the figures ---


def test_the_totals_count_units_members_and_answers_of_each_units_latest_version(data: CompiledReport) -> None:
    t = data.totals
    assert (t.units, t.reported, t.held, t.not_held, t.missing) == (8, 4, 3, 1, 4)
    assert (t.late, t.amended) == (1, 1)
    assert (t.members_total, t.members_exempt, t.members_eligible, t.members_attended) == (190, 2, 188, 184)
    assert t.attendance_rate == pytest.approx(184 / 188)
    assert (t.key_officials, t.non_members, t.essays, t.sessions, t.video_sites) == (21, 13, 30, 4, 4)
    assert dict(t.formats) == {"in_person": 1, "hybrid": 1, "online": 1}
    assert dict(t.held_by) == {"self_organised": 2, "with_bloc": 1}
    assert (t.absent, t.units_with_absent, t.makeup_units) == (4, 2, 1)
    assert dict(t.absent_reasons) == {"sick": 1, "business": 1, "study": 1}
    assert dict(t.action_plans) == {"issued": 1, "drafting": 1, "not_yet": 2}
    assert (t.disseminated_units, t.dissemination_items) == (3, 6)


def test_units_not_reported_carry_their_reporters_state(data: CompiledReport) -> None:
    states = {m.unit.code: (m.state, m.draft_answers) for m in data.missing}
    assert states == {
        "U04": (ReporterState.draft, 3),
        "U05": (ReporterState.none, 0),
        "U06": (ReporterState.unreachable, 0),
        "U08": (ReporterState.enrolled, 0),
    }


def test_old_answers_are_read_with_the_questionnaire_they_were_given_under(data: CompiledReport) -> None:
    by_unit = {r.unit.code: r for r in data.reported}
    assert by_unit["U01"].latest.questionnaire_version == 1 and by_unit["U01"].latest.value("essays") == 30
    assert by_unit["U03"].latest.questionnaire_version == 2 and by_unit["U03"].latest.value("essays") is None
    assert [(v.unit.code, v.version, v.sender) for v in data.versions if v.unit.code == "U03"] == [
        ("U03", 1, "Phạm Văn Dũng"),
        ("U03", 2, "Trần Thị Bình"),
    ]
    assert "essays" in [q.id for q in data.all_questions]  # a column for the answers given before it was dropped


def test_the_compiled_data_takes_a_fixed_number_of_queries(database: Database, campaign: str) -> None:
    with statements(database) as sent, database.session() as session:
        compile_report(session, campaign_code=campaign, today=TODAY)
    assert len(sent) <= 6  # campaign, questionnaires, units, versions, reporters, drafts


def test_an_unknown_campaign_is_one_clear_error(database: Database) -> None:
    with database.session() as session, pytest.raises(UnknownCampaign, match="nq99"):
        compile_report(session, campaign_code="nq99", today=TODAY)


# --- the XLSX ---


def _workbook(data: CompiledReport, language: str = "vi") -> Any:
    return load_workbook(io.BytesIO(build_xlsx(data, language=language, today=TODAY)))


def _rows(sheet: Worksheet) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _by_header(sheet: Worksheet, header_row: int) -> list[dict[str, Any]]:
    """The rows under a sheet's header row as {header: value}."""
    rows = _rows(sheet)[header_row - 1 :]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_appendix_sheet_has_a_row_per_unit_of_the_register_and_the_totals(data: CompiledReport) -> None:
    book = _workbook(data)
    assert book.sheetnames == ["Phụ lục", "Báo cáo viên", "Chưa báo cáo", "Các lần gửi"]
    sheet = book["Phụ lục"]
    rows = _rows(sheet)
    assert rows[0][0] == "PHỤ LỤC"
    assert rows[2][0] == "(Tính đến ngày 05/10/2022)"
    assert rows[3][:5] == ["STT", "Tên TCCSĐ", "Loại", "Báo cáo", "Học tập, quán triệt"]
    table = _by_header(sheet, 4)
    assert [(r["STT"], r["Tên TCCSĐ"], r["Báo cáo"]) for r in table[:8]] == [
        (1, "Chi bộ Sở Tư pháp", "Đã báo cáo"),
        (2, "Đảng bộ Sở Y tế", "Báo cáo muộn"),
        (3, "Chi bộ Sở Tài chính", "Đã báo cáo"),
        (4, "Chi bộ Sở Xây dựng", "Chưa báo cáo"),  # a draft, not "đang soạn"
        (5, "Chi bộ Sở Nội vụ", "Chưa báo cáo"),
        (6, "Đảng bộ Sở Giáo dục", "Chưa báo cáo"),  # its reporter blocked the bot: not said here
        (7, "Chi bộ Sở Công Thương", "Đã báo cáo"),
        (8, "Chi bộ Sở Ngoại vụ", "Chưa báo cáo"),
    ]
    u01, u02, u03, u04, u07 = table[0], table[1], table[2], table[3], table[6]
    figures = ["Ngày học", "Hình thức", "Tổng ĐV", "ĐV miễn SH", "ĐV dự", "% ĐV dự / (Tổng ĐV − miễn SH)"]
    figures += ["CB chủ chốt", "ĐV vắng", "Học bù", "Quần chúng", "Bài thu hoạch", "CTHĐ/KH"]
    assert [u01[f] for f in figures] == [
        datetime(2022, 9, 15), "Trực tiếp", 40, 2, 36, pytest.approx(36 / 38), 5, 2, "Có (18/09/2022)", 3, 30,
        "05-KH/CB, 10/09/2022",
    ]  # fmt: skip
    assert u01["Ghi chú"] == "Lý do vắng: Ốm đau, Đi công tác (không có số người theo lý do)"
    assert [u02[f] for f in figures] == [
        datetime(2022, 9, 19), "Kết hợp trực tiếp và trực tuyến (3 điểm cầu)", 120, 0, 120, 1.0, 12, 0, None, 10,
        None, "Đang xây dựng",
    ]  # fmt: skip
    assert (u02["Học tập, quán triệt"], u02["Ghi chú"]) == ("Đã học cùng hội nghị cấp Khối", None)
    assert (u03["ĐV dự"], u03["ĐV vắng"], u03["Học bù"]) == (28, 2, "Chưa")
    assert u03["Ghi chú"] == "Lý do vắng: Đi học (không có số người theo lý do); Đã sửa (lần 2)"
    assert [v for k, v in u04.items() if k not in ("STT", "Tên TCCSĐ", "Loại", "Báo cáo")] == [None] * (len(u04) - 4)
    assert (u07["Học tập, quán triệt"], u07["CTHĐ/KH"]) == ("Chưa tổ chức", "Chưa ban hành")
    assert (u07["Ngày học"], u07["ĐV vắng"], u07["Ghi chú"]) == (None, None, "Dự kiến: 30/09/2022. Chờ tài liệu")
    total, whole = table[8], table[9]
    assert (total["Tên TCCSĐ"], whole["Tên TCCSĐ"]) == ("Tổng cộng", "Trên tổng số")
    assert [total[f] for f in figures[2:]] == [190, 2, 184, pytest.approx(184 / 188), 21, 4, 1, 13, 30, 1]
    # x of y: 4 of the 8 units reported, 3 held it, 1 of the 2 with absent members made up, 1 of 8 issued a plan
    assert [(total[f], whole[f]) for f in ("Báo cáo", "Học tập, quán triệt", "Học bù", "CTHĐ/KH")] == [
        (4, 8), (3, 8), (1, 2), (1, 8),
    ]  # fmt: skip
    assert sheet.cell(row=13, column=11).number_format == "0.00%"
    assert sheet.cell(row=5, column=11).number_format == "0.00%"
    assert sheet.cell(row=5, column=6).number_format == "dd/mm/yyyy"
    assert sheet.cell(row=13, column=2).font.b and sheet.cell(row=4, column=1).font.b
    assert sheet.freeze_panes == "C5"
    assert sheet.column_dimensions["B"].width == 21
    assert len(rows) == 14  # nothing after the totals' denominators


def test_the_not_reported_sheet_lists_each_unit_with_whom_to_call(data: CompiledReport) -> None:
    sheet = _workbook(data)["Chưa báo cáo"]
    rows = _rows(sheet)
    assert rows[0] == [
        "STT", "Mã đơn vị", "Tên TCCSĐ", "Loại", "ĐV theo sổ", "Người báo cáo", "Kênh liên lạc",
        "Tài khoản trên kênh", "Liên lạc", "Số câu đã trả lời (nháp)",
    ]  # fmt: skip
    assert rows[1:] == [
        [1, "U04", "Chi bộ Sở Xây dựng", "CBCS", 25, "Hoàng Văn Em", "Telegram", "Hoàng Văn Em",
         "Nhắn tin được qua bot", 3],
        [2, "U05", "Chi bộ Sở Nội vụ", "CBCS", 18, None, None, None, "Chưa có người báo cáo", 0],
        [3, "U06", "Đảng bộ Sở Giáo dục", "ĐBCS", 200, "Đỗ Văn Phúc", "Telegram", "Đỗ Văn Phúc",
         "Đã chặn bot: liên lạc trực tiếp", 0],
        [4, "U08", "Chi bộ Sở Ngoại vụ", "CBCS", 12, "Bùi Văn Hải", "Telegram", "Bùi Văn Hải",
         "Nhắn tin được qua bot", 0],
    ]  # fmt: skip
    assert sheet.freeze_panes == "A2"


def test_the_versions_sheet_has_every_version_with_its_time_sender_and_answers(data: CompiledReport) -> None:
    sheet = _workbook(data)["Các lần gửi"]
    rows = _rows(sheet)
    header = rows[0]
    assert header[:7] == [
        "Mã đơn vị",
        "Tên TCCSĐ",
        "Lần gửi",
        "Phiên bản câu hỏi",
        "Thời gian gửi",
        "Người gửi",
        "Sau hạn",
    ]
    assert [(r[0], r[2], r[3], r[5], r[6]) for r in rows[1:]] == [
        ("U01", 1, 1, "Nguyễn Văn An", None),
        ("U02", 1, 2, "Lê Thị Cúc", "Có"),
        ("U03", 1, 1, "Phạm Văn Dũng", None),
        ("U03", 2, 2, "Trần Thị Bình", None),
        ("U07", 1, 2, "Vũ Thị Giang", None),
    ]
    assert rows[1][4] == datetime(2022, 9, 15, 9, 0)  # local time, Hà Nội
    assert sheet.cell(row=2, column=5).number_format == "dd/mm/yyyy hh:mm"
    column = {name: i for i, name in enumerate(header)}
    assert [r[column["Đảng viên tham gia"]] for r in rows[1:]] == [36, 120, 25, 28, None]
    assert [r[column["Bài thu hoạch"]] for r in rows[1:]] == [30, None, 25, None, None]
    assert rows[1][column["Lý do vắng"]] == "Ốm đau, Đi công tác"
    assert rows[1][column["Học bù"]] == "Có"
    weaknesses = sheet.cell(row=3, column=column["Hạn chế, khó khăn"] + 1)
    assert (weaknesses.value, weaknesses.data_type) == ("=Thời gian gấp", "s")  # text, never a formula


def test_the_workbook_speaks_english_when_asked(data: CompiledReport) -> None:
    book = _workbook(data, "en")
    assert book.sheetnames == ["Appendix", "Presenters", "Not reported", "Submitted versions"]
    rows = _rows(book["Appendix"])
    assert rows[3][:3] == ["STT", "Tên TCCSĐ", "Loại"]  # the default headers are Vietnamese only
    assert rows[4][3] == "Reported"
    assert (rows[12][1], rows[13][1]) == ("Total", "Out of")


# --- the DOCX ---


def _document(data: CompiledReport, today: date = TODAY) -> Any:
    return Document(io.BytesIO(build_docx(data, language="vi", today=today)))


def _text(document: Any) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def test_the_report_has_the_header_table_of_the_party_format(data: CompiledReport) -> None:
    document = _document(data)
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert document.styles["Normal"].font.size.pt == 14
    header = document.tables[0]
    left, right = (cell.paragraphs for cell in (header.rows[0].cells[0], header.rows[0].cells[2]))
    assert [p.text for p in left] == ["ĐẢNG ỦY KHỐI", "CÁC CƠ QUAN TỈNH", "BAN TUYÊN GIÁO", "*"]
    assert left[2].runs[0].bold
    assert header.rows[1].cells[0].text == "Số    -BC/BTGĐUK"
    party = right[0].runs[0]
    assert (party.text, party.bold, party.underline) == ("ĐẢNG CỘNG SẢN VIỆT NAM", True, True)
    place = header.rows[1].cells[2].paragraphs[0].runs[0]
    assert (place.text, place.italic) == ("Thành phố, ngày 05 tháng 10 năm 2022", True)
    assert "w:tblBorders" not in header._tbl.xml  # borderless


def test_the_place_and_date_line_puts_a_zero_before_small_days_and_months_1_and_2() -> None:
    assert place_and_date("Hà Nội", date(2023, 2, 3), "vi") == "Hà Nội, ngày 03 tháng 02 năm 2023"
    assert place_and_date("Hà Nội", date(2022, 9, 5), "vi") == "Hà Nội, ngày 05 tháng 9 năm 2022"
    assert place_and_date("Hà Nội", date(2022, 12, 25), "vi") == "Hà Nội, ngày 25 tháng 12 năm 2022"


def test_the_report_writes_the_figures_the_vietnamese_way_as_of_today(data: CompiledReport) -> None:
    text = _text(_document(data))
    for expected in (
        "BÁO CÁO",
        "kết quả học tập, quán triệt, tuyên truyền và triển khai thực hiện Nghị quyết số 15-NQ/TW",
        "Thực hiện Kế hoạch của Ban Thường vụ Đảng ủy Khối",
        "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO",
        "II. KẾT QUẢ HỌC TẬP, QUÁN TRIỆT NGHỊ QUYẾT",
        "Tính đến ngày 05/10/2022, có 3/8 TCCSĐ (đạt 37,50%) đã tổ chức học tập, quán triệt Nghị quyết"
        " (trong đó: đã tự tổ chức: 2 đơn vị, đã học cùng hội nghị cấp Khối: 1 đơn vị).",
        "1 TCCSĐ đã báo cáo nhưng chưa tổ chức (Chi bộ Sở Công Thương).",
        "4 TCCSĐ chưa báo cáo.",
        "Đảng bộ Khối có 8 TCCSĐ phải báo cáo (2 đảng bộ cơ sở, 6 chi bộ cơ sở).",
        "Tính đến ngày 05/10/2022, 3/8 TCCSĐ gửi báo cáo đúng hạn (đến ngày 20/09/2022), 1 TCCSĐ gửi báo cáo muộn,"
        " 4 TCCSĐ chưa báo cáo; 4/8 TCCSĐ đã gửi báo cáo trong Quý III/2022.",
        "Số đảng viên tham gia học tập: 184 đồng chí, đạt 97,87% trên tổng số 188 đảng viên của các TCCSĐ đã tổ chức"
        " học tập (không tính 2 đảng viên được miễn sinh hoạt) và đạt 39,40% trên tổng số 467 đảng viên của toàn"
        " Đảng bộ Khối theo sổ; trong đó cán bộ chủ chốt: 21 đồng chí.",
        "Số quần chúng tham dự: 13 người.",
        "Số bài thu hoạch: 30 bài.",
        "tổng số 4 buổi (hội nghị), 4 điểm cầu trực tuyến.",
        "Báo cáo viên: 3 đồng chí, trình bày tại 3 TCCSĐ (Nguyễn Văn An, Lê Thị Cúc, Phạm Văn Dũng).",
        # Both units with absent members answered without counts by reason: none is guessed.
        "Số đảng viên vắng: 4 đồng chí tại 2 TCCSĐ; 2 TCCSĐ không nêu số người theo lý do (4 đồng chí vắng).",
        "1/2 TCCSĐ có đảng viên vắng đã tổ chức học bù.",
        "III. CÔNG TÁC TUYÊN TRUYỀN",
        "Tính đến ngày 05/10/2022, có 3/8 TCCSĐ đã tuyên truyền Nghị quyết",
        "tổng số 6 tin, bài.",
        "1 TCCSĐ chưa tuyên truyền, 4 TCCSĐ chưa báo cáo.",
        "Qua báo cáo của 1/8 TCCSĐ có ý kiến, các ý kiến được nêu nhiều nhất:",
        "- Tổ chức nghiêm túc, đúng kế hoạch (1 TCCSĐ).",
        "Tính đến ngày 05/10/2022, có 1/8 TCCSĐ (đạt 12,50%) đã ban hành chương trình hành động, kế hoạch thực hiện"
        " Nghị quyết; đang xây dựng: 1 đơn vị, chưa ban hành: 2 đơn vị. 4 TCCSĐ chưa báo cáo.",
        "VI. ĐÁNH GIÁ CHUNG",
        "- Chi bộ Sở Tư pháp: Tổ chức nghiêm túc, đúng kế hoạch.",
        "- Đảng bộ Sở Y tế: =Thời gian gấp",
        "VII. KIẾN NGHỊ, ĐỀ XUẤT",
        "- Chi bộ Sở Tư pháp: Đề nghị cung cấp thêm tài liệu hỏi đáp.",
        "PHỤ LỤC",
        "(Kèm theo Báo cáo số    -BC/BTGĐUK, ngày 05/10/2022)",
    ):
        assert expected in text, expected
    assert text.index("1. Ưu điểm") < text.index("2. Hạn chế, nguyên nhân") < text.index("VII. KIẾN NGHỊ")


def test_a_closed_campaign_is_reported_without_as_of(data: CompiledReport, database: Database, campaign: str) -> None:
    with database.session() as session:
        closed = compile_report(session, campaign_code=campaign, today=date(2022, 10, 7))
    text = _text(_document(closed, date(2022, 10, 7)))
    assert "Tính đến ngày" not in text
    assert "Có 3/8 TCCSĐ (đạt 37,50%) đã tổ chức" in text
    assert "(Đợt báo cáo kết thúc ngày 05/10/2022)" in text


def test_the_report_ends_with_the_signer_the_recipients_and_the_appendix_table(data: CompiledReport) -> None:
    document = _document(data)
    signature = document.tables[1].rows[0].cells
    assert [p.text for p in signature[0].paragraphs] == [
        "Nơi nhận:",
        "- Ban Tuyên giáo Tỉnh ủy (để báo cáo),",
        "- Thường trực Đảng ủy Khối (để báo cáo),",
        "- Lưu Ban Tuyên giáo.",
    ]
    signer = [p.text for p in signature[1].paragraphs if p.text]
    assert signer == ["TRƯỞNG BAN", "Lưu Ngọc Trâm"]  # the head of a board signs in their own name
    appendix = document.sections[1]
    assert appendix.page_width > appendix.page_height  # landscape
    table = document.tables[2]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    groups, header, rows = rows[0], rows[1], rows[1:]  # a group's heading over its columns, then theirs
    assert header[:4] == ["STT", "Tên TCCSĐ", "Loại", "Báo cáo"] and groups[:4] == header[:4]  # over both rows
    reasons = header.index("Ốm đau")
    assert groups[reasons : reasons + 5] == ["ĐV vắng theo lý do"] * 5
    assert header[reasons : reasons + 5] == ["Ốm đau", "Công tác", "Đi học", "Thai sản", "Khác"]
    u01, total = dict(zip(header, rows[1], strict=True)), dict(zip(header, rows[-1], strict=True))
    figures = ["Ngày học", "Hình thức", "Tổng ĐV", "ĐV miễn SH", "ĐV dự", "% ĐV dự / (Tổng ĐV − miễn SH)"]
    figures += ["CB chủ chốt", "ĐV vắng", "Học bù", "CTHĐ/KH"]
    assert [u01[f] for f in figures] == [
        "15/09/2022", "Trực tiếp", "40", "2", "36", "94,74%", "5", "2", "Có (18/09/2022)", "05-KH/CB, 10/09/2022",
    ]  # fmt: skip
    assert [total[f] for f in ["Tên TCCSĐ", "Báo cáo", "Học tập, quán triệt", *figures]] == [
        "Tổng cộng", "4/8", "3/8", "", "", "190", "2", "184", "97,87%", "21", "4", "1/2", "1/8",
    ]  # fmt: skip
    assert [(r[0], r[1], r[3]) for r in rows[1:-1]] == [  # every unit of the register, in its order
        ("1", "Chi bộ Sở Tư pháp", "Đã báo cáo"),
        ("2", "Đảng bộ Sở Y tế", "Báo cáo muộn"),
        ("3", "Chi bộ Sở Tài chính", "Đã báo cáo"),
        ("4", "Chi bộ Sở Xây dựng", "Chưa báo cáo"),
        ("5", "Chi bộ Sở Nội vụ", "Chưa báo cáo"),
        ("6", "Đảng bộ Sở Giáo dục", "Chưa báo cáo"),
        ("7", "Chi bộ Sở Công Thương", "Đã báo cáo"),
        ("8", "Chi bộ Sở Ngoại vụ", "Chưa báo cáo"),
    ]


def test_export_files_are_named_from_the_campaign_and_the_date(
    database: Database, campaign: str, tmp_path: Path
) -> None:
    paths = export_files(database, campaign, tmp_path / "out", today=TODAY)
    assert [p.name for p in paths] == ["nq15-2022_bao-cao_2022-10-05.docx", "nq15-2022_phu-luc_2022-10-05.xlsx"]
    assert all(p.stat().st_size > 5000 for p in paths)
    assert load_workbook(paths[1]).sheetnames[0] == "Phụ lục"


def test_a_misspelt_appendix_column_is_one_clear_error(data: CompiledReport) -> None:
    report = data.spec.report
    columns = [*report.appendix, report.appendix[0].model_copy(update={"field": "membres_total"})]
    spec = data.spec.model_copy(update={"report": report.model_copy(update={"appendix": columns})})
    broken = dataclasses.replace(data, spec=spec)
    with pytest.raises(AppendixFieldError) as caught:
        build_xlsx(broken, language="vi", today=TODAY)
    said_vi = said(caught.value.message, "vi")
    assert said_vi.startswith("report.appendix: “membres_total” không phải câu hỏi của đợt báo cáo hay một số liệu (")
    assert "'membres_total' is not a question of the campaign" in said(caught.value.message, "en")


def test_an_empty_campaign_exports_without_dividing_by_zero(database: Database, nq15: CampaignSpec) -> None:
    with database.session() as session:
        campaigns.load_campaign(session, spec=nq15)
        data = compile_report(session, campaign_code=nq15.code, today=TODAY)
    assert data.totals.attendance_rate is None
    rows = _rows(_workbook(data)["Phụ lục"])
    assert rows[4][1] == "Tổng cộng"
    assert "có 0/0 TCCSĐ (đạt 0,00%)" in _text(_document(data))


@pytest.mark.parametrize(
    "name",
    [
        '\x01=HYPERLINK("http://evil.example","Bấm vào")',  # the control character is dropped before the check
        "=1+1",
        "+84 912 345 678",
        "-2",
        "@SUM(A1:A3)",
        "  =1+1",
        "\t=1+1",
        "\r\n=1+1",
        "\x1f\x0b-cmd|' /C calc'!A0",  # (not NUL: PostgreSQL stores no NUL in text, so no name can hold one)
    ],
)
def test_a_text_that_a_spreadsheet_would_read_as_a_formula_stays_text(
    database: Database, campaign: str, name: str
) -> None:
    with database.session() as session:  # a reported unit (appendix, versions) and a missing one (missing sheet)
        for code in ("U01", "U05"):
            unit = units.get_unit(session, code=code)
            assert unit is not None
            unit.name = f"{name} {code}"
    with database.session() as session:
        book = _workbook(compile_report(session, campaign_code=campaign, today=TODAY))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    named = [cell for cell in cells if isinstance(cell.value, str) and cell.value.endswith((" U01", " U05"))]
    assert len(named) >= 4  # the appendix's two rows, the missing sheet, the versions sheet
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in named), [(c.value, c.data_type) for c in named]
    assert not any(cell.data_type == "f" for cell in cells)
