"""The operator's CLI, run as a real process: init, load, import, backup; errors are one line and exit 2."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, SAMPLE_UNITS, SHIPPED_CAMPAIGN

INVITE_CODE = "[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"  # Crockford's base32, as shown (storage.invites)


def nqbot(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "DATABASE_"))}
    environment |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'nqbot.db'}"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60
    )


def test_help_lists_the_operators_commands(tmp_path: Path) -> None:
    result = nqbot(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("init", "campaign", "units", "db", "backup"):
        assert command in result.stdout


def test_init_loads_the_campaign_and_sample_units(tmp_path: Path) -> None:
    result = nqbot(tmp_path, "init", "--sample-units")
    assert result.returncode == 0, result.stderr
    assert "Đã nạp chiến dịch nq15-2022: 34 câu hỏi, hạn báo cáo 20/09/2022." in result.stdout
    assert "units-sample.csv: 25 đơn vị mới, 0 cập nhật, 0 không đổi." in result.stdout
    status = nqbot(tmp_path, "status")
    assert "nq15-2022: 0/22 đơn vị đã báo cáo (0 nộp muộn)" in status.stdout
    again = nqbot(tmp_path, "init")
    assert "Đã cập nhật chiến dịch nq15-2022 (bộ câu hỏi không đổi)." in again.stdout


def test_the_operator_reads_english_with_nqbot_language_en(tmp_path: Path) -> None:
    english = {"NQBOT_LANGUAGE": "en"}
    result = nqbot(tmp_path, "init", "--sample-units", env=english)
    assert "Campaign nq15-2022 loaded: 34 questions, report deadline 20/09/2022." in result.stdout
    assert "nq15-2022: 0/22 reported (0 late)" in nqbot(tmp_path, "status", env=english).stdout
    assert nqbot(tmp_path, "invite", env=english).stderr.strip() == "Error: name one unit code, or use --all"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("campaign", "load", "missing.yaml"), "Lỗi: missing.yaml: no such file"),
        (("units", "import", "missing.csv"), "Lỗi: missing.csv: không nhập gì, 1 dòng lỗi: không có tệp này"),
        (("campaign", "load", str(ROOT / "examples" / "units-sample.csv")), "must be a mapping of campaign fields"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = nqbot(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_bad_database_url_is_one_line_without_the_secret(tmp_path: Path) -> None:
    result = nqbot(tmp_path, "db", "upgrade", env={"DATABASE_URL": "mysql://u:s3cret@host/db"})
    assert result.returncode == 2
    assert "không hỗ trợ cơ sở dữ liệu “mysql”" in result.stderr and "s3cret" not in result.stderr
    english = nqbot(tmp_path, "db", "upgrade", env={"DATABASE_URL": "mysql://u:s3cret@host/db", "NQBOT_LANGUAGE": "en"})
    assert "Error: DATABASE_URL: unsupported database “mysql”" in english.stderr and "s3cret" not in english.stderr


def test_import_with_bad_rows_changes_nothing(tmp_path: Path) -> None:
    nqbot(tmp_path, "init")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,kind,member_count,parent\nX1,Chi bộ X,grassroots_cell,10,\nX2,Chi bộ Y,cell,10,\n", encoding="utf-8"
    )
    result = nqbot(tmp_path, "units", "import", str(bad))
    assert result.returncode == 2 and "dòng 3: loại “cell” không phải đảng bộ cơ sở" in result.stderr
    english = nqbot(tmp_path, "units", "import", str(bad), env={"NQBOT_LANGUAGE": "en"})
    assert "Error: " in english.stderr and "nothing imported, 1 bad row(s): line 3: kind 'cell'" in english.stderr
    assert "Đơn vị: 0" in nqbot(tmp_path, "status").stdout
    good = nqbot(tmp_path, "units", "import", str(SAMPLE_UNITS))
    assert good.returncode == 0 and "25 đơn vị mới" in good.stdout


def test_backup_of_a_database_in_use_opens_and_holds_the_data(tmp_path: Path) -> None:
    assert nqbot(tmp_path, "init", "--sample-units").returncode == 0
    live = tmp_path / "data" / "nqbot.db"
    stop = threading.Event()
    written = []

    def keep_writing() -> None:  # another process's writes while the backup runs (WAL, busy timeout)
        connection = sqlite3.connect(live, timeout=5)
        i = 0
        while not stop.is_set():
            connection.execute(
                "INSERT INTO auditevent (at, actor, action, entity, detail) "
                "VALUES (CURRENT_TIMESTAMP, 'test', 'write', 'x', '{}')"
            )
            connection.commit()
            i += 1
        written.append(i)
        connection.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = nqbot(tmp_path, "backup", "backups/copy.db")
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    copy = sqlite3.connect(tmp_path / "backups" / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM unit").fetchone()[0] == 25
    assert copy.execute("SELECT code FROM campaign").fetchall() == [("nq15-2022",)]
    assert written and written[0] > 0


def test_backup_of_postgres_says_to_use_pg_dump(tmp_path: Path) -> None:
    result = nqbot(tmp_path, "backup", "x.db", env={"DATABASE_URL": "postgresql://u@localhost/nqbot"})
    assert result.returncode == 2 and "pg_dump" in result.stderr


def test_invite_prints_a_code_per_unit_and_writes_qr_codes(tmp_path: Path) -> None:
    assert nqbot(tmp_path, "init", "--sample-units").returncode == 0
    one = nqbot(tmp_path, "invite", "CB-SNV")
    assert one.returncode == 0, one.stderr
    code, name, link = one.stdout.strip().split("\t")
    assert (code, name) == ("CB-SNV", "Chi bộ Sở Nội vụ") and re.fullmatch(f"/start {INVITE_CODE}", link)
    assert "đặt TELEGRAM_BOT_TOKEN" in one.stderr  # no token: codes, not t.me links
    every = nqbot(tmp_path, "invite", "--all", "--qr", "qr")
    assert every.returncode == 0 and len(every.stdout.strip().splitlines()) == 22
    assert (tmp_path / "qr" / "DB-SYT.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert nqbot(tmp_path, "invite", "NOPE").stderr.strip() == (
        "Lỗi: không có đơn vị mã “NOPE” (xem `nqbot status` hoặc tệp danh sách đơn vị)"
    )
    through = nqbot(tmp_path, "invite", "CB-SYT-VP")  # a cell the sample's DB-SYT reports for
    assert through.returncode == 2 and through.stderr.strip() == (
        "Lỗi: CB-SYT-VP do DB-SYT báo cáo thay (cột reports của danh sách đơn vị): không cần mã mời riêng"
    )
    english = nqbot(tmp_path, "invite", "NOPE", env={"NQBOT_LANGUAGE": "en"})
    assert english.stderr.strip() == "Error: no unit with the code “NOPE” (see `nqbot status` or the units CSV)"


def test_run_without_a_token_is_one_clear_line(tmp_path: Path) -> None:
    result = nqbot(tmp_path, "run", env={"TELEGRAM_BOT_TOKEN": "changeme"})
    assert result.returncode == 2
    assert result.stderr.strip() == "Lỗi: TELEGRAM_BOT_TOKEN chưa được đặt: ghi giá trị vào tệp .env (xem .env.example)"


def test_run_with_webhook_needs_its_url_and_secret_one_clear_line_each(tmp_path: Path) -> None:
    token = {"TELEGRAM_BOT_TOKEN": "1:abc"}
    no_url = nqbot(tmp_path, "run", "--webhook", env=token)
    assert no_url.returncode == 2
    assert no_url.stderr.strip() == (
        "Lỗi: WEBHOOK_URL chưa được đặt: địa chỉ https:// công khai của máy chủ này (xem .env.example)"
    )
    bad_secret = nqbot(
        tmp_path, "run", "--webhook", env=token | {"WEBHOOK_URL": "https://x.org/n", "WEBHOOK_SECRET": "has space"}
    )
    assert bad_secret.returncode == 2 and "has space" not in bad_secret.stderr
    assert (
        bad_secret.stderr.strip()
        == "Lỗi: WEBHOOK_SECRET phải dài 8 đến 256 ký tự, chỉ gồm chữ cái không dấu, chữ số, _ và -"
    )


def test_staff_invite_prints_a_one_time_code(tmp_path: Path) -> None:
    assert nqbot(tmp_path, "init").returncode == 0
    result = nqbot(tmp_path, "staff", "invite", "--admin")
    assert result.returncode == 0, result.stderr
    made, telegram, zalo, send = result.stdout.strip().splitlines()
    assert re.fullmatch(r"Mã mời quản trị viên \(.*\): dùng được một lần, hết hạn lúc \d\d:\d\d ngày [\d/]{10}\.", made)
    # No token here: what to type on Telegram instead of a t.me link, and on Zalo; the same code in both.
    code = re.fullmatch(f"Telegram: /start ({INVITE_CODE})", telegram)
    assert code is not None and zalo == f"Zalo: nhắn “DK {code[1]}” cho bot"
    assert "đừng đăng vào nhóm" in send and "quản trị viên" in send
    english = nqbot(tmp_path, "staff", "invite", env={"NQBOT_LANGUAGE": "en", "ZALO_BOT_TOKEN": "1:z"})
    lines = english.stdout.strip().splitlines()
    assert lines[0].startswith("Invite for a board staff member (") and "one use, expires at" in lines[0]
    assert [line.split(":")[0] for line in lines[1:]] == ["Zalo", "Send it to that person alone, never to a group"]


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture
def lax_umask() -> Iterator[None]:
    """The usual umask 022 (files readable by everyone) for the commands this test starts: nqbot sets its own."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("lax_umask")
