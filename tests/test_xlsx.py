"""The appendix and the XLSX workbook, read back with openpyxl: a register whose order is not the codes' order,
a grassroots committee with two cells it reports for, one unit under the old questionnaire (absence reasons
without counts), one under the new one (absent people by reason), one late that has not held the session, and
three not reported (a draft, a reporter who blocked the bot, nobody). Every figure is counted here by hand.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.exports import appendix, build_xlsx
from bot.exports.appendix import Share
from bot.exports.sheets import LINE_HEIGHT, MAX_HEIGHT, Sheet
from bot.exports.sheets import text_lines as _lines
from bot.exports.xlsx import named_styles
from storage import campaigns, units
from storage.campaign_spec import CampaignSpec, Question
from storage.compiled import CompiledReport, compile_report
from storage.database import Database
from storage.models import Channel, PersonState, UnitBase, UnitKind
from storage.report_spec import ReportSettings
from tests.test_exports import ON_TIME as OLD  # A01, under questionnaire 1: reasons, no counts
from tests.test_exports import _person, at, draft, submit

TODAY = date(2022, 10, 5)
CELL, COMMITTEE = UnitKind.grassroots_cell, UnitKind.grassroots_committee
LONG_NAME = "Đảng bộ Sở Y tế và các đơn vị sự nghiệp công lập trực thuộc ngành y tế của tỉnh"
REGISTER = [  # code, name, kind, members, parent (its committee reports for it)
    ("B02", LONG_NAME, COMMITTEE, 120, None),
    ("B02a", "Chi bộ Khoa Nội", CELL, 15, "B02"),
    ("B02b", "Chi bộ Khoa Ngoại", CELL, 14, "B02"),
    ("A01", "Chi bộ Sở Tư pháp", CELL, 40, None),
    ("C03", "Chi bộ Sở Tài chính", CELL, 30, None),
    ("A05", "Chi bộ Sở Nội vụ", CELL, 18, None),
    ("A04", "Chi bộ Sở Xây dựng", CELL, 25, None),
    ("A08", "Chi bộ Sở Ngoại vụ", CELL, 12, None),
]
# The ids questionnaire 2 adds (CONTRACT14): absent people by reason, the committee's cells, a planned make-up.
V2 = {
    "absent_sick": "integer",
    "absent_business": "integer",
    "absent_study": "integer",
    "absent_maternity": "integer",
    "absent_other": "integer",
    "absent_other_what": "text",
    "cells_held": "integer",
    "cells_total": "integer",
    "makeup_planned_date": "date",
}
PROPOSAL = " ".join(["Đề nghị Ban Tuyên giáo cung cấp thêm tài liệu hỏi đáp về Nghị quyết cho các chi bộ."] * 11)
NEW = {  # B02, under questionnaire 2
    "held": "self_organised",
    "session_dates": ["2022-09-16", "2022-09-17"],
    "format": "hybrid",
    "video_sites": 3,
    "sessions": 2,
    "presenter": "đ/c Nguyễn văn An, Trưởng Ban Tuyên giáo; Lê Thị Cúc, Phó Bí thư Đảng ủy",
    "members_total": 120,
    "members_exempt": 4,
    "members_attended": 110,
    "key_officials": 12,
    "absent_reasons": ["sick", "business", "other"],
    "absent_sick": 3,
    "absent_business": 2,
    "absent_other": 1,
    "absent_other_what": "Việc gia đình",
    "makeup": False,
    "makeup_planned_date": "2022-10-10",
    "cells_held": 2,
    "cells_total": 2,
    "non_members": 10,
    "essays": 100,
    "action_plan": "issued",
    "action_plan_number": "12-KH/ĐU",
    "action_plan_date": "2022-09-12",
    "dissemination": ["bulletin"],
    "dissemination_items": 2,
    "proposals": PROPOSAL,
}
NOT_HELD = {  # C03, late
    "held": "not_yet",
    "planned_date": "2022-10-01",
    "not_held_reason": "Chờ tài liệu",
    "action_plan": "drafting",
    "dissemination": ["meetings"],
}


def _questionnaires(nq15: CampaignSpec) -> tuple[list[Question], list[Question]]:
    """Questionnaire 1 without the new ids; questionnaire 2 with them (the shipped one's if it has them)."""
    old = [q for q in nq15.questionnaire if q.id not in V2]
    have = {q.id for q in nq15.questionnaire}
    added = [
        Question.model_validate({"id": qid, "type": kind, "text": {"vi": qid}, "optional": True})
        for qid, kind in V2.items()
        if qid not in have
    ]
    return old, [*nq15.questionnaire, *added]


def _spec(nq15: CampaignSpec, questionnaire: list[Question]) -> CampaignSpec:
    """The campaign with this questionnaire and the default appendix columns."""
    default_columns = ReportSettings.model_fields["appendix"].get_default(call_default_factory=True)
    report = nq15.report.model_copy(update={"appendix": default_columns})
    return nq15.model_copy(update={"questionnaire": questionnaire, "report": report})


@pytest.fixture
def data(database: Database, nq15: CampaignSpec) -> CompiledReport:
    old, new = _questionnaires(nq15)
    spec = _spec(nq15, old)
    with database.session() as session:
        campaigns.load_campaign(session, spec=spec)
        rows = [
            units.UnitRow(
                line=i + 1,
                unit=UnitBase(code=code, name=name, kind=kind, member_count=members),
                parent_code=parent,
                order=i,
                through_parent=parent is not None,
            )
            for i, (code, name, kind, members, parent) in enumerate(REGISTER, start=1)
        ]
        units.import_units(session, rows=rows, source="test")
    with database.session() as session:
        campaign_id = campaigns.get_campaign(session, code=nq15.code).id  # type: ignore[union-attr]
        ids = {u.code: u.id for u in units.list_units(session)}
        people = {
            name: _person(session, ids[unit], name, state, channel, handle)
            for unit, name, channel, handle, state in [
                ("A01", "Nguyễn Văn An", Channel.telegram, "7001", PersonState.active),
                ("B02", "Lê Thị Cúc", Channel.zalo, "zl-3002", PersonState.active),
                ("C03", "Phạm Văn Dũng", Channel.telegram, "7003", PersonState.active),
                ("A05", "Đỗ Văn Phúc", Channel.zalo, "zl-8812", PersonState.unreachable),
                ("A04", "Hoàng Văn Em", Channel.telegram, "5550001", PersonState.active),
                ("A08", "Bùi Văn Hải", Channel.telegram, "7008", PersonState.revoked),
            ]
        }

        second = campaigns.load_campaign(session, spec=spec.model_copy(update={"questionnaire": new}))
        assert second.questionnaire_version == 2
        deadline = nq15.report_deadline
        submit(session, campaign_id, ids["A01"], people["Nguyễn Văn An"], OLD, at(15), 1, deadline)
        submit(session, campaign_id, ids["B02"], people["Lê Thị Cúc"], NEW, at(18), 2, deadline)
        submit(session, campaign_id, ids["C03"], people["Phạm Văn Dũng"], NOT_HELD, at(22), 2, deadline)
        draft(session, campaign_id, ids["A04"], people["Hoàng Văn Em"])
    with database.session() as session:
        return compile_report(session, campaign_code=nq15.code, today=TODAY)


def _book(data: CompiledReport) -> Any:
    return load_workbook(io.BytesIO(build_xlsx(data, language="vi", today=TODAY)))


def _table(sheet: Worksheet, header_row: int) -> list[dict[str, Any]]:
    """The table's rows below its header as {header: value}, up to the first empty row."""
    rows = list(sheet.iter_rows(min_row=header_row, values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:] if any(v is not None for v in row)]


def _appendix(data: CompiledReport) -> tuple[Worksheet, list[dict[str, Any]], dict[str, str]]:
    """The appendix sheet, its rows by header, and each field's header."""
    sheet = _book(data)["Phụ lục"]
    header = {c.field: c.full_header for c in appendix.columns(data, "vi")}
    return sheet, _table(sheet, 4), header


# --- the appendix: which rows, in which order, in which words ---


def test_every_tccsd_is_a_numbered_row_in_register_order_its_cells_listed_under_its_committee(
    data: CompiledReport,
) -> None:
    _, rows, h = _appendix(data)
    units = rows[:-2]  # then "Tổng cộng" and "Trên tổng số"
    assert [(r[h["stt"]], r[h["unit_name"]]) for r in units] == [
        (1, LONG_NAME),
        (None, "– Chi bộ Khoa Nội"),
        (None, "– Chi bộ Khoa Ngoại"),
        (2, "Chi bộ Sở Tư pháp"),
        (3, "Chi bộ Sở Tài chính"),
        (4, "Chi bộ Sở Nội vụ"),
        (5, "Chi bộ Sở Xây dựng"),
        (6, "Chi bộ Sở Ngoại vụ"),
    ]
    assert [r[h["report_state"]] for r in units] == [
        "Đã báo cáo", None, None, "Đã báo cáo", "Báo cáo muộn", "Chưa báo cáo", "Chưa báo cáo", "Chưa báo cáo",
    ]  # fmt: skip
    affiliated = [(r[h["unit_kind"]], r[h["remarks"]]) for r in units[1:3]]
    assert affiliated == [(None, "Chi bộ trực thuộc, báo cáo qua đảng ủy cơ sở")] * 2
    assert units[4][h["study_state"]] == "Chưa tổ chức"
    assert units[4][h["remarks"]] == "Dự kiến: 01/10/2022. Chờ tài liệu"
    assert data.totals.units == 6  # the cells its committee reports for are not TCCSĐ of their own


def test_the_appendix_says_nothing_of_the_chat(data: CompiledReport) -> None:
    sheet, _, _ = _appendix(data)
    text = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str))
    for chat_word in ("chặn", "bot", "Đang soạn", "câu đã trả lời", "Đã tham gia", "Chưa có người"):
        assert chat_word not in text, chat_word


