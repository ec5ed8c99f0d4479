"""The XLSX workbook: the appendix ("Phụ lục", the DOCX's rows), the distinct presenters, the units not reported
with whom to call there, and every submitted version. Vietnamese, whatever the chat language.

Written with openpyxl's write-only (streaming) workbook so 10,000 units take seconds. Numbers stay numbers,
dates are dates (dd/mm/yyyy) and rates are fractions with a percent format, so the board can sum, sort and
filter (an autofilter on each table). A total "x of y" is two numbers: x in the totals row, y in the row under
it. A row with wrapped text gets a height made from its text and the column widths: LibreOffice does not grow
a row for wrapped text by itself. Every sheet prints on A4 landscape, as wide as the
page, its header row repeated on each page.

A text that a spreadsheet would read as a formula (one starting with =, +, - or @, after any spaces, or with a
tab or a carriage return) is written as text with Excel's quote prefix, so it stays text even when someone
edits the cell.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
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
from bot.exports.appendix import Cell, Share, answer_cell
from bot.texts import say
from storage.campaign_spec import QuestionType
from storage.compiled import CompiledReport
from storage.report_spec import DEFAULT_APPENDIX_HEADERS

FONT = "Times New Roman"
_THIN = Side(style="thin", color="808080")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_NUMBER_FORMAT = {"number": "#,##0", "rate": "0.00%", "date": "dd/mm/yyyy"}
_ALIGN = {"text": "left", "center": "center", "date": "center"}  # numbers and rates to the right
_WRAPPED = ("text", "center", "date")  # kinds whose cells wrap (and so set their row's height)
LINE_HEIGHT = 15.0  # points per line of 11 pt Times New Roman, in Excel and LibreOffice alike


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
        NamedStyle("nq datetime", font=Font(name=FONT, size=11), number_format="dd/mm/yyyy hh:mm"),
        NamedStyle("nq day", font=Font(name=FONT, size=11), number_format="dd/mm/yyyy"),
    ]
    for kind in ("text", "center", "number", "rate", "date"):
        for bold in (False, True):
            found.append(
                NamedStyle(
                    f"nq {kind}{' total' if bold else ''}",
                    font=Font(name=FONT, size=11, bold=bold),
                    border=_GRID,
                    alignment=Alignment(
                        horizontal=_ALIGN.get(kind, "right"), vertical="center", wrap_text=kind in _WRAPPED
                    ),
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
    _appendix_sheet(workbook, data, language, today)
    _presenters_sheet(workbook, data, language)
    _missing_sheet(workbook, data, language)
    _versions_sheet(workbook, data, language)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class _Sheet:
    """A write-only sheet that makes its cells, sizes its rows and is set up for printing.

    `header_row` is the table's header: repeated on each printed page, the autofilter's first row."""

    def __init__(self, workbook: Workbook, title: str, widths: Sequence[float], *, header_row: int = 1) -> None:
        self.ws = cast(WriteOnlyWorksheet, workbook.create_sheet(title))
        # Write-only sheets have a normal sheet's settings (the stubs leave them out).
        self.setup = cast(Worksheet, self.ws)
        self.widths = list(widths)
        self.header_row = header_row
        self.written = 0  # rows appended so far
        self._arrays: dict[str, Any] = {}
        for i, width in enumerate(self.widths, start=1):
            self.setup.column_dimensions[get_column_letter(i)].width = width
        self._print_setup()

    def _print_setup(self) -> None:
        """A4 landscape, as wide as the page (as many pages down as it takes), the header on each page."""
        setup = self.setup
        setup.page_setup.orientation = "landscape"
        setup.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        setup.page_setup.fitToWidth = 1
        setup.page_setup.fitToHeight = 0
        setup.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        setup.print_title_rows = f"{self.header_row}:{self.header_row}"
        setup.page_margins.left = setup.page_margins.right = 0.4
        setup.print_options.horizontalCentered = True

    def append(self, row: Sequence[Any], lines: int = 1) -> None:
        """A row, `lines` lines of text tall (a height is set only past one line)."""
        self.written += 1
        if lines > 1:
            self.setup.row_dimensions[self.written].height = lines * LINE_HEIGHT
        self.ws.append(list(row))

    def styled(self, values: Sequence[Any], styles: Sequence[str]) -> None:
        """A row of cells in named styles, as tall as its tallest wrapped text."""
        lines = max(
            (
                _lines(value, width, bold=_bold(style))
                for value, width, style in zip(values, self.widths, styles, strict=False)
                if isinstance(value, str) and _wraps(style)
            ),
            default=1,
        )
        self.append([self.cell(v, s) for v, s in zip(values, styles, strict=True)], lines)

    def header(self, headers: Sequence[str]) -> None:
        self.styled(headers, ["nq header"] * len(headers))

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

    def autofilter(self, last_row: int) -> None:
        """A filter on the table: from the header row to `last_row`, across every column."""
        last = get_column_letter(len(self.widths))
        self.setup.auto_filter.ref = f"A{self.header_row}:{last}{max(last_row, self.header_row)}"


def _wraps(style: str) -> bool:
    return style == "nq header" or style.split()[1] in _WRAPPED


def _bold(style: str) -> bool:
    return style == "nq header" or style.endswith(" total")


def _lines(text: str, width: float, *, bold: bool = False) -> int:
    """How many lines a wrapped text takes in a column `width` characters wide: its words laid out greedily, a
    word longer than a line broken across lines. A column's width counts digits of the default font; a line of
    Times New Roman holds about as many letters (fewer in bold), less the cell's padding."""
    capacity = max(int(width * (0.9 if bold else 1.0)) - 1, 1)
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0
        for word in paragraph.split():
            if used and used + 1 + len(word) <= capacity:
                used += 1 + len(word)
                continue
            if used:
                lines += 1
            lines += (len(word) - 1) // capacity
            used = (len(word) - 1) % capacity + 1
        total += lines
    return total


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


