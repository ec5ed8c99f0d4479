"""The XLSX workbook: the appendix ("Phụ lục", the DOCX's rows), the distinct presenters, the units not reported
with whom to call there, and every submitted version. Vietnamese, whatever the chat language.

Numbers stay numbers, dates are dates (dd/mm/yyyy) and rates are fractions with a percent format, so the board
can sum, sort and filter (an autofilter on each table). A total "x of y" is two numbers: x in the totals row, y
in the row under it. Rows with wrapped text are as tall as their text; every sheet prints on A4 landscape, as
wide as the page, its header row repeated on each page (bot.exports.sheets writes the rows, fast).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

from bot.exports import appendix
from bot.exports.appendix import Cell, Share, answer_cell
from bot.exports.sheets import WRAPPED, Sheet, splice
from bot.texts import say
from storage.campaign_spec import QuestionType
from storage.compiled import CompiledReport
from storage.report_spec import DEFAULT_APPENDIX_HEADERS

FONT = "Times New Roman"
_THIN = Side(style="thin", color="808080")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_NUMBER_FORMAT = {"number": "#,##0", "rate": "0.00%", "date": "dd/mm/yyyy"}
_ALIGN = {"text": "left", "center": "center", "date": "center"}  # numbers and rates to the right
_TOP = Alignment(vertical="top")


def named_styles() -> list[NamedStyle]:
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
        # the versions sheet: no grid, top-aligned (its rows grow with the units' notes)
        NamedStyle("nq top", font=Font(name=FONT, size=11), alignment=_TOP),
        NamedStyle("nq wrap", font=Font(name=FONT, size=11), alignment=Alignment(vertical="top", wrap_text=True)),
        NamedStyle("nq datetime", font=Font(name=FONT, size=11), alignment=_TOP, number_format="dd/mm/yyyy hh:mm"),
        NamedStyle("nq day", font=Font(name=FONT, size=11), alignment=_TOP, number_format="dd/mm/yyyy"),
    ]
    for kind in ("text", "center", "number", "rate", "date"):
        for bold in (False, True):
            found.append(
                NamedStyle(
                    f"nq {kind}{' total' if bold else ''}",
                    font=Font(name=FONT, size=11, bold=bold),
                    border=_GRID,
                    alignment=Alignment(
                        horizontal=_ALIGN.get(kind, "right"), vertical="center", wrap_text=kind in WRAPPED
                    ),
                    number_format=_NUMBER_FORMAT.get(kind, "General"),
                )
            )
    return found


def build_xlsx(data: CompiledReport, *, language: str = "vi", today: date | None = None) -> bytes:
    """The workbook as bytes."""
    today = today or data.today
    workbook = Workbook(write_only=True)
    for style in named_styles():
        workbook.add_named_style(style)
    sheets = [
        _appendix_sheet(workbook, data, language, today),
        _presenters_sheet(workbook, data, language),
        _missing_sheet(workbook, data, language),
        _versions_sheet(workbook, data, language),
    ]
    out = io.BytesIO()
    workbook.save(out)
    return splice(out.getvalue(), sheets)


def _appendix_sheet(workbook: Workbook, data: CompiledReport, language: str, today: date) -> Sheet:
    """Title, subject and date lines; the header; a row per TCCSĐ (its cells under it); the totals, then the
    totals' denominators ("Trên tổng số") for the columns whose total is x of y."""
    report = data.spec.report
    cols = appendix.columns(data, language)
    sheet = Sheet(workbook, say("export.sheet.appendix", language), [c.width for c in cols], header_row=4)
    sheet.ws.freeze_panes = "C5"
    sheet.append([report.appendix_title], ["nq title"])
    sheet.append([report.appendix_subject or data.spec.title], ["nq title"])
    sheet.append([appendix.as_of_line(data, today, language)], ["nq subtitle"])
    sheet.header([c.full_header for c in cols])
    styles = [f"nq {c.kind}" for c in cols]
    for row in appendix.rows(data, cols, language):
        sheet.styled(row, styles)
    sheet.autofilter(sheet.written)
    totals = appendix.totals(data, cols, language)
    # a total "x of y" is two numbers, centred under the column's words
    bold = [f"nq {'center' if isinstance(v, Share) else c.kind} total" for v, c in zip(totals, cols, strict=True)]
    sheet.styled([v.part if isinstance(v, Share) else v for v in totals], bold)
    if any(isinstance(v, Share) for v in totals):
        label = next((i for i, c in enumerate(cols) if c.field == "unit_name"), 0)
        wholes: list[Cell] = [v.whole if isinstance(v, Share) else None for v in totals]
        wholes[label] = say("export.of_total", language)
        sheet.styled(wholes, bold)
    return sheet