def test_absence_is_people_by_reason_and_an_old_answer_names_its_reasons_without_counts(
    data: CompiledReport,
) -> None:
    _, rows, h = _appendix(data)
    committee, old = rows[0], rows[3]
    reasons = ["absent_sick", "absent_business", "absent_study", "absent_maternity", "absent_other"]
    assert [committee[h["absent"]], *(committee[h[r]] for r in reasons)] == [6, 3, 2, None, None, 1]
    assert "Lý do khác: Việc gia đình" in committee[h["remarks"]]
    assert [old[h["absent"]], *(old[h[r]] for r in reasons)] == [2, None, None, None, None, None]
    assert "Lý do vắng: Ốm đau, Đi công tác (mẫu cũ, không có số người)" in old[h["remarks"]]
    assert committee[h["makeup_session"]] == "Chưa (dự kiến 10/10/2022)"
    # counts that do not add up to the absent (the dialogue prevents it): the reasons, said so, no count guessed
    report = next(r for r in data.reported if r.unit.code == "B02")
    answers = {**report.latest.answers, "absent_sick": 4}
    unmatched = replace(report, latest=replace(report.latest, answers=answers))
    cells = appendix.unit_rows(replace(data, reported=[unmatched]), appendix.columns(data, "vi"), "vi")[0].cells
    remarks = cells[[c.field for c in appendix.columns(data, "vi")].index("remarks")]
    assert remarks.startswith("Lý do vắng: Ốm đau, Đi công tác, Lý do khác (số người theo lý do không khớp số vắng)")
    assert (committee[h["cells_held"]], committee[h["cells_total"]]) == (2, 2)


