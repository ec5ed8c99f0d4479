"""The Zalo channel in process: the client's envelope, splitting and rendering, dedupe, typed presses, the
quota warning, the webhook's secret, and a campaign where a Telegram and a Zalo reporter both report."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from bot.channels.zalo import TypedActions, ZaloChannel
from bot.channels.zalo_api import ZaloApi, ZaloApiError
from bot.channels.zalo_delivery import QUOTA_PAUSE, Quota, ZaloDelivery, render
from bot.engine import Attachment, Button, Engine, Reply
from bot.engine.messages import merge
from bot.outbox.delivery import Result, split, utf16_units
from bot.settings import Settings
from bot.texts import say
from storage import usage
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.errors import ConfigError
from storage.models import Campaign, Channel, ChannelUsage, InboundEvent, OutboxMessage, Person, Role
from tests.dialogue import FULL_REPORT, Clock, Dialogue, answer_all, enrol, invite_code, join_as_staff
from tests.fakes.zalo_api import FakeZalo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TOKEN = "1234567890:zalo-test-token"


def typed_steps(steps: list[tuple[str, str]], spec: CampaignSpec) -> list[str]:
    """The report's steps as a Zalo reporter types them: a pressed choice by its number, a skip as “bỏ qua”."""
    questions = {q.id: q for q in spec.questionnaire}
    typed = []
    for kind, value in steps:
        action, _, rest = value.partition(":")
        if kind == "say":
            typed.append(value)
        elif action == "ans":
            qid, _, choice = rest.partition(":")
            typed.append(str([c.id for c in questions[qid].choices].index(choice) + 1))
        else:
            assert action == "skip", value
            typed.append("bỏ qua")
    return typed


# --- rendering ---


def test_a_short_text_is_one_piece_and_a_long_one_is_cut_between_words() -> None:
    assert split("Xin chào đồng chí", 2000) == ["Xin chào đồng chí"]
    words = [f"từ{i}" for i in range(1200)]  # about 6,000 characters
    pieces = split(" ".join(words), 2000)
    assert len(pieces) == 4 and all(utf16_units(p) <= 2000 for p in pieces)
    assert " ".join(pieces).split() == words  # no word broken, none lost


def test_lines_are_kept_whole_when_they_fit_and_emoji_count_double() -> None:
    lines = [f"{i}. Chi bộ số {i} – chưa báo cáo" for i in range(200)]
    pieces = split("\n".join(lines), 2000)
    assert all(p.split("\n")[0] in lines and p.split("\n")[-1] in lines for p in pieces)
    emoji = split("📊" * 1500, 2000)  # 3,000 UTF-16 units, one "word": cut inside, never between a surrogate pair
    assert [utf16_units(p) for p in emoji] == [2000, 1000]


@given(st.lists(st.text(alphabet="aăâbcdđeêo📊 \n", min_size=1, max_size=40), max_size=300))
def test_every_piece_fits_and_the_words_survive(chunks: list[str]) -> None:
    text = " ".join(chunks)
    pieces = split(text, limit=120)
    assert all(1 <= utf16_units(p) <= 120 for p in pieces)
    assert " ".join(pieces).split() == text.split()  # words (at most 80 units here) are never cut


def test_choices_are_numbered_and_action_buttons_named_as_what_to_type() -> None:
    reply = Reply(
        "Câu 1. Đã tổ chức chưa?",
        choices=(Button("Đã tự tổ chức", "ans:held:a"), Button("Chưa tổ chức", "ans:held:b")),
        buttons=((Button("Bỏ qua", "skip:held"),),),
    )
    assert render(reply) == "Câu 1. Đã tổ chức chưa?\n1. Đã tự tổ chức\n2. Chưa tổ chức\nGõ “Bỏ qua”."
    named = Reply("Có thể bỏ qua: gõ “bỏ qua”.", buttons=((Button("Bỏ qua", "skip:held"),),))
    assert render(named) == named.text  # the text names it already
    confirm = Reply("Gửi lời nhắc?", buttons=((Button("Gửi nhắc", "nhac:1"), Button("Hủy", "nhac:no")),))
    assert render(confirm) == "Gửi lời nhắc?\nGõ “Gửi nhắc” hoặc “Hủy”."
    assert render(confirm, "en") == "Gửi lời nhắc?\nType “Gửi nhắc” or “Hủy”."
    chart = Reply("Thống kê", attachment=Attachment("thongke.png", b"png", picture=True))
    assert "“thongke.png” không gửi được qua Zalo" in render(chart)


