"""The Telegram handlers, in process: real python-telegram-bot updates through nqbot's handlers and engine,
with an offline Bot API (tests/fakes/offline_telegram.py) recording what the bot sends."""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlmodel import func, select
from telegram.error import NetworkError
from telegram.ext import CallbackContext

from bot.channels.telegram import TelegramChannel, register_menu
from bot.engine import Attachment, Engine, Inbound, Outcome, Reply
from bot.texts import say
from storage import submissions, units
from storage.database import Database
from storage.models import Campaign, Conversation, InboundEvent, Person
from tests.dialogue import FULL_REPORT, invite_code, stored
from tests.fakes.offline_telegram import (
    AnyApplication,
    Call,
    OfflineRequest,
    UnexpectedCall,
    button_update,
    callback_data,
    feed,
    offline_application,
    photo_update,
    sticker_update,
    text_update,
)

USER = 4201
FIRST_QUESTION_BUTTONS = ["ans:held:self_organised", "ans:held:with_bloc", "ans:held:not_yet"]


@pytest.fixture
async def bot(engine: Engine) -> AsyncIterator[tuple[AnyApplication, OfflineRequest]]:
    application, api = await offline_application(engine)
    yield application, api
    await application.shutdown()
    api.assert_no_unexpected()


@pytest.fixture
def update_ids() -> Iterator[int]:
    return itertools.count(1)


class Player:
    """One Telegram user in a private chat with the bot: types text and presses buttons on the bot's messages."""

    def __init__(
        self, bot: tuple[AnyApplication, OfflineRequest], update_ids: Iterator[int], user_id: int = USER
    ) -> None:
        self.application, self.api = bot
        self.update_ids = update_ids
        self.user_id = user_id

    async def deliver(self, update: dict[str, Any]) -> list[Call]:
        """Process one update; return the Bot API calls it made."""
        before = len(self.api.calls)
        await feed(self.application, update)
        return self.api.calls[before:]

    async def say(self, text: str) -> list[Call]:
        return await self.deliver(text_update(next(self.update_ids), self.user_id, text))

    async def press(self, data: str) -> list[Call]:
        """Press the button with this callback data on the latest bot message that carries it."""
        message = self.api.message_with_button(self.user_id, data)
        return await self.deliver(
            button_update(next(self.update_ids), self.user_id, message["message_id"], data, message=message)
        )

    async def enrol(self, database: Database, unit_code: str = "CB-SNV") -> list[Call]:
        code = invite_code(database, unit_code)
        await self.say(f"/start {code}")
        return await self.press("join:yes")


def sent(calls: list[Call]) -> list[dict[str, Any]]:
    return [call.params for call in calls if call.method == "sendMessage"]


def methods(calls: list[Call]) -> list[str]:
    return [call.method for call in calls]


async def count(database: Database, model: type[Any]) -> int:
    with database.session() as session:
        return int((session.exec(select(func.count()).select_from(model))).one())


async def test_enrolling_sends_the_first_question_with_the_engines_buttons(
    bot: tuple[AnyApplication, OfflineRequest], update_ids: Iterator[int], database: Database
) -> None:
    person = Player(bot, update_ids)
    code = invite_code(database, "CB-SNV")
    calls = await person.say(f"/start {code}")
    [confirm] = sent(calls)
    assert "Chi bộ Sở Nội vụ" in confirm["text"]
    assert callback_data(confirm["reply_markup"]) == ["join:yes", "join:no"]

    calls = await person.press("join:yes")
    assert methods(calls)[0] == "answerCallbackQuery"
    assert "editMessageText" not in methods(calls)  # confirming edits nothing: the welcome follows
    replies = sent(calls)
    assert "Đồng chí đã được ghi nhận là người báo cáo của Chi bộ Sở Nội vụ" in replies[0]["text"]
    question = replies[-1]
    assert "Câu 1." in question["text"]
    assert callback_data(question["reply_markup"]) == FIRST_QUESTION_BUTTONS
    rows = question["reply_markup"]["inline_keyboard"]
    assert all(len(row) == 1 and row[0]["text"] for row in rows)  # choices: one a row, labelled
    assert all("reply_markup" not in reply for reply in replies[:-1])


async def test_pressing_a_choice_answers_edits_the_question_and_asks_the_next(
    bot: tuple[AnyApplication, OfflineRequest], update_ids: Iterator[int], database: Database
) -> None:
    _, api = bot
    person = Player(bot, update_ids)
    await person.enrol(database)
    question = api.message_with_button(USER, "ans:held:self_organised")
    label = next(
        button["text"]
        for row in question["reply_markup"]["inline_keyboard"]
        for button in row
        if button["callback_data"] == "ans:held:self_organised"
    )

    calls = await person.press("ans:held:self_organised")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    answer, edit, following = (call.params for call in calls)
    assert answer["callback_query_id"].startswith("cq-")
    assert edit["chat_id"] == USER and edit["message_id"] == question["message_id"]
    assert "Câu 1." in edit["text"] and f"➜ {label}" in edit["text"]
    assert "reply_markup" not in edit  # the answered question loses its buttons
    assert "Câu 2." in following["text"]