def test_the_database_its_wal_backups_exports_and_qr_codes_are_for_their_owner_only(tmp_path: Path) -> None:
    assert nqbot(tmp_path, "init", "--sample-units").returncode == 0
    data = tmp_path / "data"
    assert (_mode(data), _mode(data / "nqbot.db")) == (0o700, 0o600)
    live = sqlite3.connect(data / "nqbot.db")  # as the running bot: SQLite makes the WAL and SHM files now
    try:
        live.execute("PRAGMA journal_mode=WAL")
        live.execute(
            "INSERT INTO auditevent (at, actor, action, entity, detail) VALUES (CURRENT_TIMESTAMP, 't', 'w', 'x', '{}')"
        )
        live.commit()
        assert (_mode(data / "nqbot.db-wal"), _mode(data / "nqbot.db-shm")) == (0o600, 0o600)
        assert nqbot(tmp_path, "backup", "backups/copy.db").returncode == 0
    finally:
        live.close()
    assert (_mode(tmp_path / "backups"), _mode(tmp_path / "backups" / "copy.db")) == (0o700, 0o600)
    exported = nqbot(tmp_path, "export", "nq15-2022", "--out", "exports")
    assert exported.returncode == 0, exported.stderr
    files = [Path(tmp_path, line) for line in exported.stdout.split()]
    assert len(files) == 2 and [_mode(f) for f in files] == [0o600, 0o600] and _mode(tmp_path / "exports") == 0o700
    assert nqbot(tmp_path, "invite", "--all", "--qr", "qr").returncode == 0
    assert {_mode(p) for p in (tmp_path / "qr").iterdir()} == {0o600} and _mode(tmp_path / "qr") == 0o700


