"""The compiled report as a DOCX in the party's document format (Hướng dẫn 36-HD/VPTW; the rules and their
sources are in bot/exports/docx_format.py).

A4 portrait, Times New Roman 14 pt: the borderless header table (the direct superior, the issuing body in bold,
"*", the number | the party's name underlined, the italic place and date), "BÁO CÁO" and the subject, the
opening, sections I–VII (computed figures, the campaign file's paragraphs, the bloc's own plan and its tasks,
a digest of the units' notes), "(có Phụ lục kèm theo)", the signature block beside "Nơi nhận" kept on one
page, then the appendix table on landscape pages and, by the campaign's `report.notes_annex`, the units' whole
notes as an annex. Page numbers from page 2. A field the board has not filled prints "…" with a Word comment.

Every label comes from the campaign file's `report:` settings, every sentence around a figure from
bot.exports.sentences. The big blocks (the appendix's rows, the annex) are written as XML text and spliced in
after saving (see _Splices), so 10,000 units take about a second.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION

from bot import formatting
from bot.exports import appendix, notes, sentences
from bot.exports import docx_format as fmt
from bot.exports.appendix import Cell, Column
from bot.texts import say
from storage.compiled import CompiledReport
from storage.report_spec import NotesPart, ReportSection, placeholders

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ALIGN = {"text": "left", "center": "center", "number": "right", "rate": "right", "date": "center"}
BLANK = "…"  # what an unfilled field of the campaign file prints (with a Word comment)


def build_docx(
    data: CompiledReport, *, language: str = "vi", today: date | None = None, now: datetime | None = None
) -> bytes:
    """The compiled report as bytes; `now` stamps the document's properties (default: the clock)."""
    today = today or data.today
    report = data.spec.report
    document = Document()
    splices = _Splices()
    fmt.page(document.sections[0], landscape=False)
    fmt.styles(document)
    fmt.page_numbers(document.sections[0])
    fmt.properties(
        document,
        title=f"{report.title.capitalize()} {report.subject}",
        author=" ".join(report.issuing_body.split()),
        subject=report.subject,
        keywords=data.spec.resolution.number,
        now=now or datetime.now(UTC),
    )
    _header(document, data, today, language)
    _title(document, data)
    _body(document, report.opening or sentences.opening(data, language))
    _section(document, report.leadership, [], language)
    _plan_facts(document, data, language)
    timing = sentences.timing(data, language)  # in the plan's section V, or at the end of II without a plan
    for section, figures in (
        (report.study, sentences.study(data, language) + (timing if report.plan is None else [])),
        (report.dissemination, sentences.dissemination(data, language)),
        (report.action_program, sentences.action_program(data, language)),
    ):
        _section(document, section, figures, language)
    _plan_tasks(document, data, timing, language)
    for section in (report.assessment, report.proposals):
        _section(document, section, [], language)
        for part in section.notes:
            _notes_digest(document, data, part, language)
    annex = report.notes_annex and any(notes.written(data, p.question) for p in _notes_parts(data))
    document.paragraphs[-1].paragraph_format.keep_with_next = True  # the signing page never holds the block alone
    follows = say("doc.appendices_follow" if annex else "doc.appendix_follows", language)
    fmt.line(document, follows, align="left", italic=True, space_after=6, keep=True)  # 36-HD: the appendix named
    _signature(document, data)
    titles = _appendix_titles(report.appendix_title, annex)
    _appendix(document, splices, data, today, language, titles[0])
    if annex:
        _notes_annex(document, splices, data, today, language, titles[1])
    return splices.save(document)


