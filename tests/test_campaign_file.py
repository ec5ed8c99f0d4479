"""Campaign files: the shipped one loads; each kind of mistake gets its own message naming the field."""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.texts import said
from storage import campaigns
from storage.campaign_spec import CampaignSpec, QuestionType, load_campaign_file
from storage.database import Database
from storage.errors import CampaignFileError
from storage.models import Campaign, Submission, SubmissionVersion
from tests.conftest import SHIPPED_CAMPAIGN


def test_the_shipped_nq15_campaign_loads_with_the_plans_dates_and_tasks(nq15: CampaignSpec) -> None:
    assert nq15.code == "nq15-2022"
    assert (nq15.report_deadline.isoformat(), nq15.board_deadline.isoformat()) == ("2022-09-20", "2022-10-07")
    assert nq15.resolution.number == "15-NQ/TW" and nq15.resolution.date.isoformat() == "2022-05-05"
    assert nq15.report.plan is not None and len(nq15.report.plan.tasks) == 8  # the plan's eight tasks
    assert nq15.reminders.days_before == [7, 3, 1, 0]
    assert {q.type for q in nq15.questionnaire} == set(QuestionType)  # every question type is used
    ids = [q.id for q in nq15.questionnaire]
    for needed in (
        "held",
        "session_dates",
        "format",
        "sessions",
        "presenter",
        "members_total",
        "members_exempt",
        "members_attended",
        "key_officials",
        "absent_reasons",
        "makeup",
        "non_members",
        "essays",
        "action_plan",
        "dissemination",
    ):
        assert needed in ids
    assert nq15.question("members_attended").max == "members_total - members_exempt"


def test_the_shipped_questionnaire_asks_the_questions_behind_the_figures(nq15: CampaignSpec) -> None:
    ids = [q.id for q in nq15.questionnaire]
    counts = [f"absent_{reason}" for reason in ("sick", "business", "study", "maternity", "other")]
    assert ids[ids.index("absent_reasons") + 1 : ids.index("absent_reasons") + 7] == [*counts, "absent_other_what"]
    total = "members_total - members_exempt - members_attended"
    assert {str(nq15.question(q).sum) for q in counts} == {f"group='absent' equals='{total}'"}
    assert [c.id for c in nq15.question("absent_reasons").choices] == list(REASONS)  # one count a reason
    assert nq15.question("absent_other_what").when == "absent_other > 0"
    assert (
        ids.index("cells_total") < ids.index("cells_held") and nq15.question("cells_total").prefill == "register_cells"
    )
    assert nq15.question("makeup_date").not_before == "max(session_dates)"
    assert nq15.question("makeup_planned_date").when == "makeup == False"
    for skipped in ("format", "sessions", "presenter"):  # the bloc's conference was the session
        assert nq15.question(skipped).when == "held == 'self_organised'"
    assert nq15.question("session_dates").when == "held != 'not_yet'"


def _shipped() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED_CAMPAIGN.read_text(encoding="utf-8"))


