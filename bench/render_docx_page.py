"""Pictures of pages of the compiled report: DOCX → PDF (LibreOffice headless) → PNG (pdftoppm).

Usage:
    .venv/bin/python bench/render_docx_page.py REPORT.docx [--pages 1,2,last] [--out-dir DIR]
    .venv/bin/python bench/render_docx_page.py --units 45 [--pages 1-3] [--find "Nơi nhận"] [--out-dir DIR]
    .venv/bin/python bench/render_docx_page.py --sample --pages 1 --out docs/report-first-page.png

`--units N` first exports a made-up campaign of N units (the NQ 15 campaign file and seeded random reports,
made by bench/export_report.py: some late, amended, not held, not reported), as of 05/10/2022; `--sample`
exports the 22 units of examples/units-sample.csv the same way. `--pages` takes numbers, ranges and `last`;
`--find` adds every page whose text holds the words (e.g. the signing page, "PHỤ LỤC 2"). It prints the page
count and each PNG's path. Needs LibreOffice and poppler-utils (pdftoppm, pdftotext, pdfinfo): on Debian
`apt-get install libreoffice-writer-nogui poppler-utils fonts-liberation` (Liberation Serif stands in for Times
New Roman with the same metrics).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.export_report import TODAY, populate, unit_rows  # noqa: E402
from bot.exports import export_files  # noqa: E402
from storage import migrate, units  # noqa: E402
from storage.database import Database  # noqa: E402

SAMPLE_UNITS = ROOT / "examples" / "units-sample.csv"
RESOLUTION_DPI = 80


def sample_docx(folder: Path, count: int | None = None) -> Path:
    """Export a campaign into `folder` (`count` made-up units, or the sample CSV's); the DOCX's path."""
    database = Database(f"sqlite:///{folder / 'sample.sqlite3'}")
    migrate.upgrade(database.engine)
    rows = unit_rows(count) if count else units.read_units_csv(SAMPLE_UNITS)
    populate(database, rows, seed=2022)
    paths = export_files(database, "nq15-2022", folder, today=TODAY)
    database.dispose()
    return next(p for p in paths if p.suffix == ".docx")


def _tools() -> str:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None or not all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo")):
        raise SystemExit("needs libreoffice and poppler-utils (apt-get install libreoffice-writer-nogui poppler-utils)")
    return office


def to_pdf(docx: Path, folder: Path) -> Path:
    """The DOCX as a PDF in `folder`, by LibreOffice with a throwaway profile (no lock on the user's)."""
    profile = f"-env:UserInstallation=file://{folder / 'profile'}"
    subprocess.run(
        [_tools(), profile, "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(docx)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    return folder / f"{docx.stem}.pdf"


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return int(found.group(1)) if found else 0


def pages_with(pdf: Path, words: str, count: int) -> list[int]:
    """The pages whose text holds `words` (case and spacing as printed)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    pages = text.stdout.split("\f")[:count]
    return [n for n, page in enumerate(pages, start=1) if words in " ".join(page.split())]


def chosen(spec: str, count: int) -> list[int]:
    """ "1,3-5,last" → [1, 3, 4, 5, count], within the document."""
    pages: list[int] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        part = part.replace("last", str(count))
        low, _, high = part.partition("-")
        pages.extend(range(int(low), int(high or low) + 1))
    return [p for p in dict.fromkeys(pages) if 1 <= p <= count]


def render_page(pdf: Path, page: int, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    stem = out.with_suffix("")
    p = str(page)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(RESOLUTION_DPI), "-f", p, "-l", p, "-singlefile", str(pdf), str(stem)],
        check=True,
        timeout=120,
    )
    return out


def render(docx: Path, out: Path, *, page: int = 1) -> Path:
    """Convert `docx` to PDF and its page `page` to a PNG at `out`."""
    with tempfile.TemporaryDirectory(prefix="nqbot-render-") as folder:
        return render_page(to_pdf(docx, Path(folder)), page, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docx", nargs="?", type=Path, help="the DOCX to render")
    parser.add_argument("--sample", action="store_true", help="render the sample units' export instead")
    parser.add_argument("--units", type=int, help="render an export of this many made-up units instead")
    parser.add_argument("--pages", default="1", help="pages: numbers, ranges, last (default 1)")
    parser.add_argument("--find", action="append", default=[], help="also every page holding these words")
    parser.add_argument("--out", type=Path, help="with one page: the PNG's path")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs" / "render", help="where page-N.png go")
    parser.add_argument("--keep", type=Path, help="copy the exported DOCX and its PDF here")
    args = parser.parse_args()
    if sum((args.docx is not None, args.sample, args.units is not None)) != 1:
        parser.error("give a DOCX, --sample or --units N (one of them)")
    with tempfile.TemporaryDirectory(prefix="nqbot-sample-") as name:
        folder = Path(name)
        docx = args.docx or sample_docx(folder, args.units)
        pdf = to_pdf(docx, folder)
        count = page_count(pdf)
        pages = chosen(args.pages, count)
        for words in args.find:
            pages += [p for p in pages_with(pdf, words, count) if p not in pages]
        print(f"{docx.name}: {count} pages")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in (docx, pdf):
                shutil.copy(path, args.keep)
        for page in pages:
            out = args.out if args.out and len(pages) == 1 else args.out_dir / f"{docx.stem}-page-{page}.png"
            print(render_page(pdf, page, out))


if __name__ == "__main__":
    main()