async def test_a_typed_choice_is_said_back_in_the_same_message_as_the_next_question(
    bot: tuple[AnyApplication, OfflineRequest], update_ids: Iterator[int], database: Database
) -> None:
    """A turn's text replies go as one message when they fit: one notification per answer, not two."""
    person = Player(bot, update_ids)
    await person.enrol(database)
    await person.press("ans:held:self_organised")
    await person.say("13/9, 14/9")
    calls = await person.say("trực tuyến")  # the format, typed: said back, then question 4
    assert methods(calls) == ["sendMessage"]
    text = calls[0].params["text"]
    assert text.startswith("Đã ghi: Trực tuyến.") and "\n\nCâu 4." in text


async def test_a_full_report_through_the_handlers_is_stored(
    bot: tuple[AnyApplication, OfflineRequest], update_ids: Iterator[int], database: Database, loaded: Campaign
) -> None:
    person = Player(bot, update_ids)
    await person.enrol(database)
    for kind, value in FULL_REPORT:
        calls = await person.press(value) if kind == "press" else await person.say(value)
        assert sent(calls), f"no reply to {kind} {value!r}"
    summary = sent(calls)[-1]
    assert "Báo cáo của Chi bộ Sở Nội vụ:" in summary["text"]
    assert callback_data(summary["reply_markup"]) == ["submit", "edit"]

    calls = await person.press("submit")
    notice = next(call.params for call in calls if call.method == "answerCallbackQuery")
    assert notice["text"] == say("submit.notice")
    assert "Đã gửi báo cáo của Chi bộ Sở Nội vụ (lần 1) lúc 08:00 ngày 15/09/2022" in sent(calls)[-1]["text"]

    with database.session() as session:
        unit = units.get_unit(session, code="CB-SNV")
        assert unit is not None and unit.id is not None and loaded.id is not None
        submission = submissions.get_submission(session, campaign_id=loaded.id, unit_id=unit.id)
        assert submission is not None and submission.id is not None
        [version] = submissions.list_versions(session, submission_id=submission.id)
    assert version.version == 1 and not version.late
    assert version.answers["held"] == "self_organised"
    assert version.answers["session_dates"] == ["2022-09-13", "2022-09-14"]
    assert version.answers["members_attended"] == 26
    assert version.answers["action_plan_number"] == "05-KH/CB"
    assert version.answers["proposals"] is None
    assert len(version.answers) == 25


async def test_a_command_in_a_group_is_told_to_write_privately_and_nothing_is_stored(
    bot: tuple[AnyApplication, OfflineRequest], update_ids: Iterator[int], database: Database
) -> None:
    person = Player(bot, update_ids)
    code = invite_code(database, "CB-SNV")
    calls = await person.deliver(text_update(next(update_ids), USER, f"/start {code}", chat_type="group"))
    [reply] = sent(calls)
    assert reply["chat_id"] == -USER
    assert reply["text"] == say("chat.private_only")
    calls = await person.deliver(text_update(next(update_ids), USER, "/baocao@nqbot_test_bot", chat_type="supergroup"))
    assert [r["text"] for r in sent(calls)] == [say("chat.private_only")]
    # Plain talk in a group is not the bot's business: no reply (it would answer every message otherwise).
    assert await person.deliver(text_update(next(update_ids), USER, "chào cả nhà", chat_type="group")) == []
    # A button pressed in a group is acknowledged and ignored.
    group_message = {"message_id": 7, "chat": {"id": -USER, "type": "group", "title": "Chi bộ"}}
    calls = await person.deliver(button_update(next(update_ids), USER, 7, "join:yes", message=group_message))
    assert methods(calls) == ["answerCallbackQuery"]
    for model in (InboundEvent, Conversation, Person):
        assert await count(database, model) == 0, model.__name__


async def test_an_edited_earlier_message_is_not_taken_as_the_answer_to_the_current_question(
    bot: tuple[AnyApplication, OfflineRequest], update_ids: Iterator[int], database: Database, loaded: Campaign
) -> None:
    person = Player(bot, update_ids)
    await person.enrol(database)
    for kind, value in FULL_REPORT[:5]:  # up to "sessions" (typed "2"); the presenter is being asked
        await (person.press(value) if kind == "press" else person.say(value))
    update = text_update(next(update_ids), USER, "3")  # the reporter edits their "2" to "3"
    message = update.pop("message")
    update["edited_message"] = message | {"edit_date": message["date"] + 60}
    assert await person.deliver(update) == []  # no reply,
    draft, _ = stored(database, loaded, "CB-SNV")
    assert "presenter" not in draft  # and not taken as the answer to the question asked now


@pytest.mark.parametrize("make", [sticker_update, photo_update], ids=["sticker", "photo"])
async def test_a_sticker_or_photo_in_private_is_asked_to_type(
    bot: tuple[AnyApplication, OfflineRequest], update_ids: Iterator[int], database: Database, make: Any
) -> None:
    person = Player(bot, update_ids)
    calls = await person.deliver(make(next(update_ids), USER))
    assert [(r["chat_id"], r["text"]) for r in sent(calls)] == [(USER, say("input.unsupported"))]
    assert await count(database, InboundEvent) == 0


