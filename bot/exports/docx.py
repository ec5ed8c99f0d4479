"""The compiled report as a DOCX in the party's document format (Hướng dẫn 36-HD/VPTW).

A4 portrait, Times New Roman 14 pt: the borderless two-column header table (bodies, "*", the number; the
party's name underlined, the italic place and date), "BÁO CÁO" and the subject, the opening, sections I–VI
(computed figures, the campaign file's paragraphs, the units' own notes for the board to edit), the
signature block beside "Nơi nhận", then the appendix table on landscape pages.

Every label comes from the campaign file's `report:` settings, every sentence around a figure from
bot.exports.sentences. The big blocks (the units' notes, the appendix's rows) are written as XML text and
spliced in after saving (see _Splices), so 10,000 units take under a second.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from bot import formatting
from bot.exports import appendix, sentences
from bot.exports.appendix import Cell, Column, GroupRow
from bot.texts import say
from storage.compiled import CompiledReport
from storage.report_spec import ReportSection

FONT = "Times New Roman"
TWIPS_PER_CM = 567
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ALIGN = {"text": "left", "center": "center", "number": "right", "rate": "right"}


def build_docx(data: CompiledReport, *, language: str = "vi", today: date | None = None) -> bytes:
    """The compiled report as bytes."""
    today = today or data.today
    document = Document()
    splices = _Splices()
    _page(document.sections[0], landscape=False)
    _styles(document)
    _header(document, data, today, language)
    _title(document, data)
    report = data.spec.report
    _body(document, report.opening or sentences.opening(data, language))
    sections: list[tuple[ReportSection, list[str]]] = [
        (report.leadership, []),
        (report.study, sentences.study(data, language)),
        (report.dissemination, sentences.dissemination(data, language)),
        (report.action_program, sentences.action_program(data, language)),
        (report.assessment, []),
        (report.proposals, []),
    ]
    for section, figures in sections:
        _section(document, splices, data, section, figures, language)
    _signature(document, data)
    _appendix(document, splices, data, today, language)
    return splices.save(document)


class _Splices:
    """Big blocks (the units' notes, the appendix's rows) written as XML text and put in place after saving.

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


# --- the page and the styles ---


def _page(section: Section, *, landscape: bool) -> None:
    """A4 with the margins of the format: 2 cm top and bottom, 3 cm left, 1.5–2 cm right."""
    short, long = Cm(21), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin = Cm(2 if landscape else 3)
    section.right_margin = Cm(1.5 if landscape else 2)


def _text_width(section: Section) -> int:
    """The width between the margins, in twips."""
    width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    return int(width / 635)  # EMU → twips


def _styles(document: DocumentObject) -> None:
    """Times New Roman 14 pt everywhere (Vietnamese in every script slot), and the appendix's cell styles."""
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    normal.paragraph_format.space_after = Pt(0)
    body = document.styles.add_style("nq Body", WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    fmt = body.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Cm(1)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.1
    for name, align in (("nq Cell Left", "left"), ("nq Cell Center", "center"), ("nq Cell Right", "right")):
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(10)
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(1)
        fmt.line_spacing = 1.0
        fmt.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER}.get(
            align, WD_ALIGN_PARAGRAPH.RIGHT
        )


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    underline: bool = False,
) -> None:
    run = paragraph.add_run(_CONTROL.sub("", text))
    run.bold = bold or None
    run.italic = italic or None
    run.underline = underline or None
    if size:
        run.font.size = Pt(size)


def _line(
    cell: _Cell | DocumentObject,
    text: str,
    *,
    align: str = "center",
    first: bool = False,
    space_after: float = 0,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: float | None = None,
) -> Paragraph:
    """A paragraph of one run, in a cell (reusing its first empty paragraph) or the document."""
    paragraph = cell.paragraphs[0] if first and isinstance(cell, _Cell) else cell.add_paragraph()
    paragraph.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT}.get(
        align, WD_ALIGN_PARAGRAPH.JUSTIFY
    )
    paragraph.paragraph_format.space_after = Pt(space_after)
    _run(paragraph, text, bold=bold, italic=italic, underline=underline, size=size)
    return paragraph


# --- the header, title and body ---