def test_the_default_columns_leave_out_the_questions_a_campaign_never_asked(
    database: Database, nq15: CampaignSpec
) -> None:
    spec = _spec(nq15, _questionnaires(nq15)[0])
    with database.session() as session:
        campaigns.load_campaign(session, spec=spec)
        data = compile_report(session, campaign_code=spec.code, today=TODAY)
    fields = [c.field for c in appendix.columns(data, "vi")]
    assert not set(V2) & set(fields)  # absent_sick … before questionnaire 2: no empty columns
    assert {"absent", "members_exempt", "report_state", "remarks"} <= set(fields)


def test_no_number_column_holds_words(data: CompiledReport) -> None:
    _, rows, h = _appendix(data)
    numeric = [c.full_header for c in appendix.columns(data, "vi") if c.kind in ("number", "rate")]
    assert h["absent"] in numeric and h["members_exempt"] in numeric
    for row in rows[:-1]:  # the last row's label is words, its figures numbers
        assert all(row[name] is None or isinstance(row[name], int | float) for name in numeric), row


def test_the_totals_are_numbers_and_match_the_figures_counted_by_hand(data: CompiledReport) -> None:
    sheet, rows, h = _appendix(data)
    total, whole = rows[-2], rows[-1]
    assert (total[h["unit_name"]], whole[h["unit_name"]]) == ("Tổng cộng", "Trên tổng số")
    # members: A01 40 − 2, B02 120 − 4; attended 36 + 110
    assert [total[h[f]] for f in ("members_total", "members_exempt", "members_attended", "key_officials")] == [
        160, 6, 146, 17,
    ]  # fmt: skip
    assert total[h["attendance_rate"]] == pytest.approx(146 / 154)
    assert (total[h["absent"]], total[h["absent_sick"]], total[h["absent_business"]]) == (8, 3, 2)
    # x of y: reported 3 of 6 TCCSĐ, held 2 of 6, made up 1 of the 2 with absent members, plans issued 2 of 6
    assert (total[h["report_state"]], whole[h["report_state"]]) == (3, 6)
    assert (total[h["study_state"]], whole[h["study_state"]]) == (2, 6)
    assert (total[h["makeup_session"]], whole[h["makeup_session"]]) == (1, 2)
    assert (total[h["action_program"]], whole[h["action_program"]]) == (2, 6)
    t = data.totals  # the body's figures: the same units, the same denominators
    assert (t.reported, t.held, t.units, t.action_plans_issued, t.members_eligible) == (3, 2, 6, 2, 154)
    assert all(isinstance(v, int | float) for k, v in total.items() if v is not None and k != h["unit_name"])
    plans = [c.value for c in sheet[4]].index(h["action_program"]) + 1
    assert [(c.value, c.alignment.horizontal, c.font.b) for c in (sheet.cell(13, plans), sheet.cell(14, plans))] == [
        (2, "center", True),
        (6, "center", True),
    ]


