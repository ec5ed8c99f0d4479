"""The compiled report's party format (Hướng dẫn 36-HD/VPTW), checked in the DOCX's own XML: page numbers from
page 2, the two header lines and their sizes, the signing block and headings kept with what follows, tables
within the text, no stretched lines, Vietnamese, the document's properties, the appendix announced, the units'
notes in an annex or not, unfilled fields of the campaign file shown with a comment and warned about.

Three units: one reported on time (a note of two lines), one late, one not reported.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from lxml import etree
from pydantic import ValidationError

from bot.engine import Engine
from bot.exports import build_docx, placeholder_warnings, sentences
from storage import campaigns, submissions, units
from storage.campaign_spec import CampaignSpec
from storage.compiled import CompiledReport, compile_report
from storage.database import Database
from storage.models import Campaign, Channel, Person, Role, UnitBase, UnitKind
from storage.report_spec import BlocConference, ReportSettings, Signer, placeholders
from tests.conftest import SHIPPED_CAMPAIGN
from tests.dialogue import Clock, Dialogue
from tests.test_cli import nqbot

TODAY = date(2022, 10, 5)
NOW = datetime(2022, 10, 5, 3, 0, tzinfo=UTC)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
TWO_LINE_NOTE = "Tổ chức nghiêm túc, đúng kế hoạch.\nĐảng viên thảo luận sôi nổi."
PROPOSAL = "Đề nghị cung cấp thêm tài liệu hỏi đáp."
REPORT = {"held": "self_organised", "session_dates": ["2022-09-15"], "members_total": 40, "members_attended": 36}
REPORT |= {"format": "in_person", "presenter": "Nguyễn Văn An, Bí thư chi bộ", "action_plan": "issued"}


@pytest.fixture
def data(database: Database, nq15: CampaignSpec) -> CompiledReport:
    with database.session() as session:
        campaign = campaigns.load_campaign(session, spec=nq15).campaign
        rows = [
            units.UnitRow(line=i, unit=UnitBase(code=code, name=name, kind=kind, member_count=n), parent_code=None)
            for i, (code, name, kind, n) in enumerate(
                [
                    ("U01", "Chi bộ Sở Tư pháp", UnitKind.grassroots_cell, 40),
                    ("U02", "Đảng bộ Sở Y tế", UnitKind.grassroots_committee, 120),
                    ("U03", "Chi bộ Sở Nội vụ", UnitKind.grassroots_cell, 18),
                ],
                start=2,
            )
        ]
        units.import_units(session, rows=rows, source="test")
        ids = {u.code: u.id for u in units.list_units(session)}
        for code, answers, day in (
            ("U01", REPORT | {"strengths": TWO_LINE_NOTE}, 15),
            ("U02", REPORT | {"members_total": 120, "proposals": PROPOSAL}, 22),
        ):
            submission = submissions.get_or_create_submission(
                session, campaign_id=campaign.id or 0, unit_id=ids[code] or 0, questionnaire_version=1
            )
            when = datetime(2022, 9, day, 2, tzinfo=UTC)
            submissions.submit(
                session,
                submission=submission,
                answers=answers,
                questionnaire_version=1,
                person_id=None,
                late=when.date() > nq15.report_deadline,
                now=when,
            )
    with database.session() as session:
        return compile_report(session, campaign_code=nq15.code, today=TODAY)


def _with(data: CompiledReport, **report: Any) -> CompiledReport:
    """The same campaign with other report settings."""
    spec = data.spec.model_copy(update={"report": data.spec.report.model_copy(update=report)})
    return dataclasses.replace(data, spec=spec)


def _filled(data: CompiledReport) -> CompiledReport:
    """The report part as the board fills it: place, plan number and date, conference, every task's status."""
    plan = data.spec.report.plan
    assert plan is not None
    tasks = [task.model_copy(update={"status": f"Đã triển khai nhiệm vụ {n}."}) for n, task in enumerate(plan.tasks)]
    conference = BlocConference(date=date(2022, 8, 25), place="Hội trường Tỉnh ủy", description=None)
    filled = plan.model_copy(
        update={"number": "45-KH/ĐUK", "date": date(2022, 7, 20), "conference": conference, "tasks": tasks}
    )
    return _with(data, place="Vĩnh Long", plan=filled)