def place_and_date(place: str, today: date, language: str) -> str:
    """The place and date line, "…, ngày 05 tháng 10 năm 2022": a zero before days under 10 and months 1, 2."""
    month = f"{today.month:02d}" if today.month < 3 else str(today.month)
    return say("doc.place_date", language, place=place, day=f"{today.day:02d}", month=month, year=today.year)


def _header(document: DocumentObject, data: CompiledReport, today: date, language: str) -> None:
    """The borderless two-column table: bodies, "*", the number | the party's name, place and date."""
    report = data.spec.report
    # 17.5 cm, a little into the margins: "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH" and the date line each need over 8 cm.
    left, right = _borderless_table(document, [int(8.8 * TWIPS_PER_CM), int(8.7 * TWIPS_PER_CM)])
    _line(left, report.superior_body, first=True, size=13)
    _line(left, report.issuing_body, bold=report.issuing_sub_body is None, size=13)
    if report.issuing_sub_body:
        _line(left, report.issuing_sub_body, bold=True, size=13)
    _line(left, "*", size=13)
    _line(left, say("doc.number", language, blank="   ", symbol=report.doc_symbol), size=13)
    _line(right, report.party_name, first=True, bold=True, underline=True, size=14)
    _line(right, "")
    _line(right, place_and_date(report.place, today, language), italic=True, size=14)