def _units_csv(tmp_path: Path, rows: str) -> str:
    path = tmp_path / "units.csv"
    path.write_text("code,name,kind,member_count,parent\n" + rows, encoding="utf-8")
    return str(path)


def _campaign_with(tmp_path: Path, **question: str) -> str:
    """The shipped campaign with the question 'sessions' changed, as a file."""
    data = yaml.safe_load(SHIPPED_CAMPAIGN.read_text(encoding="utf-8"))
    next(q for q in data["questionnaire"] if q["id"] == "sessions").update(question)
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def _no_psycopg(tmp_path: Path) -> dict[str, str]:
    """An environment where `import psycopg` fails, as on a machine installed without the postgres extra."""
    folder = tmp_path / "no-psycopg"
    folder.mkdir()
    (folder / "psycopg.py").write_text("raise ModuleNotFoundError(\"No module named 'psycopg'\", name='psycopg')\n")
    return {"PYTHONPATH": str(folder), "DATABASE_URL": "postgresql://nqbot@127.0.0.1/nqbot"}


INPUTS_THAT_RAISED_TRACEBACKS: list[tuple[str, Any, str]] = [
    (
        "a superscript digit as member_count",
        lambda tmp: (("units", "import", _units_csv(tmp, "A1,Chi bộ A,chi bộ,²,\n")), {}),
        "dòng 2: số đảng viên “²” không phải số nguyên từ 0 đến 999.999.999",
    ),
    (
        "23 digits as member_count",
        lambda tmp: (("units", "import", _units_csv(tmp, "A1,Chi bộ A,chi bộ," + "9" * 23 + ",\n")), {}),
        "dòng 2: số đảng viên “99999999999999999999999” không phải số nguyên từ 0 đến 999.999.999",
    ),
    (
        "a field of 200,000 characters",
        lambda tmp: (("units", "import", _units_csv(tmp, "A1," + "x" * 200_000 + ",chi bộ,20,\n")), {}),
        "units.csv: không nhập gì: dòng 2 dài 200.014 ký tự, quá 10.000 ký tự",
    ),
    (
        "a quoted field of 200,000 characters on short lines",
        lambda tmp: (("units", "import", _units_csv(tmp, 'A1,"' + ("x" * 99 + "\n") * 2000 + '",chi bộ,20,\n')), {}),
        "units.csv: không nhập gì: không đọc được dòng 2 của tệp CSV (field larger than field limit (131072))",
    ),
    (
        "an expression of 100,000 terms",
        lambda tmp: (("campaign", "load", _campaign_with(tmp, max="+".join(["1"] * 100_000))), {}),
        "questionnaire[6] (sessions).max: the expression is 199,999 characters long; at most 500",
    ),
    (
        "an expression of 200,000 minus signs",
        lambda tmp: (("campaign", "load", _campaign_with(tmp, max="-" * 200_000 + "1")), {}),
        "questionnaire[6] (sessions).max: the expression is 200,001 characters long; at most 500",
    ),
    (
        "PostgreSQL without its driver",
        lambda tmp: (("db", "upgrade"), _no_psycopg(tmp)),
        "pip install 'nqbot[postgres]'",
    ),
]