def test_the_docx_reads_the_same_rows_written_the_vietnamese_way(data: CompiledReport) -> None:
    cols = appendix.columns(data, "vi")
    field = {c.field: i for i, c in enumerate(cols)}
    rows = appendix.rows(data, cols, "vi")
    committee = [appendix.shown(v, c.kind, "vi") for v, c in zip(rows[0], cols, strict=True)]
    assert committee[field["session_dates"]] == "16/09/2022, 17/09/2022"
    assert committee[field["attendance_rate"]] == "94,83%"  # 110 / (120 − 4)
    assert committee[field["format_sites"]] == "Kết hợp trực tiếp và trực tuyến (3 điểm cầu)"
    assert rows[3][field["session_dates"]] == date(2022, 9, 15)
    totals = appendix.totals(data, cols, "vi")
    assert totals[field["action_program"]] == Share(2, 6)
    assert appendix.shown(totals[field["action_program"]], "text", "vi") == "2/6"
    assert appendix.shown(Share(1234, 45000), "text", "vi") == "1.234/45.000"


def test_the_presenters_are_listed_once_each(data: CompiledReport) -> None:
    rows = _table(_book(data)["Báo cáo viên"], 1)
    assert [(r["STT"], r["Báo cáo viên"], r["Báo cáo tại"]) for r in rows] == [
        (1, "Nguyễn Văn An", f"{LONG_NAME}; Chi bộ Sở Tư pháp"),
        (2, "Lê Thị Cúc", LONG_NAME),
    ]


# --- the workbook as a spreadsheet ---


def test_dates_are_dates_and_rates_are_fractions(data: CompiledReport) -> None:
    book = _book(data)
    sheet, rows, h = _appendix(data)
    headers = [c.value for c in next(sheet.iter_rows(min_row=4, max_row=4))]
    dates = headers.index(h["session_dates"]) + 1
    one_date = sheet.cell(row=8, column=dates)  # A01: one session date
    assert (one_date.value, one_date.number_format) == (datetime(2022, 9, 15), "dd/mm/yyyy")
    assert rows[0][h["session_dates"]] == "16/09/2022, 17/09/2022"  # two dates: both, as text
    rate = sheet.cell(row=5, column=headers.index(h["attendance_rate"]) + 1)
    assert (rate.value, rate.number_format) == (pytest.approx(110 / 116), "0.00%")
    versions = book["Các lần gửi"]
    header = [c.value for c in next(versions.iter_rows(max_row=1))]
    codes = [row[0] for row in versions.iter_rows(values_only=True)]
    assert codes == ["Mã đơn vị", "B02", "A01", "C03"]  # the register's order
    makeup = versions.cell(row=3, column=header.index("Ngày học bù") + 1)  # A01's answer
    assert (makeup.value, makeup.number_format) == (datetime(2022, 9, 18), "dd/mm/yyyy")


