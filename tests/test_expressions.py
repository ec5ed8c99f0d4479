"""Campaign expressions: a small safe language over earlier answers, checked when the file loads."""

from __future__ import annotations

from datetime import date

import pytest

from storage.expressions import ExpressionError, parse


def known(name: str) -> bool:
    return name in {"total", "exempt", "attended", "held", "reasons", "today", "dates"}


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("total - exempt", {"total": 40, "exempt": 2}, 38),
        ("attended * 10 < (total - exempt) * 7", {"attended": 20, "total": 40, "exempt": 0}, True),
        ("held != 'not_yet'", {"held": "self_organised"}, True),
        ("'sick' in reasons", {"reasons": ["sick", "study"]}, True),
        ("percent(attended, total)", {"attended": 38, "total": 40}, 95.0),
        ("percent(attended, total)", {"attended": 0, "total": 0}, None),
        ("max(dates) > today", {"dates": [date(2022, 9, 21)], "today": date(2022, 9, 20)}, True),
        ("total - exempt", {"total": 40}, None),  # a missing answer: the rule does not apply
        ("total - exempt", {"total": 40, "exempt": None}, None),  # a skipped answer counts as missing
        ("held == 'x' or total > 1", {"total": 2}, None),  # a missing name anywhere makes it None
        ("total / exempt", {"total": 1, "exempt": 0}, None),
        ("abs(total - attended) if held else 0", {"total": 3, "attended": 5, "held": True}, 2),
    ],
)
def test_expressions_evaluate_over_answers(source: str, values: dict[str, object], expected: object) -> None:
    assert parse(source, known).evaluate(values) == expected


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("total.__class__", "uses Attribute"),
        ("reasons[0]", "uses Subscript"),
        ("(lambda: 1)()", "calls a function other than"),
        ("lambda: 1", "uses Lambda"),
        ("[x for x in reasons]", "uses ListComp"),
        ("__import__('os')", "calls a function other than"),
        ("open('x')", "calls a function other than"),
        ("totl - 1", "'totl' is not an earlier question"),
        ("total -", "cannot read the expression"),
        ("", "empty expression"),
    ],
)
def test_anything_outside_the_language_is_refused_when_the_file_loads(source: str, problem: str) -> None:
    with pytest.raises(ExpressionError, match=problem):
        parse(source, known)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("+".join(["total"] * 100_000), "is 599,999 characters long; at most 500"),  # was a RecursionError
        ("-" * 200_000 + "1", "is 200,001 characters long; at most 500"),  # was a MemoryError
        ("-" * 100 + "total", "nests 101 deep; at most 20"),
        ("abs(" * 30 + "total" + ")" * 30, "nests 31 deep; at most 20"),
        ("not " * 40 + "held", "nests 41 deep; at most 20"),
    ],
)
def test_an_expression_too_long_or_too_deep_is_refused_when_the_file_loads(source: str, problem: str) -> None:
    with pytest.raises(ExpressionError, match=problem):
        parse(source, known)


@pytest.mark.parametrize(
    ("source", "values"),
    [
        ("len('x' * 50000000)", {}),
        ("len(50000000 * 'x')", {}),
        ("len(reasons * 100000000)", {"reasons": ["sick"]}),
        ("len(('x' * 9000 + 'y' * 9000) * 2)", {}),
        ("len(held * total)", {"held": "x" * 1000, "total": 1_000_000}),
        ("len('%99999999d' % total)", {"total": 1}),
        ("len(dates + dates)", {"dates": list(range(6000))}),
    ],
)
def test_an_expression_cannot_build_a_huge_value_when_it_runs(source: str, values: dict[str, object]) -> None:
    assert parse(source, known).evaluate(values) is None


def test_small_repeats_and_joins_still_work() -> None:
    assert parse("len('ab' * 3 + held)", known).evaluate({"held": "xyz"}) == 9
    assert parse("reasons + ['study'] * 2", known).evaluate({"reasons": ["sick"]}) == ["sick", "study", "study"]
    assert parse("total % 7", known).evaluate({"total": 40}) == 5