def _parts(data: CompiledReport) -> dict[str, etree._Element]:
    """The DOCX's XML parts, parsed."""
    with zipfile.ZipFile(io.BytesIO(build_docx(data, today=TODAY, now=NOW))) as docx:
        return {name: etree.fromstring(docx.read(name)) for name in docx.namelist() if name.endswith((".xml", ".rels"))}


def _text(element: etree._Element) -> str:
    return "".join(element.itertext())


def _paragraphs(root: etree._Element) -> list[etree._Element]:
    return root.findall(".//w:body//w:p", NS)


def _paragraph(root: etree._Element, starts: str) -> etree._Element:
    return next(p for p in _paragraphs(root) if _text(p).startswith(starts))


def _size(run: etree._Element, default: float = 14) -> float:
    size = run.find("w:rPr/w:sz", NS)
    return int(size.get(f"{W}val")) / 2 if size is not None else default


def _on(element: etree._Element, tag: str) -> bool:
    found = element.find(tag, NS)
    return found is not None and found.get(f"{W}val") not in ("0", "false")


# --- the page ---

RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _header_part(parts: dict[str, etree._Element], section: etree._Element, kind: str) -> etree._Element | None:
    """The header part a section shows on its `kind` pages ("default", "first"), None when it has none."""
    reference = section.find(f"w:headerReference[@w:type='{kind}']", NS)
    if reference is None:
        return None
    targets = {r.get("Id"): r.get("Target") for r in parts["word/_rels/document.xml.rels"]}
    return parts[f"word/{targets[reference.get(RID)]}"]


def test_pages_are_numbered_in_the_header_from_page_two(data: CompiledReport) -> None:
    parts = _parts(data)
    sections = parts["word/document.xml"].findall(".//w:sectPr", NS)
    assert len(sections) == 3  # the report, the appendix (landscape), the notes annex
    first, *later = sections
    assert _on(first, "w:titlePg")  # 36-HD: no number on the first page
    assert not any(_on(s, "w:titlePg") for s in later)  # the appendices' first pages are numbered (linked header)
    header = _header_part(parts, first, "default")
    assert header is not None
    assert [t.text for t in header.iter(f"{W}instrText")] == [" PAGE "]
    assert header.find(".//w:pPr/w:jc", NS).get(f"{W}val") == "center"
    first_page = _header_part(parts, first, "first")
    assert first_page is None or not list(first_page.iter(f"{W}instrText"))


def test_the_header_has_the_two_lines_of_the_guide_at_its_sizes(data: CompiledReport) -> None:
    parts = _parts(data)
    header = parts["word/document.xml"].find(".//w:tbl", NS)
    rows = header.findall("w:tr", NS)
    bodies, party = rows[0].findall("w:tc", NS)
    lines = [
        (_text(p), _on(p.find("w:r/w:rPr", NS), "w:b"), _size(p.find("w:r", NS))) for p in bodies.findall("w:p", NS)
    ]
    # the direct superior upright (the shipped name on two lines by its "\n"), the issuing body bold, 14 pt
    assert lines == [
        ("ĐẢNG ỦY KHỐI", False, 14), ("CÁC CƠ QUAN TỈNH", False, 14), ("BAN TUYÊN GIÁO", True, 14), ("*", False, 14),
    ]  # fmt: skip
    name = party.find(".//w:r", NS)
    assert (_text(name), _size(name), _on(name.find("w:rPr", NS), "w:b")) == ("ĐẢNG CỘNG SẢN VIỆT NAM", 15, True)
    assert name.find("w:rPr/w:u", NS).get(f"{W}val") == "single"  # the line under it, as long as the name
    number, place = rows[1].findall("w:tc", NS)
    assert (_text(number), _size(number.find(".//w:r", NS))) == ("Số    -BC/BTGĐUK", 14)
    date_run = place.find(".//w:r", NS)
    assert _text(date_run) == "Thành phố, ngày 05 tháng 10 năm 2022" and _on(date_run.find("w:rPr", NS), "w:i")
    assert date_run.find("w:rPr/w:sz", NS) is None  # the Normal style's size:
    normal = parts["word/styles.xml"].find(".//w:style[@w:styleId='Normal']", NS)
    assert normal.find("w:rPr/w:sz", NS).get(f"{W}val") == "28"  # 14 pt


