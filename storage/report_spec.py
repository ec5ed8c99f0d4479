"""The campaign file's `report:` part: what the compiled report prints that is not a figure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator

from storage.spec_base import IDENTIFIER, Day, Label, LocalText, Strict

# Hướng dẫn 36-HD/VPTW (03/4/2018), "quyền hạn, chức vụ của người ký": "T/M" (thay mặt) signs for a body led
# collectively (a congress, an executive or standing committee, a party committee or cell, an inspection
# commission, a party delegation); a board or office of the committee works under its head, who signs in their
# own name ("TRƯỞNG BAN"); a deputy signs "K/T TRƯỞNG BAN" / "PHÓ TRƯỞNG BAN"; by order "T/L" (the party writes
# "T/L", the state's Nghị định 30/2020 "TL.").
COLLECTIVE_BODIES = (
    "ĐẠI HỘI", "BAN CHẤP HÀNH", "BAN THƯỜNG VỤ", "THƯỜNG TRỰC", "BỘ CHÍNH TRỊ", "BAN BÍ THƯ", "ĐẢNG ỦY", "ĐẢNG UỶ",
    "CHI ỦY", "CHI UỶ", "CHI BỘ", "TỈNH ỦY", "TỈNH UỶ", "THÀNH ỦY", "THÀNH UỶ", "HUYỆN ỦY", "HUYỆN UỶ",
    "ỦY BAN KIỂM TRA", "UỶ BAN KIỂM TRA", "ĐẢNG ĐOÀN", "BAN CÁN SỰ", "ĐOÀN CHỦ TỊCH",
)  # fmt: skip
AUTHORITIES = ("T/M", "K/T", "T/L")


class Signer(Strict):
    """The signing block: authority line (none when the head signs in their own name), position, name."""

    on_behalf: str | None = None  # "T/M BAN THƯỜNG VỤ", "K/T TRƯỞNG BAN"; None: the head of a board signs
    position: str = Field(min_length=1)  # "TRƯỞNG BAN", "PHÓ BÍ THƯ"
    name: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _head_signs_in_own_name(cls, data: Any) -> Any:
        """ "T/M <a board>" above the head's position (campaign files before issue 14 wrote "T/M BAN TUYÊN GIÁO"
        for its head) follows the signer's role: the head signs in their own name, the line is dropped."""
        if not isinstance(data, dict):
            return data
        authority, _, body = str(data.get("on_behalf") or "").strip().partition(" ")
        position = str(data.get("position") or "").strip().upper()
        if authority == "T/M" and not _collective(body) and position and not position.startswith("PHÓ"):
            return {**data, "on_behalf": None}
        return data

    @model_validator(mode="after")
    def _authority_as_the_guide_says(self) -> Signer:
        if self.on_behalf is None:
            return self
        authority, _, body = self.on_behalf.strip().partition(" ")
        if authority not in AUTHORITIES or not body.strip():
            raise ValueError(
                f"on_behalf {self.on_behalf!r}: write T/M, K/T or T/L and the body or title "
                "(36-HD/VPTW; the party writes T/L, not TL.), or leave it out when the head signs in their own name"
            )
        if authority == "T/M" and not _collective(body):
            raise ValueError(
                f"on_behalf {self.on_behalf!r}: T/M (thay mặt) is for a body led collectively (BAN THƯỜNG VỤ, "
                "ĐẢNG ỦY, CHI BỘ…); a deputy of a board signs K/T (e.g. K/T TRƯỞNG BAN), its head in their own name "
                "(36-HD/VPTW)"
            )
        if authority == "K/T" and not self.position.strip().upper().startswith("PHÓ"):
            raise ValueError(
                f"on_behalf {self.on_behalf!r}: K/T (ký thay) is signed by a deputy (position PHÓ …), "
                f"not by {self.position!r}; the head signs in their own name (36-HD/VPTW)"
            )
        return self


def _collective(body: str) -> bool:
    return body.strip().upper().startswith(COLLECTIVE_BODIES)


class PlanTask(Strict):
    """One task of the bloc's plan and its status: one line the board's staff fill in the file."""

    title: str = Field(min_length=1)
    status: str | None = None


class BlocConference(Strict):
    """The bloc's own conference on the resolution (the session units may attend instead of their own)."""

    date: Day | None = None
    place: str | None = None
    description: str | None = None  # "gắn với hội nghị Ban Chấp hành Đảng bộ Khối quý III/2022"


class BlocPlan(Strict):
    """The bloc's own part of the report: its plan (number, date), its conference, its tasks and their status."""

    issuer: str = Field(min_length=1)  # "Ban Thường vụ Đảng ủy Khối"
    number: str | None = None  # "45-KH/ĐUK"; None until the staff fill it
    date: Day | None = None
    conference: BlocConference | None = None
    heading: Label = LocalText(vi="KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CỦA KẾ HOẠCH")
    tasks: list[PlanTask] = Field(default_factory=list)


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
    # A heading over this column and the next ones of the same group: a second header row in the DOCX
    # ("Đảng viên vắng theo lý do" over "Ốm đau", "Công tác"…), "group: header" in the XLSX.
    group: Label | None = None

    def full_header(self, language: str) -> str:
        return grouped_header(self.header.get(language), self.group.get(language) if self.group else None)


def grouped_header(header: str, group: str | None) -> str:
    """A column's header where there is one row of headers (the XLSX): its group's heading first."""
    return f"{group}: {header}" if group else header