@pytest.mark.parametrize(
    ("case", "given", "message"), INPUTS_THAT_RAISED_TRACEBACKS, ids=[c[0] for c in INPUTS_THAT_RAISED_TRACEBACKS]
)
def test_inputs_that_raised_tracebacks_are_one_line_with_exit_code_2(
    tmp_path: Path, case: str, given: Any, message: str
) -> None:
    args, env = given(tmp_path)
    result = nqbot(tmp_path, *args, env=env)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr[-2000:]
    assert result.stderr.startswith("Lỗi: ") and message in result.stderr, result.stderr[:500]


def test_status_on_a_fresh_folder_points_to_init_and_creates_nothing(tmp_path: Path) -> None:
    result = nqbot(tmp_path, "status")
    assert result.returncode == 2 and "chưa có cơ sở dữ liệu" in result.stderr and "nqbot init" in result.stderr
    assert not (tmp_path / "data" / "nqbot.db").exists()
    english = nqbot(tmp_path, "status", env={"NQBOT_LANGUAGE": "en"})
    assert "there is no database at" in english.stderr and "run `nqbot init`" in english.stderr


def _day_from_now(days: int) -> str:
    from datetime import date, timedelta

    return (date.today() + timedelta(days=days)).strftime("%d/%m/%Y")


def _new_campaign(tmp_path: Path, code: str, *more: str, env: dict[str, str] | None = None) -> Any:
    return nqbot(tmp_path, "campaign", "new", code, "--from", str(SHIPPED_CAMPAIGN), *more, env=env)


def test_campaign_new_moves_every_date_keeps_the_comments_marks_the_header_and_loads(tmp_path: Path) -> None:
    nqbot(tmp_path, "init")
    result = _new_campaign(tmp_path, "nq15-2026", "--deadline", "20/12/2026")
    assert result.returncode == 0, result.stderr
    written = tmp_path / "campaigns" / "nq15-2026.yaml"
    assert (
        "Đã viết campaigns/nq15-2026.yaml: nq15-2026, hạn báo cáo 20/12/2026, hạn Ban báo cáo cấp trên 06/01/2027,"
        " đóng 04/01/2027." in result.stdout
    )
    assert "report.place (Thành phố)" in result.stdout and "report.issuing_body (BAN TUYÊN GIÁO)" in result.stdout
    assert re.search(r"còn ghi ngày của đợt cũ .*: \d+: 20/9/2022", result.stdout)  # "báo cáo … trước ngày 20/9/2022"
    assert "Đã nạp chiến dịch nq15-2026: 34 câu hỏi, hạn báo cáo 20/12/2026." in result.stdout
    text = written.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert (data["code"], str(data["report_deadline"]), str(data["board_deadline"]), str(data["closes_on"])) == (
        "nq15-2026",
        "2026-12-20",
        "2027-01-06",
        "2027-01-04",
    )
    shipped = yaml.safe_load(SHIPPED_CAMPAIGN.read_text(encoding="utf-8"))
    assert data["resolution"] == shipped["resolution"] and data["basis"] == shipped["basis"]  # facts, not moved
    assert data["questionnaire"] == shipped["questionnaire"] and data["reminders"] == shipped["reminders"]
    assert "closes_on: 2027-01-04         # last day units may change their report" in text
    assert "  place: Thành phố   # ĐIỀN / FILL IN" in text
    assert "nq15-2026: 0/0 đơn vị" in nqbot(tmp_path, "status").stdout


