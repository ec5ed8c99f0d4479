"""The XLSX's sheets: openpyxl sets each sheet up (column widths, frozen panes, filter, printing, the named
styles) and saves the file; the rows are written here as XML text and put into the saved file (splice()).
openpyxl's own cells cost tens of µs each, which at 10,000 units by 25 columns was most of the export; a row
written as text costs a few µs a cell.

Texts are inline strings, numbers plain numbers, dates Excel day numbers in a date style. A text a spreadsheet
would read as a formula (one starting with =, +, - or @, after any spaces, or with a tab or a carriage return)
stays text with Excel's quote prefix, so it stays text even when someone edits the cell. A row with wrapped
text gets a height made from its text and the column widths: LibreOffice does not grow a row for wrapped text
by itself.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

LINE_HEIGHT = 15.0  # points per line of 11 pt Times New Roman, in Excel and LibreOffice alike
MAX_HEIGHT = 409.0  # Excel's tallest row, in points (a longer note scrolls within its cell)
WRAPPED = ("text", "center", "date", "wrap")  # kinds of style ("nq text total") whose cells wrap
_EMPTY_ROWS = re.compile(rb"<sheetData\s*/>|<sheetData></sheetData>")


class Sheet:
    """A sheet of the workbook whose rows are kept as XML text until the file is saved.

    `header_row` is the table's header: repeated on each printed page, the autofilter's first row. Styles are
    the workbook's named styles ("nq text", "nq number total", …); None is the default style."""

    def __init__(self, workbook: Workbook, title: str, widths: Sequence[float], *, header_row: int = 1) -> None:
        self.ws = cast(WriteOnlyWorksheet, workbook.create_sheet(title))
        self.path = f"xl/worksheets/sheet{len(workbook.worksheets)}.xml"  # where openpyxl saves it
        # Write-only sheets have a normal sheet's settings (the stubs leave them out).
        self.setup = cast(Worksheet, self.ws)
        self.widths = list(widths)
        self.header_row = header_row
        self.rows: list[str] = []
        self._ids: dict[tuple[str | None, bool], str] = {}
        self._letters = [get_column_letter(i) for i in range(1, len(self.widths) + 1)]
        for letter, width in zip(self._letters, self.widths, strict=True):
            self.setup.column_dimensions[letter].width = width
        self._print_setup()

    def _print_setup(self) -> None:
        """A4 landscape, as wide as the page (as many pages down as it takes), the header on each page."""
        setup = self.setup
        setup.page_setup.orientation = "landscape"
        setup.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        setup.page_setup.fitToWidth = 1
        setup.page_setup.fitToHeight = 0
        setup.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        setup.print_title_rows = f"{self.header_row}:{self.header_row}"
        setup.page_margins.left = setup.page_margins.right = 0.4
        setup.print_options.horizontalCentered = True

    @property
    def written(self) -> int:
        return len(self.rows)

    def append(self, values: Sequence[Any], styles: Sequence[str | None], lines: int = 1) -> None:
        """A row of values in styles, `lines` lines of text tall (a height is set only past one line)."""
        n = len(self.rows) + 1
        height = f' ht="{min(lines * LINE_HEIGHT, MAX_HEIGHT):g}" customHeight="1"' if lines > 1 else ""
        if len(values) > len(self._letters):
            self._letters += [get_column_letter(i) for i in range(len(self._letters) + 1, len(values) + 1)]
        letters = self._letters
        cells = "".join(
            self._cell(f"{letters[i]}{n}", value, style)
            for i, (value, style) in enumerate(zip(values, styles, strict=True))
            if value is not None or style is not None  # an empty cell without a style is left out
        )
        self.rows.append(f'<row r="{n}"{height}>{cells}</row>')

    def styled(self, values: Sequence[Any], styles: Sequence[str | None]) -> None:
        """A row of cells in named styles, as tall as its tallest wrapped text."""
        lines = max(
            (
                text_lines(value, width, bold=_bold(style))
                for value, width, style in zip(values, self.widths, styles, strict=False)
                if isinstance(value, str) and _wraps(style)
            ),
            default=1,
        )
        self.append(values, styles, lines)

    def header(self, headers: Sequence[str]) -> None:
        self.styled(headers, ["nq header"] * len(headers))

    def autofilter(self, last_row: int) -> None:
        """A filter on the table: from the header row to `last_row`, across every column."""
        self.setup.auto_filter.ref = f"A{self.header_row}:{self._letters[-1]}{max(last_row, self.header_row)}"

    def _style(self, style: str | None, quoted: bool) -> str:
        """A cell's style attribute: the workbook's number for a named style (with the quote prefix or not),
        made once; nothing for the default style."""
        key = (style, quoted)
        found = self._ids.get(key)
        if found is None:
            prototype = WriteOnlyCell(self.ws)
            if style:
                prototype.style = style
            prototype.quotePrefix = quoted
            found = self._ids[key] = f' s="{prototype.style_id}"' if style or quoted else ""
        return found

    def _cell(self, ref: str, value: Any, style: str | None) -> str:
        kind = type(value)
        if kind is str:
            text = ILLEGAL_CHARACTERS_RE.sub("", value)
            s = self._style(style, formula_like(text))
            return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'
        s = self._style(style, False)
        if value is None:
            return f'<c r="{ref}"{s}/>' if s else ""
        if kind is int or kind is float:
            return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, date | datetime):
            return f'<c r="{ref}"{s}><v>{to_excel(value)}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
        if isinstance(value, str):
            return self._cell(ref, str(value), style)
        raise TypeError(f"a cell cannot hold {type(value).__name__}: {value!r}")