def test_every_table_has_an_autofilter_and_every_sheet_prints_on_a4_landscape_one_page_wide(
    data: CompiledReport,
) -> None:
    book = _book(data)
    assert book.sheetnames == ["Phụ lục", "Báo cáo viên", "Chưa báo cáo", "Các lần gửi"]
    last_column = {name: book[name].max_column for name in book.sheetnames}
    filters = {name: book[name].auto_filter.ref for name in book.sheetnames}
    letter = {name: book[name].cell(row=1, column=last_column[name]).column_letter for name in book.sheetnames}
    assert filters == {
        "Phụ lục": f"A4:{letter['Phụ lục']}12",  # the header and the 8 register rows, not the totals
        "Báo cáo viên": f"A1:{letter['Báo cáo viên']}3",
        "Chưa báo cáo": f"A1:{letter['Chưa báo cáo']}4",
        "Các lần gửi": f"A1:{letter['Các lần gửi']}4",
    }
    for name in book.sheetnames:
        sheet = book[name]
        setup = sheet.page_setup
        assert (setup.orientation, int(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == (
            "landscape",
            int(sheet.PAPERSIZE_A4),
            1,
            0,
        ), name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert sheet.print_title_rows == ("$4:$4" if name == "Phụ lục" else "$1:$1"), name


def test_a_row_with_wrapped_text_is_as_tall_as_its_lines(data: CompiledReport) -> None:
    sheet, _, h = _appendix(data)
    assert h["unit_name"] == sheet["B4"].value and sheet["B5"].alignment.wrap_text
    assert _lines(LONG_NAME, sheet.column_dimensions["B"].width) >= 3  # 82 characters in 24

    def tallest(row: int) -> int:
        return max(
            _lines(cell.value, sheet.column_dimensions[cell.column_letter].width, bold=cell.font.b)
            for cell in sheet[row]
            if isinstance(cell.value, str) and cell.alignment.wrap_text
        )

    for row in range(4, sheet.max_row + 1):
        height = sheet.row_dimensions[row].height
        assert height == (tallest(row) * LINE_HEIGHT if tallest(row) > 1 else None), row
    assert sheet.row_dimensions[5].height >= 3 * LINE_HEIGHT
    assert sheet.row_dimensions[4].height >= 3 * LINE_HEIGHT  # the header "% ĐV dự / (Tổng ĐV − miễn SH)"


def test_the_versions_sheet_wraps_the_units_notes_up_to_excels_tallest_row(data: CompiledReport) -> None:
    sheet = _book(data)["Các lần gửi"]
    header = [c.value for c in sheet[1]]
    note = sheet.cell(row=2, column=header.index("Kiến nghị, đề xuất") + 1)  # B02's
    assert (note.value, note.alignment.wrap_text, note.alignment.vertical) == (PROPOSAL, True, "top")
    assert sheet.row_dimensions[2].height == _lines(PROPOSAL, 30) * LINE_HEIGHT >= 20 * LINE_HEIGHT
    assert sheet.row_dimensions[3].height == 2 * LINE_HEIGHT  # A01: "Nguyễn Văn An, Bí thư chi bộ" in 30


def test_a_row_is_never_taller_than_excel_allows() -> None:
    workbook = Workbook(write_only=True)
    for style in named_styles():
        workbook.add_named_style(style)
    sheet = Sheet(workbook, "Ghi chú", [10])
    sheet.styled(["Đề nghị " * 300], ["nq text"])  # 300 lines
    assert ' ht="409" customHeight="1"' in sheet.rows[0] and MAX_HEIGHT == 409


def test_lines_lay_words_out_as_a_spreadsheet_wraps_them() -> None:
    assert _lines("", 10) == 1
    assert _lines("Chi bộ Sở Tư pháp", 30) == 1
    assert _lines("Chi bộ Sở Tư pháp", 9) == 2  # 9 letters a line: "Chi bộ Sở" | "Tư pháp"
    assert _lines("Chi bộ\nSở Tư pháp", 30) == 2  # a line break is a line
    assert _lines("x" * 20, 9) == 3  # a word longer than a line breaks: 9 + 9 + 2
    assert _lines("Chi bộ Sở Tư pháp", 9, bold=True) == 3  # 8 in bold: "Chi bộ" | "Sở Tư" | "pháp"


def test_the_not_reported_sheet_says_whom_to_call_and_how(data: CompiledReport) -> None:
    rows = _table(_book(data)["Chưa báo cáo"], 1)
    assert [
        (r["STT"], r["Mã đơn vị"], r["Người báo cáo"], r["Kênh liên lạc"], r["Tài khoản trên kênh"], r["Liên lạc"])
        for r in rows
    ] == [
        (1, "A05", "Đỗ Văn Phúc", "Zalo", "zl-8812", "Đã chặn bot: liên lạc trực tiếp"),
        (2, "A04", "Hoàng Văn Em", "Telegram", "5550001", "Nhắn tin được qua bot"),
        (3, "A08", None, None, None, "Chưa có người báo cáo"),  # its only reporter was revoked
    ]
    assert [r["Số câu đã trả lời (nháp)"] for r in rows] == [0, 3, 0]
