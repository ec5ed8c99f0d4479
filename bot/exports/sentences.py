"""The sentences of the compiled report around its figures: the opening, sections II–IV, the timing, the digests.

Each returns paragraphs of text written the Vietnamese way (1.234, 95,00%), worded by the catalog (bot/texts.py);
while units may still report, the first sentence of a section says "Tính đến ngày …".

Every figure says what it counts: a rate names its denominator in words, and each group of units adds up to
the TCCSĐ that must report (held / not yet held / not reported; done / none / not stated / not reported).
No sentence names a file format or speaks to the board's editors.
"""

from __future__ import annotations

from collections import Counter

from bot import formatting
from bot.exports import appendix, notes
from bot.texts import say
from storage import compiled as c
from storage.compiled import CompiledReport
from storage.report_spec import NotesPart

_MAX_LISTED = 10  # names listed in a sentence; more are left to the appendix
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def opening(data: CompiledReport, language: str) -> str:
    """The opening ("Thực hiện văn bản số …") from the campaign's basis, when the file gives none."""
    spec, report = data.spec, data.spec.report
    basis = spec.basis or spec.resolution
    body = f"{report.issuing_body} {report.superior_body}".capitalize()
    return say(
        "doc.opening",
        language,
        number=basis.number,
        date=formatting.day(basis.date),
        issuer=basis.issuer,
        subject=f" {basis.subject}" if basis.subject else "",
        body=body,
    )


def _lead(data: CompiledReport, sentence: str, language: str) -> str:
    """A sentence led by "Tính đến ngày 05/10/2022, có …" while units may still report; "Có …" once closed."""
    if data.in_progress:
        return f"{say('doc.as_of', language, date=formatting.day(data.today))}, {sentence}"
    return sentence[:1].upper() + sentence[1:]


def _n(value: int, language: str) -> str:
    return appendix.number(value, language)


def _tally(
    data: CompiledReport,
    question_id: str,
    counts: Counter[str],
    language: str,
    *,
    skip: str = "",
    item: str = "doc.count_item",
) -> str:
    """Units (or people, by `item`) per choice, "trực tiếp: 70 đơn vị, trực tuyến: 5 đơn vị", in the
    questionnaire's order."""
    return ", ".join(
        say(
            item,
            language,
            label=_lower_first(data.choice_label(question_id, choice, language)),
            count=_n(n, language),
        )
        for choice, n in data.ordered(question_id, counts)
        if choice != skip
    )


