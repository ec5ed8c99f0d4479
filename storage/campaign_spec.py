"""The campaign file: one YAML file per campaign, validated whole before anything is stored.

A mistake gives one CampaignFileError naming the file, the field (`questionnaire[4] (sessions).min`)
and what is wrong. The questionnaire's expressions and patterns are checked here too (patterns for shapes
that backtrack for ever, storage/patterns.py), so the engine can trust them. A file over MAX_FILE_BYTES
is refused before YAML reads it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BeforeValidator, Field, ValidationError, model_validator

from storage.errors import CampaignFileError, Text
from storage.expressions import ExpressionError, parse
from storage.patterns import pattern_problem
from storage.report_spec import ReportSettings
from storage.spec_base import IDENTIFIER, Day, LocalText, Strict
from storage.units import fold

# Values an expression may read besides earlier answers; the engine supplies them (unit_kind: the unit's kind,
# 'grassroots_committee' or 'grassroots_cell'; register_cells: the register's cells reporting through it).
CONTEXT_NAMES = frozenset(
    {
        "today",
        "report_deadline",
        "board_deadline",
        "closes_on",
        "resolution_date",
        "register_members",
        "unit_kind",
        "register_cells",
    }
)
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
MAX_FILE_BYTES = 1_000_000  # the shipped campaign is 20 kB; YAML takes seconds per 10 MB


def _clock(value: Any) -> Any:
    """Accept "08:00"; YAML 1.1 reads an unquoted 08:00 as the number of minutes, 480."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    return value


Clock = Annotated[time, BeforeValidator(_clock)]


def name_key(text: str) -> str:
    """A name as typed replies are compared with it: folded (case, diacritics, compatibility forms), its words
    only, single spaces ("Đã tự tổ chức!" → "da tu to chuc"). bot/parsing.py matches replies the same way."""
    return " ".join(re.findall(r"[^\W_]+", fold(unicodedata.normalize("NFKC", text))))