def test_campaign_new_takes_the_board_deadline_and_closing_day_given_and_dry_run_loads_nothing(
    tmp_path: Path,
) -> None:
    nqbot(tmp_path, "init")
    result = _new_campaign(
        tmp_path,
        "nq15-b",
        "--deadline",
        "01/12/2026",
        "--board-deadline",
        "15/12/2026",
        "--closes",
        "10/12/2026",
        "--dry-run",
        env={"NQBOT_LANGUAGE": "en"},
    )
    assert result.returncode == 0, result.stderr
    assert (
        "Wrote campaigns/nq15-b.yaml: nq15-b, report deadline 01/12/2026, board deadline 15/12/2026, closes 10/12/2026."
        in result.stdout
    )
    assert "Fill in for your own body" in result.stdout
    assert (
        "Not loaded (--dry-run). When the file is ready, run: nqbot campaign load campaigns/nq15-b.yaml"
        in result.stdout
    )
    assert "nq15-b" not in nqbot(tmp_path, "campaign", "list").stdout
    loaded = nqbot(tmp_path, "campaign", "load", "campaigns/nq15-b.yaml")
    assert "Đã nạp chiến dịch nq15-b" in loaded.stdout, loaded.stderr


@pytest.mark.parametrize(
    ("args", "vietnamese", "english"),
    [
        (
            ("--deadline", "2026-12-20"),
            "“2026-12-20” không phải ngày dạng DD/MM/YYYY",
            "is not a date written DD/MM/YYYY",
        ),
        (
            ("--deadline", "01/12/2026", "--closes", "01/11/2026"),
            "ngày đóng 01/11/2026 trước hạn báo cáo 01/12/2026",
            "the closing day 01/11/2026 is before the report deadline 01/12/2026",
        ),
        (
            ("--deadline", "01/12/2026", "--board-deadline", "30/11/2026"),
            "hạn Ban báo cáo cấp trên 30/11/2026 trước hạn báo cáo 01/12/2026",
            "the board deadline 30/11/2026 is before the report deadline 01/12/2026",
        ),
        (
            ("--deadline", "01/01/2022"),
            "hạn báo cáo 01/01/2022 trước ngày ban hành nghị quyết 05/05/2022",
            "the report deadline 01/01/2022 is before the resolution's date 05/05/2022",
        ),
    ],
)
def test_campaign_new_refuses_bad_dates_in_both_languages_and_writes_nothing(
    tmp_path: Path, args: tuple[str, ...], vietnamese: str, english: str
) -> None:
    for env, message in (({}, vietnamese), ({"NQBOT_LANGUAGE": "en"}, english)):
        result = _new_campaign(tmp_path, "nq15-x", *args, env=env)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "campaigns").exists() and not (tmp_path / "data").exists()


def test_campaign_new_refuses_a_bad_or_taken_code_and_an_existing_file(tmp_path: Path) -> None:
    english = {"NQBOT_LANGUAGE": "en"}
    bad = _new_campaign(tmp_path, "NQ 15", "--deadline", "01/12/2026")
    assert bad.returncode == 2 and "mã đợt “NQ 15” chỉ gồm chữ thường không dấu" in bad.stderr
    nqbot(tmp_path, "init")
    taken = _new_campaign(tmp_path, "nq15-2022", "--deadline", "01/12/2026")
    assert taken.stderr.strip() == "Lỗi: đã có đợt báo cáo mã nq15-2022 trong cơ sở dữ liệu; chọn mã khác"
    assert (
        "a campaign with the code nq15-2022 is in the database already"
        in _new_campaign(tmp_path, "nq15-2022", "--deadline", "01/12/2026", env=english).stderr
    )
    assert not (tmp_path / "campaigns" / "nq15-2022.yaml").exists()
    (tmp_path / "campaigns").mkdir()
    (tmp_path / "campaigns" / "mine.yaml").write_text("# the operator's own\n", encoding="utf-8")
    exists = _new_campaign(tmp_path, "mine", "--deadline", "01/12/2026")
    assert exists.stderr.strip() == "Lỗi: đã có tệp campaigns/mine.yaml; chọn mã khác hoặc xóa tệp đó"
    assert (
        "campaigns/mine.yaml exists already"
        in _new_campaign(tmp_path, "mine", "--deadline", "01/12/2026", env=english).stderr
    )
    assert (tmp_path / "campaigns" / "mine.yaml").read_text(encoding="utf-8") == "# the operator's own\n"
    assert "mine" not in nqbot(tmp_path, "campaign", "list").stdout


