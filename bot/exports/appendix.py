"""The appendix table, shared by the XLSX and the DOCX: the campaign file's columns, one numbered row per TCCSĐ
of the register in register order (held, not held and not reported alike, so each total counts the same units
as the report's body), the cells a grassroots committee reports for listed un-numbered under it, then a totals
row.

A column shows a figure of the row (ROW_FIELDS) or the answer to a question (an integer question is summed in
the totals row). Cells are plain values: numbers stay numbers, a rate is a fraction, a date is a date and a
total "x of y" is a Share, so the XLSX keeps them as numbers and dates and the DOCX writes them the Vietnamese
way (shown()). No column mixes numbers and words: absence is people, by reason in the questions' own columns.
A report's state is said in the province's words (đã báo cáo / báo cáo muộn / chưa báo cáo), never the chat's
(who blocked the bot, how far a draft went: that is the XLSX's follow-up sheet, not the appendix).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from bot import formatting
from bot.engine.questionnaire import display
from bot.texts import say
from storage import compiled as c
from storage.campaign_spec import Question, QuestionType
from storage.compiled import CompiledReport, ReportedUnit, UnitInfo
from storage.errors import NqbotError, Text
from storage.report_spec import DEFAULT_APPENDIX_HEADERS, grouped_header


@dataclass(frozen=True)
class Share:
    """A total "part of whole" (the units that issued a plan, of the register's units): two numbers."""

    part: int
    whole: int


Cell = str | int | float | date | Share | None
Kind = Literal["text", "center", "number", "rate", "date"]

# Figures of a row that are not one question's answer, and how each is aligned.
ROW_FIELDS: dict[str, Kind] = {
    "stt": "center",
    "unit_name": "text",
    "unit_kind": "center",
    "report_state": "center",  # đã báo cáo / báo cáo muộn / chưa báo cáo
    "study_state": "text",  # the `held` answer's label
    "format_sites": "text",
    "members_eligible": "number",  # members_total − members_exempt: the "%" column's denominator
    "attendance_rate": "rate",
    "absent": "number",  # people
    "absence": "number",  # the old name of "absent", so campaign files written before still load
    "makeup_session": "center",
    "action_program": "text",
    "remarks": "text",
}
MAKEUP_PLANNED_DATE = "makeup_planned_date"  # questionnaire 2: when a unit without its make-up plans it


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    width: float
    kind: Kind
    group: str | None = None  # a heading over this column and the next ones of the group

    @property
    def full_header(self) -> str:
        """The header with its group's heading, where there is one row of headers (the XLSX)."""
        return grouped_header(self.header, self.group)


@dataclass(frozen=True)
class Row:
    """A line of the table: a TCCSĐ (numbered), or a cell its committee reports for (affiliated, not numbered)."""

    unit: UnitInfo
    cells: list[Cell]
    affiliated: bool = False


@dataclass(frozen=True)
class PresenterRow:
    number: int
    name: str
    positions: str
    units: str


def number(value: int, language: str) -> str:
    """1234 → "1.234" (vi) or "1,234" (en)."""
    return formatting.number(value) if language != "en" else f"{value:,}"


def percent(fraction: float | None, language: str) -> str:
    """0.9516 → "95,16" (vi) or "95.16" (en); "—" for a rate of 0/0."""
    if fraction is None:
        return "—"
    return formatting.decimal(fraction * 100) if language != "en" else f"{fraction * 100:,.2f}"


def shown(value: Cell, kind: str, language: str) -> str:
    """A cell as the DOCX writes it: 1.234, 95,00%, 20/09/2022, 22/45."""
    if value is None:
        return ""
    if isinstance(value, Share):
        return f"{number(value.part, language)}/{number(value.whole, language)}"
    if isinstance(value, date):
        return formatting.day(value)
    if kind == "rate" and isinstance(value, float):
        return percent(value, language) + "%"
    if isinstance(value, int):
        return number(value, language)
    return str(value)


class AppendixFieldError(NqbotError):
    """The campaign file's appendix names a column that is neither a figure of the row nor a question."""


def columns(data: CompiledReport, language: str) -> list[Column]:
    """The campaign file's appendix columns; a misspelt field is one clear error, not an empty column. A column
    of the default list whose question this campaign never asked (absent_sick before questionnaire 2) is left
    out."""
    found = []
    for column in data.spec.report.appendix:
        kind = ROW_FIELDS.get(column.field)
        if kind is None:
            question = data.question(column.field)
            if question is None and column.field in DEFAULT_APPENDIX_HEADERS:
                continue
            if question is None:
                figures = ", ".join(ROW_FIELDS)
                raise AppendixFieldError(Text("export.appendix_field", field=column.field, figures=figures))
            kind = _QUESTION_KIND.get(question.type, "text")
        group = column.group.get(language) if column.group else None
        found.append(Column(column.field, column.header.get(language), column.width, kind, group))
    return found


_QUESTION_KIND: dict[QuestionType, Kind] = {
    QuestionType.integer: "number",
    QuestionType.date: "date",
    QuestionType.date_list: "date",
}


def register(data: CompiledReport) -> list[tuple[UnitInfo, ReportedUnit | None]]:
    """Every TCCSĐ that must report, in register order, with its report (None: not reported)."""
    units = [(r.unit, r) for r in data.reported] + [(m.unit, None) for m in data.missing]
    return sorted(units, key=lambda entry: entry[0].order)


def unit_rows(data: CompiledReport, cols: Sequence[Column], language: str) -> list[Row]:
    """A numbered row per TCCSĐ, each followed by the cells its committee reports for."""
    fields = {col.field for col in cols}
    cells: dict[int | None, list[UnitInfo]] = {}  # by committee, once (data.cells_of looks through them all)
    for cell in data.affiliated:
        cells.setdefault(cell.parent_id, []).append(cell)
    found = []
    for n, (unit, report) in enumerate(register(data), start=1):
        found.append(Row(unit, [_cell(col, n, unit, report, fields, data, language) for col in cols]))
        found.extend(Row(cell, _affiliated(cell, cols, language), affiliated=True) for cell in cells.get(unit.id, []))
    return found


def rows(data: CompiledReport, cols: Sequence[Column], language: str) -> list[list[Cell]]:
    """The table's lines as cells (unit_rows without the units)."""
    return [row.cells for row in unit_rows(data, cols, language)]


def _affiliated(cell: UnitInfo, cols: Sequence[Column], language: str) -> list[Cell]:
    """A cell its committee reports for: its name under the committee and a remark saying so, nothing counted
    (no kind either: it is a chi bộ trực thuộc, not a chi bộ cơ sở)."""
    values: dict[str, Cell] = {
        "unit_name": f"– {cell.name}",
        "remarks": say("export.remark.through_parent", language),
    }
    return [values.get(col.field) for col in cols]


def _kind(unit: UnitInfo, language: str) -> str:
    return say(f"export.kind.{unit.kind.value}", language)


def _cell(
    column: Column,
    n: int,
    unit: UnitInfo,
    report: ReportedUnit | None,
    fields: Collection[str],
    data: CompiledReport,
    language: str,
) -> Cell:
    name = column.field
    if name == "stt":
        return n
    if name == "unit_name":
        return unit.name
    if name == "unit_kind":
        return _kind(unit, language)
    if name == "report_state":
        return report_state(report, language)
    if report is None:
        return None
    if name == "study_state":
        choice = report.latest.value(c.HELD)
        return None if choice is None else data.choice_label(c.HELD, choice, language)
    if name == "action_program":
        return _action_program(report, data, language)
    if name == "remarks":
        return _remarks(report, fields, data, language)
    if not report.held:
        return None
    if name == "format_sites":
        return _format(report, data, language)
    if name == "members_eligible":
        return report.members_eligible
    if name == "attendance_rate":
        return report.attendance_rate
    if name in ("absent", "absence"):
        return report.absent
    if name == "makeup_session":
        return _makeup(report, language)
    return _answer(report, name, column.kind, language)


def report_state(report: ReportedUnit | None, language: str) -> str:
    """The report's state in the province's words."""
    key = "missing" if report is None else "late" if report.late else "reported"
    return say(f"export.state.{key}", language)


def _answer(report: ReportedUnit, question_id: str, kind: Kind, language: str) -> Cell:
    question = report.latest.questions.get(question_id)
    return answer_cell(question, report.latest.answers.get(question_id), language, as_number=kind == "number")


def answer_cell(question: Question | None, raw: Any, language: str, *, as_number: bool) -> Cell:
    """One stored answer in a table cell: empty when not given, a number as a number, a date (or a list of one
    date) as a date, else its whole text."""
    if question is None or raw is None:
        return None
    if as_number and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if question.type is QuestionType.date or (question.type is QuestionType.date_list and len(raw) == 1):
        value = question.decode(raw)
        return value[0] if isinstance(value, list) else value
    return display(question, raw, language, limit=None)


def _format(report: ReportedUnit, data: CompiledReport, language: str) -> Cell:
    choice = report.latest.value(c.FORMAT)
    if choice is None:
        return None
    label = data.choice_label(c.FORMAT, choice, language)
    sites = report.latest.number(c.VIDEO_SITES)
    return say("export.format_sites", language, format=label, sites=number(sites, language)) if sites else label


def _makeup(report: ReportedUnit, language: str) -> Cell:
    answer = report.latest.value(c.MAKEUP)
    if not report.absent or answer is None:
        return None
    if not answer:
        planned = report.latest.value(MAKEUP_PLANNED_DATE)
        if planned:
            return say("export.makeup.planned", language, date=formatting.day(planned))
        return say("export.makeup.no", language)
    when = report.latest.value(c.MAKEUP_DATE)
    return say("export.makeup.done", language, date=formatting.day(when)) if when else say("export.yes", language)


def _action_program(report: ReportedUnit, data: CompiledReport, language: str) -> Cell:
    choice = report.latest.value(c.ACTION_PLAN)
    if choice is None:
        return None
    if choice == c.ISSUED:
        doc_number = report.latest.value(c.ACTION_PLAN_NUMBER)
        issued_on = report.latest.value(c.ACTION_PLAN_DATE)
        if doc_number and issued_on:
            return say("export.plan.issued", language, number=doc_number, date=formatting.day(issued_on))
    return data.choice_label(c.ACTION_PLAN, choice, language)


def _remarks(report: ReportedUnit, fields: Collection[str], data: CompiledReport, language: str) -> Cell:
    """What the columns do not say: why not held and when planned, reasons without counts (old questionnaire),
    what "other" means; the exempt members and the lateness only when no column shows them."""
    latest, notes = report.latest, []
    if not report.held:
        planned = latest.value(c.PLANNED_DATE)
        reason = latest.value(c.NOT_HELD_REASON) or ""
        note = say("export.not_held.row", language, date=formatting.day(planned) if planned else "—", reason=reason)
        notes.append(note.strip().removesuffix("."))
    reasons = latest.value(c.ABSENT_REASONS) or []
    if report.held and report.absent and reasons and report.absent_by_reason is None:
        labels = ", ".join(data.choice_label(c.ABSENT_REASONS, r, language) for r in reasons)
        notes.append(say(f"export.remark.reasons_{_uncounted(latest)}", language, reasons=labels))
    if report.absent_other_what:
        notes.append(say("export.remark.other_reason", language, what=report.absent_other_what))
    exempt = latest.number(c.MEMBERS_EXEMPT)
    if exempt and not {"members_exempt", "members_eligible"} & set(fields):
        notes.append(say("export.remark.exempt", language, count=number(exempt, language)))
    if report.late and "report_state" not in fields:
        notes.append(say("export.remark.late", language))
    if report.versions > 1:
        notes.append(say("export.remark.amended", language, version=report.versions))
    return "; ".join(notes) or None


def _uncounted(latest: c.Version) -> str:
    """Why a unit's absent members are not counted by reason: counts given that do not add up ("unmatched"),
    none given ("uncounted"), or none asked, an old questionnaire ("old")."""
    counts = [
        i for i, q in latest.questions.items() if i.startswith(c.ABSENT_COUNT_PREFIX) and q.type is QuestionType.integer
    ]
    if any(isinstance(latest.answers.get(i), int) for i in counts):
        return "unmatched"
    return "uncounted" if counts else "old"


def totals(data: CompiledReport, cols: Sequence[Column], language: str) -> list[Cell]:
    """The "Tổng cộng" row: the body's own figures, each over the same units as there (Share: x of y)."""
    t = data.totals
    figures: dict[str, Cell] = {
        "unit_name": say("export.total", language),
        "report_state": Share(t.reported, t.units),
        "study_state": Share(t.held, t.units),
        "members_eligible": t.members_eligible,
        "attendance_rate": t.attendance_rate,
        "absent": t.absent,
        "absence": t.absent,
        "makeup_session": Share(t.makeup_units, t.units_with_absent) if t.units_with_absent else None,
        "action_program": Share(t.action_plans_issued, t.units),
    }
    cells: list[Cell] = []
    for column in cols:
        if column.field in figures:
            cells.append(figures[column.field])
        elif column.kind == "number" and column.field not in ROW_FIELDS:
            cells.append(sum(r.latest.number(column.field) for r in data.reported))
        else:
            cells.append(None)
    return cells


def presenter_rows(data: CompiledReport) -> list[PresenterRow]:
    """The distinct presenters, each with the positions given and the units they spoke at."""
    return [
        PresenterRow(n, p.name, "; ".join(p.positions), "; ".join(u.name for u in p.units))
        for n, p in enumerate(data.presenters, start=1)
    ]


def as_of_line(data: CompiledReport, today: date, language: str) -> str:
    """ "Tính đến ngày …" while the campaign runs; once it has closed, the day it closed."""
    if data.in_progress:
        return say("export.as_of", language, date=formatting.day(today))
    return say("export.closed_on", language, date=formatting.day(data.spec.closes_on))
