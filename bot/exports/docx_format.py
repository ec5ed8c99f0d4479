"""The party's document format in python-docx: page, styles, language, page numbers, properties, comments.

Each rule names where it comes from: Hướng dẫn 36-HD/VPTW (03/4/2018) of the Central Party Office, "thể thức và
kỹ thuật trình bày văn bản của Đảng", part I (fonts, paper, margins, page numbers) and Phụ lục 3 (the sizes and
styles of each element). bot/exports/docx.py composes the report from these pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from bot.texts import say

FONT = "Times New Roman"  # 36-HD I: a Unicode Vietnamese font (TCVN 6909:2001); Times New Roman in its samples
LANGUAGE = "vi-VN"
TWIPS_PER_CM = 567
EMU_PER_TWIP = 635
BODY_PT = 14  # Phụ lục 3: the body 14–15 pt; the header lines and the number 14 pt
PARTY_NAME_PT = 15  # Phụ lục 3: "ĐẢNG CỘNG SẢN VIỆT NAM" capitals, 15 pt, upright, bold
TITLE_PT = 15  # Phụ lục 3: the kind of document ("BÁO CÁO") capitals 15–16 pt bold; the subject 14–15 pt bold
RECIPIENTS_PT = 12  # Phụ lục 3: the recipients 12 pt upright; the word "Nơi nhận:" 14 pt upright, underlined
ALIGN = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}
BODY, HEADING, SUBHEADING = "nq Body", "nq Heading", "nq Subheading"


def page(section: Section, *, landscape: bool) -> None:
    """A4 (36-HD I: 210 × 297 mm); margins top and bottom 2 cm, left 3 cm, right 2 cm (36-HD I: 20–25, 20–25,
    30–35, 15–20 mm); a landscape appendix page keeps the same margins turned (left 2, right 1.5)."""
    short, long = Cm(21), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin = Cm(2 if landscape else 3)
    section.right_margin = Cm(1.5 if landscape else 2)
    section.header_distance = Cm(1)  # the page number sits in the top margin


def text_width(section: Section) -> int:
    """The width between the margins, in twips."""
    width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    return int(width / EMU_PER_TWIP)


def styles(document: DocumentObject) -> None:
    """Times New Roman 14 pt in every script slot, Vietnamese as the language (Word checks the spelling in
    Vietnamese), and the paragraph styles of the body, its headings and the appendix's cells."""
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    normal.paragraph_format.space_after = Pt(0)
    _language(document)
    # 36-HD I and Phụ lục 3: the body justified, first line indented 1–1.27 cm, at least 6 pt between paragraphs.
    body = document.styles.add_style(BODY, WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    fmt = body.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Cm(1)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.1
    fmt.widow_control = True
    for name, italic in ((HEADING, False), (SUBHEADING, True)):
        heading = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        heading.base_style = body
        heading.font.bold = True
        heading.font.italic = italic or None
        heading.paragraph_format.keep_with_next = True  # never the last line of a page
        heading.paragraph_format.keep_together = True
        heading.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT  # a short line: nothing to stretch
    for name, align in (("nq Cell Left", "left"), ("nq Cell Center", "center"), ("nq Cell Right", "right")):
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(9)  # 25 columns on a landscape page; 36-HD sets no size for an appendix's table
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(1)
        fmt.line_spacing = 1.0
        fmt.alignment = ALIGN.get(align, WD_ALIGN_PARAGRAPH.RIGHT)


def _language(document: DocumentObject) -> None:
    """vi-VN in the document defaults and the Normal style; the spelling marked unchecked, the theme's language
    Vietnamese (python-docx's template says en-US and "spelling clean")."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    targets = [document.styles["Normal"].element.get_or_add_rPr()]
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            targets.append(rpr)
    for rpr in targets:
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        for attribute in ("w:val", "w:eastAsia"):
            lang.set(qn(attribute), LANGUAGE)
    settings = document.settings.element
    for stale in settings.findall(qn("w:proofState")):
        settings.remove(stale)
    theme = settings.find(qn("w:themeFontLang"))
    if theme is None:
        theme = OxmlElement("w:themeFontLang")
        settings.append(theme)
    theme.set(qn("w:val"), LANGUAGE)


def page_numbers(section: Section) -> None:
    """The page number in the top margin, centred, 14 pt, not on the first page (36-HD I, "số trang")."""
    section.different_first_page_header_footer = True
    header = section.header
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None), (None, None), ("end", None)):
        run = paragraph.add_run()
        run.font.size = Pt(BODY_PT)
        if kind:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            run._r.append(field)
        elif instruction:
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = instruction
            run._r.append(text)
        else:
            run.text = "2"  # shown until the field is updated


def properties(
    document: DocumentObject, *, title: str, author: str, subject: str, keywords: str, now: datetime
) -> None:
    """The document's properties from the campaign (python-docx's template says "python-docx", 2013)."""
    core = document.core_properties
    core.title, core.subject, core.keywords = title, subject, keywords
    core.author = core.last_modified_by = author
    core.created = core.modified = now.replace(microsecond=0)
    core.comments, core.category, core.language = "", say("doc.category", "vi"), LANGUAGE
    core.revision = 1


def run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    underline: bool = False,
) -> Run:
    added = paragraph.add_run(text)
    added.bold = bold or None
    added.italic = italic or None
    added.underline = underline or None
    if size:
        added.font.size = Pt(size)
    return added


def line(
    where: _Cell | DocumentObject,
    text: str,
    *,
    align: str = "center",
    first: bool = False,
    space_after: float = 0,
    keep: bool = False,
    **style: bool | float | None,
) -> Paragraph:
    """A paragraph of one run, in a cell (reusing its first empty paragraph when `first`) or the document;
    `keep`: kept with the next paragraph and in one piece."""
    paragraph = where.paragraphs[0] if first and isinstance(where, _Cell) else where.add_paragraph()
    paragraph.alignment = ALIGN[align]
    paragraph.paragraph_format.space_after = Pt(space_after)
    if keep:
        paragraph.paragraph_format.keep_with_next = True
        paragraph.paragraph_format.keep_together = True
    run(paragraph, text, **style)  # type: ignore[arg-type]
    return paragraph


def borderless_table(document: DocumentObject, widths: Sequence[int], *, rows: int = 1) -> list[list[_Cell]]:
    """A table without borders, its columns `widths` twips wide (no wider than the text: no indent, no cell
    margins outside), its rows never split across pages; its cells by row."""
    table = document.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    properties = table._tbl.tblPr
    width = properties.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        properties.insert_element_before(width, "w:jc", "w:tblInd", "w:tblBorders", "w:tblLayout", "w:tblLook")
    width.set(qn("w:w"), str(sum(widths)))
    width.set(qn("w:type"), "dxa")
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "0")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")
    for grid, w in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        grid.w = w * EMU_PER_TWIP
    for row in table.rows:
        row_properties = row._tr.get_or_add_trPr()
        row_properties.append(OxmlElement("w:cantSplit"))
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = w * EMU_PER_TWIP
    return [list(row.cells) for row in table.rows]


def comment(document: DocumentObject, target: Run, text: str) -> None:
    """A Word comment on `target`: what the board must fill, said beside the words, never in the body."""
    document.add_comment(target, text=text, author="nqbot", initials="nq")