def _question(data: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(q for q in data["questionnaire"] if q["id"] == qid)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value

    return edit


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.pop(key)


def _edit_question(qid: str, **changes: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: _question(data, qid).update(changes)


MISTAKES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("missing deadline", _delete("report_deadline"), "report_deadline: is required but missing"),
    ("misspelt field", _set("report_dealine", "2022-09-20"), "report_dealine: is not a field of a campaign file"),
    ("not a date", _set("report_deadline", "hôm qua"), "report_deadline: Input should be a valid date"),
    ("deadlines out of order", _set("board_deadline", "01/09/2022"), "board_deadline is before report_deadline"),
    (
        "unknown question type",
        _edit_question("sessions", type="number"),
        "questionnaire[6] (sessions).type: Input should be 'single_choice'",
    ),
    (
        "expression names an unknown answer",
        _edit_question("members_attended", max="members_totl - members_exempt"),
        "questionnaire[12] (members_attended).max: 'members_totl' is not an earlier question",
    ),
    (
        "condition on a later question",
        _edit_question("format", when="sessions > 1"),
        "questionnaire[4] (format).when: 'sessions' is not an earlier question",
    ),
    (
        "repeated question id",
        _edit_question("presenter", id="sessions"),
        "questionnaire[7] (sessions).id: the id 'sessions' is used by an earlier question",
    ),
    (
        "one choice only",
        _edit_question("format", choices=[{"id": "in_person", "vi": "Trực tiếp"}]),
        "questionnaire[4] (format): a choice question needs at least two choices",
    ),
    (
        "setting that does not fit the type",
        _edit_question("presenter", min=1),
        "questionnaire[7] (presenter): 'min' is only for integer questions, not text",
    ),
    (
        "bad regular expression",
        _edit_question("action_plan_number", pattern="([0-9"),
        "(action_plan_number): pattern is not a valid regular expression",
    ),
    (
        "forbidden code in an expression",
        _edit_question("sessions", max="__import__('os').system('x')"),
        "questionnaire[6] (sessions).max: \"__import__('os').system('x')\" calls a function other than abs",
    ),
    (
        "a pattern that backtracks for ever",
        _edit_question("action_plan_number", pattern="(a+)+$"),
        "(action_plan_number): pattern '(a+)+$' repeats a part that itself repeats",
    ),
    (
        "an expression too long",
        _edit_question("sessions", max="+".join(["1"] * 1000)),
        "questionnaire[6] (sessions).max: the expression is 1,999 characters long; at most 500",
    ),
    ("a time that is not a time", _set("reminders.at", "tám giờ"), "reminders.at: Input should be in a valid"),
    ("bad campaign code", _set("code", "NQ 15!"), "code: String should match pattern"),
    (
        "an alias two choices share",
        lambda data: _question(data, "format")["choices"][0]["aliases"].append("Qua Mạng!"),
        "questionnaire[4] (format): choices 'in_person' and 'online' both have the name 'qua mang'",
    ),
    (
        "an alias equal to another choice's label",
        lambda data: _question(data, "held")["choices"][0]["aliases"].append("chưa tổ chức"),
        "questionnaire[0] (held): choices 'self_organised' and 'not_yet' both have the name 'chua to chuc'",
    ),
    (
        "an alias that begins another choice's label",
        lambda data: _question(data, "absent_reasons")["choices"][1]["aliases"].append("đi"),
        "questionnaire[14] (absent_reasons): choice 'business': the alias 'đi' begins the label of 'study'",
    ),
    (
        "an alias that is a number",
        lambda data: _question(data, "format")["choices"][0]["aliases"].append("số 2"),
        "questionnaire[4] (format): choice 'in_person': the alias 'số 2' must be words, not a number or marks",
    ),
    (
        "an exclusive choice in a pick-one question",
        lambda data: _question(data, "format")["choices"][0].update(exclusive=True),
        "questionnaire[4] (format): 'exclusive' is only for choices of multi_choice questions",
    ),
    (
        "a sum on a question that is not a number",
        _edit_question("presenter", sum={"group": "people", "equals": "members_total"}),
        "questionnaire[7] (presenter): 'sum' is only for integer questions, not text",
    ),
    (
        "a sum group of one question",
        lambda data: _question(data, "absent_other")["sum"].update(group="other"),
        "questionnaire[19] (absent_other).sum: the sum group 'other' needs two questions or more",
    ),
    (
        "a sum group whose questions are apart",
        _edit_question("key_officials", sum={"group": "absent", "equals": "5"}),
        "questionnaire[15] (absent_sick).sum: the questions of the sum group 'absent' must follow one another",
    ),
    (
        "a sum group with two totals",
        lambda data: _question(data, "absent_study")["sum"].update(equals="members_total - members_attended"),
        "questionnaire[17] (absent_study).sum.equals: differs from the total of the group's first question"
        " (absent_sick, [15])",
    ),
    (
        "a sum group's total naming its own questions",
        lambda data: [_question(data, f"absent_{r}")["sum"].update(equals="absent_sick + 1") for r in REASONS],
        "questionnaire[15] (absent_sick).sum.equals: 'absent_sick' is not an earlier question or a known value"
        " (a sum group's conditions and total cannot name its own questions)",
    ),
    (
        "a sum group's condition naming its own questions",
        _edit_question("absent_business", when="absent_sick < 3"),
        "questionnaire[16] (absent_business).when: 'absent_sick' is not an earlier question or a known value"
        " (a sum group's conditions and total cannot name its own questions)",
    ),
    (
        "an optional question in a sum group",
        _edit_question("absent_other", optional=True),
        "questionnaire[19] (absent_other): a question of a sum group cannot be optional",
    ),
    (
        "a sum total naming an unknown value",
        lambda data: [_question(data, f"absent_{r}")["sum"].update(equals="absent_total") for r in REASONS],
        "questionnaire[15] (absent_sick).sum.equals: 'absent_total' is not an earlier question or a known value",
    ),
    (
        "a most choices on a question that is not pick-several",
        _edit_question("format", max_choices=2),
        "questionnaire[4] (format): 'max_choices' is only for multi_choice questions, not single_choice",
    ),
    (
        "a misspelt context name",
        _edit_question("cells_total", prefill="register_cell"),
        "questionnaire[8] (cells_total).prefill: 'register_cell' is not an earlier question or a known value",
    ),
]
REASONS = ("sick", "business", "study", "maternity", "other")  # the absence counts' sum group, in order


def test_the_shipped_choices_have_aliases_and_none_is_exclusive(nq15: CampaignSpec) -> None:
    held = {c.id: c for c in nq15.question("held").choices}
    assert {"rồi", "đã tổ chức"} <= set(held["self_organised"].aliases) and "chưa" in held["not_yet"].aliases
    assert [c.id for c in nq15.question("dissemination").choices if c.exclusive] == ["none"]


@pytest.mark.parametrize(("mistake", "edit", "message"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_gets_a_message_naming_file_field_and_problem(
    tmp_path: Path, mistake: str, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = copy.deepcopy(_shipped())
    edit(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CampaignFileError) as caught:
        load_campaign_file(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: ")
    assert message in text
    assert "\n" not in text


def test_the_mistake_messages_are_all_different(tmp_path: Path) -> None:
    seen = set()
    for i, (_, edit, _) in enumerate(MISTAKES):
        data = copy.deepcopy(_shipped())
        edit(data)
        path = tmp_path / f"{i}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        with pytest.raises(CampaignFileError) as caught:
            load_campaign_file(path)
        seen.add(str(caught.value).split(": ", 1)[1])
    assert len(seen) == len(MISTAKES)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("code: [unclosed", "line 1: "),
        ("- just\n- a list\n", "must be a mapping of campaign fields, not list"),
        (b"\xff\xfe not utf-8", "cannot read the file"),
    ],
)
def test_files_that_are_not_campaigns_at_all(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CampaignFileError, match=message):
        load_campaign_file(path)


def test_a_missing_file_is_named() -> None:
    with pytest.raises(CampaignFileError, match=r"nowhere\.yaml: no such file"):
        load_campaign_file("nowhere.yaml")


async def test_reloading_an_edited_questionnaire_keeps_each_answer_under_its_version(
    database: Database, loaded: Campaign, nq15: CampaignSpec, tmp_path: Path
) -> None:
    campaign_id = loaded.id or 0
    with database.session() as session:
        sub = Submission(campaign_id=campaign_id, unit_id=1, draft_questionnaire_version=1)
        session.add(sub)
        session.flush()
        session.add(
            SubmissionVersion(submission_id=sub.id or 0, version=1, answers={"sessions": 2}, questionnaire_version=1)
        )

    same = _reload(database, nq15)
    assert (same.questionnaire_changed, same.questionnaire_version) == (False, 1)

    data = copy.deepcopy(_shipped())
    _question(data, "sessions")["text"]["vi"] = "Số hội nghị đã tổ chức?"
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    edited = _reload(database, load_campaign_file(path))
    assert (edited.questionnaire_changed, edited.questionnaire_version) == (True, 2)
    assert edited.answers_on_older_versions == 2  # the submitted version and the draft

    with database.session() as session:
        old = campaigns.questionnaire_at(session, campaign_id=campaign_id, version=1)
        new = campaigns.questionnaire_at(session, campaign_id=campaign_id, version=2)
        version = session.get(SubmissionVersion, 1)
    assert version is not None and version.questionnaire_version == 1
    assert next(q for q in old if q.id == "sessions").text.vi == nq15.question("sessions").text.vi
    assert next(q for q in new if q.id == "sessions").text.vi == "Số hội nghị đã tổ chức?"


def _reload(database: Database, spec: CampaignSpec) -> campaigns.LoadResult:
    with database.session() as session:
        return campaigns.load_campaign(session, spec=spec)


# Patterns whose matching time can explode on a reply of a few dozen characters (exponential) or of a few
# thousand (cubic and worse): refused when the file loads, each with what to write instead.
CATASTROPHIC_PATTERNS = [
    ("(a+)+$", "repeats a part that itself repeats"),
    ("(a*)*b", "repeats a part that itself repeats"),
    ("(.+)+", "repeats a part that itself repeats"),
    (r"(\w+\s?)+$", "repeats a part that itself repeats"),
    ("(x+x+)+y", "repeats a part that itself repeats"),
    ("^(([a-z])+.)+[A-Z]([a-z])+$", "repeats a part that itself repeats"),
    ("(?:a+){5}", "repeats a part that itself repeats"),
    ("(a|a)*b", "repeats a choice between alternatives"),
    ("(a|ab)*c", "repeats a choice between alternatives"),
    ("(?:(?=.*x).)*", "repeats a part that itself repeats"),
    (r"\d*\d*\d*x", "has 3 open-ended repeats that can take the same characters"),
    (".*.*.*=", "has 3 open-ended repeats that can take the same characters"),
    (".*a.*a.*a.*b", "has 3 open-ended repeats that can take the same characters"),
    (r"(a*)\1", "refers back to a group"),
]
SAFE_PATTERNS = [
    r"^\d{1,4}-(KH|CTr|CTHĐ|NQ)/[\wĐđ.-]+$",  # the shipped one
    r"\d+-[A-Z]+/[A-Z]+",
    r"[0-9]{2}/[0-9]{2}/[0-9]{4}",
    r"(\d{1,3}\.){3}\d{1,3}",
    r"(\d{2}/){2}\d{4}",
    r".*\S.*",
    r"(?i)[a-zđ ]+",
    r"(x|y)+",
    r"0\d{9,10}",
    r"(?=.*\d)(?=.*[a-z]).{8,}",
]
ATTACKS = ["a" * 4000 + "!", "1" * 4000 + "!", "x" * 4000, "a1 " * 1333 + "!", "-" * 4000]


@pytest.mark.parametrize(("pattern", "problem"), CATASTROPHIC_PATTERNS)
def test_a_pattern_that_can_freeze_the_bot_is_refused_when_the_file_loads(
    tmp_path: Path, pattern: str, problem: str
) -> None:
    data = copy.deepcopy(_shipped())
    _question(data, "action_plan_number")["pattern"] = pattern
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CampaignFileError, match=re.escape(problem)):
        load_campaign_file(path)


@pytest.mark.parametrize("pattern", SAFE_PATTERNS)
def test_ordinary_patterns_load_and_answer_any_reply_at_once(tmp_path: Path, pattern: str) -> None:
    data = copy.deepcopy(_shipped())
    _question(data, "action_plan_number")["pattern"] = pattern
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_campaign_file(path).question("action_plan_number").pattern == pattern
    started = time.perf_counter()
    for reply in ATTACKS:
        re.fullmatch(pattern, reply)
    assert time.perf_counter() - started < 1


def test_a_campaign_file_over_a_megabyte_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("- x\n" * 300_000, encoding="utf-8")  # 1.2 MB of YAML that would parse (to a list)
    with pytest.raises(CampaignFileError) as caught:
        load_campaign_file(path)
    assert (
        said(caught.value.message, "en") == f"{path}: the file is 1,200,000 bytes; a campaign file is at most 1,000,000"
    )
    assert said(caught.value.message, "vi") == (
        f"{path}: tệp dài 1.200.000 byte; tệp chiến dịch dài tối đa 1.000.000 byte"
    )
