"""A picture of a page of the compiled report: DOCX → PDF (LibreOffice headless) → PNG (pdftoppm).

Usage:
    .venv/bin/python bench/render_docx_page.py REPORT.docx [--page 1] [--out docs/report-first-page.png]
    .venv/bin/python bench/render_docx_page.py --sample [--page 1] [--out docs/report-first-page.png]

`--sample` first exports a sample campaign: the NQ 15 campaign file with the 22 units of
examples/units-sample.csv and seeded random reports (bench/export_report.py makes them), as of 05/10/2022.
Needs `libreoffice` (or `soffice`) and `pdftoppm`: on Debian `apt-get install libreoffice-writer
poppler-utils fonts-liberation` (Liberation Serif stands in for Times New Roman with the same metrics).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.export_report import TODAY, populate  # noqa: E402
from bot.exports import export_files  # noqa: E402
from storage import migrate, units  # noqa: E402
from storage.database import Database  # noqa: E402

SAMPLE_UNITS = ROOT / "examples" / "units-sample.csv"
RESOLUTION_DPI = 80


def sample_docx(folder: Path) -> Path:
    """Export the sample campaign into `folder`; the DOCX's path."""
    database = Database(f"sqlite:///{folder / 'sample.sqlite3'}")
    migrate.upgrade(database.engine)
    populate(database, units.read_units_csv(SAMPLE_UNITS), seed=2022)
    paths = export_files(database, "nq15-2022", folder, today=TODAY, language="vi")
    database.dispose()
    return next(p for p in paths if p.suffix == ".docx")


def render(docx: Path, out: Path, *, page: int = 1) -> Path:
    """Convert `docx` to PDF and its page `page` to a PNG at `out`."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None or shutil.which("pdftoppm") is None:
        raise SystemExit("needs libreoffice and pdftoppm (apt-get install libreoffice-writer poppler-utils)")
    with tempfile.TemporaryDirectory(prefix="nqbot-render-") as folder:
        work = Path(folder)
        profile = f"-env:UserInstallation=file://{work / 'profile'}"  # a throwaway profile: no lock on the user's
        subprocess.run(
            [office, profile, "--headless", "--convert-to", "pdf", "--outdir", str(work), str(docx)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        pdf = work / f"{docx.stem}.pdf"
        r, p = str(RESOLUTION_DPI), str(page)
        subprocess.run(
            ["pdftoppm", "-png", "-r", r, "-f", p, "-l", p, "-singlefile", str(pdf), str(work / "page")],
            check=True,
            timeout=60,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / "page.png", out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docx", nargs="?", type=Path, help="the DOCX to render")
    parser.add_argument("--sample", action="store_true", help="render a sample export instead")
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report-first-page.png")
    parser.add_argument("--keep", type=Path, help="with --sample: copy the sample DOCX here")
    args = parser.parse_args()
    if (args.docx is None) == (not args.sample):
        parser.error("give a DOCX or --sample (one of them)")
    with tempfile.TemporaryDirectory(prefix="nqbot-sample-") as folder:
        docx = args.docx or sample_docx(Path(folder))
        if args.sample and args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(docx, args.keep)
        print(render(docx, args.out, page=args.page))


if __name__ == "__main__":
    main()