def _section_widths(body: etree._Element) -> list[int]:
    """Each section's text width (twips), in order."""
    widths = []
    for sect in body.findall(".//w:sectPr", NS):
        size, margins = sect.find("w:pgSz", NS), sect.find("w:pgMar", NS)
        widths.append(int(size.get(f"{W}w")) - int(margins.get(f"{W}left")) - int(margins.get(f"{W}right")))
    return widths


def test_every_table_fits_within_the_text_width(data: CompiledReport) -> None:
    body = _parts(data)["word/document.xml"]
    widths, section, checked = _section_widths(body), 0, 0
    for child in body.find("w:body", NS):
        if child.tag == f"{W}tbl":
            grid = sum(int(c.get(f"{W}w")) for c in child.findall("w:tblGrid/w:gridCol", NS))
            assert grid <= widths[section], (section, grid, widths[section])
            indent = child.find("w:tblPr/w:tblInd", NS)
            assert indent is None or int(indent.get(f"{W}w")) == 0
            checked += 1
        elif child.find("w:pPr/w:sectPr", NS) is not None:
            section += 1
    assert checked == 4  # the header, the signing block, the appendix, the presenters


def test_no_justified_line_is_stretched_by_a_line_break(data: CompiledReport) -> None:
    parts = _parts(data)
    justified = {
        s.get(f"{W}styleId")
        for s in parts["word/styles.xml"].findall("w:style", NS)
        if (jc := s.find("w:pPr/w:jc", NS)) is not None and jc.get(f"{W}val") == "both"
    }
    assert "nqBody" in justified
    for p in _paragraphs(parts["word/document.xml"]):
        style, jc = p.find("w:pPr/w:pStyle", NS), p.find("w:pPr/w:jc", NS)
        own = jc.get(f"{W}val") if jc is not None else None
        if own == "both" or (own is None and style is not None and style.get(f"{W}val") in justified):
            assert p.find(".//w:br", NS) is None, _text(p)
    texts = [_text(p) for p in _paragraphs(parts["word/document.xml"])]
    assert "- Chi bộ Sở Tư pháp: Tổ chức nghiêm túc, đúng kế hoạch." in texts  # the note's first line
    assert "Đảng viên thảo luận sôi nổi." in texts  # its second line: a paragraph of its own


# --- keeping together ---


def test_the_signing_block_is_kept_on_one_page_with_the_line_before_it(data: CompiledReport) -> None:
    body = _parts(data)["word/document.xml"]
    signing = next(t for t in body.findall(".//w:tbl", NS) if "Nơi nhận:" in _text(t))
    rows = signing.findall("w:tr", NS)
    assert len(rows) == 1 and rows[0].find("w:trPr/w:cantSplit", NS) is not None
    recipients, signer = rows[0].findall("w:tc", NS)
    for cell in (recipients, signer):
        *kept, _last = cell.findall("w:p", NS)
        assert all(_on(p, "w:pPr/w:keepNext") and _on(p, "w:pPr/w:keepLines") for p in kept)
    before = signing.getprevious()
    assert _text(before) == "(có 02 Phụ lục kèm theo)" and _on(before, "w:pPr/w:keepNext")
    assert _on(before.getprevious(), "w:pPr/w:keepNext")  # the body's last paragraph comes to the signing page
    assert [_text(p) for p in signer.findall("w:p", NS) if _text(p)] == ["TRƯỞNG BAN", "Lưu Ngọc Trâm"]