def test_typing_an_action_label_presses_it_until_the_next_message() -> None:
    actions = TypedActions(chats=2)
    actions.remember("c1", [Reply("Xác nhận?", buttons=((Button("Xác nhận", "join:yes"),),))])
    assert actions.pressed("c1", "xac nhan") == "join:yes" and actions.pressed("c1", "có") is None
    actions.remember("c1", [Reply("Câu 1.")])
    assert actions.pressed("c1", "Xác nhận") is None
    for chat in ("c2", "c3", "c4"):
        actions.remember(chat, [Reply("?", buttons=((Button("Gửi", "submit"),),))])
    assert actions.pressed("c2", "gửi") is None and actions.pressed("c4", "gửi") == "submit"  # bounded


def test_run_needs_a_token_of_either_channel_and_webhook_mode_a_url_and_a_secret_both_accept() -> None:
    def settings(**values: Any) -> Settings:
        empty: dict[str, Any] = {"telegram_bot_token": None, "zalo_bot_token": None, "webhook_url": None}
        return Settings(_env_file=None, **(empty | values))

    settings(zalo_bot_token="1:abc").require_any_token()  # Zalo alone
    settings(telegram_bot_token="1:abc").require_any_token()  # Telegram alone
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN chưa được đặt"):
        settings(zalo_bot_token="changeme").require_any_token()
    # `nqbot run --webhook`: a public base URL and a secret both platforms accept.
    with pytest.raises(ConfigError, match="WEBHOOK_URL chưa được đặt"):
        settings(zalo_bot_token="1:abc", webhook_secret="s3cret-s3cret").require_webhook()
    for plain in ("bot.example.org", "http://bot.example.org/nqbot", "http://127.0.0.1.example.org/n"):
        with pytest.raises(ConfigError, match="WEBHOOK_URL phải bắt đầu bằng https://"):  # Zalo calls HTTPS only
            settings(webhook_url=plain, webhook_secret="s3cret-s3cret").require_webhook()
    for local in ("http://127.0.0.1:8080/nqbot", "http://localhost:9000"):  # tests on this machine
        settings(webhook_url=local, webhook_secret="s3cret-s3cret").require_webhook()
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET chưa được đặt"):
        settings(zalo_bot_token="1:abc", webhook_url="https://bot.example.org/nqbot").require_webhook()
    for bad in ("short", "has spaces in it", "dấu-tiếng-việt", "x" * 257):
        with pytest.raises(ConfigError, match="8 đến 256 ký tự, chỉ gồm chữ cái không dấu, chữ số, _ và -"):
            settings(webhook_url="https://x.org/n", webhook_secret=bad).require_webhook()
    hook = settings(webhook_url="https://bot.example.org/nqbot/", webhook_secret="s3cret_S3CRET-1").require_webhook()
    assert (hook.url_for("telegram"), hook.url_for("zalo")) == (
        "https://bot.example.org/nqbot/telegram",
        "https://bot.example.org/nqbot/zalo",
    )


# --- the client ---


def mock_api(handler: Any, base_url: str = "https://zalo.test/bot") -> tuple[ZaloApi, list[str]]:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return handler(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(record))
    return ZaloApi(TOKEN, base_url, client=client), seen


async def test_calls_go_to_bot_token_method_with_or_without_bot_in_the_base_url() -> None:
    for base in ("https://zalo.test", "https://zalo.test/", "https://zalo.test/bot", "https://zalo.test/bot/"):
        api, seen = mock_api(lambda r: httpx.Response(200, json={"ok": True, "result": {"id": "1"}}), base)
        assert await api.get_me() == {"id": "1"}
        assert seen == [f"https://zalo.test/bot{TOKEN}/getMe"]


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (200, {"ok": False, "error_code": 400, "description": "bad chat"}, 400),  # ok:false on HTTP 200
        (500, {"ok": True, "result": {}}, 500),  # ok:true on an HTTP error
        (502, None, 502),  # not JSON at all
    ],
)
async def test_both_the_envelope_and_the_http_status_are_checked(status: int, body: Any, code: int) -> None:
    api, _ = mock_api(lambda r: httpx.Response(status, json=body) if body else httpx.Response(status, text="<html>"))
    with pytest.raises(ZaloApiError) as raised:
        await api.send_message("c1", "hi")
    assert raised.value.error_code == code and TOKEN not in str(raised.value)


