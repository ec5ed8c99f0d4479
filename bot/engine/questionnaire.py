"""Walking a questionnaire over a set of answers: which question is next, reading and checking one answer.

Pure functions over the campaign's questions and the answers so far; no database, no channel. Answers
are stored as JSON (dates as ISO strings); `decode` turns them into Python values for expressions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from bot import formatting, parsing
from bot.texts import say
from storage.campaign_spec import CampaignSpec, Question, QuestionType
from storage.expressions import Expression, parse
from storage.models import UnitKind

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_DATES = (QuestionType.date, QuestionType.date_list)
_CHOICES = (QuestionType.single_choice, QuestionType.multi_choice)


class AnswerError(ValueError):
    """An answer that cannot be taken; the message is ready to show."""


class Unsure(Exception):
    """A reading to confirm before it is stored ("khoảng 30" → 30?): `value` as read, `message` ready to show."""

    def __init__(self, value: Any, message: str) -> None:
        super().__init__(message)
        self.value = value
        self.message = message


@lru_cache(maxsize=4096)
def expression(source: str) -> Expression:
    """Parse once; names were checked when the campaign file loaded."""
    return parse(source, lambda _name: True)


def context(
    spec: CampaignSpec,
    *,
    today: date,
    register_members: int,
    unit_kind: str = UnitKind.grassroots_cell.value,
    register_cells: int = 0,
) -> dict[str, Any]:
    """The values expressions may read besides answers (storage.campaign_spec.CONTEXT_NAMES): the unit's
    kind and, for a grassroots committee, how many cells of the register report through it."""
    return {
        "today": today,
        "report_deadline": spec.report_deadline,
        "board_deadline": spec.board_deadline,
        "closes_on": spec.closes_on,
        "resolution_date": spec.resolution.date,
        "register_members": register_members,
        "unit_kind": unit_kind,
        "register_cells": register_cells,
    }


@dataclass
class Walk:
    """The questionnaire over the current answers and the context values (today, register_members, …)."""

    questions: list[Question]
    answers: dict[str, Any]  # JSON form, as stored in the draft; change it through set() and drop()
    context: Mapping[str, Any]
    _walked: _Walked | None = field(default=None, init=False, repr=False)

    def set(self, question_id: str, raw: Any) -> None:
        self.answers[question_id] = raw
        self._changed()

    def drop(self, question_id: str) -> None:
        self.answers.pop(question_id, None)
        self._changed()

    def _changed(self) -> None:
        """After a change: an answer stored for a question the rules now give is dropped (the rule's value
        counts; the old answer was given under other figures and is never asked back)."""
        self._walked = None
        for question_id in self._walk().derived:
            self.answers.pop(question_id, None)  # the walk does not change: a given value ignores the answer

    def _walk(self) -> _Walked:
        """The applicable questions in order, and the values expressions may read: the context and the
        answers of applicable questions only (an answer to a question that no longer applies is kept in
        the draft but counts for nothing, so its own dependants drop out too). Computed once per change."""
        if self._walked is None:
            self._walked = self._compute()
        return self._walked

    def _compute(self) -> _Walked:
        walked = _Walked([], dict(self.context), {})
        values = walked.values
        for question in self.questions:
            if question.when is None or expression(question.when).evaluate(values) is True:
                walked.applicable.append(question)
                given = self._given(question, values)
                if given is not None:
                    walked.derived[question.id] = values[question.id] = given
                elif question.id in self.answers:
                    values[question.id] = question.decode(self.answers[question.id])
        return walked

    def _given(self, question: Question, values: Mapping[str, Any]) -> int | None:
        """The total of the question's sum group when the question is the only one of the group that applies
        (the group's conditions name no answer of the group: campaign_spec checks it); else None (asked)."""
        if question.sum is None:
            return None
        applying = [
            q
            for q in sum_group(self.questions, question)
            if q.when is None or expression(q.when).evaluate(values) is True
        ]
        total = _bound(question.sum.equals, values)
        alone = [q.id for q in applying] == [question.id]
        return total if alone and isinstance(total, int) and not isinstance(total, bool) else None

    def values(self) -> dict[str, Any]:
        return dict(self._walk().values)

    def applicable(self) -> list[Question]:
        """The questions to ask, in order, given the answers so far (a given one included: it is answered)."""
        return self._walk().applicable

    def given(self) -> dict[str, Any]:
        """The answers given by the questionnaire's rules, not asked (a sum group's only question)."""
        return dict(self._walk().derived)

    def next_question(self) -> Question | None:
        derived = self._walk().derived
        return next((q for q in self.applicable() if q.id not in self.answers and q.id not in derived), None)

    def number(self, question_id: str) -> int:
        """1-based number of a question among those that apply (what "sửa câu N" refers to)."""
        ids = [q.id for q in self.applicable()]
        return ids.index(question_id) + 1 if question_id in ids else len(ids) + 1

    def final(self) -> dict[str, Any]:
        """The answers to submit: those of applicable questions only, the given ones with them."""
        derived = self._walk().derived
        return {
            q.id: q.encode(derived[q.id]) if q.id in derived else self.answers[q.id]
            for q in self.applicable()
            if q.id in self.answers or q.id in derived
        }

    def broken(self, language: str, *, after: str | None = None) -> list[tuple[Question, str]]:
        """Answered questions whose answer no longer meets a rule (an earlier answer changed). With `after`,
        only the questions after that one: rules name earlier questions only (campaign_spec checks it), so
        a new answer can break nothing before it."""
        values, derived = self.values(), self._walk().derived
        found = []
        questions = self.applicable()
        if after is not None:
            ids = [q.id for q in questions]
            questions = questions[ids.index(after) + 1 :] if after in ids else questions
        broken_groups = set()  # a sum group is asked again from its first broken answer: the later ones wait
        for question in questions:
            if question.id in derived or (question.sum is not None and question.sum.group in broken_groups):
                continue
            if question.id in self.answers and self.answers[question.id] is not None:
                problem = rule_problem(question, values[question.id], values, self, language)
                if problem:
                    found.append((question, problem))
                    broken_groups |= {question.sum.group} if question.sum else set()
        return found


@dataclass
class _Walked:
    """One walk's result: the applicable questions, the values expressions read, the answers given by rules."""

    applicable: list[Question]
    values: dict[str, Any]
    derived: dict[str, Any]


def read(question: Question, text: str, today: date, language: str) -> Any:
    """Parse typed text as an answer to `question` (types, and exclusive choices; the other rules come after).
    Raises AnswerError for what cannot be taken, Unsure for a hedged reading to confirm ("khoảng 30")."""
    try:
        value = _parse(question, text, today, language)
    except parsing.Approximate as exc:
        raise Unsure(exc.value, say(exc.key, language, **exc.params)) from None
    except parsing.ParseError as exc:
        raise AnswerError(say(exc.key, language, **exc.params)) from None
    problem = exclusive_problem(question, value, language)
    if problem:
        raise AnswerError(problem)
    return value


def _parse(question: Question, text: str, today: date, language: str) -> Any:
    match question.type:
        case QuestionType.integer:
            return parsing.parse_integer(text)
        case QuestionType.date:
            return parsing.parse_date(text, today)
        case QuestionType.date_list:
            return parsing.parse_date_list(text, today, question.max_dates)
        case QuestionType.yes_no:
            return parsing.parse_yes_no(text, question.text.get(language))
        case QuestionType.single_choice:
            return parsing.match_choice(text, choice_pairs(question, language), choice_aliases(question))
        case QuestionType.multi_choice:
            return parsing.match_choices(text, choice_pairs(question, language), choice_aliases(question))
        case QuestionType.text:
            return in_form(question, parsing.clean_text(text))


_NUMBER_WORD = re.compile(r"^(?:số|so|no\.?)\s*[:.]?\s*", re.IGNORECASE)


def in_form(question: Question, text: str) -> str:
    """A text in the question's form when it differs only by case or a leading "Số" ("số 05-kh/cb" →
    "05-KH/CB", document numbers being written in capitals); else the text as typed (the rules judge it)."""
    if not question.pattern or re.fullmatch(question.pattern, text):
        return text
    written = _NUMBER_WORD.sub("", text).upper()
    return written if re.fullmatch(question.pattern, written) else text


def choice_pairs(question: Question, language: str) -> list[tuple[str, str]]:
    return [(c.id, c.label(language)) for c in question.choices]


def choice_aliases(question: Question) -> dict[str, list[str]]:
    """The other names a reply may give a choice: its label in both languages and the campaign's aliases."""
    return {c.id: [c.vi, *([c.en] if c.en else []), *c.aliases] for c in question.choices}


def exclusive_problem(question: Question, value: Any, language: str) -> str | None:
    """A pick-several answer holding an exclusive choice ("Chưa tuyên truyền") with others."""
    if question.type is not QuestionType.multi_choice or value is None or len(value) < 2:
        return None
    alone = next((c for c in question.choices if c.exclusive and c.id in value), None)
    if alone is None:
        return None
    others = ", ".join(question.choice_label(v, language) for v in value if v != alone.id)
    return say("rule.exclusive", language, choice=alone.label(language), others=others)


def rule_problem(question: Question, value: Any, values: Mapping[str, Any], walk: Walk, language: str) -> str | None:
    """What is wrong with `value` under the question's hard rules, or None."""
    if value is None:
        return None
    if question.type is QuestionType.integer:
        low, high = _bound(question.min, values), _bound(question.max, values)
        if low is not None and value < low:
            return say("rule.min", language, min=formatting.number(low), why=_why(question.min, walk, language))
        if high is not None and value > high:
            return say("rule.max", language, max=formatting.number(high), why=_why(question.max, walk, language))
        if question.sum is not None:
            return _sum_problem(question, value, values, walk, language)
    if question.type in _DATES:
        days = value if isinstance(value, list) else [value]
        first, last = _bound(question.not_before, values), _bound(question.not_after, values)
        if first is not None and min(days) < first:
            return say(
                "rule.not_before", language, date=formatting.day(first), why=_why(question.not_before, walk, language)
            )
        if last is not None and max(days) > last:
            return say(
                "rule.not_after", language, date=formatting.day(last), why=_why(question.not_after, walk, language)
            )
    if question.type is QuestionType.text:
        limit = question.max_length or 1000
        if len(value) > limit:
            return say("rule.max_length", language, length=formatting.number(len(value)), max=formatting.number(limit))
        if question.pattern and not re.fullmatch(question.pattern, value):
            hint = question.pattern_hint.get(language) if question.pattern_hint else question.pattern
            return say("rule.pattern", language, hint=hint)
    if question.type is QuestionType.multi_choice and len(value) < question.min_choices:
        return say("rule.min_choices", language, min=question.min_choices)
    most = _bound(question.max_choices, values) if question.type is QuestionType.multi_choice else None
    if isinstance(most, int) and len(value) > most:
        return say("rule.max_choices", language, max=most, why=_why(question.max_choices, walk, language))
    return exclusive_problem(question, value, language)


def sum_group(questions: list[Question], question: Question) -> list[Question]:
    """The questions of `questions` in the same sum group as `question` (none when it has no sum)."""
    group = question.sum.group if question.sum else None
    return [q for q in questions if group is not None and q.sum is not None and q.sum.group == group]


def _sum_problem(question: Question, value: int, values: Mapping[str, Any], walk: Walk, language: str) -> str | None:
    """A sum group's rule for one of its answers: with the answers before it and at least the least of each
    question after it, no more than the total; the last question makes the total exact."""
    assert question.sum is not None
    group = sum_group(walk.applicable(), question)
    ids = [q.id for q in group]
    total = _bound(question.sum.equals, values)
    if not isinstance(total, int) or question.id not in ids:
        return None
    at = ids.index(question.id)
    least = [max(_bound(q.min, values) or 0, 0) for q in group]
    given = sum(values[q.id] if values.get(q.id) is not None else least[i] for i, q in enumerate(group[:at]))
    room = total - given - sum(least[at + 1 :])
    if value == room or (at < len(group) - 1 and value < room):
        return None
    parts = " + ".join(
        q.short(language)[:1].lower()
        + q.short(language)[1:]
        + (f" ({formatting.number(values[q.id])})" if i < at and values.get(q.id) is not None else "")
        for i, q in enumerate(group)
    )
    facts = {"parts": parts, "total": formatting.number(total), "why": _why(question.sum.equals, walk, language)}
    if room < least[at]:
        return say("rule.sum_over", language, given=formatting.number(given), **facts)
    if at < len(group) - 1:
        return say("rule.sum_max", language, max=formatting.number(room), **facts)
    return say("rule.sum_exact", language, need=formatting.number(room), **facts)


def warnings(question: Question, values: Mapping[str, Any], language: str) -> list[str]:
    """The soft checks that hold for the answer just given (each needs the reporter's confirmation)."""
    return [
        render(check.text.get(language), values, language)
        for check in question.warn
        if expression(check.if_).evaluate(values) is True
    ]


def shown(question: Question, values: Mapping[str, Any], language: str) -> str | None:
    """The computed line shown after an answer ("Tỷ lệ tham gia: 38/40, đạt 95,00%"); left out when one of
    its values cannot be computed (a rate of 0/0)."""
    if question.show is None:
        return None
    template = question.show.get(language)
    if any(expression(m.group(1)).evaluate(values) is None for m in _PLACEHOLDER.finditer(template)):
        return None
    return render(template, values, language)


def render(template: str, values: Mapping[str, Any], language: str) -> str:
    """Fill {expression} placeholders, each value written the Vietnamese way."""
    return _PLACEHOLDER.sub(lambda m: formatting.value(expression(m.group(1)).evaluate(values), language), template)


def prefill(question: Question, values: Mapping[str, Any]) -> Any:
    return expression(question.prefill).evaluate(values) if question.prefill else None


def answer_lines(questions: list[Question], answers: dict[str, Any], language: str, limit: int = 300) -> list[str]:
    """One line an answered question, numbered among the answered ones: "3. Hình thức: Trực tiếp"."""
    shown = [q for q in questions if q.id in answers]
    return [f"{i}. {q.short(language)}: {display(q, answers[q.id], language, limit)}" for i, q in enumerate(shown, 1)]


def display(question: Question, raw: Any, language: str, limit: int | None = 300) -> str:
    """A stored answer written for a reader; long texts are cut at `limit` characters (None: whole)."""
    if raw is None:
        return say("answer.skipped", language)
    value = question.decode(raw)
    if question.type is QuestionType.single_choice:
        return question.choice_label(value, language)
    if question.type is QuestionType.multi_choice:
        return ", ".join(question.choice_label(v, language) for v in value)
    if question.type is QuestionType.yes_no:
        return say("answer.yes" if value else "answer.no", language)
    text = formatting.value(value, language)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _bound(setting: int | str | date | None, values: Mapping[str, Any]) -> Any:
    if setting is None or isinstance(setting, int | date):
        return setting
    return expression(setting).evaluate(values)


def _why(setting: int | str | date | None, walk: Walk, language: str) -> str:
    """Where a bound comes from, in the reporter's words: "tổng số đảng viên − đảng viên miễn sinh hoạt", "hôm
    nay" (the questions' names, not their numbers: the reporter sees one question at a time)."""
    if not isinstance(setting, str):
        return ""
    names = {q.id: q.short(language) for q in walk.questions}

    def name(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in names:
            return names[word][:1].lower() + names[word][1:]
        key = f"context.{word}"
        return say(key, language) if key in _CONTEXT_KEYS else word

    unwrapped = _ONE_ARGUMENT.sub(r"\1", setting)  # "max(session_dates)": the date printed is the latest
    described = re.sub(r"[a-z_][a-z0-9_]*", name, unwrapped).replace(" - ", " − ")
    return say("rule.because", language, source=described)


_ONE_ARGUMENT = re.compile(r"\b(?:max|min)\(([^(),]*)\)")
_CONTEXT_KEYS = {
    "context.today",
    "context.report_deadline",
    "context.resolution_date",
    "context.register_members",
    "context.board_deadline",
    "context.closes_on",
    "context.unit_kind",
    "context.register_cells",
}