def _header_of(data: CompiledReport, field: str, language: str) -> str:
    """The appendix's header for a figure (the unit's name, its kind), for the other sheets; the default
    header when the campaign's appendix leaves that column out."""
    return next(
        (c.full_header(language) for c in data.spec.report.appendix if c.field == field),
        DEFAULT_APPENDIX_HEADERS[field],
    )


def _list_sheet(
    workbook: Workbook, title: str, columns: Sequence[tuple[str, float, str]], rows: Iterable[Sequence[Cell]]
) -> Sheet:
    """A sheet that is one table: (header, width, style) per column, the header frozen, a filter over it all."""
    sheet = Sheet(workbook, title, [width for _, width, _ in columns])
    sheet.ws.freeze_panes = "A2"
    sheet.header([header for header, _, _ in columns])
    styles = [style for _, _, style in columns]
    for row in rows:
        sheet.styled(row, styles)
    sheet.autofilter(sheet.written)
    return sheet


def _presenters_sheet(workbook: Workbook, data: CompiledReport, language: str) -> Sheet:
    """The distinct presenters, with their positions and the units they presented at."""
    columns = [
        (_header_of(data, "stt", language), 6, "nq center"),
        (say("export.col.presenter", language), 28, "nq text"),
        (say("export.col.positions", language), 36, "nq text"),
        (say("export.col.presented_at", language), 60, "nq text"),
    ]
    rows = ([p.number, p.name, p.positions or None, p.units] for p in appendix.presenter_rows(data))
    return _list_sheet(workbook, say("export.sheet.presenters", language), columns, rows)


def _missing_sheet(workbook: Workbook, data: CompiledReport, language: str) -> Sheet:
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
    return _list_sheet(workbook, say("export.sheet.missing", language), columns, _missing_rows(data, language))


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


def _versions_sheet(workbook: Workbook, data: CompiledReport, language: str) -> Sheet:
    """One row per submitted version: who, when, under which questionnaire, then every answer (dates as dates;
    texts wrapped, the row as tall as its longest, up to Excel's tallest row)."""
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
    sheet = Sheet(workbook, say("export.sheet.versions", language), widths)
    sheet.ws.freeze_panes = "C2"
    sheet.header([h for h, _ in fixed] + [q.short(language) for q in questions])
    yes = say("export.yes", language)
    for version in data.versions:
        local = version.submitted_at.astimezone(data.timezone).replace(tzinfo=None)
        row: list[Any] = [
            version.unit.code,
            version.unit.name,
            version.version,
            version.questionnaire_version,
            local,
            version.sender,
            yes if version.late else None,
        ]
        for question in questions:
            asked = version.questions.get(question.id)
            number = asked is not None and asked.type is QuestionType.integer
            row.append(answer_cell(asked, version.answers.get(question.id), language, as_number=number))
        sheet.styled(row, [_version_style(i, value) for i, value in enumerate(row)])
    sheet.autofilter(sheet.written)
    return sheet


def _version_style(column: int, value: Cell) -> str | None:
    """The time a version was sent (the fifth column), a date, a text that wraps, any other value; no answer."""
    if value is None:
        return None
    if column == 4:
        return "nq datetime"
    if isinstance(value, date):
        return "nq day"
    return "nq wrap" if isinstance(value, str) else "nq top"


def _question_width(kind: QuestionType) -> float:
    return {QuestionType.integer: 9, QuestionType.text: 30, QuestionType.multi_choice: 24}.get(kind, 14)