def _borderless_table(document: DocumentObject, widths: Sequence[int]) -> list[_Cell]:
    """A one-row table without borders, its columns `widths` twips wide; its cells."""
    table = document.add_table(rows=1, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    cells = table.rows[0].cells
    for cell, width in zip(cells, widths, strict=True):
        cell.width = width * 635  # twips → EMU
    for grid, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        grid.w = width * 635
    return list(cells)


def _title(document: DocumentObject, data: CompiledReport) -> None:
    report = data.spec.report
    _line(document, "", space_after=6)
    _line(document, report.title, bold=True, size=15)
    _line(document, report.subject, bold=True, size=14)
    _line(document, "-----", space_after=12)


def _body(document: DocumentObject, text: str, *, bold: bool = False, italic: bool = False) -> Paragraph:
    """A justified body paragraph, first line indented (the "nq Body" style)."""
    paragraph = document.add_paragraph(style="nq Body")
    _run(paragraph, text, bold=bold, italic=italic)
    return paragraph


def _body_xml(text: str, *, italic: bool = False) -> str:
    """A body paragraph as XML, for the splices."""
    props = "<w:rPr><w:i/></w:rPr>" if italic else ""
    lines = escape(_CONTROL.sub("", text)).split("\n")
    runs = "<w:br/>".join(f'<w:t xml:space="preserve">{line}</w:t>' for line in lines)
    return f'<w:p><w:pPr><w:pStyle w:val="nqBody"/></w:pPr><w:r>{props}{runs}</w:r></w:p>'


def _section(
    document: DocumentObject,
    splices: _Splices,
    data: CompiledReport,
    section: ReportSection,
    figures: list[str],
    language: str,
) -> None:
    """Heading; figures; the file's paragraphs; the units' notes gathered under each sub-heading."""
    _body(document, section.heading.get(language), bold=True)
    for text in [*figures, *section.body]:
        _body(document, text)
    for part in section.notes:
        if part.heading:
            _body(document, part.heading.get(language), bold=True, italic=True)
        _body(document, say("doc.notes_hint", language), italic=True)
        notes = [(r.unit.name, r.latest.value(part.question)) for r in data.reported]
        written = [(unit, str(text).strip()) for unit, text in notes if text and str(text).strip()]
        if written:
            splices.add(
                document,
                "".join(_body_xml("- " + say("doc.note", language, unit=unit, text=text)) for unit, text in written),
            )
        else:
            _body(document, say("doc.no_notes", language), italic=True)


# --- the signature and the appendix ---


def _signature(document: DocumentObject, data: CompiledReport) -> None:
    """The recipients ("Nơi nhận") on the left; the signer on the right."""
    report = data.spec.report
    _line(document, "", space_after=6)
    width = _text_width(document.sections[0])
    left, right = _borderless_table(document, [width // 2, width - width // 2])
    _line(left, report.recipients_label, first=True, align="left", bold=True, italic=True, size=12)
    for recipient in report.recipients:
        _line(left, f"- {recipient}", align="left", size=11)
    _line(right, report.signer.on_behalf, first=True, bold=True)
    _line(right, report.signer.position, bold=True)
    for _ in range(4):
        _line(right, "")
    _line(right, report.signer.name, bold=True)


def _appendix(document: DocumentObject, splices: _Splices, data: CompiledReport, today: date, language: str) -> None:
    report = data.spec.report
    section = document.add_section(WD_SECTION.NEW_PAGE)
    _page(section, landscape=True)
    _line(document, report.appendix_title, bold=True)
    if report.appendix_subject:
        _line(document, report.appendix_subject, bold=True)
    attached = say("doc.appendix_attached", language, blank="   ", symbol=report.doc_symbol, date=formatting.day(today))
    _line(document, attached, italic=True)
    _line(document, appendix.as_of_line(data, today, language), italic=True, space_after=6)
    cols = appendix.columns(data, language)
    total_width = _text_width(section)
    scale = total_width / sum(col.width for col in cols)
    widths = [int(col.width * scale) for col in cols]
    splices.add(document, _table_xml(data, cols, widths, language))


def _table_xml(data: CompiledReport, cols: Sequence[Column], widths: Sequence[int], language: str) -> str:
    """The appendix table: header (repeated on each page), a row per unit, totals, then the groups."""
    border = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    parts = [
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        f'<w:jc w:val="center"/><w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
        "</w:tblPr><w:tblGrid>",
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
        "<w:tr><w:trPr><w:tblHeader/></w:trPr>",
        *(
            f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:shd w:val="clear" w:color="auto" w:fill="D9E2F3"/>'
            f'<w:vAlign w:val="center"/></w:tcPr>{_p(col.header, "center", bold=True)}</w:tc>'
            for col, w in zip(cols, widths, strict=True)
        ),
        "</w:tr>",
    ]
    aligns = [_ALIGN[col.kind] for col in cols]
    kinds = [col.kind for col in cols]
    for row in appendix.rows(data, cols, language):
        parts.append(_tr(row, kinds, aligns, language))
    parts.append(_tr(appendix.totals(data, cols, language), kinds, aligns, language, bold=True))
    for title, group in appendix.groups(data, language):
        parts.append(
            f'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="{len(cols)}"/></w:tcPr>'
            f"{_p(title, 'left', bold=True, italic=True)}</w:tc></w:tr>"
        )
        parts.extend(_group_tr(row, len(cols)) for row in group)
    parts.append("</w:tbl>")
    return "".join(parts)


def _tr(row: Sequence[Cell], kinds: Sequence[str], aligns: Sequence[str], language: str, *, bold: bool = False) -> str:
    cells = "".join(
        f"<w:tc>{_p(_shown(value, kind, language), align, bold=bold)}</w:tc>"
        for value, kind, align in zip(row, kinds, aligns, strict=True)
    )
    return f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>"


def _group_tr(row: GroupRow, columns: int) -> str:
    """A unit after the totals: number, name, kind, and the note across the other columns."""
    return (
        f"<w:tr><w:tc>{_p(str(row.number), 'center')}</w:tc><w:tc>{_p(row.name, 'left')}</w:tc>"
        f"<w:tc>{_p(row.kind, 'center')}</w:tc>"
        f'<w:tc><w:tcPr><w:gridSpan w:val="{max(columns - 3, 1)}"/></w:tcPr>{_p(row.note, "left")}</w:tc></w:tr>'
    )


def _shown(value: Cell, kind: str, language: str) -> str:
    """A cell's value written the Vietnamese way: 1.234, 95,00%."""
    if value is None:
        return ""
    if kind == "rate" and isinstance(value, float):
        return appendix.percent(value, language) + "%"
    if isinstance(value, int):
        return appendix.number(value, language)
    return str(value)


_STYLE_ID = {"left": "nqCellLeft", "center": "nqCellCenter", "right": "nqCellRight"}


def _p(text: str, align: str, *, bold: bool = False, italic: bool = False) -> str:
    """One paragraph of a cell in the appendix's cell style; line breaks kept."""
    style = f'<w:pPr><w:pStyle w:val="{_STYLE_ID[align]}"/></w:pPr>'
    if not text:
        return f"<w:p>{style}</w:p>"
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    lines = escape(_CONTROL.sub("", text)).split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{line}</w:t>' for line in lines)
    return f"<w:p>{style}<w:r>{rpr}{body}</w:r></w:p>"