async def test_an_empty_long_poll_is_nothing_new_and_a_network_error_hides_the_token() -> None:
    timeout = {"ok": False, "error_code": 408, "description": "Request timeout"}
    api, _ = mock_api(lambda r: httpx.Response(408, json=timeout))
    assert await api.get_updates(30) == []
    as_text = {"ok": False, "error_code": "408", "description": "Request timeout"}  # the code as a string
    api, _ = mock_api(lambda r: httpx.Response(200, json=as_text))
    assert await api.get_updates(30) == []

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}")

    api, _ = mock_api(down)
    with pytest.raises(ZaloApiError) as raised:
        await api.get_updates(30)
    assert raised.value.status == 0 and TOKEN not in str(raised.value) and "***" in str(raised.value)
    assert raised.value.__suppress_context__  # the original, with the URL, is not chained into tracebacks


async def test_the_fake_server_speaks_the_same_api() -> None:
    with FakeZalo(token=TOKEN, max_poll=0.2) as server:
        api = ZaloApi(TOKEN, server.base_url)
        try:
            assert (await api.get_me())["account_name"] == "bot.nqbot"
            assert await api.get_updates(1) == []  # 408 after the (capped) timeout
            update = server.text_update("u1", "Xin chào")
            server.queue(update)
            assert await api.get_updates(1) == [update]
            with pytest.raises(ZaloApiError) as raised:
                await api.send_message("u1", "x" * 2001)
            assert (raised.value.status, raised.value.error_code) == (200, 400)  # ok:false with HTTP 200
            assert await api.get_webhook_info() is None
            await api.set_webhook("https://bot.example.org/zalo", "s3cret-s3cret")
            assert (await api.get_webhook_info() or {})["url"] == "https://bot.example.org/zalo"
            with pytest.raises(ZaloApiError):  # getUpdates does not work while a webhook is set
                await api.get_updates(1)
            await api.delete_webhook()
            assert await api.get_webhook_info() is None
            with pytest.raises(ZaloApiError) as raised:
                await ZaloApi("1:wrong", server.base_url).get_me()
            assert raised.value.error_code == 401
        finally:
            await api.close()


