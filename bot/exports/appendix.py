"""The appendix table, shared by the XLSX and the DOCX: the campaign file's columns, one row per unit that held
the session, a totals row, then the units that reported without holding it and those that have not reported.

A column shows a figure of the row (ROW_FIELDS) or the answer to a question (an integer question is summed in
the totals row). Cells are plain values: numbers stay numbers and a rate is a fraction, so the XLSX keeps them
as numbers and the DOCX writes them the Vietnamese way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from bot import formatting
from bot.engine.questionnaire import display
from bot.texts import say
from storage import compiled as c
from storage.campaign_spec import Question, QuestionType
from storage.compiled import CompiledReport, MissingUnit, ReportedUnit
from storage.errors import NqbotError

Cell = str | int | float | None
Kind = Literal["text", "center", "number", "rate"]

# Figures of a row that are not one question's answer, and how each is aligned.
ROW_FIELDS: dict[str, Kind] = {
    "stt": "center",
    "unit_name": "text",
    "unit_kind": "center",
    "format_sites": "text",
    "attendance_rate": "rate",
    "absence": "center",
    "makeup_session": "center",
    "action_program": "text",
    "remarks": "text",
}


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    width: float
    kind: Kind


@dataclass(frozen=True)
class GroupRow:
    """A unit listed after the totals: number, name, kind, and one note."""

    number: int
    name: str
    kind: str
    note: str


def number(value: int, language: str) -> str:
    """1234 → "1.234" (vi) or "1,234" (en)."""
    return formatting.number(value) if language != "en" else f"{value:,}"


def percent(fraction: float | None, language: str) -> str:
    """0.9516 → "95,16" (vi) or "95.16" (en); "—" for a rate of 0/0."""
    if fraction is None:
        return "—"
    return formatting.decimal(fraction * 100) if language != "en" else f"{fraction * 100:,.2f}"


class AppendixFieldError(NqbotError):
    """The campaign file's appendix names a column that is neither a figure of the row nor a question."""


def columns(data: CompiledReport, language: str) -> list[Column]:
    """The campaign file's appendix columns; a misspelt field is one clear error, not an empty column."""
    found = []
    for column in data.spec.report.appendix:
        kind = ROW_FIELDS.get(column.field)
        if kind is None:
            question = data.question(column.field)
            if question is None:
                figures = ", ".join(ROW_FIELDS)
                raise AppendixFieldError(
                    f"report.appendix: {column.field!r} is not a question of the campaign nor a figure ({figures})"
                )
            kind = "number" if question.type is QuestionType.integer else "text"
        found.append(Column(column.field, column.header.get(language), column.width, kind))
    return found


def rows(data: CompiledReport, cols: Sequence[Column], language: str) -> list[list[Cell]]:
    """One row per unit that held the session."""
    return [_row(n, report, cols, data, language) for n, report in enumerate(data.held, start=1)]


def _row(n: int, report: ReportedUnit, cols: Sequence[Column], data: CompiledReport, language: str) -> list[Cell]:
    cells: list[Cell] = []
    for column in cols:
        name = column.field
        if name == "stt":
            cells.append(n)
        elif name == "unit_name":
            cells.append(report.unit.name)
        elif name == "unit_kind":
            cells.append(say(f"export.kind.{report.unit.kind.value}", language))
        elif name == "format_sites":
            cells.append(_format(report, data, language))
        elif name == "attendance_rate":
            cells.append(report.attendance_rate)
        elif name == "absence":
            cells.append(_absence(report, data, language))
        elif name == "makeup_session":
            cells.append(_makeup(report, language))
        elif name == "action_program":
            cells.append(_action_program(report, data, language))
        elif name == "remarks":
            cells.append(_remarks(report, language))
        else:
            cells.append(_answer(report, name, column.kind, language))
    return cells


def _answer(report: ReportedUnit, question_id: str, kind: Kind, language: str) -> Cell:
    question = report.latest.questions.get(question_id)
    return answer_cell(question, report.latest.answers.get(question_id), language, as_number=kind == "number")


def answer_cell(question: Question | None, raw: Any, language: str, *, as_number: bool) -> Cell:
    """One stored answer in a table cell: empty when not given, a number as a number, else its whole text."""
    if question is None or raw is None:
        return None
    if as_number and isinstance(raw, int):
        return raw
    return display(question, raw, language, limit=None)