async def test_an_update_delivered_twice_is_answered_once(
    bot: tuple[AnyApplication, OfflineRequest], update_ids: Iterator[int], database: Database
) -> None:
    person = Player(bot, update_ids)
    await person.enrol(database)
    await person.press("ans:held:self_organised")

    typed = text_update(next(update_ids), USER, "13/9, 14/9")
    first = await person.deliver(typed)
    assert "Câu 3." in sent(first)[-1]["text"]
    assert await person.deliver(typed) == []

    question = sent(first)[-1]
    pressed = button_update(next(update_ids), USER, 0, "ans:format:online", message=question)
    assert "ans:format:online" in callback_data(question["reply_markup"])
    first = await person.deliver(pressed)
    assert methods(first) == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    again = await person.deliver(pressed)
    assert methods(again) == ["answerCallbackQuery"]  # the spinner stops; nothing is edited or sent again
    assert "text" not in again[0].params

    calls = await person.say("2")  # the conversation went on from where the first deliveries left it
    assert "Câu 5." in sent(calls)[-1]["text"]


async def test_an_engine_error_is_logged_answered_and_the_next_update_goes_through(
    bot: tuple[AnyApplication, OfflineRequest],
    update_ids: Iterator[int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = Player(bot, update_ids)
    handle = Engine.handle
    failures: list[Inbound] = []

    async def failing_once(self: Engine, event: Inbound) -> Outcome:
        if not failures:
            failures.append(event)
            raise RuntimeError("database went away")
        return await handle(self, event)

    monkeypatch.setattr(Engine, "handle", failing_once)
    with caplog.at_level(logging.ERROR, logger="bot.channels.telegram"):
        calls = await person.say("/start")
    assert [(r["chat_id"], r["text"]) for r in sent(calls)] == [(USER, say("error.retry"))]
    [record] = [r for r in caplog.records if r.name == "bot.channels.telegram"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)

    calls = await person.say("/start")
    assert [r["text"] for r in sent(calls)] == [say("start.stranger")]


@pytest.mark.parametrize(
    ("language", "commands"),
    [("vi", ["baocao", "xem", "sua", "huy", "trogiup"]), ("en", ["report", "view", "edit", "cancel", "help"])],
)
async def test_the_menu_is_registered_for_private_chats(
    bot: tuple[AnyApplication, OfflineRequest], language: str, commands: list[str]
) -> None:
    application, api = bot
    await register_menu(application, language)
    [call] = api.of("setMyCommands")
    assert [c["command"] for c in call.params["commands"]] == commands
    assert call.params["commands"][0]["description"] == say("menu.report", language)
    assert call.params["scope"] == {"type": "all_private_chats"}


async def test_a_long_reply_is_split_and_an_attachment_is_sent_as_a_document(
    bot: tuple[AnyApplication, OfflineRequest], engine: Engine
) -> None:
    application, api = bot
    context: CallbackContext[Any, Any, Any, Any] = CallbackContext(application)
    long_text = "\n".join(f"{i}. " + "x" * 100 for i in range(80))  # about 8,400 characters
    reply = Reply(long_text, attachment=Attachment("bao-cao.csv", b"a,b\n1,2\n", caption="Tổng hợp"))
    await TelegramChannel(engine, "vi").send(context, USER, Outcome([reply]))
    pieces = api.sent(USER)
    assert len(pieces) == 3 and all(len(p["text"]) <= 4096 for p in pieces)
    assert "\n".join(p["text"] for p in pieces) == long_text
    [document] = api.of("sendDocument")
    assert document.params["caption"] == "Tổng hợp"
    assert document.files["document"] == ("bao-cao.csv", b"a,b\n1,2\n")


async def test_the_offline_api_refuses_any_other_method(bot: tuple[AnyApplication, OfflineRequest]) -> None:
    application, api = bot
    with pytest.raises(NetworkError) as caught:
        await application.bot.get_chat(USER)
    assert isinstance(caught.value.__cause__, UnexpectedCall)
    assert [call.method for call in api.unexpected] == ["getChat"]
    with pytest.raises(UnexpectedCall, match="getChat"):
        api.assert_no_unexpected()
    api.unexpected.clear()


async def test_a_new_staff_member_gets_the_staff_menu_and_charts_come_as_photos(
    bot: tuple[AnyApplication, OfflineRequest], update_ids: Iterator[int], database: Database
) -> None:
    from storage.models import Role

    staff = Player(bot, update_ids, user_id=4242)
    await staff.say(f"/start {invite_code(database, '', role=Role.staff)}")
    calls = await staff.press("join:yes")
    [menu] = [call for call in calls if call.method == "setMyCommands"]
    assert menu.params["scope"] == {"type": "chat", "chat_id": 4242}
    assert [c["command"] for c in menu.params["commands"]][:4] == ["tinhhinh", "chuanop", "donvi", "thongke"]
    calls = await staff.say("/thongke")
    [photo] = [call for call in calls if call.method == "sendPhoto"]
    assert photo.files["photo"][1][:8] == b"\x89PNG\r\n\x1a\n"