def _appendix_sheet(workbook: Workbook, data: CompiledReport, language: str, today: date) -> None:
    """Title, subject and date lines; the header; a row per TCCSĐ (its cells under it); the totals, then the
    totals' denominators ("Trên tổng số") for the columns whose total is x of y."""
    report = data.spec.report
    cols = appendix.columns(data, language)
    sheet = _Sheet(workbook, say("export.sheet.appendix", language), [c.width for c in cols], header_row=4)
    sheet.ws.freeze_panes = "C5"
    sheet.append([sheet.cell(report.appendix_title, "nq title")])
    sheet.append([sheet.cell(report.appendix_subject or data.spec.title, "nq title")])
    sheet.append([sheet.cell(appendix.as_of_line(data, today, language), "nq subtitle")])
    sheet.header([c.header for c in cols])
    styles = [f"nq {c.kind}" for c in cols]
    for row in appendix.rows(data, cols, language):
        sheet.styled(row, styles)
    sheet.autofilter(sheet.written)
    totals = appendix.totals(data, cols, language)
    bold = [f"{style} total" for style in styles]
    sheet.styled([v.part if isinstance(v, Share) else v for v in totals], bold)
    if any(isinstance(v, Share) for v in totals):
        label = next((i for i, c in enumerate(cols) if c.field == "unit_name"), 0)
        wholes: list[Cell] = [v.whole if isinstance(v, Share) else None for v in totals]
        wholes[label] = say("export.of_total", language)
        sheet.styled(wholes, bold)


def _header_of(data: CompiledReport, field: str, language: str) -> str:
    """The appendix's header for a figure (the unit's name, its kind), for the other sheets; the default
    header when the campaign's appendix leaves that column out."""
    return next(
        (c.header.get(language) for c in data.spec.report.appendix if c.field == field),
        DEFAULT_APPENDIX_HEADERS[field],
    )