def _section(heading: str, *notes: tuple[str | None, str]) -> Any:
    parts = [NotesPart(heading=LocalText(vi=h) if h else None, question=q) for h, q in notes]
    return Field(default_factory=lambda: ReportSection(heading=LocalText(vi=heading), notes=parts))


_REASONS = "ĐV vắng theo lý do"  # a group's heading over its columns (AppendixColumn.group)
_CELLS = "Chi bộ trực thuộc"
_APPENDIX: list[tuple[str, str, float, str | None]] = [  # every TCCSĐ a row; a question not asked is left out
    ("stt", "STT", 6, None),
    ("unit_name", "Tên TCCSĐ", 21, None),
    ("unit_kind", "Loại", 6, None),
    ("report_state", "Báo cáo", 9, None),
    ("study_state", "Học tập, quán triệt", 11, None),
    ("session_dates", "Ngày học", 13, None),
    ("format_sites", "Hình thức", 11, None),
    ("members_total", "Tổng ĐV", 7, None),
    ("members_exempt", "ĐV miễn SH", 7, None),
    ("members_attended", "ĐV dự", 7, None),
    ("attendance_rate", "% ĐV dự / (Tổng ĐV − miễn SH)", 10, None),
    ("key_officials", "CB chủ chốt", 7, None),
    ("absent", "ĐV vắng", 6, None),
    ("absent_sick", "Ốm đau", 6, _REASONS),
    ("absent_business", "Công tác", 7, _REASONS),
    ("absent_study", "Đi học", 6, _REASONS),
    ("absent_maternity", "Thai sản", 7, _REASONS),
    ("absent_other", "Khác", 6, _REASONS),
    ("makeup_session", "Học bù", 12, None),
    ("cells_held", "Đã học", 7, _CELLS),
    ("cells_total", "Tổng số", 7, _CELLS),
    ("non_members", "Quần chúng", 7, None),
    ("essays", "Bài thu hoạch", 7, None),
    ("action_program", "CTHĐ/KH", 11, None),
    ("remarks", "Ghi chú", 15, None),
]
DEFAULT_APPENDIX_HEADERS = {field: grouped_header(header, group) for field, header, _, group in _APPENDIX}


class ReportSettings(Strict):
    """Everything the compiled report prints that is not a figure: bodies, symbol, place, signer."""

    # 36-HD/VPTW, "tên cơ quan ban hành văn bản": the direct superior (upright) above the issuing body (bold).
    superior_body: str = Field(min_length=1)  # "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH"
    issuing_body: str = Field(min_length=1)  # "BAN TUYÊN GIÁO"
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
    plan: BlocPlan | None = None
    notes_annex: bool = True  # the units' whole notes as an annex at the end (False: only in the XLSX)
    notes_annex_subject: str = "Ý kiến của các tổ chức cơ sở đảng"
    appendix_title: str = "PHỤ LỤC"
    appendix_subject: str | None = None  # under the appendix title; "Kết quả học tập … tại các TCCSĐ"
    appendix: list[AppendixColumn] = Field(
        default_factory=lambda: [
            AppendixColumn(field=f, header=LocalText(vi=h), width=w, group=LocalText(vi=g) if g else None)
            for f, h, w, g in _APPENDIX
        ],
        min_length=1,
    )

    @model_validator(mode="before")
    @classmethod
    def _two_header_lines(cls, data: Any) -> Any:
        """Campaign files before issue 14 had three header lines (ĐẢNG BỘ TỈNH / ĐẢNG ỦY KHỐI… / BAN TUYÊN
        GIÁO); 36-HD/VPTW shows two: the sub-body issues the report and its direct superior is the body above."""
        if isinstance(data, dict) and data.get("issuing_sub_body"):
            rest = {k: v for k, v in data.items() if k != "issuing_sub_body"}
            return {**rest, "superior_body": data.get("issuing_body"), "issuing_body": data["issuing_sub_body"]}
        if isinstance(data, dict) and "issuing_sub_body" in data:
            return {k: v for k, v in data.items() if k != "issuing_sub_body"}
        return data


# The header words of the shipped campaign file (and of its earlier versions) that only stand for the real
# ones: a report that still prints them is not ready to sign.
SHIPPED_PLACEHOLDERS = {"superior_body": ("ĐẢNG BỘ TỈNH",), "place": ("Thành phố",)}


@dataclass(frozen=True)
class Placeholder:
    """A report field that still holds a shipped placeholder (`value`) or nothing (`value` None)."""

    field: str  # "report.place", "report.plan.tasks[3].status"
    value: str | None


def placeholders(report: ReportSettings) -> list[Placeholder]:
    """The report's fields still holding the shipped placeholders, or left empty in the plan's part."""
    found = [
        Placeholder(f"report.{name}", value)
        for name, values in SHIPPED_PLACEHOLDERS.items()
        if (value := getattr(report, name)).strip() in values
    ]
    plan = report.plan
    if plan is None:
        return found
    blank: list[tuple[str, object]] = [("plan.number", plan.number), ("plan.date", plan.date)]
    if plan.conference is not None:
        blank += [("plan.conference.date", plan.conference.date), ("plan.conference.place", plan.conference.place)]
    blank += [(f"plan.tasks[{i}].status", task.status) for i, task in enumerate(plan.tasks, start=1)]
    found += [Placeholder(f"report.{name}", None) for name, value in blank if value is None or not str(value).strip()]
    return found
