"""The sentences of the compiled report around its figures: the opening and sections II–IV.

Each returns paragraphs of text written the Vietnamese way (1.234, 95,00%), worded by the catalog (bot/texts.py);
while units may still report, the first sentence of a section says "Tính đến ngày …".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot import formatting
from bot.exports import appendix
from bot.texts import say
from storage import compiled as c
from storage.compiled import CompiledReport

_MAX_LISTED = 10  # names listed in a sentence; more are left to the appendix


def opening(data: CompiledReport, language: str) -> str:
    """The opening ("Thực hiện văn bản số …") from the campaign's basis, when the file gives none."""
    spec, report = data.spec, data.spec.report
    basis = spec.basis or spec.resolution
    body = " ".join(b for b in (report.issuing_sub_body, report.issuing_body) if b).capitalize()
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


def _tally(data: CompiledReport, question_id: str, counts: Counter[str], language: str, *, skip: str = "") -> str:
    """Units per choice, "trực tiếp: 70 đơn vị, trực tuyến: 5 đơn vị", in the questionnaire's order."""
    return ", ".join(
        say(
            "doc.count_item",
            language,
            label=_lower_first(data.choice_label(question_id, choice, language)),
            count=appendix.number(n, language),
        )
        for choice, n in data.ordered(question_id, counts)
        if choice != skip
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _names(units: Sequence[str]) -> str:
    return ", ".join(units) if len(units) <= _MAX_LISTED else ""


def study(data: CompiledReport, language: str) -> list[str]:
    """Four paragraphs: how many units held it; members and others; formats and presenters; absence."""
    t, n = data.totals, lambda value: appendix.number(value, language)
    by = _tally(data, c.HELD, t.held_by, language)
    held = say(
        "doc.held",
        language,
        held=n(t.held),
        units=n(t.units),
        rate=appendix.percent(t.held_rate or 0.0, language),
        by=say("doc.in_which", language, items=by) if by else "",
    )
    reach = [_lead(data, held, language)]
    if t.not_held:
        names = _names([r.unit.name for r in data.not_held])
        reach.append(say("doc.not_held", language, count=n(t.not_held), names=f" ({names})" if names else ""))
    if t.missing:
        reach.append(say("doc.missing", language, count=n(t.missing)))
    if t.late:
        reach.append(say("doc.late", language, count=n(t.late), deadline=formatting.day(data.spec.report_deadline)))
    if not t.held:
        return [" ".join(reach)]
    members = [
        say(
            "doc.members",
            language,
            attended=n(t.members_attended),
            eligible=n(t.members_eligible),
            rate=appendix.percent(t.attendance_rate or 0.0, language),
            exempt=n(t.members_exempt),
            key=n(t.key_officials),
        )
    ]
    if data.question(c.NON_MEMBERS):
        members.append(say("doc.non_members", language, count=n(t.non_members)))
    if data.question(c.ESSAYS):
        members.append(say("doc.essays", language, count=n(t.essays)))
    how = []
    formats = _tally(data, c.FORMAT, t.formats, language)
    if formats:
        sites = say("doc.sites", language, count=n(t.video_sites)) if t.video_sites else ""
        how.append(say("doc.format", language, formats=formats, sessions=n(t.sessions), sites=sites))
    presenters = [f"{p} ({r.unit.name})" for r in data.held if (p := r.latest.value(c.PRESENTER))]
    if presenters:
        listed = _names(presenters)
        how.append(
            say("doc.presenters", language, names=listed)
            if listed
            else say("doc.presenters_many", language, count=n(len(presenters)))
        )
    absence = say("doc.no_absent", language)
    if t.absent:
        reasons = ", ".join(
            f"{_lower_first(data.choice_label(c.ABSENT_REASONS, r, language))} ({n(k)})"
            for r, k in data.ordered(c.ABSENT_REASONS, t.absent_reasons)
        )
        absence = say(
            "doc.absent",
            language,
            count=n(t.absent),
            units=n(t.units_with_absent),
            reasons=reasons or "—",
            makeup=n(t.makeup_units),
        )
    return [" ".join(sentences) for sentences in (reach, members, how, [absence]) if sentences]


def dissemination(data: CompiledReport, language: str) -> list[str]:
    t, n = data.totals, lambda value: appendix.number(value, language)
    if not data.question(c.DISSEMINATION):
        return []
    by = _tally(data, c.DISSEMINATION, t.dissemination, language, skip=c.NO_DISSEMINATION)
    lines = [
        _lead(
            data,
            say(
                "doc.disseminated",
                language,
                count=n(t.disseminated_units),
                units=n(t.units),
                by=say("doc.in_which", language, items=by) if by else "",
                items=n(t.dissemination_items),
            ),
            language,
        )
    ]
    if t.dissemination[c.NO_DISSEMINATION]:
        lines.append(say("doc.not_disseminated", language, count=n(t.dissemination[c.NO_DISSEMINATION])))
    return lines


def action_program(data: CompiledReport, language: str) -> list[str]:
    t, n = data.totals, lambda value: appendix.number(value, language)
    if not data.question(c.ACTION_PLAN):
        return []
    rest = _tally(data, c.ACTION_PLAN, t.action_plans, language, skip=c.ISSUED)
    sentence = say(
        "doc.action",
        language,
        count=n(t.action_plans_issued),
        units=n(t.units),
        rate=appendix.percent(c.rate(t.action_plans_issued, t.units) or 0.0, language),
        rest=say("doc.action_rest", language, items=rest) if rest else "",
    )
    return [_lead(data, sentence, language)]
