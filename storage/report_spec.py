"""The campaign file's `report:` part: what the compiled report prints that is not a figure."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from storage.spec_base import IDENTIFIER, Label, LocalText, Strict


class Signer(Strict):
    on_behalf: str = Field(min_length=1)  # "T/M BAN THƯỜNG VỤ"
    position: str = Field(min_length=1)  # "PHÓ BÍ THƯ"
    name: str = Field(min_length=1)


class NotesPart(Strict):
    """The units' answers to one text question, gathered under a sub-heading for the board to edit."""

    heading: Label | None = None
    question: str = Field(pattern=IDENTIFIER)


class ReportSection(Strict):
    """A numbered section of the compiled report: heading, computed figures, paragraphs, the units' notes."""

    heading: Label
    body: list[str] = Field(default_factory=list)  # paragraphs the board writes in the campaign file
    notes: list[NotesPart] = Field(default_factory=list)


class AppendixColumn(Strict):
    """A column of the appendix: a figure of the row (bot.exports.appendix.ROW_FIELDS) or a question id."""

    field: str = Field(pattern=IDENTIFIER)
    header: Label
    width: float = Field(default=10, gt=0, le=100)  # characters in the XLSX; relative in the DOCX


def _section(heading: str, *notes: tuple[str | None, str]) -> Any:
    parts = [NotesPart(heading=LocalText(vi=h) if h else None, question=q) for h, q in notes]
    return Field(default_factory=lambda: ReportSection(heading=LocalText(vi=heading), notes=parts))


_APPENDIX = [
    ("stt", "STT", 6),
    ("unit_name", "Tên TCCSĐ", 25),
    ("unit_kind", "Loại", 7),
    ("session_dates", "Ngày học", 11),
    ("format_sites", "Hình thức", 11),
    ("members_total", "Tổng ĐV", 7),
    ("members_attended", "ĐV dự", 7),
    ("attendance_rate", "%", 9),
    ("key_officials", "CB chủ chốt", 7),
    ("absence", "Vắng (lý do)", 12),
    ("makeup_session", "Học bù", 13),
    ("non_members", "Quần chúng", 7),
    ("essays", "Bài thu hoạch", 7),
    ("action_program", "CTHĐ/KH", 12),
    ("remarks", "Ghi chú", 13),
]
DEFAULT_APPENDIX_HEADERS = {field: header for field, header, _ in _APPENDIX}


class ReportSettings(Strict):
    """Everything the compiled report prints that is not a figure: bodies, symbol, place, signer."""

    superior_body: str = Field(min_length=1)
    issuing_body: str = Field(min_length=1)
    issuing_sub_body: str | None = None
    doc_symbol: str = Field(min_length=1)  # "-BC/BTGĐUK" → "Số   -BC/BTGĐUK"
    place: str = Field(min_length=1)
    subject: str = Field(min_length=1)
    signer: Signer
    recipients: list[str] = Field(min_length=1)
    # Optional: what the export prints around the figures (the defaults follow Hướng dẫn 36-HD/VPTW).
    party_name: str = "ĐẢNG CỘNG SẢN VIỆT NAM"
    title: str = "BÁO CÁO"
    opening: str | None = None  # "Thực hiện Kế hoạch số …"; made from the campaign's basis when missing
    recipients_label: str = "Nơi nhận:"
    leadership: ReportSection = _section("I. LÃNH ĐẠO, CHỈ ĐẠO")
    study: ReportSection = _section("II. KẾT QUẢ HỌC TẬP, QUÁN TRIỆT")
    dissemination: ReportSection = _section("III. CÔNG TÁC TUYÊN TRUYỀN")
    action_program: ReportSection = _section("IV. XÂY DỰNG CHƯƠNG TRÌNH HÀNH ĐỘNG, KẾ HOẠCH THỰC HIỆN")
    assessment: ReportSection = _section(
        "V. ĐÁNH GIÁ CHUNG", ("1. Ưu điểm", "strengths"), ("2. Hạn chế, nguyên nhân", "weaknesses")
    )
    proposals: ReportSection = _section("VI. KIẾN NGHỊ, ĐỀ XUẤT", (None, "proposals"))
    appendix_title: str = "PHỤ LỤC"
    appendix_subject: str | None = None  # under the appendix title; "Kết quả học tập … tại các TCCSĐ"
    appendix: list[AppendixColumn] = Field(
        default_factory=lambda: [AppendixColumn(field=f, header=LocalText(vi=h), width=w) for f, h, w in _APPENDIX],
        min_length=1,
    )