class Choice(Strict):
    id: str = Field(pattern=IDENTIFIER)
    vi: str = Field(min_length=1)
    en: str | None = None
    aliases: list[str] = Field(default_factory=list)  # other whole replies that name this choice ("rồi")
    exclusive: bool = False  # in a pick-several question: chosen alone or not at all ("Chưa tuyên truyền")

    def label(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.vi

    def names(self) -> set[str]:
        """Every whole reply that names this choice, as name_key gives it: id, labels, aliases."""
        return {name_key(n) for n in (self.id, self.vi, self.en or "", *self.aliases)} - {""}


class QuestionType(StrEnum):
    single_choice = "single_choice"
    multi_choice = "multi_choice"
    integer = "integer"
    date = "date"
    date_list = "date_list"
    text = "text"
    yes_no = "yes_no"


class Check(Strict):
    """A soft rule: when `if` holds, the reporter is shown `text` and asked to confirm the answer."""

    if_: str = Field(alias="if")
    text: LocalText


class Sum(Strict):
    """Integer questions that add up to a total: the questions of one `group` follow one another, the last one
    asked must make the sum exact, and a question of the group that applies alone is given the total, not asked
    (absent members by reason: one reason chosen, all the absent were absent for it)."""

    group: str = Field(pattern=IDENTIFIER)
    equals: int | str  # the total: a number or an expression over questions before the group


# Which optional settings each question type takes.
_SETTINGS_BY_TYPE: dict[str, set[QuestionType]] = {
    "choices": {QuestionType.single_choice, QuestionType.multi_choice},
    "min": {QuestionType.integer},
    "max": {QuestionType.integer},
    "not_before": {QuestionType.date, QuestionType.date_list},
    "not_after": {QuestionType.date, QuestionType.date_list},
    "max_dates": {QuestionType.date_list},
    "max_length": {QuestionType.text},
    "pattern": {QuestionType.text},
    "pattern_hint": {QuestionType.text},
    "min_choices": {QuestionType.multi_choice},
    "max_choices": {QuestionType.multi_choice},
    "sum": {QuestionType.integer},
}


class Question(Strict):
    """One question of the questionnaire."""

    id: str = Field(pattern=IDENTIFIER)
    type: QuestionType
    text: LocalText
    label: LocalText | None = None  # a short name for summaries and table headers; the text when missing
    hint: LocalText | None = None
    optional: bool = False
    when: str | None = None  # ask only when this holds
    choices: list[Choice] = Field(default_factory=list)
    min: int | str | None = None  # a number or an expression
    max: int | str | None = None
    not_before: Day | str | None = None  # a date or an expression (today, resolution_date, …)
    not_after: Day | str | None = None
    max_dates: int = Field(default=10, ge=1, le=50)
    max_length: int | None = Field(default=None, ge=1, le=4000)
    pattern: str | None = Field(default=None, max_length=500)
    pattern_hint: LocalText | None = None
    min_choices: int = Field(default=1, ge=0)
    max_choices: int | str | None = None  # a number or an expression (no more reasons than absent members)
    prefill: str | None = None  # an expression whose value is offered as the answer
    warn: list[Check] = Field(default_factory=list)
    show: LocalText | None = None  # shown after the answer; {expression} placeholders
    sum: Sum | None = None  # one of integer questions that add up to a total

    @model_validator(mode="after")
    def _settings_fit_the_type(self) -> Question:
        fields = type(self).model_fields
        for setting, types in _SETTINGS_BY_TYPE.items():
            is_set = getattr(self, setting) != fields[setting].get_default(call_default_factory=True)
            if is_set and self.type not in types:
                allowed = " and ".join(sorted(t.value for t in types))
                raise ValueError(f"'{setting}' is only for {allowed} questions, not {self.type.value}")
        if self.type in _SETTINGS_BY_TYPE["choices"]:
            if len(self.choices) < 2:
                raise ValueError("a choice question needs at least two choices")
            ids = [c.id for c in self.choices]
            if len(set(ids)) != len(ids):
                raise ValueError(f"choice ids repeat: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}")
            _names_fit(self.choices)
        if self.type is not QuestionType.multi_choice and any(c.exclusive for c in self.choices):
            raise ValueError("'exclusive' is only for choices of multi_choice questions")
        if self.sum is not None and self.optional:
            raise ValueError("a question of a sum group cannot be optional: the group's answers add up to its total")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression ({exc})") from None
            problem = pattern_problem(self.pattern)
            if problem:
                raise ValueError(f"pattern {self.pattern!r} {problem}")
        return self

    def decode(self, raw: Any) -> Any:
        """A stored JSON answer as a Python value (ISO strings → dates)."""
        if raw is None:
            return None
        if self.type is QuestionType.date:
            return date.fromisoformat(raw)
        if self.type is QuestionType.date_list:
            return [date.fromisoformat(d) for d in raw]
        return raw

    def encode(self, value: Any) -> Any:
        """A Python answer as it is stored (JSON: dates as ISO strings)."""
        if value is None:
            return None
        if self.type is QuestionType.date:
            return value.isoformat()
        if self.type is QuestionType.date_list:
            return [d.isoformat() for d in value]
        return value

    def short(self, language: str) -> str:
        return (self.label or self.text).get(language)

    def choice_label(self, choice_id: str, language: str) -> str:
        """The label of a choice, or the id itself for a choice this questionnaire no longer has."""
        return next((c.label(language) for c in self.choices if c.id == choice_id), choice_id)

    def expressions(self) -> list[tuple[str, str]]:
        """(setting, source) of every expression this question holds, placeholders included."""
        found: list[tuple[str, str]] = []
        if self.when:
            found.append(("when", self.when))
        if self.prefill:
            found.append(("prefill", self.prefill))
        for setting in ("min", "max", "not_before", "not_after", "max_choices"):
            value = getattr(self, setting)
            if isinstance(value, str):
                found.append((setting, value))
        if self.sum is not None and isinstance(self.sum.equals, str):
            found.append(("sum.equals", self.sum.equals))
        for i, check in enumerate(self.warn):
            found.append((f"warn[{i}].if", check.if_))
            found.extend((f"warn[{i}].text", source) for source in placeholders(check.text))
        if self.show:
            found.extend(("show", source) for source in placeholders(self.show))
        return found


def _names_fit(choices: list[Choice]) -> None:
    """Each alias reads as a name (not a number: numbers pick choices by position), is not the first words of
    another choice's label ("đi" where "Đi học" is another choice), and names one choice only."""
    owner: dict[str, str] = {}
    for choice in choices:
        for alias in choice.aliases:
            key = name_key(alias)
            if re.fullmatch(r"(?:so )?[0-9]*", key):
                raise ValueError(f"choice {choice.id!r}: the alias {alias!r} must be words, not a number or marks")
            for other in (c for c in choices if c is not choice):
                if any(name_key(label).startswith(key + " ") for label in (other.vi, other.en or "")):
                    raise ValueError(f"choice {choice.id!r}: the alias {alias!r} begins the label of {other.id!r}")
        for key in sorted(choice.names()):
            if key in owner:
                raise ValueError(f"choices {owner[key]!r} and {choice.id!r} both have the name {key!r}")
            owner[key] = choice.id


def placeholders(text: LocalText) -> list[str]:
    """The {expression} placeholders of a text, in both languages."""
    return [m.group(1) for t in (text.vi, text.en or "") for m in _PLACEHOLDER.finditer(t)]


class Reference(Strict):
    """A party document: number and symbol, date, issuer."""

    number: str = Field(min_length=1)  # "15-NQ/TW"
    date: Day
    issuer: str = Field(min_length=1)
    subject: str | None = None


class QuietHours(Strict):
    start: Clock = time(21, 0)
    end: Clock = time(7, 0)


class Reminders(Strict):
    """The reminder ladder: days before the units' deadline, then every N days while overdue."""

    days_before: list[Annotated[int, Field(ge=0, le=60)]] = Field(default_factory=lambda: [7, 3, 1, 0])
    at: Clock = time(8, 0)
    overdue_every_days: int = Field(default=1, ge=0)  # 0: no reminders after the deadline
    quiet_hours: QuietHours = QuietHours()
    digest_at: Clock | None = time(17, 0)

    @model_validator(mode="after")
    def _distinct_days(self) -> Reminders:
        if len(set(self.days_before)) != len(self.days_before):
            raise ValueError("days_before lists a day twice")
        return self


class CampaignSpec(Strict):
    """A whole campaign file."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    title: str = Field(min_length=1)
    resolution: Reference
    issuer: str = Field(min_length=1)
    basis: Reference | None = None  # the superior's plan this campaign carries out
    report_deadline: Day
    board_deadline: Day
    closes_on: Day
    tasks: list[str] = Field(default_factory=list)  # older files' list; the report reads report.plan.tasks
    reminders: Reminders = Reminders()
    questionnaire: list[Question] = Field(min_length=1)
    report: ReportSettings

    @model_validator(mode="after")
    def _dates_in_order(self) -> CampaignSpec:
        if self.report_deadline < self.resolution.date:
            raise ValueError("report_deadline is before the resolution's date")
        if self.board_deadline < self.report_deadline:
            raise ValueError("board_deadline is before report_deadline")
        if self.closes_on < self.report_deadline:
            raise ValueError("closes_on is before report_deadline")
        return self

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questionnaire if q.id == question_id)

    def questionnaire_json(self) -> list[dict[str, Any]]:
        return [q.model_dump(mode="json", by_alias=True, exclude_defaults=True) for q in self.questionnaire]

    def questionnaire_fingerprint(self) -> str:
        canonical = json.dumps(self.questionnaire_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def check_questionnaire(questions: list[Question]) -> list[tuple[str, str]]:
    """(field, problem) for repeated ids and for expressions that cannot be read or name unknown values.

    An expression may name the context values, an earlier question, and (in warn and show) the
    question itself: the engine evaluates them with the answers given so far.
    """
    problems: list[tuple[str, str]] = check_sums(questions)
    seen: set[str] = set()
    for i, question in enumerate(questions):
        where = f"questionnaire[{i}] ({question.id})"
        if question.id in seen:
            problems.append((f"{where}.id", f"the id {question.id!r} is used by an earlier question"))
        group = question.sum.group if question.sum else None
        members = {q.id for q in questions if group and q.sum and q.sum.group == group}
        for setting, source in question.expressions():
            own = setting.startswith(("warn", "show"))
            known = seen | CONTEXT_NAMES | ({question.id} if own else set())
            before_group = setting in ("when", "sum.equals")  # read before the group is asked
            try:
                parse(source, (known - members if before_group else known).__contains__)
            except ExpressionError as exc:
                named = before_group and any(repr(m) in str(exc) for m in members)
                problem = (
                    f"{exc} (a sum group's conditions and total cannot name its own questions)" if named else str(exc)
                )
                problems.append((f"{where}.{setting}", problem))
        seen.add(question.id)
    return problems


def check_sums(questions: list[Question]) -> list[tuple[str, str]]:
    """(field, problem) for sum groups that cannot work: fewer than two questions, questions apart from each
    other, or totals that differ."""
    problems: list[tuple[str, str]] = []
    first: dict[str, tuple[int, Question]] = {}  # group → its first question
    for i, question in enumerate(questions):
        if question.sum is None:
            continue
        where = f"questionnaire[{i}] ({question.id}).sum"
        group = question.sum.group
        if group not in first:
            first[group] = (i, question)
            continue
        previous = questions[i - 1]
        start, leader = first[group]
        if previous.sum is None or previous.sum.group != group:
            problems.append((where, f"the questions of the sum group {group!r} must follow one another"))
        elif leader.sum is not None and str(question.sum.equals).strip() != str(leader.sum.equals).strip():
            problems.append(
                (f"{where}.equals", f"differs from the total of the group's first question ({leader.id}, [{start}])")
            )
    for group, (i, question) in first.items():
        if sum(1 for q in questions if q.sum and q.sum.group == group) < 2:
            problems.append(
                (f"questionnaire[{i}] ({question.id}).sum", f"the sum group {group!r} needs two questions or more")
            )
    return problems


def parse_campaign(data: Any, source: str) -> CampaignSpec:
    """Validate the parsed YAML of a campaign file; `source` names the file in errors."""
    if not isinstance(data, dict):
        raise CampaignFileError(f"{source}: the file must be a mapping of campaign fields, not {type(data).__name__}")
    try:
        spec = CampaignSpec.model_validate(data)
    except ValidationError as exc:
        raise CampaignFileError(_describe(source, exc, data)) from None
    problems = check_questionnaire(spec.questionnaire)
    if problems:
        field, problem = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CampaignFileError(f"{source}: {field}: {problem}{more}")
    return spec


def load_campaign_file(path: str | Path) -> CampaignSpec:
    """Read and validate one campaign file, or raise one CampaignFileError."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)  # no more, whatever the file (a device has no size)
            if len(raw) > MAX_FILE_BYTES:
                size = max(path.stat().st_size, len(raw))
                raise CampaignFileError(
                    Text("campaign_file.too_large", source=str(path), size=size, limit=MAX_FILE_BYTES)
                )
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise CampaignFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CampaignFileError(f"{path}: cannot read the file ({exc.__class__.__name__})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise CampaignFileError(f"{path}: {at}{problem}") from None
    return parse_campaign(data, str(path))


def _describe(source: str, exc: ValidationError, data: dict[str, Any]) -> str:
    """The first validation error as 'FILE: field: what is wrong (and N more)'."""
    error = exc.errors()[0]
    field = _field_path(error["loc"], data)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a field of a campaign file (misspelt?)"
    elif error["type"] == "missing":
        message = "is required but missing"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{source}: {field or 'campaign'}: {message}{more}"


def _field_path(loc: tuple[int | str, ...], data: Any) -> str:
    """questionnaire.4.min → questionnaire[4] (sessions).min; drops pydantic's union-branch names."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            label = f"[{step}]"
            node = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                label += f" ({node['id']})"
            parts.append(label)
        elif isinstance(node, dict) or node is None:
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + step)
        # Other string steps are pydantic's names for union branches ("int", "function-after[…]").
    return "".join(parts)