def _list_sheet(
    workbook: Workbook, title: str, columns: Sequence[tuple[str, float, str]], rows: Iterable[Sequence[Cell]]
) -> None:
    """A sheet that is one table: (header, width, style) per column, the header frozen, a filter over it all."""
    sheet = _Sheet(workbook, title, [width for _, width, _ in columns])
    sheet.ws.freeze_panes = "A2"
    sheet.header([header for header, _, _ in columns])
    styles = [style for _, _, style in columns]
    for row in rows:
        sheet.styled(row, styles)
    sheet.autofilter(sheet.written)


def _presenters_sheet(workbook: Workbook, data: CompiledReport, language: str) -> None:
    """The distinct presenters, with their positions and the units they presented at."""
    columns = [
        (_header_of(data, "stt", language), 6, "nq center"),
        (say("export.col.presenter", language), 28, "nq text"),
        (say("export.col.positions", language), 36, "nq text"),
        (say("export.col.presented_at", language), 60, "nq text"),
    ]
    rows = ([p.number, p.name, p.positions or None, p.units] for p in appendix.presenter_rows(data))
    _list_sheet(workbook, say("export.sheet.presenters", language), columns, rows)


def _missing_sheet(workbook: Workbook, data: CompiledReport, language: str) -> None:
    """The units not reported, one row per reporter to call (a unit with none: one row saying so), for the
    board's follow-up: the channel in words, the account on it, whether the bot can still reach them, and how
    far the unit's draft went."""
    columns = [
        (_header_of(data, "stt", language), 6, "nq center"),
        (say("export.col.code", language), 11, "nq text"),
        (_header_of(data, "unit_name", language), 32, "nq text"),
        (_header_of(data, "unit_kind", language), 7, "nq center"),
        (say("export.col.register_members", language), 9, "nq number"),
        (say("export.col.reporter", language), 24, "nq text"),
        (say("export.col.channel", language), 11, "nq center"),
        (say("export.col.handle", language), 16, "nq text"),
        (say("export.col.reachable", language), 22, "nq text"),
        (say("export.col.draft_answers", language), 11, "nq number"),
    ]
    _list_sheet(workbook, say("export.sheet.missing", language), columns, _missing_rows(data, language))


def _missing_rows(data: CompiledReport, language: str) -> Iterable[list[Cell]]:
    for n, missing in enumerate(data.missing, start=1):
        unit = missing.unit
        first: list[Cell] = [n, unit.code, unit.name, say(f"export.kind.{unit.kind.value}", language)]
        first.append(unit.register_members)
        contacts: list[list[Cell]] = [
            [
                person.name,
                say(f"export.channel.{person.channel.value}", language),
                person.handle,
                say(f"export.reporter.{person.state.value}", language),
            ]
            for person in missing.reporters
        ] or [[None, None, None, say("export.reporter.none", language)]]
        for contact in contacts:
            yield [*first, *contact, missing.draft_answers]


def _versions_sheet(workbook: Workbook, data: CompiledReport, language: str) -> None:
    """One row per submitted version: who, when, under which questionnaire, then every answer (dates as dates).

    Unstyled but for the header, the times and the dates, to stay fast with tens of thousands of versions; its
    cells do not wrap, so its rows keep one line."""
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
    widths = [w for _, w in fixed] + [_question_width(q.type) for q in questions]
    sheet = _Sheet(workbook, say("export.sheet.versions", language), widths)
    sheet.ws.freeze_panes = "C2"
    sheet.header([h for h, _ in fixed] + [q.short(language) for q in questions])
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
            row.append(_plain(sheet, cell))
        sheet.append(row)
    sheet.autofilter(sheet.written)


def _plain(sheet: _Sheet, value: Cell) -> Any:
    """An answer in the versions sheet: text kept text, a date in a date cell, a number as it is."""
    if isinstance(value, str):
        return sheet.text(value)
    if isinstance(value, date):
        return sheet.cell(value, "nq day")
    return value


def _question_width(kind: QuestionType) -> float:
    return {QuestionType.integer: 9, QuestionType.text: 30, QuestionType.multi_choice: 24}.get(kind, 14)