NONE_OPEN_VI = (
    "Không có đợt báo cáo nào đang mở hôm nay. Các đợt: nq15-2022 (hạn 20/09/2022, kết thúc 05/10/2022)."
    " Tạo đợt mới: nqbot campaign new MÃ --from campaigns/nq15-2022.yaml --deadline DD/MM/YYYY"
)
NONE_OPEN_EN = (
    "No campaign is open today. Campaigns: nq15-2022 (deadline 20/09/2022, closes 05/10/2022)."
    " Make a new one: nqbot campaign new CODE --from campaigns/nq15-2022.yaml --deadline DD/MM/YYYY"
)


def test_init_invite_and_status_say_when_no_campaign_is_open_until_one_is(tmp_path: Path) -> None:
    english = {"NQBOT_LANGUAGE": "en"}
    init = nqbot(tmp_path, "init", "--sample-units")
    assert init.returncode == 0 and NONE_OPEN_VI in init.stderr
    assert NONE_OPEN_EN in nqbot(tmp_path, "status", env=english).stderr
    assert NONE_OPEN_VI in nqbot(tmp_path, "status").stderr
    invite = nqbot(tmp_path, "invite", "CB-SNV")
    assert invite.returncode == 0 and NONE_OPEN_VI in invite.stderr
    assert NONE_OPEN_EN in nqbot(tmp_path, "invite", "CB-SNV", env=english).stderr
    assert _new_campaign(tmp_path, "now", "--deadline", _day_from_now(30)).returncode == 0
    for command in (("init",), ("status",), ("invite", "CB-SNV")):
        result = nqbot(tmp_path, *command)
        assert result.returncode == 0 and "Không có đợt báo cáo nào đang mở" not in result.stderr, command


def test_run_says_when_no_campaign_is_open(tmp_path: Path) -> None:
    nqbot(tmp_path, "init")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "DATABASE_"))}
    environment |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'nqbot.db'}",
        "TELEGRAM_BOT_TOKEN": "1:abc",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",  # never answers: the run keeps retrying until stopped
        "NQBOT_LANGUAGE": "en",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        assert process.stderr.readline().strip() == NONE_OPEN_EN  # before the bot's log starts
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


def test_an_unknown_campaign_code_lists_the_known_ones(tmp_path: Path) -> None:
    nqbot(tmp_path, "init")
    result = nqbot(tmp_path, "export", "NOPE")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Lỗi: không có đợt báo cáo mã “NOPE”. Các đợt: nq15-2022 (hạn 20/09/2022, kết thúc 05/10/2022)"
    )
    english = nqbot(tmp_path, "export", "NOPE", env={"NQBOT_LANGUAGE": "en"})
    assert english.stderr.strip() == (
        "Error: no campaign with the code “NOPE”. Campaigns: nq15-2022 (deadline 20/09/2022, closes 05/10/2022)"
    )
    assert not (tmp_path / "exports").exists()


def test_a_copy_of_a_copy_moves_its_dates_again_and_marks_each_header_line_once(tmp_path: Path) -> None:
    assert _new_campaign(tmp_path, "first", "--deadline", "01/12/2026", "--dry-run").returncode == 0
    again = nqbot(
        tmp_path, "campaign", "new", "second", "--from", "campaigns/first.yaml", "--deadline", "11/12/2026", "--dry-run"
    )
    assert again.returncode == 0, again.stderr
    assert "hạn báo cáo 11/12/2026, hạn Ban báo cáo cấp trên 28/12/2026, đóng 26/12/2026" in again.stdout
    assert "report.place (Thành phố)" in again.stdout
    text = (tmp_path / "campaigns" / "second.yaml").read_text(encoding="utf-8")
    assert text.count("# ĐIỀN / FILL IN") == 4 and "  place: Thành phố   # ĐIỀN / FILL IN\n" in text
