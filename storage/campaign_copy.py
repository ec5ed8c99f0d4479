"""A new campaign from an earlier campaign file: the same questionnaire and report, a new code and new dates.

The copy edits the file's text (PyYAML cannot keep comments): only the top-level `code`, `report_deadline`,
`board_deadline` and `closes_on` lines change, each keeping its comment. The resolution's and the plan's
dates are facts of the resolution and stay; reminders are relative to the deadline already. The report
header lines an operator must fill for their own body are marked with a comment and listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from storage.campaign_spec import CampaignFileError, CampaignSpec, load_campaign_file, parse_campaign
from storage.errors import Text

# The report's header lines that name the issuing body: the shipped file holds generic words there.
TO_FILL = ("superior_body", "issuing_body", "place", "name")
FILL_MARK = "# ĐIỀN / FILL IN"
CODE = re.compile(CampaignSpec.model_fields["code"].metadata[0].pattern)


@dataclass(frozen=True)
class CampaignCopy:
    text: str
    spec: CampaignSpec
    to_fill: list[str]  # "report.place (Thành phố)": what to check before signing
    old_dates_in_text: list[str]  # "369: 20/9/2022" (line: date): prose that still names the source's dates


def copy_campaign(
    source: Path, *, code: str, report_deadline: date, board_deadline: date | None = None, closes_on: date | None = None
) -> CampaignCopy:
    """The new campaign file's text, validated; the board deadline and closing day move by the same shift
    as the report deadline unless given."""
    if not CODE.fullmatch(code):
        raise CampaignFileError(Text("campaign_copy.bad_code", code=code))
    old = load_campaign_file(source)  # a bad source is its own clear error
    shift = report_deadline - old.report_deadline
    board_deadline = board_deadline or old.board_deadline + shift
    closes_on = closes_on or old.closes_on + shift
    _check_order(old.resolution.date, report_deadline, board_deadline, closes_on)
    new_values = {
        "code": code,
        "report_deadline": report_deadline.isoformat(),
        "board_deadline": board_deadline.isoformat(),
        "closes_on": closes_on.isoformat(),
    }
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    for key, value in new_values.items():
        _replace_top_level(lines, key, value, source)
    to_fill = _mark_header(lines)
    text = "".join(lines)
    spec = parse_campaign(yaml.safe_load(text), f"{code}.yaml")
    return CampaignCopy(text, spec, to_fill, _old_dates(lines, old.report_deadline, old.board_deadline, old.closes_on))


def _check_order(resolution: date, deadline: date, board_deadline: date, closes_on: date) -> None:
    """The order CampaignSpec demands, said in the operator's words before any file is written."""
    if deadline < resolution:
        raise CampaignFileError(
            Text("campaign_copy.before_resolution", deadline=_day(deadline), resolution=_day(resolution))
        )
    for key, value in (("campaign_copy.board_deadline", board_deadline), ("campaign_copy.closes_on", closes_on)):
        if value < deadline:
            text = Text("campaign_copy.before_deadline", what=Text(key), value=_day(value), deadline=_day(deadline))
            raise CampaignFileError(text)


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")  # as the operator typed it


def _replace_top_level(lines: list[str], key: str, value: str, source: Path) -> None:
    pattern = re.compile(rf"^{key}:[ \t]*([^#\s]+)")
    for i, line in enumerate(lines):
        found = pattern.match(line)
        if found:
            lines[i] = line[: found.start(1)] + value + line[found.end(1) :]
            return
    raise CampaignFileError(Text("campaign_copy.no_line", source=str(source), key=key))


def _mark_header(lines: list[str]) -> list[str]:
    """Mark the report section's header lines to fill; return them as 'report.field (value)'."""
    marked: list[str] = []
    in_report = False
    for i, line in enumerate(lines):
        if not line.startswith((" ", "\t", "#")) and line.strip():
            in_report = line.startswith("report:")
            continue
        found = re.match(r"^(\s+)(\w+):[ \t]*([^#\n]+?)[ \t]*(#.*)?$", line.rstrip("\n"))
        if in_report and found and found.group(2) in TO_FILL and found.group(4) in (None, FILL_MARK):
            indent, field, value = found.group(1), found.group(2), found.group(3)
            lines[i] = f"{indent}{field}: {value}   {FILL_MARK}\n"  # a copy of a copy: marked once
            path = "report.signer." if len(indent) > 2 else "report."
            marked.append(f"{path}{field} ({value})")
    return marked


def _old_dates(lines: list[str], *days: date) -> list[str]:
    """Lines whose prose names one of the source's dates as d/m/yyyy (e.g. '… trước ngày 20/9/2022')."""
    pattern = re.compile(r"\b(0?\d{1,2})/(0?\d{1,2})/(\d{4})\b")
    found: list[str] = []
    for number, line in enumerate(lines, start=1):
        for match in pattern.finditer(line):
            d, m, y = (int(g) for g in match.groups())
            if any((x.day, x.month, x.year) == (d, m, y) for x in days):
                found.append(f"{number}: {match.group(0)}")
    return found