def test_the_recipients_are_in_the_party_style(data: CompiledReport) -> None:
    body = _parts(data)["word/document.xml"]
    label = _paragraph(body, "Nơi nhận:").find("w:r", NS)
    props = label.find("w:rPr", NS)
    # 36-HD Phụ lục 3: "Nơi nhận:" 14 pt upright, underlined (the state's bold italic 12 pt is not the party's)
    assert _size(label) == 14 and props.find("w:u", NS) is not None
    assert not _on(props, "w:b") and not _on(props, "w:i")
    recipient = _paragraph(body, "- Ban Tuyên giáo Tỉnh ủy").find("w:r", NS)
    assert _size(recipient) == 12


def test_every_heading_is_kept_with_what_follows(data: CompiledReport) -> None:
    parts = _parts(data)
    styles = parts["word/styles.xml"]
    for style_id in ("nqHeading", "nqSubheading"):
        style = styles.find(f"w:style[@w:styleId='{style_id}']", NS)
        assert _on(style, "w:pPr/w:keepNext") and _on(style, "w:pPr/w:keepLines"), style_id
    body = parts["word/document.xml"]
    headings = [
        _text(p)
        for p in _paragraphs(body)
        if (style := p.find("w:pPr/w:pStyle", NS)) is not None and style.get(f"{W}val") in ("nqHeading", "nqSubheading")
    ]
    report = data.spec.report
    for section in (report.leadership, report.study, report.dissemination, report.action_program):
        assert section.heading.vi in headings
    assert report.assessment.heading.vi in headings and report.proposals.heading.vi in headings
    assert "1. Ưu điểm" in headings and "2. Hạn chế, nguyên nhân" in headings
    for title in ("BÁO CÁO", "PHỤ LỤC 1", "PHỤ LỤC 2"):
        assert _on(_paragraph(body, title), "w:pPr/w:keepNext"), title


# --- language and properties ---


def test_the_document_is_vietnamese_for_word(data: CompiledReport) -> None:
    parts = _parts(data)
    styles = parts["word/styles.xml"]
    default = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert default.get(f"{W}val") == "vi-VN"
    assert "en-US" not in etree.tostring(styles).decode()
    settings = parts["word/settings.xml"]
    assert settings.find("w:themeFontLang", NS).get(f"{W}val") == "vi-VN"
    assert settings.find("w:proofState", NS) is None  # Word checks the spelling again, in Vietnamese


def test_the_properties_come_from_the_campaign(data: CompiledReport) -> None:
    core = Document(io.BytesIO(build_docx(data, today=TODAY, now=NOW))).core_properties
    assert core.title.startswith("Báo cáo kết quả học tập, quán triệt") and "15-NQ/TW" in core.title
    assert core.author == core.last_modified_by == "BAN TUYÊN GIÁO"
    assert core.created == core.modified == NOW
    assert core.language == "vi-VN" and core.keywords == "15-NQ/TW"
    assert "python-docx" not in f"{core.comments} {core.author} {core.title}"


# --- the appendix, the annex, the plan ---


def test_the_appendices_are_announced_and_numbered(data: CompiledReport) -> None:
    texts = [_text(p) for p in _paragraphs(_parts(data)["word/document.xml"])]
    assert "(có 02 Phụ lục kèm theo)" in texts and "PHỤ LỤC 1" in texts and "PHỤ LỤC 2" in texts
    without = [_text(p) for p in _paragraphs(_parts(_with(data, notes_annex=False))["word/document.xml"])]
    assert "(có Phụ lục kèm theo)" in without and "PHỤ LỤC" in without
    assert "PHỤ LỤC 2" not in without


def test_the_whole_notes_are_in_the_annex_or_left_out_and_no_hint_is_in_the_body(data: CompiledReport) -> None:
    texts = [_text(p) for p in _paragraphs(_parts(data)["word/document.xml"])]
    annex = texts[texts.index("PHỤ LỤC 2") :]
    assert "- Chi bộ Sở Tư pháp: Tổ chức nghiêm túc, đúng kế hoạch." in annex
    assert f"- Đảng bộ Sở Y tế: {PROPOSAL}" in annex
    without = " ".join(_text(p) for p in _paragraphs(_parts(_with(data, notes_annex=False))["word/document.xml"]))
    assert "- Chi bộ Sở Tư pháp:" not in without
    assert not re.search(r"biên tập|trước khi ký", " ".join(texts))


