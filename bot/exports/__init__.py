"""The compiled report as files: the XLSX table and the DOCX report, named from the campaign and the date.

Usage:
    paths = export_files(database, "nq15-2022", Path("out"), today=date(2022, 10, 5), language="vi")
    # out/nq15-2022_bao-cao_2022-10-05.docx, out/nq15-2022_phu-luc_2022-10-05.xlsx
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.exports.docx import build_docx
from bot.exports.xlsx import build_xlsx
from bot.texts import say
from storage.compiled import VIETNAM, CompiledReport, compile_report
from storage.database import Database
from storage.private_files import write_private

__all__ = ["build_docx", "build_xlsx", "compile_report", "export_files", "file_name"]


def file_name(campaign_code: str, kind: str, today: date, suffix: str, language: str = "vi") -> str:
    """A file's name, "nq15-2022_bao-cao_2022-10-05.docx": campaign, what it is, the day, in ASCII."""
    return f"{campaign_code}_{say(f'export.file.{kind}', language)}_{today.isoformat()}.{suffix}"


def export_files(
    database: Database,
    campaign_code: str,
    out_dir: Path,
    *,
    today: date,
    language: str = "vi",
    timezone: ZoneInfo = VIETNAM,
) -> list[Path]:
    """Read the campaign in one session, write the DOCX and the XLSX (0600) into `out_dir`; their paths.

    Raises storage.compiled.UnknownCampaign for a code no campaign has."""
    with database.session() as session:
        data: CompiledReport = compile_report(session, campaign_code=campaign_code, today=today, timezone=timezone)
    files = [
        (out_dir / file_name(campaign_code, "report", today, "docx", language), build_docx),
        (out_dir / file_name(campaign_code, "appendix", today, "xlsx", language), build_xlsx),
    ]
    for path, build in files:
        write_private(path, build(data, language=language, today=today))
    return [path for path, _ in files]
