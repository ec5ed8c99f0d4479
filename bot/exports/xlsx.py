"""The XLSX workbook: the appendix ("Phụ lục"), the units not reported, and every submitted version.

Written with openpyxl's write-only (streaming) workbook so 10,000 units take seconds. Numbers stay numbers
and rates are fractions with a percent format, so the board can sum and sort. A text that a spreadsheet would
read as a formula (one starting with =, +, - or @, after any spaces, or with a tab or a carriage return) is
written as text with Excel's quote prefix, so it stays text even when someone edits the cell.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlsxCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from bot.exports import appendix
from bot.exports.appendix import Cell, answer_cell
from bot.texts import say
from storage.campaign_spec import QuestionType
from storage.compiled import CompiledReport
from storage.report_spec import DEFAULT_APPENDIX_HEADERS

FONT = "Times New Roman"
_THIN = Side(style="thin", color="808080")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_NUMBER_FORMAT = {"number": "#,##0", "rate": "0.00%"}


def _styles() -> list[NamedStyle]:
    """Named styles: header, titles, and a plain and a bold (totals) style per kind of column."""
    found = [
        NamedStyle(
            "nq header",
            font=Font(name=FONT, size=11, bold=True),
            fill=PatternFill("solid", fgColor="D9E2F3"),
            border=_GRID,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        NamedStyle("nq title", font=Font(name=FONT, size=13, bold=True)),
        NamedStyle("nq subtitle", font=Font(name=FONT, size=12, italic=True)),
        NamedStyle("nq group", font=Font(name=FONT, size=11, bold=True, italic=True)),
        NamedStyle("nq datetime", font=Font(name=FONT, size=11), number_format="dd/mm/yyyy hh:mm"),
        NamedStyle("nq plain", font=Font(name=FONT, size=11)),
    ]
    for kind in ("text", "center", "number", "rate"):
        horizontal = {"text": "left", "center": "center"}.get(kind, "right")
        for bold in (False, True):
            found.append(
                NamedStyle(
                    f"nq {kind}{' total' if bold else ''}",
                    font=Font(name=FONT, size=11, bold=bold),
                    border=_GRID,
                    alignment=Alignment(horizontal=horizontal, vertical="center", wrap_text=kind == "text"),
                    number_format=_NUMBER_FORMAT.get(kind, "General"),
                )
            )
    return found


def build_xlsx(data: CompiledReport, *, language: str = "vi", today: date | None = None) -> bytes:
    """The workbook as bytes."""
    today = today or data.today
    workbook = Workbook(write_only=True)
    for style in _styles():
        workbook.add_named_style(style)
    _appendix_sheet(_Sheet(workbook, say("export.sheet.appendix", language)), data, language, today)
    _missing_sheet(_Sheet(workbook, say("export.sheet.missing", language)), data, language)
    _versions_sheet(_Sheet(workbook, say("export.sheet.versions", language)), data, language)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class _Sheet:
    """A write-only sheet that makes its cells."""

    def __init__(self, workbook: Workbook, title: str) -> None:
        self.ws = cast(WriteOnlyWorksheet, workbook.create_sheet(title))
        # Write-only sheets have a normal sheet's settings (the stubs leave them out).
        self.setup = cast(Worksheet, self.ws)
        self._arrays: dict[str, Any] = {}

    def append(self, row: Iterable[Any]) -> None:
        self.ws.append(list(row))

    def cell(self, value: Any, style: str) -> XlsxCell:
        """A cell in a named style. The style's array is looked up once and copied into each cell: assigning
        the named style to every cell costs a second per 100,000 cells."""
        array = self._arrays.get(style)
        if array is None:
            prototype = WriteOnlyCell(self.ws)
            prototype.style = style
            array = self._arrays[style] = cast(Any, prototype)._style
        value = _clean(value)
        return _as_text(XlsxCell(self.ws, row=1, column=1, value=value, style_array=array), value)

    def text(self, value: str) -> Any:
        """Unstyled text as a plain value, or as a text cell when it would be read as a formula."""
        value = _clean(value)
        return _as_text(WriteOnlyCell(self.ws, value=value), value) if _formula_like(value) else value

    def widths(self, widths: Iterable[float]) -> None:
        for i, width in enumerate(widths, start=1):
            self.setup.column_dimensions[get_column_letter(i)].width = width

    def landscape(self, title_rows: str) -> None:
        """Printed on A4 landscape, as wide as the page, the header repeated on each page."""
        setup = self.setup
        setup.page_setup.orientation = "landscape"
        setup.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        setup.page_setup.fitToWidth = 1
        setup.page_setup.fitToHeight = 0
        setup.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        setup.print_title_rows = title_rows


def _clean(value: Any) -> Any:
    """Text without the control characters XLSX cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _formula_like(value: Any) -> bool:
    """Whether a spreadsheet would take this (cleaned) text for a formula: "=…", "+…", "-…", "@…", also after
    spaces, or a tab or carriage return first (the prefixes of CSV injection)."""
    return isinstance(value, str) and (value[:1] in ("\t", "\r") or value.lstrip()[:1] in ("=", "+", "-", "@"))