def _format(report: ReportedUnit, data: CompiledReport, language: str) -> Cell:
    choice = report.latest.value(c.FORMAT)
    if choice is None:
        return None
    label = data.choice_label(c.FORMAT, choice, language)
    sites = report.latest.number(c.VIDEO_SITES)
    return say("export.format_sites", language, format=label, sites=number(sites, language)) if sites else label


def _absence(report: ReportedUnit, data: CompiledReport, language: str) -> Cell:
    if not report.absent:
        return 0
    reasons = report.latest.value(c.ABSENT_REASONS) or []
    if not reasons:
        return report.absent
    labels = ", ".join(data.choice_label(c.ABSENT_REASONS, r, language) for r in reasons)
    return say("export.absence", language, count=number(report.absent, language), reasons=labels)


def _makeup(report: ReportedUnit, language: str) -> Cell:
    answer = report.latest.value(c.MAKEUP)
    if not report.absent or answer is None:
        return None
    if not answer:
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


def _remarks(report: ReportedUnit, language: str) -> Cell:
    notes = []
    exempt = report.latest.number(c.MEMBERS_EXEMPT)
    if exempt:
        notes.append(say("export.remark.exempt", language, count=number(exempt, language)))
    if report.late:
        notes.append(say("export.remark.late", language))
    if report.versions > 1:
        notes.append(say("export.remark.amended", language, version=report.versions))
    return "; ".join(notes) or None


def totals(data: CompiledReport, cols: Sequence[Column], language: str) -> list[Cell]:
    """The "Tổng cộng" row over the units that held the session."""
    held = data.held
    t = data.totals
    issued = sum(r.latest.value(c.ACTION_PLAN) == c.ISSUED for r in held)
    cells: list[Cell] = []
    for column in cols:
        name = column.field
        if name == "unit_name":
            cells.append(say("export.total", language))
        elif name == "attendance_rate":
            cells.append(t.attendance_rate)
        elif name == "absence":
            cells.append(t.absent)
        elif name == "makeup_session":
            cells.append(f"{t.makeup_units}/{t.units_with_absent}" if t.units_with_absent else None)
        elif name == "action_program":
            cells.append(f"{issued}/{len(held)}" if held else None)
        elif column.kind == "number" and name not in ROW_FIELDS:
            cells.append(sum(r.latest.number(name) for r in held))
        else:
            cells.append(None)
    return cells


def as_of_line(data: CompiledReport, today: date, language: str) -> str:
    """ "Tính đến ngày …" while the campaign runs; once it has closed, the day it closed."""
    if data.in_progress:
        return say("export.as_of", language, date=formatting.day(today))
    return say("export.closed_on", language, date=formatting.day(data.spec.closes_on))


def groups(data: CompiledReport, language: str) -> list[tuple[str, list[GroupRow]]]:
    """The units listed after the totals: (the group's title with its count, its rows), empty groups left out."""
    found = [
        ("export.group.not_held", not_held_rows(data, language)),
        ("export.group.missing", missing_rows(data, language)),
    ]
    return [(f"{say(key, language)} ({number(len(rows), language)})", rows) for key, rows in found if rows]


def not_held_rows(data: CompiledReport, language: str) -> list[GroupRow]:
    rows = []
    for n, report in enumerate(data.not_held, start=1):
        planned = report.latest.value(c.PLANNED_DATE)
        reason = report.latest.value(c.NOT_HELD_REASON) or ""
        note = say(
            "export.not_held.row", language, date=formatting.day(planned) if planned else "—", reason=reason
        ).strip()
        kind = say(f"export.kind.{report.unit.kind.value}", language)
        rows.append(GroupRow(n, report.unit.name, kind, note.removesuffix(".") if not reason else note))
    return rows


def missing_rows(data: CompiledReport, language: str) -> list[GroupRow]:
    return [
        GroupRow(n, m.unit.name, say(f"export.kind.{m.unit.kind.value}", language), reporter_state(m, language))
        for n, m in enumerate(data.missing, start=1)
    ]


def reporter_state(missing: MissingUnit, language: str) -> str:
    if missing.state is c.ReporterState.draft:
        return say("export.reporter.draft", language, count=missing.draft_answers)
    return say(f"export.reporter.{missing.state.value}", language)
