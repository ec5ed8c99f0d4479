"""The units' own notes (strengths, shortcomings, proposals) as a short digest: the points most units raised.

A note is split into points (lines, bullets, numbering, ";" and sentences); points that say much the same
thing are grouped: their words are compared with diacritics and case folded and filler words dropped
("Đề nghị cung cấp thêm tài liệu hỏi đáp" and "Cần bổ sung tài liệu hỏi đáp" share "tai lieu hoi dap").
Groups are compared by their first point only, through an index of its words, so 10,000 notes take well
under a second. The whole notes stay in the XLSX and, by the campaign's `report.notes_annex`, in an annex.

Usage:
    points, writers = digest(data, "proposals")   # [Point("Đề nghị cung cấp thêm tài liệu hỏi đáp", 12), …], 30
    written(data, "proposals")                     # [("Chi bộ Sở Tư pháp", "Đề nghị …"), …] for the annex
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from storage.compiled import CompiledReport
from storage.units import fold

LIMIT = 5  # points in a digest
SIMILAR = 0.5  # Dice coefficient of two points' words from which they are one point
MIN_WORDS = 2  # a shorter point ("Không", "Tốt") is no point

# Words that carry no point of their own (folded): courtesy, connectives, the resolution itself.
FILLER = frozenset({
    "de", "nghi", "kien", "xuat", "can", "cac", "cua", "va", "duoc", "co", "cho", "trong", "voi", "da", "them",
    "viec", "nhung", "mot", "nhieu", "hon", "nua", "la", "thi", "ma", "cung", "tai", "ve", "theo", "tu", "den",
    "nay", "do", "so", "rat", "qua", "con", "chua", "khong", "phai", "nen", "vi", "nhu", "hay", "hoac", "tren",
    "duoi", "sau", "truoc", "khi", "quyet", "tw", "nq", "ban", "chi", "bo", "dang", "uy", "don", "chung", "toi",
    "minh"
})  # fmt: skip
# "tai" is both "at" and half of "tài liệu": folded it is filler; "lieu" still carries the point.

_BULLET = re.compile(r"^\s*(?:[-+•*·–—]|\d{1,2}[.)/]|[a-zđ][.)])\s*", re.IGNORECASE)
_BREAK = re.compile(r"\n|;|(?<=[.!?])\s+(?=[A-ZÀ-ỸĐ0-9])|\s+(?=\d{1,2}[.)]\s)")


@dataclass(frozen=True)
class Point:
    """One point of the digest: how most units put it, and how many units raised it."""

    text: str
    units: int


def written(data: CompiledReport, question_id: str) -> list[tuple[str, str]]:
    """(unit name, whole note) of every unit that wrote one, in the register's order: the annex's content."""
    found = []
    for report in data.reported:
        text = report.latest.value(question_id)
        if isinstance(text, str) and text.strip():
            found.append((report.unit.name, text.strip()))
    return found


def points(note: str) -> list[str]:
    """A note's points: "1. A; 2. B. C" → ["A", "B", "C"], each without its bullet and final stop."""
    found = []
    for part in _BREAK.split(note):
        text = _BULLET.sub("", part).strip(" .,:;!?-–—\t")
        if text:
            found.append(text[:1].upper() + text[1:])
    return found


def words(point: str) -> frozenset[str]:
    """The words a point is compared by: folded, filler dropped (all of them when only filler is left)."""
    every = re.findall(r"[a-z0-9]+", fold(point))
    kept = frozenset(w for w in every if w not in FILLER)
    return kept or frozenset(every)


class _Group:
    """Points taken as one: the first one's words (what others are compared with), the units, the wordings."""

    def __init__(self, seed: frozenset[str], number: int) -> None:
        self.seed = seed
        self.number = number
        self.units: set[int] = set()
        self.wordings: Counter[str] = Counter()  # folded wording → times written
        self.texts: dict[str, str] = {}  # folded wording → as first written (dicts keep that order)

    def add(self, unit_id: int, text: str) -> None:
        self.units.add(unit_id)
        key = " ".join(fold(text).split())
        self.wordings[key] += 1
        self.texts.setdefault(key, text)

    @property
    def text(self) -> str:
        """The wording written most often; the first written among equals."""
        order = list(self.texts)
        return self.texts[min(order, key=lambda k: (-self.wordings[k], order.index(k)))]


def digest(data: CompiledReport, question_id: str, limit: int = LIMIT) -> tuple[list[Point], int]:
    """The `limit` points most units raised (most first, then the first written), and how many units wrote."""
    groups: list[_Group] = []
    index: dict[str, list[int]] = {}
    writers = 0
    for report in data.reported:
        note = report.latest.value(question_id)
        if not isinstance(note, str) or not note.strip():
            continue
        writers += 1
        for text in points(note):
            found = words(text)
            if len(re.findall(r"\w+", text)) < MIN_WORDS:
                continue
            group = _similar(found, groups, index)
            if group is None:
                group = _Group(found, len(groups))
                for word in found:
                    index.setdefault(word, []).append(group.number)
                groups.append(group)
            group.add(report.unit.id, text)
    ranked = sorted(groups, key=lambda g: (-len(g.units), g.number))[:limit]
    return [Point(g.text, len(g.units)) for g in ranked], writers


def _similar(found: frozenset[str], groups: list[_Group], index: dict[str, list[int]]) -> _Group | None:
    """The group whose first point is most like this one (Dice ≥ SIMILAR), if any."""
    shared: Counter[int] = Counter()
    for word in found:
        shared.update(index.get(word, ()))
    best, score = None, SIMILAR
    for number, common in shared.items():
        seed = groups[number].seed
        dice = 2 * common / (len(found) + len(seed))
        if dice >= score and (best is None or dice > score or number < best.number):
            best, score = groups[number], dice
    return best