def _as_text(cell: Any, value: Any) -> Any:
    """The cell, kept as text with the quote prefix when its value looks like a formula (a reporter's text)."""
    if _formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _appendix_sheet(sheet: _Sheet, data: CompiledReport, language: str, today: date) -> None:
    """Title, subject and date lines; the header; a row per unit; "Tổng cộng"; the units not held or missing."""
    report = data.spec.report
    cols = appendix.columns(data, language)
    sheet.widths(c.width for c in cols)
    sheet.ws.freeze_panes = "C5"
    sheet.landscape("4:4")
    sheet.append([sheet.cell(report.appendix_title, "nq title")])
    sheet.append([sheet.cell(report.appendix_subject or data.spec.title, "nq title")])
    sheet.append([sheet.cell(appendix.as_of_line(data, today, language), "nq subtitle")])
    sheet.append(sheet.cell(c.header, "nq header") for c in cols)
    styles = [f"nq {c.kind}" for c in cols]
    for row in appendix.rows(data, cols, language):
        sheet.append(sheet.cell(value, style) for value, style in zip(row, styles, strict=True))
    totals = appendix.totals(data, cols, language)
    sheet.append(sheet.cell(value, f"{style} total") for value, style in zip(totals, styles, strict=True))
    for title, group in appendix.groups(data, language):
        sheet.append([])
        sheet.append([None, sheet.cell(title, "nq group")])
        for entry in group:
            # the note after the name and kind, where it runs on across the empty cells to its right
            sheet.append(sheet.cell(value, "nq plain") for value in (entry.number, entry.name, entry.kind, entry.note))


def _header_of(data: CompiledReport, field: str, language: str) -> str:
    """The appendix's header for a figure (the unit's name, its kind), for the other sheets; the default
    header when the campaign's appendix leaves that column out."""
    return next(
        (c.header.get(language) for c in data.spec.report.appendix if c.field == field),
        DEFAULT_APPENDIX_HEADERS[field],
    )


def _missing_sheet(sheet: _Sheet, data: CompiledReport, language: str) -> None:
    headers = [
        (_header_of(data, "stt", language), 6, "nq center"),
        (say("export.col.code", language), 12, "nq text"),
        (_header_of(data, "unit_name", language), 40, "nq text"),
        (_header_of(data, "unit_kind", language), 8, "nq center"),
        (say("export.col.register_members", language), 10, "nq number"),
        (say("export.col.reporter", language), 34, "nq text"),
        (say("export.col.draft_answers", language), 12, "nq number"),
    ]
    sheet.widths(w for _, w, _ in headers)
    sheet.ws.freeze_panes = "A2"
    sheet.append(sheet.cell(h, "nq header") for h, _, _ in headers)
    styles = [s for _, _, s in headers]
    for n, missing in enumerate(data.missing, start=1):
        values: list[Cell] = [
            n,
            missing.unit.code,
            missing.unit.name,
            say(f"export.kind.{missing.unit.kind.value}", language),
            missing.unit.register_members,
            appendix.reporter_state(missing, language),
            missing.draft_answers,
        ]
        sheet.append(sheet.cell(v, s) for v, s in zip(values, styles, strict=True))


def _versions_sheet(sheet: _Sheet, data: CompiledReport, language: str) -> None:
    """One row per submitted version: who, when, under which questionnaire, then every answer.

    Unstyled but for the header and the time, to stay fast with tens of thousands of versions."""
    questions = data.all_questions
    fixed: list[tuple[str, float]] = [
        (say("export.col.code", language), 12),
        (_header_of(data, "unit_name", language), 32),
        (say("export.col.version", language), 8),
        (say("export.col.questionnaire", language), 10),
        (say("export.col.submitted_at", language), 17),
        (say("export.col.sender", language), 20),
        (say("export.col.late", language), 8),
    ]
    sheet.widths([w for _, w in fixed] + [_question_width(q.type) for q in questions])
    sheet.ws.freeze_panes = "C2"
    headers = [h for h, _ in fixed] + [q.short(language) for q in questions]
    sheet.append(sheet.cell(h, "nq header") for h in headers)
    yes = say("export.yes", language)
    for version in data.versions:
        local = version.submitted_at.astimezone(data.timezone).replace(tzinfo=None)
        row: list[Any] = [
            sheet.text(version.unit.code),
            sheet.text(version.unit.name),
            version.version,
            version.questionnaire_version,
            sheet.cell(local, "nq datetime"),
            sheet.text(version.sender),
            yes if version.late else None,
        ]
        for question in questions:
            asked = version.questions.get(question.id)
            number = asked is not None and asked.type is QuestionType.integer
            cell = answer_cell(asked, version.answers.get(question.id), language, as_number=number)
            row.append(sheet.text(cell) if isinstance(cell, str) else cell)
        sheet.append(row)


def _question_width(kind: QuestionType) -> float:
    return {QuestionType.integer: 9, QuestionType.text: 30, QuestionType.multi_choice: 24}.get(kind, 14)