def test_an_unfilled_field_prints_a_blank_with_a_word_comment(data: CompiledReport) -> None:
    parts = _parts(data)
    text = " ".join(_text(p) for p in _paragraphs(parts["word/document.xml"]))
    assert "đã ban hành Kế hoạch số …, ngày …" in text
    comments = [_text(c) for c in parts["word/comments.xml"].findall("w:comment", NS)]
    fields = [p.field for p in placeholders(data.spec.report)]
    assert len(comments) == len(fields) == 13
    assert all(any(f"Chưa điền {f} " in c for c in comments) for f in fields)
    filled = _parts(_filled(data))
    text = " ".join(_text(p) for p in _paragraphs(filled["word/document.xml"]))
    assert "đã ban hành Kế hoạch số 45-KH/ĐUK, ngày 20/07/2022" in text
    assert "được tổ chức ngày 25/08/2022 tại Hội trường Tỉnh ủy." in text
    assert "Đã triển khai nhiệm vụ 0." in text and "Vĩnh Long, ngày 05 tháng 10 năm 2022" in text
    assert "…" not in text and "word/comments.xml" not in filled
    old_header = _parts(_with(_filled(data), superior_body="ĐẢNG BỘ TỈNH"))["word/comments.xml"]
    assert [_text(c) for c in old_header.findall("w:comment", NS)] == [
        "Chưa điền report.superior_body trong tệp chiến dịch: sửa tệp, chạy nqbot campaign load rồi xuất lại báo cáo."
    ]


def test_the_plan_section_has_the_timing_and_each_task(data: CompiledReport) -> None:
    texts = [_text(p) for p in _paragraphs(_parts(_filled(data))["word/document.xml"])]
    plan = data.spec.report.plan
    assert plan is not None
    start = texts.index(plan.heading.vi)
    assert texts[start + 1] == "1. Thời gian thực hiện"
    tasks = texts.index("2. Việc thực hiện các nhiệm vụ của Kế hoạch")
    assert tasks > start + 2  # the timing sentences between
    assert [t.split(": ")[0] for t in texts[tasks + 1 : tasks + 1 + len(plan.tasks)]] == [
        f"2.{n}. {task.title}" for n, task in enumerate(plan.tasks, start=1)
    ]


def test_without_a_plan_the_timing_closes_section_ii(data: CompiledReport) -> None:
    texts = [_text(p) for p in _paragraphs(_parts(_with(data, plan=None))["word/document.xml"])]
    report = data.spec.report
    study, dissemination = texts.index(report.study.heading.vi), texts.index(report.dissemination.heading.vi)
    timing = sentences.timing(data, "vi")
    assert timing and texts[dissemination - len(timing) : dissemination] == timing
    assert study < dissemination and "1. Thời gian thực hiện" not in texts


# --- the campaign file's report settings ---


def test_placeholders_list_the_shipped_header_words_and_the_plans_empty_fields(nq15: CampaignSpec) -> None:
    found = placeholders(nq15.report)
    assert (found[0].field, found[0].value) == ("report.place", "Thành phố")
    assert [p.field for p in found[1:5]] == [
        "report.plan.number", "report.plan.date", "report.plan.conference.date", "report.plan.conference.place",
    ]  # fmt: skip
    assert [p.field for p in found[5:]] == [f"report.plan.tasks[{n}].status" for n in range(1, 9)]
    lines = placeholder_warnings(nq15.report, "vi")
    assert lines[0] == (
        "Cảnh báo: report.place vẫn là chữ mẫu “Thành phố”: sửa trong tệp chiến dịch trước khi ký báo cáo."
    )
    assert lines[1] == "Cảnh báo: report.plan.number chưa điền trong tệp chiến dịch: báo cáo in “…” ở chỗ đó."
    assert placeholder_warnings(nq15.report, "en")[0].startswith("Warning: report.place still holds")
    old = nq15.report.model_copy(update={"superior_body": "ĐẢNG BỘ TỈNH"})
    assert placeholders(old)[0].field == "report.superior_body"