@pytest.mark.parametrize("error_status", [False, True])
def test_the_fake_answers_in_the_documented_shapes(error_status: bool) -> None:
    """As Zalo's docs and the clients that measured it give them: an error is the envelope {ok: false,
    error_code, description} with HTTP 200 (or its code as the status); an empty long poll is error 408;
    getUpdates hands over one update object a call, not a list; dates are epoch milliseconds."""

    def call(server: FakeZalo, method: str, body: dict[str, Any], token: str = TOKEN) -> tuple[int, Any]:
        request = urllib.request.Request(
            f"{server.base_url}/bot{token}/{method}", data=json.dumps(body).encode(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    with FakeZalo(token=TOKEN, max_poll=0.1, error_status=error_status) as server:
        empty = call(server, "getUpdates", {"timeout": "30"})
        assert empty == (
            408 if error_status else 200,
            {"ok": False, "error_code": 408, "description": "Request timeout"},
        )
        status, wrong = call(server, "getMe", {}, token="1:wrong")
        assert (status, wrong["ok"], wrong["error_code"]) == (401 if error_status else 200, False, 401)
        assert isinstance(wrong["description"], str) and wrong["description"]
        before = time.time() * 1000
        first, second = server.text_update("u1", "một"), server.text_update("u2", "hai")
        server.queue(first)
        server.queue(second)
        assert call(server, "getUpdates", {"timeout": "30"}) == (200, {"ok": True, "result": first})  # one update
        assert call(server, "getUpdates", {"timeout": "30"}) == (200, {"ok": True, "result": second})
        date = first["message"]["date"]
        assert isinstance(date, int) and before - 1000 <= date <= time.time() * 1000  # milliseconds, not seconds
        assert first["event_name"] == "message.text.received" and isinstance(first["message"]["message_id"], str)
        sent = call(server, "sendMessage", {"chat_id": "u1", "text": "Xin chào"})[1]["result"]
        assert isinstance(sent["message_id"], str) and sent["date"] > 10**12


# --- the channel, against the fake server ---


@pytest.fixture
async def zalo(engine: Engine, database: Database, clock: Clock) -> AsyncIterator[tuple[ZaloChannel, FakeZalo]]:
    with FakeZalo(token=TOKEN, max_poll=0.2) as server:
        api = ZaloApi(TOKEN, server.base_url)
        quota = Quota(database, timezone=VN, clock=clock)
        yield ZaloChannel(engine, api, quota=quota, actions=TypedActions(), poll_interval=0.01, poll_timeout=1), server
        await api.close()


async def test_a_redelivered_update_is_handled_once(zalo: tuple[ZaloChannel, FakeZalo], database: Database) -> None:
    channel, server = zalo
    update = server.text_update("u1", "/trogiup")
    await channel.handle_update(update)
    await channel.handle_update({"ok": True, "result": update})  # the webhook's wrapper: the same update
    assert len(server.texts("u1")) == 1
    with database.session() as session:
        assert len(session.exec(select(InboundEvent)).all()) == 1


async def test_the_record_of_handled_updates_is_kept_per_bot(
    zalo: tuple[ZaloChannel, FakeZalo], engine: Engine, database: Database
) -> None:
    """After a restore under a new bot's token, that bot's first updates reuse ids the old bot's had: they are
    new updates, handled, not taken for redeliveries."""
    channel, server = zalo
    update = server.text_update("u1", "/trogiup")
    await channel.handle_update(update)
    other = ZaloApi("999:another-bot", server.base_url)
    try:
        await ZaloChannel(engine, other, quota=channel.quota, actions=TypedActions()).handle_update(update)
    finally:
        await other.close()
    with database.session() as session:
        keys = sorted(event.event_id for event in session.exec(select(InboundEvent)).all())
    assert len(keys) == 2 and keys[1].startswith("999:")


async def test_stickers_photos_and_voice_get_a_request_to_type_once_each(zalo: tuple[ZaloChannel, FakeZalo]) -> None:
    channel, server = zalo
    sticker = server.event_update("u1", "message.sticker.received", sticker="0e078a2fb66a5f34067b")
    for update in (
        sticker,
        sticker,
        server.event_update("u1", "message.image.received", photo_url="https://x/y.jpg"),
        server.event_update("u1", "message.voice.received"),
    ):
        await channel.handle_update(update)
    assert server.texts("u1") == ["Bot chỉ đọc được tin nhắn chữ. Đồng chí vui lòng gõ câu trả lời."] * 3


async def test_a_reporter_enrols_by_typing_the_code_and_the_confirm_label(
    zalo: tuple[ZaloChannel, FakeZalo], database: Database
) -> None:
    channel, server = zalo
    await channel.handle_update(server.text_update("u1", invite_code(database, "CB-STP"), name="Chị Lan"))
    assert "Mã mời dành cho đơn vị: Chi bộ Sở Tư pháp." in server.texts("u1")[-1]
    await channel.handle_update(server.text_update("u1", "Xác nhận", name="Chị Lan"))  # the button's label, typed
    replies = server.texts("u1")[1:]
    assert "Đồng chí đã được ghi nhận là người báo cáo của Chi bộ Sở Tư pháp" in replies[0]
    assert replies[-1].endswith("1. Đã tự tổ chức\n2. Đã học cùng hội nghị cấp Khối\n3. Chưa tổ chức")
    with database.session() as session:
        person = session.exec(select(Person).where(Person.channel == Channel.zalo)).one()
        assert (person.channel_user_id, person.chat_id, person.display_name) == ("u1", "u1", "Chị Lan")


async def test_polling_answers_each_update_and_backs_off_when_polls_fail(zalo: tuple[ZaloChannel, FakeZalo]) -> None:
    channel, server = zalo
    task = asyncio.create_task(channel.poll())
    try:
        tickets = [server.send_text("u1", "/trogiup"), server.send_text("u2", "xin chào")]
        for ticket in tickets:
            await asyncio.to_thread(server.wait_until_handled, ticket)
        assert server.sent_count("u1") == 1 and server.sent_count("u2") == 1
    finally:
        task.cancel()

    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 8:
            raise asyncio.CancelledError

    api, _ = mock_api(lambda r: httpx.Response(502, text="Bad Gateway"))
    failing = ZaloChannel(channel.engine, api, quota=channel.quota, actions=TypedActions(), sleep=pause)
    with pytest.raises(asyncio.CancelledError):
        await failing.poll()
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60]


async def test_a_poll_that_brought_an_update_is_followed_at_once_and_only_an_empty_one_waits(
    zalo: tuple[ZaloChannel, FakeZalo],
) -> None:
    """Zalo hands over one update a call: pausing after each would serve a queue of people one a second."""
    channel, _ = zalo
    answers: list[list[dict[str, Any]]] = [[{"message": {}}], [{"message": {}}], [{"message": {}}], []]
    handled: list[object] = []
    pauses: list[float] = []

    class Api:
        async def get_updates(self, seconds: int) -> list[dict[str, Any]]:
            if not answers:
                raise asyncio.CancelledError
            return answers.pop(0)

    async def handle(update: object) -> None:
        handled.append(update)

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    polling = ZaloChannel(channel.engine, Api(), quota=channel.quota, actions=TypedActions(), sleep=pause)  # type: ignore[arg-type]
    polling.handle_update = handle  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await polling.poll()
    assert len(handled) == 3 and len(pauses) == 1  # no pause between the three, one after the empty poll


async def test_a_long_reply_is_sent_in_pieces_the_api_accepts(zalo: tuple[ZaloChannel, FakeZalo]) -> None:
    channel, server = zalo
    await channel.send("u1", [Reply("\n".join(f"Dòng số {i}: chưa báo cáo" for i in range(300)))])
    assert server.sent_count("u1") == 4 and not server.rejections


async def test_twenty_people_writing_at_once_all_get_their_first_reply_within_two_seconds(
    engine: Engine, database: Database
) -> None:
    """Zalo hands over one update a getUpdates call: polling again at once after a poll that brought one (a
    pause, 1 s as in production, only after an empty poll) serves a queue of people in a moment, not one a
    second. Measured on the fake's clock: from when each update was queued to when its chat's reply came."""
    with FakeZalo(token=TOKEN, max_poll=0.5) as server:
        api = ZaloApi(TOKEN, server.base_url)
        quota = Quota(database, timezone=VN)
        channel = ZaloChannel(engine, api, quota=quota, actions=TypedActions(), poll_interval=1.0, poll_timeout=1)
        polling = asyncio.create_task(channel.poll())
        try:
            tickets = [server.send_text(f"u{n:02d}", "xin chào") for n in range(20)]
            everyone = lambda: all(server.first_reply_after(t) is not None for t in tickets)  # noqa: E731
            await asyncio.to_thread(server.wait_until, lambda: everyone(), 60.0, "a reply to each of the 20")
        finally:
            polling.cancel()
            with suppress(asyncio.CancelledError):
                await polling
            await api.close()
    latencies = sorted(server.first_reply_after(t) or 0.0 for t in tickets)
    print("first replies of 20 people writing at once, seconds:", " ".join(f"{s:.2f}" for s in latencies))
    assert latencies[-1] < 2.0


# --- the quota and nudges ---


async def test_staff_are_warned_once_when_the_month_reaches_80_percent(database: Database, clock: Clock) -> None:
    with database.session() as session:
        session.add(Person(channel=Channel.telegram, channel_user_id="900", chat_id="900", role=Role.staff))
        session.add(Person(channel=Channel.zalo, channel_user_id="z9", chat_id="z9", role=Role.admin))
    clock.now = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 1 December in Vietnam: December's count
    quota = Quota(database, timezone=VN, monthly=10, clock=clock)
    for sent in (5, 2, 1, 1, 3):
        await quota.count(sent)
    with database.session() as session:
        notices = session.exec(select(OutboxMessage)).all()
        assert usage.sent_in(session, channel=Channel.zalo, month="2026-12") == 12
        assert session.exec(select(ChannelUsage.month)).all() == ["2026-12"]
    assert len(notices) == 2 and {n.key for n in notices} == {"quota:zalo:2026-12"}
    assert "Bot Zalo đã gửi 8/10 tin nhắn trong tháng 12/2026 (80% hạn mức" in notices[0].text
    warning = Quota(database, timezone=VN, monthly=3000).warning(2400, "2026-12")
    assert "Phần còn lại đủ cho khoảng 23 báo cáo (mỗi báo cáo khoảng 26 tin), hoặc 600 lời nhắc." in warning


async def test_a_nudge_goes_out_short_with_its_action_typeable_and_failures_are_classified(
    zalo: tuple[ZaloChannel, FakeZalo], database: Database
) -> None:
    channel, server = zalo
    delivery = ZaloDelivery(channel.api, quota=channel.quota, actions=channel.actions)
    nudge = Reply(
        "Nhắc báo cáo: NQ 15\nChi bộ Sở Tư pháp chưa gửi báo cáo; hạn 20/09/2022, còn 5 ngày.\n"
        "Đồng chí bấm “Làm báo cáo” hoặc gõ /baocao để tiếp tục.",
        buttons=((Button("Làm báo cáo", "report"),),),
    )
    assert (await delivery.deliver("u1", nudge)).result is Result.sent
    assert server.texts("u1") == [nudge.text] and channel.actions.pressed("u1", "làm báo cáo") == "report"
    with database.session() as session:
        assert usage.sent_in(session, channel=Channel.zalo, month="2022-09") == 1

    def refuse(status: int) -> Any:
        return lambda r: httpx.Response(status, json={"ok": False, "error_code": status, "description": "no"})

    # As documented: 403 is "Internal server error", 429 "Quota exceeded"; no code says "blocked".
    expected = {400: Result.rejected, 401: Result.transient, 403: Result.transient, 404: Result.rejected}
    expected |= {408: Result.transient, 429: Result.retry_after, 500: Result.transient, 502: Result.transient}
    for status, result in expected.items():
        for code in (status, str(status)):  # error_code as a number or as a string, with HTTP 200
            api, _ = mock_api(lambda r, c=code: httpx.Response(200, json={"ok": False, "error_code": c}))
            outcome = await ZaloDelivery(api, quota=channel.quota, actions=TypedActions()).deliver("u1", nudge)
            assert outcome.result is result, (code, outcome)
        api, _ = mock_api(refuse(status))  # the code in the HTTP status too
        assert (
            await ZaloDelivery(api, quota=channel.quota, actions=TypedActions()).deliver("u1", nudge)
        ).result is result
    api, _ = mock_api(refuse(429))
    quota_hit = await ZaloDelivery(api, quota=channel.quota, actions=TypedActions()).deliver("u1", nudge)
    assert quota_hit.wait == QUOTA_PAUSE  # Zalo gives no retry_after: the channel rests


# --- both channels in one campaign ---


async def test_a_telegram_and_a_zalo_reporter_both_count_in_the_staff_status(
    engine: Engine, database: Database, nq15: CampaignSpec
) -> None:
    on_telegram = Dialogue(engine, "5001", Channel.telegram)
    await enrol(on_telegram, database, "CB-SNV")
    await answer_all(on_telegram)
    assert "Đã gửi báo cáo của Chi bộ Sở Nội vụ" in await on_telegram.say("gửi")

    on_zalo = Dialogue(engine, "6ede9afa66b88fe6d6a9", Channel.zalo)
    await on_zalo.say(invite_code(database, "CB-SVH"))
    assert "Câu 1." in await on_zalo.say("Xác nhận")
    for typed in typed_steps(FULL_REPORT, nq15):  # only typing: numbers, words, “bỏ qua”
        await on_zalo.say(typed)
    assert "Báo cáo của Chi bộ Sở Văn hóa" in on_zalo.text and "Gõ “gửi”" in on_zalo.text
    assert "Đã gửi báo cáo của Chi bộ Sở Văn hóa, Thể thao và Du lịch (lần 1)" in await on_zalo.say("gửi")

    staff = await join_as_staff(engine, database)
    status = await staff.say("/tinhhinh")
    assert "Đã báo cáo: 2/22 đơn vị" in status
    with database.session() as session:
        channels = {p.channel for p in session.exec(select(Person).where(Person.role == Role.reporter)).all()}
    assert channels == {Channel.telegram, Channel.zalo}


# --- few messages ---


def test_a_turns_replies_are_merged_into_one_message_while_they_fit() -> None:
    ack, question = Reply("Đã ghi: 30."), Reply("Câu 8. Số miễn?", choices=(Button("Có", "a"), Button("Không", "b")))
    assert merge([ack, question], 2000) == [
        Reply("Đã ghi: 30.\n\nCâu 8. Số miễn?", choices=question.choices, buttons=())
    ]
    assert merge([question, ack], 2000) == [question, ack]  # choices are listed after their text: they end one
    long = Reply("x" * 1990)
    assert merge([ack, long], 2000) == [ack, long]  # together over Zalo's 2,000: two messages
    chart = Reply("Biểu đồ", attachment=Attachment("a.png", b"png", picture=True))
    assert merge([ack, chart, ack], 2000) == [ack, chart, ack]
    action = Reply("Gõ “gửi” để gửi.", buttons=((Button("Gửi", "submit"),),))
    assert merge([ack, action], 2000)[0].buttons == action.buttons  # a typed label still presses it


async def test_a_whole_report_on_zalo_costs_one_message_an_answer_plus_joining_and_sending(
    zalo: tuple[ZaloChannel, FakeZalo], database: Database, nq15: CampaignSpec
) -> None:
    channel, server = zalo
    steps = [invite_code(database, "CB-SNV"), "Xác nhận", *typed_steps(FULL_REPORT, nq15), "gửi"]
    for text in steps:
        await channel.handle_update(server.text_update("u1", text))
    assert "Đã gửi báo cáo của Chi bộ Sở Nội vụ" in server.texts("u1")[-1]
    assert server.sent_count("u1") == len(steps)  # 26: one a step; it was 29 (bench/zalo_messages.py)


def test_an_answer_is_echoed_as_a_short_quote_never_whole() -> None:
    pasted = "Cán bộ, đảng viên tham gia đầy đủ, nghiêm túc. " * 40  # about 1,900 characters
    for key in ("answer.recorded", "warning.confirm", "report.answered_elsewhere"):
        for language in ("vi", "en"):
            echoed = say(key, language, answer=pasted, number=3)
            assert len(echoed) < len(say(key, language, answer="", number=3)) + 51 and "…" in echoed, key
    assert say("answer.recorded", "vi", answer="30") == "Đã ghi: 30."  # a short answer whole
    assert say("answer.recorded", "vi", answer="Dòng 1\nDòng 2") == "Đã ghi: Dòng 1 Dòng 2."  # on one line


async def test_on_zalo_every_hint_says_what_to_type(zalo: tuple[ZaloChannel, FakeZalo], database: Database) -> None:
    """No buttons on Zalo: the join confirmation names its two typed options, a pick-several question asks for
    the numbers in one message (no "Xong" step) and takes "1, 3" at once, and a staff confirm names the
    label to type (/nhac: "Gửi nhắc")."""
    channel, server = zalo

    async def say(user: str, text: str) -> str:
        seen = server.sent_count(user)
        await channel.handle_update(server.text_update(user, text))
        return "\n".join(server.texts(user, seen))

    joining = await say("u1", invite_code(database, "CB-SNV"))
    assert "Gõ “Xác nhận” hoặc “Không phải”." in joining
    await say("u1", "Xác nhận")
    for typed in typed_steps(FULL_REPORT[:10], channel.engine.spec(loaded_campaign(database))):
        text = await say("u1", typed)
    assert "Câu 11." in text and "gõ các số trong một tin, ví dụ 1, 3" in text
    assert "Xong" not in text and "bấm" not in text
    assert "Câu 12." in await say("u1", "1, 3")  # taken at once: the next question

    staff = "s1"
    await say(staff, invite_code(database, "", role=Role.staff))
    await say(staff, "Xác nhận")
    confirm = await say(staff, "/nhac")
    assert "Gõ “Gửi nhắc” hoặc “Hủy”." in confirm or "Gõ “Gửi lúc" in confirm
    assert "Đã xếp" in await say(staff, "gửi nhắc") or "Đã xếp" in await say(staff, "gửi ngay")


def loaded_campaign(database: Database) -> Campaign:
    with database.session() as session:
        return session.exec(select(Campaign)).one()


def test_the_register_prompt_on_zalo_names_what_to_type_once() -> None:
    """The member-count prompt offers the register's figure as a button on Telegram; on Zalo the text says to
    type it, and no second "Gõ …" line is added for the button."""
    from bot.channels.zalo_delivery import render
    from bot.engine.messages import Button, Reply
    from bot.texts import say

    text = say("question.prefill.typed", "vi", value="29")
    rendered = render(Reply(text, buttons=((Button("29", "ans:members_total:29"),),)))
    assert rendered == "Theo sổ đơn vị: 29. Gõ “29” nếu đúng, hoặc gõ số khác."
    assert "Bấm nút 29 nếu đúng" in say("question.prefill", "vi", value="29")
