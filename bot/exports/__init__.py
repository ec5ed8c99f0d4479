"""The compiled report as files: the XLSX table and the DOCX report, named from the campaign and the date.

The files are Vietnamese whatever the chat's or the operator's language: they are the board's documents to
the province (the README says so).

Usage:
    paths = export_files(database, "nq15-2022", Path("out"), today=date(2022, 10, 5))
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
from storage.report_spec import ReportSettings, placeholders

__all__ = [
    "EXPORT_LANGUAGE",
    "build_docx",
    "build_xlsx",
    "compile_report",
    "export_files",
    "file_name",
    "placeholder_warnings",
]

EXPORT_LANGUAGE = "vi"  # the exported files' language, whatever the chat's


def file_name(campaign_code: str, kind: str, today: date, suffix: str) -> str:
    """A file's name, "nq15-2022_bao-cao_2022-10-05.docx": campaign, what it is, the day, in ASCII."""
    return f"{campaign_code}_{say(f'export.file.{kind}', EXPORT_LANGUAGE)}_{today.isoformat()}.{suffix}"


def export_files(
    database: Database,
    campaign_code: str,
    out_dir: Path,
    *,
    today: date,
    timezone: ZoneInfo = VIETNAM,
) -> list[Path]:
    """Read the campaign in one session, write the DOCX and the XLSX (0600, in Vietnamese) into `out_dir`.

    Raises storage.compiled.UnknownCampaign for a code no campaign has."""
    with database.session() as session:
        data: CompiledReport = compile_report(session, campaign_code=campaign_code, today=today, timezone=timezone)
    files = [
        (out_dir / file_name(campaign_code, "report", today, "docx"), build_docx),
        (out_dir / file_name(campaign_code, "appendix", today, "xlsx"), build_xlsx),
    ]
    for path, build in files:
        write_private(path, build(data, language=EXPORT_LANGUAGE, today=today))
    return [path for path, _ in files]


def placeholder_warnings(report: ReportSettings, language: str) -> list[str]:
    """One line per report field that still holds a shipped placeholder or is left empty (the report prints
    "…" there): `nqbot campaign load` and `nqbot export` print them on stderr."""
    return [
        say("report.unfilled", language, field=p.field)
        if p.value is None
        else say("report.placeholder", language, field=p.field, value=p.value)
        for p in placeholders(report)
    ]
