"""Units: read the register from CSV and import it in one transaction; look units up."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from storage import audit
from storage.errors import NqbotError, Text, UnitImportError
from storage.models import Invite, Person, Submission, Unit, UnitBase, UnitKind, utcnow

COLUMNS = ("code", "name", "kind", "member_count", "parent", "reports")
MAX_LINE = 10_000  # characters; a register's line is a code, a name, a kind, a count, a parent and how it reports
MAX_MEMBERS_DIGITS = 9  # up to 999,999,999: what the database's integer holds, on PostgreSQL too
# How people write a unit's kind in a register, folded to lower case without diacritics.
_KIND_WORDS = {
    "grassroots_committee": UnitKind.grassroots_committee,
    "dang bo co so": UnitKind.grassroots_committee,
    "dang bo": UnitKind.grassroots_committee,
    "dbcs": UnitKind.grassroots_committee,
    "grassroots_cell": UnitKind.grassroots_cell,
    "chi bo co so": UnitKind.grassroots_cell,
    "chi bo": UnitKind.grassroots_cell,
    "cbcs": UnitKind.grassroots_cell,
}
# How a register says whether a cell with a parent reports through its grassroots committee (True) or itself.
_REPORTS_WORDS = {
    "": False,
    "self": False,
    "tu bao cao": False,
    "parent": True,
    "qua dang uy": True,
    "qua cap tren": True,
}


@dataclass(frozen=True)
class UnitRow:
    line: int
    unit: UnitBase
    parent_code: str | None
    order: int = 0  # the row's place in the register (1 for the first unit)
    through_parent: bool = False  # its grassroots committee reports for it (the `reports` column)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_file: list[str] = field(default_factory=list)  # kept: units are never deleted by an import
    pruned: list[str] = field(default_factory=list)


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics: "Đảng bộ" → "dang bo". Cached: a turn folds its text several
    times (commands, words that move, the answer)."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower().split())


def read_units_csv(path: str | Path) -> list[UnitRow]:
    """Parse and check every row; raise one UnitImportError listing each bad line, or return all rows."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UnitImportError(str(path), [Text("units.no_file")]) from None
    except UnicodeDecodeError:
        raise UnitImportError(str(path), [Text("units.not_utf8")]) from None
    lines = text.splitlines()
    for number, line_text in enumerate(lines, start=1):
        if len(line_text) > MAX_LINE:  # before csv, whose limit (131,072) would raise mid-file
            raise NqbotError(
                Text("units.line_too_long", source=str(path), line=number, length=len(line_text), limit=MAX_LINE)
            )
    records = _records(lines, str(path))
    header = [h.strip().lower() for h in next(records, (1, []))[1]]
    missing = [c for c in COLUMNS[:4] if c not in header]
    if missing:
        columns = Text("units.missing_columns", missing=", ".join(missing), expected=",".join(COLUMNS))
        raise UnitImportError(str(path), [columns])
    rows: list[UnitRow] = []
    problems: list[tuple[int, Text]] = []  # (line, what is wrong), told in line order
    seen: dict[str, int] = {}
    for line, record in records:
        values = {k: v.strip() for k, v in zip(header, record, strict=False)}
        if not any(values.values()):
            continue  # blank lines in a spreadsheet export
        problem = _row_problem(values, seen, line)
        if problem is not None:
            problems.append((line, problem))
            continue
        try:
            unit = UnitBase.model_validate(
                {
                    "code": values["code"],
                    "name": values["name"],
                    "kind": _KIND_WORDS[fold(values["kind"])],
                    "member_count": int(values["member_count"]),
                }
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            problems.append((line, Text("units.invalid", line=line, column=str(first["loc"][0]), detail=first["msg"])))
            continue
        seen[unit.code] = line
        through = _REPORTS_WORDS[fold(values.get("reports", ""))]
        rows.append(UnitRow(line, unit, values.get("parent") or None, len(rows) + 1, through))
    problems.extend(
        (row.line, Text("units.own_parent", line=row.line)) for row in rows if row.parent_code == row.unit.code
    )
    if problems:
        raise UnitImportError(str(path), [problem for _, problem in sorted(problems, key=lambda p: p[0])])
    return rows


def _records(lines: list[str], source: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it ends on; one error naming the line where the record csv cannot read
    starts (a quoted field may run over many lines)."""
    reader = csv.reader(lines)
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise NqbotError(Text("units.csv_unreadable", source=source, line=start, detail=str(exc))) from None
        if record:
            yield reader.line_num, record


def _row_problem(values: dict[str, str], seen: dict[str, int], line: int) -> Text | None:
    for column in COLUMNS[:4]:
        if not values.get(column):
            return Text("units.empty", line=line, column=column)
    if values["code"] in seen:
        return Text("units.repeated", line=line, code=values["code"], first=seen[values["code"]])
    if fold(values["kind"]) not in _KIND_WORDS:
        return Text("units.bad_kind", line=line, kind=values["kind"])
    count = values["member_count"].replace(".", "").replace(",", "")
    if not re.fullmatch(f"[0-9]{{1,{MAX_MEMBERS_DIGITS}}}", count):  # not isdigit(): it takes "²", int() does not
        return Text("units.bad_count", line=line, value=values["member_count"], max=10**MAX_MEMBERS_DIGITS - 1)
    values["member_count"] = count
    reports = values.get("reports", "")
    if fold(reports) not in _REPORTS_WORDS:
        return Text("units.bad_reports", line=line, value=reports)
    if _REPORTS_WORDS[fold(reports)]:
        if _KIND_WORDS[fold(values["kind"])] is not UnitKind.grassroots_cell:
            return Text("units.reports_not_cell", line=line)
        if not values.get("parent"):
            return Text("units.reports_no_parent", line=line)
    return None


def import_units(
    session: Session, *, rows: list[UnitRow], source: str, prune: bool = False, actor: str = "cli"
) -> ImportResult:
    """Create new units and update names, kinds, counts and parents of known ones, in the caller's transaction.

    Units missing from the file are kept; with `prune`, those with no data (no people, invites or
    reports) are deleted and the others are kept and listed.
    """
    result = ImportResult()
    existing = {u.code: u for u in session.exec(select(Unit)).all()}
    known = existing.keys() | {row.unit.code for row in rows}
    orphans = [
        Text("units.unknown_parent", line=row.line, parent=row.parent_code)
        for row in rows
        if row.parent_code is not None and row.parent_code not in known
    ]
    if orphans:
        raise UnitImportError(source, orphans)
    _refuse_circles(existing, rows, source)
    _refuse_cells_under_cells(existing, rows, source)
    by_code: dict[str, Unit] = {}
    for row in rows:
        unit = existing.get(row.unit.code)
        if unit is None:
            unit = Unit.model_validate(row.unit)
            unit.reports_through_parent = row.through_parent
            session.add(unit)
            result.created += 1
        elif (unit.name, unit.kind, unit.member_count, unit.reports_through_parent) != (
            row.unit.name,
            row.unit.kind,
            row.unit.member_count,
            row.through_parent,
        ):
            unit.name, unit.kind, unit.member_count = row.unit.name, row.unit.kind, row.unit.member_count
            unit.reports_through_parent = row.through_parent
            unit.updated_at = utcnow()
            result.updated += 1
        else:
            result.unchanged += 1
        unit.register_order = row.order  # the register's order, not a change of the unit (not counted)
        by_code[row.unit.code] = unit
    session.flush()
    for row in rows:
        parent = (by_code.get(row.parent_code) or existing[row.parent_code]) if row.parent_code else None
        parent_id = parent.id if parent else None
        if by_code[row.unit.code].parent_id != parent_id:
            by_code[row.unit.code].parent_id = parent_id
    for code, unit in sorted(existing.items()):
        if code in by_code:
            continue
        if prune and not unit_has_data(session, unit_id=_id(unit)):
            session.delete(unit)
            result.pruned.append(code)
        else:
            unit.register_order = None  # no longer in the register: listed after those that are
            result.not_in_file.append(code)
    audit.record(
        session,
        actor=actor,
        action="units.import",
        entity="unit",
        created=result.created,
        updated=result.updated,
        pruned=result.pruned,
    )
    session.flush()
    return result


def _refuse_circles(existing: Mapping[str, Unit], rows: list[UnitRow], source: str) -> None:
    """One error naming the units whose parents would lead back to themselves once the file is imported
    (the file's parents over the database's)."""
    code_of = {unit.id: code for code, unit in existing.items()}
    parent_of = {code: code_of.get(unit.parent_id) for code, unit in existing.items()}
    parent_of.update({row.unit.code: row.parent_code for row in rows})
    circle = _circle(parent_of)
    if circle:
        raise NqbotError(Text("units.parent_cycle", source=source, units=" → ".join(circle)))


def _refuse_cells_under_cells(existing: Mapping[str, Unit], rows: list[UnitRow], source: str) -> None:
    """One error naming every unit that would report through a parent that is not a grassroots committee once
    the file is imported (the file's kinds, parents and `reports` over the database's)."""
    code_of = {unit.id: code for code, unit in existing.items()}
    kind_of = {code: unit.kind for code, unit in existing.items()} | {row.unit.code: row.unit.kind for row in rows}
    through = {  # unit → (where the register says it, its parent), for each unit reporting through its parent
        code: (Text("units.where_unit", code=code), code_of.get(unit.parent_id))
        for code, unit in existing.items()
        if unit.reports_through_parent
    }
    for row in rows:
        through.pop(row.unit.code, None)
        if row.through_parent:
            through[row.unit.code] = (Text("units.where_line", line=row.line), row.parent_code)
    problems = [
        Text("units.parent_not_committee", where=where, parent=parent)
        for where, parent in through.values()
        if parent is not None and kind_of.get(parent) is not UnitKind.grassroots_committee
    ]
    if problems:
        raise UnitImportError(source, problems)


def _circle(parent_of: Mapping[str, str | None]) -> list[str] | None:
    """The first circle of parents, from its smallest code back to it ["A", "B", "A"], or None."""
    cleared: set[str] = set()  # codes whose parents end at a unit without one
    for start in sorted(parent_of):
        walked: dict[str, int] = {}
        code: str | None = start
        while code is not None and code not in cleared and code not in walked:
            walked[code] = len(walked)
            code = parent_of.get(code)
        if code is not None and code in walked:
            circle = list(walked)[walked[code] :]
            first = circle.index(min(circle))
            circle = circle[first:] + circle[:first]
            return [*circle, circle[0]]
        cleared.update(walked)
    return None


def unit_has_data(session: Session, *, unit_id: int) -> bool:
    """Whether anything refers to the unit: people, invites, reports, child units."""
    for model, column in (
        (Person, Person.unit_id),
        (Invite, Invite.unit_id),
        (Submission, Submission.unit_id),
        (Unit, Unit.parent_id),
    ):
        query = select(func.count()).select_from(model).where(column == unit_id)
        if session.exec(query).one():
            return True
    return False


def get_unit(session: Session, *, code: str) -> Unit | None:
    return session.exec(select(Unit).where(Unit.code == code)).first()


# The register's order (units not in the last imported register after the others), then code.
REGISTER_ORDER = (col(Unit.register_order).is_(None), col(Unit.register_order), col(Unit.code))


def list_units(session: Session, *, reporting_only: bool = False) -> list[Unit]:
    """Every unit in the register's order; `reporting_only`: those asked to report (not the cells whose
    grassroots committee reports for them)."""
    query = select(Unit).order_by(*REGISTER_ORDER)
    if reporting_only:
        query = query.where(col(Unit.reports_through_parent).is_(False))
    return list(session.exec(query).all())


def count_units(session: Session) -> int:
    """The units asked to report: a cell whose grassroots committee reports for it is counted in its
    committee's report, not as a unit of its own."""
    query = select(func.count()).select_from(Unit).where(col(Unit.reports_through_parent).is_(False))
    return int(session.exec(query).one())


def affiliated_cells(session: Session, *, unit_id: int) -> int:
    """How many cells of the register report through this grassroots committee (the questionnaire's
    `register_cells`)."""
    query = (
        select(func.count())
        .select_from(Unit)
        .where(col(Unit.parent_id) == unit_id, col(Unit.reports_through_parent).is_(True))
    )
    return int(session.exec(query).one())


def _id(unit: Unit) -> int:
    assert unit.id is not None
    return unit.id