def test_the_signers_authority_follows_the_guide() -> None:
    # The head of a board signs in their own name: a file's "T/M BAN TUYÊN GIÁO" above "TRƯỞNG BAN" is dropped.
    assert Signer(on_behalf="T/M BAN TUYÊN GIÁO", position="TRƯỞNG BAN", name="A").on_behalf is None
    assert Signer(on_behalf="T/M BAN THƯỜNG VỤ", position="BÍ THƯ", name="A").on_behalf == "T/M BAN THƯỜNG VỤ"
    assert Signer(on_behalf="K/T TRƯỞNG BAN", position="PHÓ TRƯỞNG BAN", name="A").on_behalf == "K/T TRƯỞNG BAN"
    assert Signer(on_behalf="T/L BAN THƯỜNG VỤ", position="CHÁNH VĂN PHÒNG", name="A").on_behalf
    for on_behalf, position, problem in (
        ("T/M BAN TUYÊN GIÁO", "PHÓ TRƯỞNG BAN", "a deputy of a board signs K/T"),
        ("K/T TRƯỞNG BAN", "TRƯỞNG BAN", "K/T (ký thay) is signed by a deputy"),
        ("TL. BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG", "the party writes T/L, not TL."),
    ):
        with pytest.raises(ValidationError, match=re.escape(problem)):
            Signer(on_behalf=on_behalf, position=position, name="A")


def test_a_file_with_the_old_three_header_lines_reads_as_the_guides_two(nq15: CampaignSpec) -> None:
    settings = nq15.report.model_dump() | {
        "superior_body": "ĐẢNG BỘ TỈNH",
        "issuing_body": "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH",
        "issuing_sub_body": "BAN TUYÊN GIÁO",
    }
    report = ReportSettings.model_validate(settings)
    assert (report.superior_body, report.issuing_body) == ("ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH", "BAN TUYÊN GIÁO")


# --- where staff see the warnings ---


async def test_xuat_sends_vietnamese_files_and_says_what_is_unfilled(
    database: Database, loaded: Campaign, clock: Clock
) -> None:
    with database.session() as session:
        session.add(Person(channel=Channel.telegram, channel_user_id="900", chat_id="900", role=Role.staff))
    dialogue = Dialogue(Engine(database, clock=clock, language="en"), "900")
    await dialogue.say("/xuat")
    replies = dialogue.last.replies
    names = [r.attachment.filename for r in replies if r.attachment is not None]
    assert names == ["nq15-2022_bao-cao_2022-09-15.docx", "nq15-2022_phu-luc_2022-09-15.xlsx"]
    docx = next(r.attachment for r in replies if r.attachment is not None)
    text = " ".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Tính đến ngày 15/09/2022" in text and "As of" not in text  # Vietnamese whatever the chat's language
    note = replies[-1].text
    assert note.startswith("Note: 13 places of the report are not filled in the campaign file (report.place, ")
    assert "report.plan.tasks[8].status" in note


def test_campaign_load_and_export_warn_once_per_unfilled_field_and_export_vietnamese(tmp_path: Path) -> None:
    assert nqbot(tmp_path, "init").returncode == 0
    loaded = nqbot(tmp_path, "campaign", "load", str(SHIPPED_CAMPAIGN))
    assert loaded.returncode == 0, loaded.stderr
    warnings = loaded.stderr.splitlines()
    assert len(warnings) == 13 and all(line.startswith("Cảnh báo: report.") for line in warnings)
    assert (
        warnings[0]
        == "Cảnh báo: report.place vẫn là chữ mẫu “Thành phố”: sửa trong tệp chiến dịch trước khi ký báo cáo."
    )
    exported = nqbot(tmp_path, "export", "nq15-2022", env={"NQBOT_LANGUAGE": "en"})
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr.splitlines()[0] == (
        "Warning: report.place still holds the sample text “Thành phố”: change it in the campaign file before signing."
    )
    assert len(exported.stderr.splitlines()) == 13
    docx = next(Path(tmp_path, line) for line in exported.stdout.split() if line.endswith(".docx"))
    assert "_bao-cao_" in docx.name  # the Vietnamese file name, whatever the operator's language
    text = " ".join(p.text for p in Document(str(docx)).paragraphs)
    assert "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO" in text and " units " not in text
