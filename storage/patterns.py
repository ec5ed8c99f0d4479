"""Campaign patterns (a text question's `pattern`) checked for shapes that make Python's `re` backtrack for
ever, before the bot ever matches a reply with them.

`(a+)+$` takes half a minute on a reply of 30 characters: the engine matches replies with `re.fullmatch`,
which backtracks through every way a string can be split among the repeats. The ways explode when

- a repeat holds a part that itself repeats a variable number of times: `(a+)+`, `(\\w+\\s?)+`;
- a repeat holds a choice between alternatives longer than one character: `(a|ab)*`;
- three or more open-ended repeats follow one another and can take the same characters, with nothing they
  cannot take in between: `\\d*\\d*\\d*x`, `.*a.*a.*b` (polynomial: fine on 30 characters, not on 4,000);
- a group is referred back to: `(a*)\\1`.

Those shapes are refused, with what to write instead. Two overlapping open-ended repeats (`.*\\S.*`) stay
allowed: on the longest reply (4,000 characters) they cost a fraction of a second. The check reads the tree
of Python's own regular-expression parser; character sets are compared on a sample of characters (ASCII,
Vietnamese letters, a few look-alikes), which is what campaign patterns are written with.

Usage:
    problem = pattern_problem(r"(a+)+$")   # "repeats a part that itself repeats …", or None when safe
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_parser: Any = importlib.import_module("re._parser")  # Python's own parser (private, stable since 3.11)
_c: Any = importlib.import_module("re._constants")

LARGE = 10  # a repeat that may run more times than this counts as open-ended
MAX_COMPETING = 2  # open-ended repeats that may take the same characters, one after the other
_VIETNAMESE = "àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ"
_SAMPLE = frozenset(
    [chr(c) for c in range(0x20, 0x7F)] + list("\t\n\r\u00a0²–“”") + list(_VIETNAMESE + _VIETNAMESE.upper())
)
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}
_GROUPS = {_c.SUBPATTERN, getattr(_c, "ATOMIC_GROUP", _c.SUBPATTERN)}
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}

NESTED = (
    "repeats a part that itself repeats (a reply of a few dozen characters could take minutes to check);"
    " repeat the part once, e.g. a+ instead of (a+)+"
)
CHOICE = (
    "repeats a choice between alternatives that are not single, different characters (a short reply could"
    " take minutes to check); write single characters as a class, e.g. [ab]+ instead of (a|b)+, or drop the"
    " repeat"
)
BACKREFERENCE = "refers back to a group (\\1, (?P=name)), which campaign patterns do not allow"
COMPETING = (
    "has {count} open-ended repeats that can take the same characters one after the other (a long reply"
    " could take minutes to check); bound them, e.g. {{1,20}}, or separate them by a character they cannot take"
)


class _Refused(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class _Atom:
    """One step of a sequence, as the competition check sees it."""

    chars: frozenset[str]  # the sample characters it can take
    required: bool  # it takes at least one character
    open_ended: bool  # it may take more than LARGE


def pattern_problem(pattern: str) -> str | None:
    """What makes `pattern` slow to match (a sentence to show after "pattern …"), or None when it is safe."""
    try:
        parsed = _parser.parse(pattern)
    except re.error as exc:
        return f"is not a valid regular expression ({exc})"
    ignore_case = bool(parsed.state.flags & re.IGNORECASE) or "(?i" in pattern  # local flags: count as global
    try:
        _check_nesting(parsed, outer=None, ignore_case=ignore_case)
        _check_competition(parsed, ignore_case)
    except _Refused as refused:
        return refused.problem
    return None


def _check_nesting(items: Iterable[tuple[Any, Any]], outer: tuple[int, int] | None, ignore_case: bool) -> None:
    """Refuse back-references; under a repeat, refuse a variable repeat, and a choice between alternatives
    that are not single, different characters (Python's parser turns (a|a) into a(|), two empty ones)."""
    for op, av in items:
        if op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            raise _Refused(BACKREFERENCE)
        if op in _REPEATS:
            low, high, body = av
            if outer is not None and low != high and (outer[0] != outer[1] or high > LARGE or outer[1] > LARGE):
                raise _Refused(NESTED)
            _check_nesting(body, (low, high) if high > 1 else outer, ignore_case)
        elif op is _c.BRANCH:
            alternatives = av[1]
            if outer is not None and not _distinct_characters(alternatives, ignore_case):
                raise _Refused(CHOICE)
            for alternative in alternatives:
                _check_nesting(alternative, outer, ignore_case)
        elif op in _GROUPS:
            _check_nesting(av[-1], outer, ignore_case)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _check_nesting(av[1], outer, ignore_case)


def _distinct_characters(alternatives: list[Any], ignore_case: bool) -> bool:
    """Whether each alternative is one character and no two can take the same one."""
    if any(alternative.getwidth() != (1, 1) for alternative in alternatives):
        return False
    sets = [_chars(alternative, ignore_case) for alternative in alternatives]
    return sum(len(chars) for chars in sets) == len(frozenset().union(*sets))


def _check_competition(items: Iterable[tuple[Any, Any]], ignore_case: bool) -> None:
    """Refuse a sequence where more than MAX_COMPETING open-ended repeats can take the same characters with
    nothing required between them that the earlier ones cannot take. Lookarounds are sequences of their own."""
    live: list[frozenset[str]] = []  # open-ended repeats that a later one may still compete with
    for atom in _atoms(items, ignore_case):
        if atom.open_ended:
            competing = 1 + sum(1 for chars in live if chars & atom.chars)
            if competing > MAX_COMPETING:
                raise _Refused(COMPETING.format(count=competing))
            live.append(atom.chars)
        elif atom.required:
            live = [chars for chars in live if chars & atom.chars]


def _atoms(items: Iterable[tuple[Any, Any]], ignore_case: bool) -> Iterable[_Atom]:
    """The steps of a sequence: groups opened into it, repeats and choices as single steps."""
    for op, av in items:
        if op in _GROUPS:
            yield from _atoms(av[-1], ignore_case)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _check_competition(av[1], ignore_case)
        elif op is _c.AT:
            continue
        elif op in _REPEATS:
            low, high, body = av
            yield _Atom(_chars(body, ignore_case), low > 0 and body.getwidth()[0] > 0, high > LARGE)
        elif op is _c.BRANCH:
            for alternative in av[1]:
                _check_competition(alternative, ignore_case)
            chars = frozenset().union(*(_chars(alternative, ignore_case) for alternative in av[1]))
            widths = [alternative.getwidth() for alternative in av[1]]
            yield _Atom(chars, min(w[0] for w in widths) > 0, max(w[1] for w in widths) > LARGE)
        else:
            yield _Atom(frozenset(ch for ch in _SAMPLE if _accepts(op, av, ch, ignore_case)), True, False)


def _chars(items: Iterable[tuple[Any, Any]], ignore_case: bool) -> frozenset[str]:
    """Every sample character some single-character step inside `items` takes."""
    found: set[str] = set()
    for op, av in items:
        if op in _REPEATS:
            found |= _chars(av[2], ignore_case)
        elif op is _c.BRANCH:
            for alternative in av[1]:
                found |= _chars(alternative, ignore_case)
        elif op in _GROUPS:
            found |= _chars(av[-1], ignore_case)
        elif op in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN):
            found.update(ch for ch in _SAMPLE if _accepts(op, av, ch, ignore_case))
    return frozenset(found)


def _accepts(op: Any, av: Any, ch: str, ignore_case: bool) -> bool:
    """Whether a single-character step takes `ch` (in either case, under IGNORECASE)."""
    if ignore_case and ch.swapcase() != ch and _accepts(op, av, ch.swapcase(), False):
        return True
    if op is _c.LITERAL:
        return ord(ch) == av
    if op is _c.NOT_LITERAL:
        return ord(ch) != av
    if op is _c.IN:
        negated = bool(av) and av[0][0] is _c.NEGATE
        hit = any(_in_class(item_op, item_av, ch) for item_op, item_av in av if item_op is not _c.NEGATE)
        return hit != negated
    return op is _c.ANY


def _in_class(op: Any, av: Any, ch: str) -> bool:
    if op is _c.LITERAL:
        return ord(ch) == av
    if op is _c.RANGE:
        return av[0] <= ord(ch) <= av[1]
    if op is _c.CATEGORY:
        return re.fullmatch(_CATEGORIES.get(str(av), "."), ch) is not None
    return True  # anything else: assume it may take the character (more overlap, a safer answer)