def _rest(counts: list[tuple[str, int]], language: str) -> str:
    """The units left in a group, "7 TCCSĐ chưa tuyên truyền, 5 TCCSĐ chưa báo cáo.", or ""."""
    items = [say(key, language, count=_n(n, language)) for key, n in counts if n]
    return f"{', '.join(items)}." if items else ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _names(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= _MAX_LISTED else ""


def quarter(data: CompiledReport) -> str:
    """The deadline's quarter as the party writes it: "III/2022"."""
    number, year = data.totals.quarter
    return f"{_ROMAN[number]}/{year}"


def study(data: CompiledReport, language: str) -> list[str]:
    """Paragraphs: the units and who held it; members against both denominators; formats and presenters;
    absence in people."""
    t = data.totals

    def n(value: int) -> str:
        return _n(value, language)

    by = _tally(data, c.HELD, t.held_by, language)
    affiliated = say("doc.units_affiliated", language, count=n(t.affiliated_cells)) if t.affiliated_cells else ""
    reach = [
        say(
            "doc.units", language, units=n(t.units), committees=n(t.committees), cells=n(t.cells), affiliated=affiliated
        ),
        _lead(
            data,
            say(
                "doc.held",
                language,
                held=n(t.held),
                units=n(t.units),
                rate=appendix.percent(t.held_rate or 0.0, language),
                by=say("doc.in_which", language, items=by) if by else "",
            ),
            language,
        ),
    ]
    if t.not_held:
        names = _names([r.unit.name for r in data.not_held])
        reach.append(say("doc.not_held", language, count=n(t.not_held), names=f" ({names})" if names else ""))
    if t.missing:
        reach.append(say("doc.missing", language, count=n(t.missing)))
    if t.committees_with_cells:
        silent = t.committees_having_cells - t.committees_with_cells  # not reported, or under the old questions
        reach.append(
            say(
                "doc.cells",
                language,
                committees=n(t.committees_with_cells),
                held=n(t.cells_held),
                total=n(t.cells_total),
                others=say("doc.cells_others", language, count=n(silent)) if silent > 0 else "",
            )
        )
    if not t.held:
        return [" ".join(reach)]
    return [
        " ".join(sentences)
        for sentences in (reach, _members(data, language), _how(data, language), _absence(data, language))
        if sentences
    ]


def _members(data: CompiledReport, language: str) -> list[str]:
    """Attendance among the units that held it (their members less the exempt) and against the register."""
    t = data.totals
    members = [
        say(
            "doc.members",
            language,
            attended=_n(t.members_attended, language),
            rate=appendix.percent(t.attendance_rate, language),
            eligible=_n(t.members_eligible, language),
            exempt=say("doc.members_exempt", language, count=_n(t.members_exempt, language))
            if t.members_exempt
            else "",
            register_rate=appendix.percent(t.register_attendance_rate, language),
            register=_n(t.register_members, language),
            key=_n(t.key_officials, language),
        )
    ]
    if data.question(c.NON_MEMBERS):
        members.append(say("doc.non_members", language, count=_n(t.non_members, language)))
    if data.question(c.ESSAYS):
        members.append(say("doc.essays", language, count=_n(t.essays, language)))
    return members


def _how(data: CompiledReport, language: str) -> list[str]:
    """Formats, sessions and sites; the distinct presenters (named when few, else listed in the appendix)."""
    t = data.totals
    how = []
    formats = _tally(data, c.FORMAT, t.formats, language)
    if formats:
        sites = say("doc.sites", language, count=_n(t.video_sites, language)) if t.video_sites else ""
        how.append(say("doc.format", language, formats=formats, sessions=_n(t.sessions, language), sites=sites))
    if t.presenters:
        listed = _names([p.name for p in data.presenters])
        names = f" ({listed})" if listed else say("doc.presenters_listed", language)
        count, units = _n(t.presenters, language), _n(t.units_naming_presenters, language)
        how.append(say("doc.presenters", language, count=count, units=units, names=names))
    return how


def _absence(data: CompiledReport, language: str) -> list[str]:
    """Absent members in people by reason, the units that gave no count by reason apart; the make-ups."""
    t = data.totals
    if not t.absent:
        return [say("doc.no_absent", language)]
    items = _tally(data, c.ABSENT_REASONS, t.absent_by_reason, language, item="doc.absent_reason")
    reasons = say("doc.absent_reasons", language, items=items) if items else ""
    if t.units_absent_uncounted:  # units under the old questionnaire: their absent are not split by reason
        units, people = _n(t.units_absent_uncounted, language), _n(t.absent_uncounted, language)
        reasons += "; " + say("doc.absent_uncounted", language, units=units, count=people)
    absence = say(
        "doc.absent",
        language,
        count=_n(t.absent, language),
        units=_n(t.units_with_absent, language),
        reasons=reasons,
    )
    makeup = say("doc.makeup", language, makeup=_n(t.makeup_units, language), units=_n(t.units_with_absent, language))
    return [absence, makeup]


def dissemination(data: CompiledReport, language: str) -> list[str]:
    """Units that disseminated it (by form), then the others: none yet, not stated, not reported."""
    t = data.totals
    if not data.question(c.DISSEMINATION):
        return []
    by = _tally(data, c.DISSEMINATION, t.dissemination, language, skip=c.NO_DISSEMINATION)
    lines = [
        _lead(
            data,
            say(
                "doc.disseminated",
                language,
                count=_n(t.disseminated_units, language),
                units=_n(t.units, language),
                by=say("doc.in_which", language, items=by) if by else "",
                items=_n(t.dissemination_items, language),
            ),
            language,
        )
    ]
    rest = _rest(
        [
            ("doc.rest.not_disseminated", t.not_disseminated),
            ("doc.rest.unanswered", t.dissemination_unanswered),
            ("doc.rest.missing", t.missing),
        ],
        language,
    )
    return [" ".join([*lines, rest]) if rest else lines[0]]


def action_program(data: CompiledReport, language: str) -> list[str]:
    """Units that issued a programme or plan out of all that must report; the other answers; the rest."""
    t = data.totals
    if not data.question(c.ACTION_PLAN):
        return []
    others = _tally(data, c.ACTION_PLAN, t.action_plans, language, skip=c.ISSUED)
    sentence = say(
        "doc.action",
        language,
        count=_n(t.action_plans_issued, language),
        units=_n(t.units, language),
        rate=appendix.percent(c.rate(t.action_plans_issued, t.units) or 0.0, language),
        rest=say("doc.action_rest", language, items=others) if others else "",
    )
    rest = _rest([("doc.rest.unanswered", t.action_plans_unanswered), ("doc.rest.missing", t.missing)], language)
    return [" ".join(s for s in (_lead(data, sentence, language), rest) if s)]


def timing(data: CompiledReport, language: str) -> list[str]:
    """Reports by the units' deadline and within its quarter; sessions finished by then (the plan's timing)."""
    t = data.totals
    counts = {
        "units": t.units,
        "on_time": t.reported_on_time,
        "late": t.late,
        "missing": t.missing,
        "reported_within": t.reported_within_quarter,
        "held_by_deadline": t.held_by_deadline,
        "held_within": t.held_within_quarter,
    }
    figures = {name: _n(value, language) for name, value in counts.items()}
    when = {"deadline": formatting.day(data.spec.report_deadline), "quarter": quarter(data)}
    reports = say("doc.timing.reports", language, **figures, **when)
    return [_lead(data, reports, language), say("doc.timing.held", language, **figures, **when)]


def notes_digest(data: CompiledReport, part: NotesPart, language: str) -> list[str]:
    """The few points the units raised most on one question, each with how many units raised it."""
    points, writers = notes.digest(data, part.question)
    if not points:
        return [say("doc.no_notes", language)]
    intro = say("doc.digest.intro", language, writers=_n(writers, language), units=_n(data.totals.units, language))
    return [intro] + [
        say("doc.digest.point", language, text=point.text, count=_n(point.units, language)) for point in points
    ]