class _Splices:
    """Big blocks (the appendix's rows, the annex) written as XML text and put in place after saving.

    python-docx inserts each paragraph by scanning the body, and lxml moves a parsed table between
    documents node by node: either takes seconds for 10,000 units. A marker paragraph holds each block's
    place; the saved document.xml has the marker replaced by the block's text (same `w:` prefix).
    """

    def __init__(self) -> None:
        self.blocks: dict[str, str] = {}

    def add(self, document: DocumentObject, xml: str) -> None:
        marker = f"nqbot-splice-{len(self.blocks)}"
        document.add_paragraph().add_run(marker)
        self.blocks[f"<w:p><w:r><w:t>{marker}</w:t></w:r></w:p>"] = xml

    def save(self, document: DocumentObject) -> bytes:
        saved = io.BytesIO()
        document.save(saved)
        out = io.BytesIO()
        with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                content = source.read(item)
                if item.filename == "word/document.xml":
                    text = content.decode("utf-8")
                    for marker, xml in self.blocks.items():
                        if marker not in text:
                            raise RuntimeError(f"splice marker missing from the saved document: {marker}")
                        text = text.replace(marker, xml, 1)
                    content = text.encode("utf-8")
                target.writestr(item, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
        return out.getvalue()


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


# --- the header, title and body ---


def place_and_date(place: str, today: date, language: str) -> str:
    """The place and date line, "…, ngày 05 tháng 10 năm 2022": a zero before days under 10 and months 1, 2."""
    month = f"{today.month:02d}" if today.month < 3 else str(today.month)
    return say("doc.place_date", language, place=place, day=f"{today.day:02d}", month=month, year=today.year)


def _header(document: DocumentObject, data: CompiledReport, today: date, language: str) -> None:
    """The borderless header table within the text's width (36-HD II, Phụ lục 1 and 3): row 1 the direct
    superior (14 pt upright), the issuing body (14 pt bold), "*" | "ĐẢNG CỘNG SẢN VIỆT NAM" (15 pt bold, a line
    of its length under it); row 2 the number (14 pt upright) | the place and date (14 pt italic), on one level.

    Three grid columns: the bodies' names take the left two in row 1 (8.5 cm holds "ĐẢNG ỦY KHỐI CÁC CƠ QUAN
    TỈNH" at 14 pt), the date line the right two in row 2 (it needs about 8 cm). A line break in a name of the
    campaign file starts a new line there."""
    report = data.spec.report
    width = fmt.text_width(document.sections[0])
    party_width, overlap = int(7.5 * fmt.TWIPS_PER_CM), int(1.4 * fmt.TWIPS_PER_CM)
    rows = fmt.borderless_table(document, [width - party_width - overlap, overlap, party_width], rows=2)
    bodies, party = rows[0][0].merge(rows[0][1]), rows[0][2]
    number, place = rows[1][0], rows[1][1].merge(rows[1][2])
    unfilled = {p.field for p in placeholders(report)}
    names = [(line, False, "report.superior_body") for line in report.superior_body.split("\n")]
    names += [(line, True, "report.issuing_body") for line in report.issuing_body.split("\n")]
    for i, (name, bold, field) in enumerate(names):
        written = fmt.line(bodies, _clean(name).strip(), first=i == 0, bold=bold, size=fmt.BODY_PT)
        if field in unfilled and field not in (n[2] for n in names[:i]):
            fmt.comment(document, written.runs[0], say("doc.comment.placeholder", language, field=field))
    fmt.line(bodies, "*", size=fmt.BODY_PT, space_after=2)
    fmt.line(party, report.party_name, first=True, bold=True, underline=True, size=fmt.PARTY_NAME_PT)
    fmt.line(number, say("doc.number", language, blank="   ", symbol=report.doc_symbol), first=True, size=fmt.BODY_PT)
    line = fmt.line(place, place_and_date(_clean(report.place), today, language), first=True, italic=True)
    if "report.place" in unfilled:
        fmt.comment(document, line.runs[0], say("doc.comment.placeholder", language, field="report.place"))


def _title(document: DocumentObject, data: CompiledReport) -> None:
    """The kind ("BÁO CÁO", 15 pt bold) and the subject (14 pt bold), a short rule under them (Phụ lục 3)."""
    report = data.spec.report
    fmt.line(document, "", space_after=6, keep=True)
    fmt.line(document, report.title, bold=True, size=fmt.TITLE_PT, keep=True)
    fmt.line(document, report.subject, bold=True, size=fmt.BODY_PT, keep=True)
    fmt.line(document, "-----", space_after=12)


def _body(document: DocumentObject, text: str, *, style: str = fmt.BODY, italic: bool = False) -> None:
    """Body paragraphs, justified with the first line indented: a line break starts a new paragraph, so no
    line is stretched across the width."""
    for piece in _clean(text).split("\n"):
        if piece.strip():
            fmt.run(document.add_paragraph(style=style), piece.strip(), italic=italic)


def _section(document: DocumentObject, section: ReportSection, figures: list[str], language: str) -> None:
    """Heading (kept with what follows), the computed figures, the campaign file's paragraphs."""
    _body(document, section.heading.get(language), style=fmt.HEADING)
    for text in [*figures, *section.body]:
        _body(document, text)


def _notes_parts(data: CompiledReport) -> list[NotesPart]:
    report = data.spec.report
    return [*report.assessment.notes, *report.proposals.notes]


def _notes_digest(document: DocumentObject, data: CompiledReport, part: NotesPart, language: str) -> None:
    """A notes part in the body: its sub-heading and the digest of the points the units raised."""
    if part.heading:
        _body(document, part.heading.get(language), style=fmt.SUBHEADING)
    for text in sentences.notes_digest(data, part, language):
        _body(document, text)


# --- the bloc's own part ---


def _plan_facts(document: DocumentObject, data: CompiledReport, language: str) -> None:
    """Under section I: the bloc's plan (number, date) and its conference; "…" and a comment where unfilled."""
    plan = data.spec.report.plan
    if plan is None:
        return
    _filled(
        document,
        data,
        language,
        "doc.plan.issued",
        issuer=(plan.issuer, None),
        number=(plan.number, "report.plan.number"),
        date=(formatting.day(plan.date) if plan.date else None, "report.plan.date"),
        resolution=(data.spec.resolution.number, None),
    )
    conference = plan.conference
    if conference is not None:
        _filled(
            document,
            data,
            language,
            "doc.plan.conference",
            date=(formatting.day(conference.date) if conference.date else None, "report.plan.conference.date"),
            place=(conference.place, "report.plan.conference.place"),
            description=(f", {conference.description}" if conference.description else "", None),
        )


def _filled(
    document: DocumentObject, data: CompiledReport, language: str, key: str, **values: tuple[str | None, str | None]
) -> None:
    """A body paragraph from the catalog text `key`, each value a run; an empty value prints BLANK with a Word
    comment naming the campaign file's field (`values`: name → (text or None, field))."""
    template = say(key, language, **{name: f"\x00{name}\x00" for name in values})
    paragraph = document.add_paragraph(style=fmt.BODY)
    for i, piece in enumerate(template.split("\x00")):
        if i % 2 == 0:
            if piece:
                fmt.run(paragraph, piece)
            continue
        text, field = values[piece]
        added = fmt.run(paragraph, BLANK if text is None else _clean(text))
        if text is None and field:
            fmt.comment(document, added, say("doc.comment.placeholder", language, field=field))


def _plan_tasks(document: DocumentObject, data: CompiledReport, timing: list[str], language: str) -> None:
    """The section on the plan: the timing (units that finished by the deadline, within the quarter), then each
    task of the plan with its status line."""
    plan = data.spec.report.plan
    if plan is None:
        return
    _body(document, plan.heading.get(language), style=fmt.HEADING)
    _body(document, say("doc.plan.timing_heading", language), style=fmt.SUBHEADING)
    for text in timing:
        _body(document, text)
    if not plan.tasks:
        return
    _body(document, say("doc.plan.tasks_heading", language), style=fmt.SUBHEADING)
    for n, task in enumerate(plan.tasks, start=1):
        paragraph = document.add_paragraph(style=fmt.BODY)
        fmt.run(paragraph, say("doc.plan.task", language, number=n, title=_clean(task.title)), italic=True)
        status = fmt.run(paragraph, _clean(task.status) if task.status else BLANK)
        if not task.status:
            field = f"report.plan.tasks[{n}].status"
            fmt.comment(document, status, say("doc.comment.placeholder", language, field=field))


# --- the signature, the appendix and the annex ---


def _signature(document: DocumentObject, data: CompiledReport) -> None:
    """ "Nơi nhận" on the left, the signer on the right, in one row that never splits across pages (Phụ lục 3:
    "Nơi nhận:" 14 pt upright underlined, the recipients 12 pt; the authority and position capitals 14 pt bold,
    the name 14 pt bold)."""
    report = data.spec.report
    width = fmt.text_width(document.sections[0])
    ((left, right),) = fmt.borderless_table(document, [width // 2, width - width // 2])
    fmt.line(left, report.recipients_label, first=True, align="left", underline=True, size=fmt.BODY_PT, keep=True)
    for recipient in report.recipients:
        fmt.line(left, f"- {_clean(recipient)}", align="left", size=fmt.RECIPIENTS_PT, keep=True)
    signer = report.signer
    lines = [line for line in (signer.on_behalf, signer.position) if line]
    for i, text in enumerate(lines):
        fmt.line(right, text, first=i == 0, bold=True, keep=True)
    for _ in range(4):
        fmt.line(right, "", keep=True)
    fmt.line(right, signer.name, bold=True)


def _appendix_titles(title: str, annex: bool) -> tuple[str, str]:
    """ "PHỤ LỤC" alone; "PHỤ LỤC 1" and "PHỤ LỤC 2" when the annex follows the table."""
    return (f"{title} 1", f"{title} 2") if annex else (title, title)


def _attached_lines(
    document: DocumentObject, data: CompiledReport, today: date, language: str, title: str, subject: str | None
) -> None:
    """An appendix's title and subject, "(Kèm theo Báo cáo số …)" and the as-of line, kept with the table."""
    report = data.spec.report
    fmt.line(document, title, bold=True, keep=True)
    if subject:
        fmt.line(document, subject, bold=True, keep=True)
    attached = say("doc.appendix_attached", language, blank="   ", symbol=report.doc_symbol, date=formatting.day(today))
    fmt.line(document, attached, italic=True, keep=True)
    fmt.line(document, appendix.as_of_line(data, today, language), italic=True, space_after=6, keep=True)


def _new_section(document: DocumentObject, *, landscape: bool) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    fmt.page(section, landscape=landscape)
    section.different_first_page_header_footer = False  # numbered from its first page: not the report's first


def _appendix(
    document: DocumentObject, splices: _Splices, data: CompiledReport, today: date, language: str, title: str
) -> None:
    """The appendix table on landscape pages, its header row repeated; then the distinct presenters."""
    _new_section(document, landscape=True)
    _attached_lines(document, data, today, language, title, data.spec.report.appendix_subject)
    cols = appendix.columns(data, language)
    total_width = fmt.text_width(document.sections[-1])
    scale = total_width / sum(col.width for col in cols)
    widths = [int(col.width * scale) for col in cols]
    splices.add(document, _table_xml(data, cols, widths, language))
    presenters = appendix.presenter_rows(data)
    if presenters:
        fmt.line(document, "", keep=True)
        fmt.line(document, say("doc.presenters_table", language), align="left", bold=True, keep=True)
        heads = [say(f"doc.presenters_col.{k}", language) for k in ("number", "name", "position", "units")]
        rows = [[str(p.number), p.name, p.positions, p.units] for p in presenters]
        shares = [6, 30, 30, 60]
        pw = [int(total_width * s / sum(shares)) for s in shares]
        splices.add(document, _plain_table_xml(heads, rows, pw, ["center", "left", "left", "left"]))


def _notes_annex(
    document: DocumentObject, splices: _Splices, data: CompiledReport, today: date, language: str, title: str
) -> None:
    """The units' whole notes, by question, in register order: one paragraph per line of a note."""
    _new_section(document, landscape=False)
    _attached_lines(document, data, today, language, title, data.spec.report.notes_annex_subject)
    parts = []
    for part in _notes_parts(data):
        written = notes.written(data, part.question)
        if not written:
            continue
        heading = part.heading.get(language) if part.heading else _question_label(data, part.question, language)
        parts.append(_paragraph_xml(heading, "nqSubheading"))
        for unit, text in written:
            lines = [line.strip() for line in _clean(text).split("\n") if line.strip()]
            first, *rest = lines or [""]
            parts.append(_paragraph_xml(f"- {unit}: {first}"))
            parts.extend(_paragraph_xml(line) for line in rest)
    splices.add(document, "".join(parts))


def _question_label(data: CompiledReport, question_id: str, language: str) -> str:
    question = data.question(question_id)
    return question.label.get(language) if question is not None and question.label else question_id


def _paragraph_xml(text: str, style: str = "nqBody") -> str:
    """A body paragraph (one line, no break) as XML, for the splices."""
    run = f'<w:r><w:t xml:space="preserve">{escape(_clean(text))}</w:t></w:r>'
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{run}</w:p>'


_BORDERS = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)


def _table_start(widths: Sequence[int], heads: Sequence[str], groups: Sequence[str | None] | None = None) -> list[str]:
    """A bordered table exactly `widths` wide (no indent: within the text), its header repeated on each page:
    one row, or two where columns have a group's heading over them (the others span both rows)."""
    parts = [
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        f'<w:jc w:val="center"/><w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="40" w:type="dxa"/><w:right w:w="40" w:type="dxa"/></w:tblCellMar>'
        "</w:tblPr><w:tblGrid>",
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
    ]
    groups = groups or [None] * len(heads)
    if not any(groups):
        return [*parts, _header_tr(_head_tc(head, w) for head, w in zip(heads, widths, strict=True))]
    top, bottom, n = [], [], 0
    while n < len(heads):
        group = groups[n]
        if group is None:  # one cell over both rows
            top.append(_head_tc(heads[n], widths[n], '<w:vMerge w:val="restart"/>'))
            bottom.append(_head_tc("", widths[n], "<w:vMerge/>"))
            n += 1
            continue
        run = n
        while run < len(heads) and groups[run] == group:
            bottom.append(_head_tc(heads[run], widths[run]))
            run += 1
        top.append(_head_tc(group, sum(widths[n:run]), f'<w:gridSpan w:val="{run - n}"/>'))
        n = run
    return [*parts, _header_tr(top), _header_tr(bottom)]


def _head_tc(text: str, width: int, merge: str = "") -> str:
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{merge}'
        '<w:shd w:val="clear" w:color="auto" w:fill="D9E2F3"/><w:vAlign w:val="center"/></w:tcPr>'
        f"{_p(text, 'center', bold=True)}</w:tc>"
    )


def _header_tr(cells: Iterable[str]) -> str:
    return f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{''.join(cells)}</w:tr>"


def _table_xml(data: CompiledReport, cols: Sequence[Column], widths: Sequence[int], language: str) -> str:
    """The appendix table: header (repeated on each page), a row per TCCSĐ (its affiliated cells in italics
    under it), the totals."""
    parts = _table_start(widths, [col.header for col in cols], [col.group for col in cols])
    aligns = [_ALIGN.get(col.kind, "left") for col in cols]
    kinds = [col.kind for col in cols]
    for row in appendix.unit_rows(data, cols, language):
        parts.append(_tr(row.cells, kinds, aligns, language, italic=row.affiliated))
    parts.append(_tr(appendix.totals(data, cols, language), kinds, aligns, language, bold=True))
    parts.append("</w:tbl>")
    return "".join(parts)


def _plain_table_xml(
    heads: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int], aligns: Sequence[str]
) -> str:
    parts = _table_start(widths, heads)
    for row in rows:
        cells = "".join(f"<w:tc>{_p(text, align)}</w:tc>" for text, align in zip(row, aligns, strict=True))
        parts.append(f"<w:tr>{cells}</w:tr>")  # a presenter's list of units may be longer than a page
    parts.append("</w:tbl>")
    return "".join(parts)