def splice(saved: bytes, sheets: Sequence[Sheet]) -> bytes:
    """The saved workbook with each sheet's rows put into its (empty) sheetData."""
    rows = {sheet.path: "".join(sheet.rows).encode() for sheet in sheets}
    source = zipfile.ZipFile(io.BytesIO(saved))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:  # speed over size
        for info in source.infolist():
            content = source.read(info)
            if info.filename in rows:
                empty = _EMPTY_ROWS.search(content)
                if empty is None:
                    raise ValueError(f"{info.filename}: openpyxl wrote rows of its own")
                filled = b"<sheetData>" + rows.pop(info.filename) + b"</sheetData>"
                content = content[: empty.start()] + filled + content[empty.end() :]
            target.writestr(info, content)
    if rows:
        raise ValueError(f"sheets not in the saved file: {', '.join(rows)}")
    return out.getvalue()


def _wraps(style: str | None) -> bool:
    return style is not None and (style == "nq header" or style.split()[1] in WRAPPED)


def _bold(style: str | None) -> bool:
    return style is not None and (style == "nq header" or style.endswith(" total"))


def text_lines(text: str, width: float, *, bold: bool = False) -> int:
    """How many lines a wrapped text takes in a column `width` characters wide: its words laid out greedily, a
    word longer than a line broken across lines. A column's width counts digits of the default font: a line of
    11 pt Times New Roman holds about 1.3 letters a unit of width (seen in LibreOffice's PDF of the appendix),
    counted here as 1.2 (1.05 in bold) less one for the cell's padding, so a row is never too short for its text."""
    capacity = max(int(width * (1.05 if bold else 1.2)) - 1, 1)
    if len(text) <= capacity and "\n" not in text:
        return 1
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0
        for word in paragraph.split():
            if used and used + 1 + len(word) <= capacity:
                used += 1 + len(word)
                continue
            if used:
                lines += 1
            lines += (len(word) - 1) // capacity
            used = (len(word) - 1) % capacity + 1
        total += lines
    return total


def formula_like(value: str) -> bool:
    """Whether a spreadsheet would take this (cleaned) text for a formula: "=…", "+…", "-…", "@…", also after
    spaces, or a tab or carriage return first (the prefixes of CSV injection)."""
    return value[:1] in ("\t", "\r") or value.lstrip()[:1] in ("=", "+", "-", "@")