def _tr(
    row: Sequence[Cell],
    kinds: Sequence[str],
    aligns: Sequence[str],
    language: str,
    *,
    bold: bool = False,
    italic: bool = False,
) -> str:
    cells = [
        _EMPTY_CELL[align]
        if value is None or value == ""
        else f"<w:tc>{_p(appendix.shown(value, kind, language), align, bold=bold, italic=italic)}</w:tc>"
        for value, kind, align in zip(row, kinds, aligns, strict=True)
    ]
    return f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{''.join(cells)}</w:tr>"


_STYLE_ID = {"left": "nqCellLeft", "center": "nqCellCenter", "right": "nqCellRight"}
_CELL_STYLE = {align: f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' for align, style in _STYLE_ID.items()}
_EMPTY_CELL = {align: f"<w:tc><w:p>{style}</w:p></w:tc>" for align, style in _CELL_STYLE.items()}


def _p(text: str, align: str, *, bold: bool = False, italic: bool = False) -> str:
    """One paragraph of a cell in the appendix's cell style (never justified); line breaks kept."""
    style = _CELL_STYLE[align]
    if not text:
        return f"<w:p>{style}</w:p>"
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    text = escape(_clean(text))
    if "\n" in text:
        body = "<w:br/>".join(f'<w:t xml:space="preserve">{line}</w:t>' for line in text.split("\n"))
    else:
        body = f'<w:t xml:space="preserve">{text}</w:t>'
    return f"<w:p>{style}<w:r>{rpr}{body}</w:r></w:p>"
