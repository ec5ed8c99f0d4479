"""The dialogue: an inbound event dispatched to what it asks for (joining, the report, the staff's commands),
and the report flow itself: asking each question, checking and storing answers, the summary, submitting.

Usage:
    outcome = Dialogue(engine, session, event).run()   # inside the event's transaction (Engine.handle)
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bot import formatting, parsing
from bot.engine import enrolment, staff
from bot.engine import questionnaire as qn
from bot.engine.messages import TYPED, Button, Outcome, Reply
from bot.engine.report import Report, ahead
from bot.engine.turn import Turn
from bot.texts import say
from storage import campaigns, chats, inbound, invites, outbox, people, submissions
from storage.campaign_spec import Question, QuestionType
from storage.models import Campaign, ConversationMode, Person, PersonState, SubmissionStatus, SubmissionVersion
from storage.units import fold

logger = logging.getLogger(__name__)

Mode = ConversationMode
COMMANDS = {
    "start": "start",
    "baocao": "report",
    "report": "report",
    "xem": "view",
    "view": "view",
    "sua": "edit",
    "edit": "edit",
    "huy": "cancel",
    "cancel": "cancel",
    "trogiup": "help",
    "help": "help",
}
# Typed words that open the report like /baocao, whatever step the chat is at: a nudge tells the reporter
# to type them, and no question's answer could be them.
OPEN_REPORT_WORDS = {"lam bao cao", "open the report"}
SKIP_WORDS = {"bo qua", "bỏ qua", "skip", "-", "khong co", "không có"}


SUBMIT_WORDS = {"gui", "nop", "gui bao cao", "send", "submit"}
# Typed words that go back to the question before the one asked (never stored as an answer).
BACK_WORDS = {"quay lai", "tro lai", "lui", "lui lai", "cau truoc", "quay lai cau truoc", "back", "go back"}
SAID_BACK = (QuestionType.single_choice, QuestionType.multi_choice, QuestionType.yes_no)  # typed: "Đã ghi: …"
EDIT_WORDS = {"sua", "edit", "change", "sua mot cau", "change an answer"}
FIGURES = (QuestionType.integer, QuestionType.date, QuestionType.date_list)  # "2" there is a figure, not "no"
REOPENED_NAMED = 3  # questions asked again after a change: their old answers are named up to this many
EXAMPLE = re.compile(r"ví dụ|e\.g\.", re.IGNORECASE)
_EDIT = re.compile(r"(?:(sua|edit|change) *)?(?:(?:cau|question) *)?(\d{1,4})")


def typed_edit(words: str, *, bare_number: bool) -> int | None:
    """The question number in a typed "sửa câu 5" / "edit 5" (folded); a number alone ("5", "câu 5") only
    where the reporter is choosing which answer to change (`bare_number`)."""
    match = _EDIT.fullmatch(words)
    if match is None or (match.group(1) is None and not bare_number):
        return None
    return int(match.group(2))


def moves(words: str) -> bool:
    """Whether typed words (folded) move in the questionnaire ("quay lại", "sửa câu 5", "sửa") rather than
    answer the question asked."""
    words = words.strip(" .!?")
    return words in BACK_WORDS or words in EDIT_WORDS or typed_edit(words, bare_number=False) is not None


def small_number(text: str) -> int | None:
    """A plain ASCII number of at most nine digits (button data, "sửa câu 5"), else None."""
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


class Dialogue(Turn):
    """A turn that answers its event: dispatch, then the feature that handles it."""

    def run(self) -> Outcome:
        event = self.event
        if event.event_id is not None and not inbound.first_delivery(
            self.session, channel=event.channel, event_id=event.event_id
        ):
            logger.info("update %s of %s already handled; not applied again", event.event_id, event.channel)
            return Outcome()
        if not event.private:
            return self.reply("chat.private_only")
        self.chat = chats.chat_of(self.session, channel=event.channel, user_id=event.user_id)
        self.conversation, person = self.chat.conversation, self.chat.person
        if person is not None and person.state is not PersonState.revoked:
            self.person = person
            people.reached(person, chat_id=event.chat_id, now=self.now)  # a session object: saved at commit
        if event.button is not None:
            outcome = self.on_button(event.button)
        elif (event.text or "").strip().startswith("/"):
            command, _, argument = (event.text or "").strip()[1:].partition(" ")
            outcome = self.on_command(command.split("@")[0].lower(), argument.strip())
        else:
            outcome = self.on_text((event.text or "").strip())
        self.conversation.updated_at = self.now
        chats.save_conversation(self.session, self.chat)
        return outcome

    def on_command(self, command: str, argument: str) -> Outcome:
        action = COMMANDS.get(command)
        if action == "start":
            return enrolment.join(self, argument) if argument else self.greet()
        if action == "help":
            return Outcome([Reply(self.help_text())])
        if action == "cancel":
            return self.cancel()
        if command in staff.STAFF_COMMANDS:
            if not self.is_staff():
                return self.reply("staff.only")
            return staff.command(self, staff.STAFF_COMMANDS[command], argument)
        if action is None:
            return Outcome([Reply(self.t("command.unknown", command=command[:32]) + "\n\n" + self.help_text())])
        if not self.is_reporter():
            return self.not_a_reporter()
        if action == "report":
            return self.open_report()
        if action == "view":
            return self.view()
        return self.amend()

    def on_text(self, text: str) -> Outcome:
        mode = self.conversation.mode
        if mode is Mode.confirm_join:
            answer = self.typed_button(text, {"button.join_yes": True, "button.join_no": False})
            if answer is None:
                return Outcome([enrolment.join_question(self)])
            return enrolment.confirm_join(self, answer)
        code = invites.typed_code(text, bare=self.person is None)  # Zalo has no deep links: codes are typed
        if code is not None:  # alone (someone not joined yet), or after "DK", "mã" (anyone: a second role)
            return enrolment.join(self, code)
        if self.person is None:
            return self.greet()
        if not self.is_reporter():
            return Outcome([Reply(self.help_text())])
        if not text:
            return Outcome([Reply(self.t("input.type_text"))])
        if fold(text) in OPEN_REPORT_WORDS:
            return self.open_report()
        if mode is Mode.pick_campaign:
            return self.pick_campaign_text(text)
        if mode in (Mode.answering, Mode.editing):
            return self.answer_text(text)
        if mode is Mode.confirm_warning:
            return self.warning_text(text)
        if mode is Mode.summary:
            return self.summary_text(text)
        if mode is Mode.pick_edit:
            return self.pick_edit_text(text)
        return self.reply("idle.hint")

    def on_button(self, data: str) -> Outcome:
        kind, _, rest = data.partition(":")
        if kind == "join" and self.conversation.mode is Mode.confirm_join:
            return enrolment.confirm_join(self, rest == "yes")
        if kind in staff.BUTTONS:
            return staff.button(self, kind, rest) if self.is_staff() else self.stale()
        if not self.is_reporter():
            return self.stale() if self.person is None or kind != "join" else self.not_a_reporter()
        if kind == "report":
            return self.open_report()
        if kind == "camp" and self.conversation.mode is Mode.pick_campaign:
            return self.choose_campaign(small_number(rest) or 0)
        report = self.report()
        if report is None:
            return self.stale()
        mode, asked = self.conversation.mode, self.conversation.question_id
        qid, _, value = rest.partition(":")
        if kind in ("ans", "skip", "tog", "done") and mode in (Mode.answering, Mode.editing) and qid == asked:
            question = report.question(qid)
            if question is None:
                return self.stale()
            if kind == "skip" and question.optional:
                return self.store(question, None, pressed=self.t("answer.skipped"))
            if kind == "tog" and question.type is QuestionType.multi_choice:
                return self.toggle(question, value)
            if kind == "done" and question.type is QuestionType.multi_choice:
                return self.accept(question, list(self.conversation.pending.get("selected", [])), pressed=True)
            if kind == "ans":
                return self.answer_button(question, value)
        if kind == "warn" and mode is Mode.confirm_warning:
            return self.resolve_warning(keep=rest == "keep")
        if kind == "submit" and mode is Mode.summary:
            return self.submit()
        if kind == "edit" and mode in (Mode.summary, Mode.pick_edit):
            return self.pick_edit_prompt()
        if kind == "editq" and mode in (Mode.summary, Mode.pick_edit):
            question = report.question(rest)
            return self.start_editing(question) if question else self.stale()
        return self.stale()

    def typed_button(self, text: str, labels: dict[str, bool]) -> bool | None:
        """A yes/no typed as a word or as one of the buttons' labels ("Xác nhận", "Nhập lại"); None if neither."""
        for key, answer in labels.items():
            if fold(text) == fold(self.t(key)):
                return answer
        try:
            return parsing.parse_yes_no(text)
        except parsing.ParseError:
            return None

    def stale(self) -> Outcome:
        """An old button: say so, and show the step the chat is at (the question asked, the summary…)."""
        outcome = self.current_step()
        outcome.notice = self.t("button.stale")
        return outcome

    def current_step(self) -> Outcome:
        mode = self.conversation.mode
        report = self.report() if self.is_reporter() and mode is not Mode.idle else None
        if report is not None and not report.closed:
            question = report.question(self.conversation.question_id or "")
            if mode in (Mode.answering, Mode.editing) and question is not None:
                return Outcome([Reply(self.t("button.stale_current")), self.ask(report, question)])
            if mode is Mode.summary:
                return Outcome([Reply(self.t("button.stale_current")), self.summary(report)])
            if mode is Mode.pick_edit:
                return self.pick_edit_prompt()
            pending = self.conversation.pending
            waiting = report.question(pending.get("question", ""))
            if mode is Mode.confirm_warning and waiting is not None:
                back_to = Mode(pending.get("return", Mode.answering.value))
                return self.confirm(report, waiting, waiting.decode(pending.get("value")), [], back_to=back_to)
        return Outcome([Reply(self.t("button.stale_hint"))])

    # --- who is this ---

    def greet(self) -> Outcome:
        if self.person is None:
            return self.reply("start.stranger")
        return Outcome([Reply(self.help_text())])

    def cancel(self) -> Outcome:
        busy = self.conversation.mode not in (Mode.idle,)
        self.conversation.mode, self.conversation.pending = Mode.idle, {}
        if not busy:
            return self.reply("cancel.nothing")
        if not self.is_reporter():
            return self.reply("cancel.nothing")
        report = self.report(to_change=False)
        latest = report.latest() if report is not None else None
        if report is not None and latest is not None and self.changes(report, latest):
            return self.reply("cancel.change_waiting")
        return self.reply("cancel.done")

    # --- the report ---

    def open_report(self) -> Outcome:
        """Start or resume the unit's report (/baocao)."""
        open_now = campaigns.open_campaigns(self.session, today=self.today)
        if len(open_now) > 1 and self.conversation.campaign_id not in {c.id for c in open_now}:
            return self.pick_campaign_prompt(open_now)
        report = self.report()
        if report is None:
            return self.reply("campaign.none")
        if report.closed:
            return self.reply("report.closed", closes_on=formatting.day(report.campaign.closes_on))
        submission = report.submission
        if submission.status is SubmissionStatus.submitted and report.draft_is_latest():
            return self.reply("report.already_submitted", version=submission.latest_version)
        outcome = Outcome()
        if not submission.draft_answers:
            outcome.replies.append(Reply(report.intro()))
        else:
            outcome.replies.append(Reply(self.t("report.resume")))
        if report.dropped:
            outcome.replies.append(Reply(self.t("report.questionnaire_changed", count=len(report.dropped))))
        follow = self.proceed(report)
        outcome.replies.extend(follow.replies)
        return outcome

    def pick_campaign_prompt(self, open_now: list[Campaign]) -> Outcome:
        self.conversation.mode = Mode.pick_campaign
        choices = tuple(Button(c.title, f"camp:{c.id}") for c in open_now)
        return Outcome([Reply(self.t("campaign.pick"), choices=choices)])

    def pick_campaign_text(self, text: str) -> Outcome:
        open_now = campaigns.open_campaigns(self.session, today=self.today)
        try:
            chosen = parsing.match_choice(text, [(str(c.id), c.title) for c in open_now])
        except parsing.ParseError as exc:
            return Outcome([Reply(self.t(exc.key, **exc.params)), *self.pick_campaign_prompt(open_now).replies])
        return self.choose_campaign(int(chosen))

    def choose_campaign(self, campaign_id: int) -> Outcome:
        open_now = campaigns.open_campaigns(self.session, today=self.today)
        if campaign_id not in {c.id for c in open_now}:
            return self.stale()
        self.conversation.campaign_id, self.conversation.mode = campaign_id, Mode.idle
        self.forget_report()
        return self.open_report()

    def proceed(self, report: Report, before: list[str] | None = None, *, answered: str | None = None) -> Outcome:
        """Ask the next unanswered question, or show the summary when none is left. Answers a rule no longer
        allows are dropped and asked again: after `answered` (the question just answered), or all."""
        notes = list(before or [])
        for broken, problem in report.walk.broken(self.lang, after=answered):
            notes.append(self.t("report.reask", number=report.walk.number(broken.id), problem=problem))
            report.walk.drop(broken.id)
        report.save()
        if answered is not None:
            warned = self.recheck(report, answered, notes)
            if warned is not None:
                return warned
        question = report.walk.next_question()
        replies = [Reply("\n".join(notes))] if notes else []
        if question is None:
            replies.append(self.summary(report))
        else:
            replies.append(self.ask(report, question))
        return Outcome(replies)

    def recheck(self, report: Report, answered: str, notes: list[str]) -> Outcome | None:
        """The soft checks of the answers after `answered`, read again with its new value (raising the member
        total can make an attendance fall under 70 %): the first that holds is confirmed again."""
        values = report.walk.values()
        questions = report.walk.applicable()
        ids = [q.id for q in questions]
        for later in questions[ids.index(answered) + 1 :] if answered in ids else []:
            if report.answers.get(later.id) is None:
                continue
            warned = qn.warnings(later, values, self.lang)
            if warned:
                why = [self.t("report.recheck", number=report.walk.number(later.id)), *warned]
                outcome = self.confirm(report, later, values[later.id], why, back_to=Mode.editing)
                outcome.replies[:0] = [Reply("\n".join(notes))] if notes else []
                return outcome
        return None

    def ask(self, report: Report, question: Question, current: bool = False) -> Reply:
        """The question as a message with its buttons; remembers it as the question asked."""
        self.conversation.question_id = question.id
        if self.conversation.mode is not Mode.editing:
            self.conversation.mode = Mode.answering
        values = report.walk.values()
        lines = [self.t("question.heading", number=report.walk.number(question.id), text=question.text.get(self.lang))]
        if question.hint:
            lines.append(question.hint.get(self.lang))
        if not EXAMPLE.search("\n".join(lines)):  # the question gives its own example: no second one
            lines.append(self.t(f"question.hint.{question.type.value}"))
        if current and question.id in report.answers:
            lines.append(
                self.t("question.current", answer=qn.display(question, report.answers[question.id], self.lang))
            )
        choices: tuple[Button, ...] = ()
        buttons: list[tuple[Button, ...]] = []
        if question.type is QuestionType.single_choice:
            choices = tuple(Button(c.label(self.lang), f"ans:{question.id}:{c.id}") for c in question.choices)
        elif question.type is QuestionType.multi_choice:
            selected = (
                set(self.conversation.pending.get("selected", []))
                if self.conversation.pending.get("question") == question.id
                else set()
            )
            self.conversation.pending = {"question": question.id, "selected": sorted(selected)}
            choices = tuple(
                Button(("✅ " if c.id in selected else "") + c.label(self.lang), f"tog:{question.id}:{c.id}")
                for c in question.choices
            )
            if self.event.channel not in TYPED:  # typed, "1, 3" answers at once: no "Xong" step
                buttons.append((Button(self.t("button.done"), f"done:{question.id}"),))
        elif question.type is QuestionType.yes_no:
            buttons.append(
                (
                    Button(self.t("answer.yes"), f"ans:{question.id}:yes"),
                    Button(self.t("answer.no"), f"ans:{question.id}:no"),
                )
            )
        proposed = qn.prefill(question, values)
        if proposed is not None and question.id not in report.answers:
            lines.append(self.t("question.prefill", value=formatting.value(proposed)))
            buttons.append((Button(formatting.value(proposed), f"ans:{question.id}:{proposed}"),))
        if question.optional:
            lines.append(self.t("question.optional"))
            buttons.append((Button(self.t("button.skip"), f"skip:{question.id}"),))
        return Reply("\n".join(lines), choices=choices, buttons=tuple(buttons))

    def answer_text(self, text: str) -> Outcome:
        report = self.report()
        if report is None:
            return self.reply("campaign.none")
        question = report.question(self.conversation.question_id or "")
        if question is None:  # the questionnaire changed: move on to what is open now
            return self.proceed(report)
        moved = self.navigate(report, question, fold(text).strip(" .!?"))
        if moved is not None:
            return moved
        if self.answered_elsewhere(report, question):
            return self.elsewhere(report, question)
        if question.optional and fold(text) in SKIP_WORDS:
            return self.store(question, None)
        try:
            value = qn.read(question, text, self.today, self.lang)
        except qn.Unsure as unsure:  # "khoảng 30": asked back before anything is stored
            return self.confirm(report, question, unsure.value, [unsure.message], asked=True)
        except qn.AnswerError as exc:
            return Outcome([Reply(str(exc)), self.ask(report, question)])
        return self.accept(question, value, typed=True)

    def navigate(self, report: Report, question: Question, words: str) -> Outcome | None:
        """ "quay lại" (the question before), "sửa câu N", "sửa": moving in the questionnaire, at any question,
        free text included; None when the words are an answer."""
        if words in BACK_WORDS:
            applicable = report.walk.applicable()
            at = applicable.index(question) if question in applicable else len(applicable)
            if at == 0:
                return Outcome([Reply(self.t("nav.first")), self.ask(report, question)])
            return self.start_editing(applicable[at - 1])
        number = typed_edit(words, bare_number=False)
        if number is not None:
            return self.edit_number(number)
        if words in EDIT_WORDS:
            return self.pick_edit_prompt()
        return None

    def answer_button(self, question: Question, value: str) -> Outcome:
        if question.type is QuestionType.yes_no:
            return self.accept(question, value == "yes", pressed=True)
        if question.type is QuestionType.single_choice and value in {c.id for c in question.choices}:
            return self.accept(question, value, pressed=True)
        number = small_number(value)
        if question.type is QuestionType.integer and number is not None:
            return self.accept(question, number, pressed=True)
        return self.stale()

    def toggle(self, question: Question, choice_id: str) -> Outcome:
        pending = self.conversation.pending
        selected = set(pending.get("selected", [])) if pending.get("question") == question.id else set()
        if choice_id in {c.id for c in question.choices}:
            selected ^= {choice_id}
        self.conversation.pending = {"question": question.id, "selected": sorted(selected)}
        assert self._report is not None
        return Outcome(edit=self.ask(self._report, question), notice=self.t("button.toggled"))

    def elsewhere(self, report: Report, question: Question) -> Outcome:
        """Another reporter answered the question asked: say what was kept, and go on."""
        number = report.walk.number(question.id)
        kept = qn.display(question, report.answers.get(question.id), self.lang)
        return self.proceed(report, [self.t("report.answered_elsewhere", number=number, answer=kept)])

    def answered_elsewhere(self, report: Report, question: Question) -> bool:
        """The question asked has been answered since by another reporter of the unit (they share the draft):
        their answer stays, and this reporter is told and moves on (editing an answer changes it, though)."""
        return self.conversation.mode is Mode.answering and question.id in report.answers

    def accept(self, question: Question, value: Any, pressed: bool = False, typed: bool = False) -> Outcome:
        """Check an answer against the rules and soft checks, then store it or ask again. A `typed` choice or
        yes/no is said back ("Đã ghi: …"): the reporter sees what was understood."""
        report = self.report()
        assert report is not None
        if self.answered_elsewhere(report, question):
            return self.elsewhere(report, question)
        values = {**report.walk.values(), question.id: value}
        problem = qn.rule_problem(question, value, values, report.walk, self.lang)
        if problem is not None:
            return Outcome([Reply(problem), self.ask(report, question)], notice=problem if pressed else None)
        warned = qn.warnings(question, values, self.lang)
        if warned:
            outcome = self.confirm(report, question, value, warned)
            outcome.edit = self.answered(report, question, value) if pressed else None
            return outcome
        shown = qn.display(question, question.encode(value), self.lang)
        if typed and question.type in SAID_BACK:
            return self.store(question, value, before=[self.t("answer.recorded", answer=shown)])
        return self.store(question, value, pressed=shown if pressed else None)

    def confirm(
        self,
        report: Report,
        question: Question,
        value: Any,
        why: list[str],
        *,
        back_to: Mode | None = None,
        asked: bool = False,
    ) -> Outcome:
        """Ask the reporter to confirm `value` for `question` (a soft warning, a guess like "khoảng 30", whose
        own text is the question: `asked`): keep stores it, retype asks the question again (in `back_to` mode,
        by default the current one)."""
        self.conversation.pending = {
            "question": question.id,
            "value": question.encode(value),
            "return": (back_to or self.conversation.mode).value,
        }
        self.conversation.mode = Mode.confirm_warning
        answer = qn.display(question, question.encode(value), self.lang)
        text = "\n".join([*why, self.t("warning.how" if asked else "warning.confirm", answer=answer)])
        buttons = ((Button(self.t("button.keep"), "warn:keep"), Button(self.t("button.retype"), "warn:retype")),)
        return Outcome([Reply(text, buttons=buttons)])

    def answered(self, report: Report, question: Question, value: Any) -> Reply:
        """The question's message once answered by a button: its text and the choice, no buttons."""
        heading = self.t("question.heading", number=report.walk.number(question.id), text=question.text.get(self.lang))
        return Reply(f"{heading}\n➜ {qn.display(question, question.encode(value), self.lang)}")

    def store(
        self, question: Question, value: Any, pressed: str | None = None, before: list[str] | None = None
    ) -> Outcome:
        report = self.report()
        assert report is not None
        if self.answered_elsewhere(report, question):  # a skip, or an answer kept after its warning
            return self.elsewhere(report, question)
        heading_edit = None
        if pressed is not None:
            heading = self.t(
                "question.heading", number=report.walk.number(question.id), text=question.text.get(self.lang)
            )
            heading_edit = Reply(f"{heading}\n➜ {pressed}")
        asked = {q.id for q in report.walk.applicable()}
        report.walk.set(question.id, question.encode(value))
        self.conversation.pending = {}
        notes = list(before or [])
        line = qn.shown(question, report.walk.values(), self.lang)
        if line:
            notes.append(line)
        notes += self.reopen(report, asked)
        outcome = self.proceed(report, notes, answered=question.id)
        outcome.edit = heading_edit
        return outcome

    def reopen(self, report: Report, asked: set[str]) -> list[str]:
        """Questions that apply again after a change, with an answer from before (kept in the draft while they
        did not apply): that answer was given under other figures, so it is dropped and the question asked
        again, never carried back silently. One note names them (with their old answers when few)."""
        numbers: list[str] = []
        olds = []
        while True:  # one at a time: dropping an answer can hide the questions that hung on it
            question = next((q for q in report.walk.applicable() if q.id not in asked and q.id in report.answers), None)
            if question is None:
                break
            number = report.walk.number(question.id)
            answer = qn.display(question, report.answers[question.id], self.lang)
            olds.append(self.t("report.old_answer", number=number, answer=answer))
            numbers.append(str(number))
            report.walk.drop(question.id)
        if not numbers:
            return []
        if len(numbers) > REOPENED_NAMED:  # a long list of old answers helps nobody: the numbers say enough
            return [self.t("report.reopened_many", numbers=", ".join(numbers), count=len(numbers))]
        return [self.t("report.reopened", numbers=", ".join(numbers), answers="; ".join(olds))]

    def warning_text(self, text: str) -> Outcome:
        report = self.report()
        waiting = report.question(self.conversation.pending.get("question", "")) if report else None
        figures = waiting is not None and waiting.type in FIGURES and re.search(r"[0-9]", text)
        keep = None if figures else self.typed_button(text, {"button.keep": True, "button.retype": False})
        if keep is not None:
            return self.resolve_warning(keep)
        # Neither yes nor no (a figure typed at a number or date is one): a fresh answer to the same question.
        self.conversation.mode = Mode(self.conversation.pending.get("return", Mode.answering.value))
        self.conversation.pending = {}
        return self.answer_text(text)

    def resolve_warning(self, keep: bool) -> Outcome:
        report = self.report()
        pending = self.conversation.pending
        question = report.question(pending.get("question", "")) if report else None
        if report is None or question is None:
            return self.stale()
        self.conversation.mode = Mode(pending.get("return", Mode.answering.value))
        if keep:
            return self.store(question, question.decode(pending.get("value")))
        self.conversation.pending = {}
        return Outcome([self.ask(report, question)])

    def summary(self, report: Report) -> Reply:
        self.conversation.mode, self.conversation.question_id = Mode.summary, None
        lines = [self.t("summary.heading", unit=report.unit.name), ""]
        lines += report.lines(report.walk.final())
        lines += ["", self.t("summary.footer")]
        buttons = ((Button(self.t("button.submit"), "submit"), Button(self.t("button.edit"), "edit")),)
        return Reply("\n".join(lines), buttons=buttons)

    def summary_text(self, text: str) -> Outcome:
        words = fold(text)
        if words in SUBMIT_WORDS:
            return self.submit()
        number = typed_edit(words, bare_number=False)
        if number is not None:
            return self.edit_number(number)
        if words in EDIT_WORDS:
            return self.pick_edit_prompt()
        report = self.report()
        assert report is not None
        if words.strip(" .!?") in BACK_WORDS:  # back from the summary: the last question
            return self.start_editing(report.walk.applicable()[-1])
        return Outcome([Reply(self.t("summary.unclear")), self.summary(report)])

    def pick_edit_prompt(self) -> Outcome:
        report = self.report()
        assert report is not None
        self.conversation.mode = Mode.pick_edit
        applicable = [q for q in report.walk.applicable() if q.id in report.answers]
        numbers = [Button(str(report.walk.number(q.id)), f"editq:{q.id}") for q in applicable]
        rows = tuple(tuple(numbers[i : i + 6]) for i in range(0, len(numbers), 6))
        last = max((report.walk.number(q.id) for q in applicable), default=0)
        return Outcome([Reply(self.t("edit.which", count=last), buttons=rows)])

    def pick_edit_text(self, text: str) -> Outcome:
        words = fold(text)
        number = typed_edit(words, bare_number=True)
        if number is not None:
            return self.edit_number(number)
        if words in SUBMIT_WORDS:
            return self.submit()
        if words.strip(" .!?") in BACK_WORDS:
            report = self.report()
            assert report is not None
            return Outcome([self.summary(report)])
        return self.pick_edit_prompt()

    def edit_number(self, number: int) -> Outcome:
        report = self.report()
        assert report is not None
        applicable = report.walk.applicable()
        if not 1 <= number <= len(applicable):
            return Outcome([Reply(self.t("edit.no_such", number=number, count=len(applicable)))])
        return self.start_editing(applicable[number - 1])

    def start_editing(self, question: Question | None) -> Outcome:
        report = self.report()
        if report is None or question is None or question not in report.walk.applicable():
            return self.stale()
        if report.closed:
            return self.reply("report.closed", closes_on=formatting.day(report.campaign.closes_on))
        self.conversation.mode, self.conversation.pending = Mode.editing, {}
        return Outcome([self.ask(report, question, current=True)])

    def submit(self) -> Outcome:
        report = self.report()
        assert report is not None
        if report.closed:
            return self.reply("report.closed", closes_on=formatting.day(report.campaign.closes_on))
        if report.walk.next_question() is not None or report.walk.broken(self.lang):
            return self.proceed(report)
        answers = report.walk.final()
        sent = report.sent_already(answers)
        if sent is not None:
            return self.sent_already(*sent)
        late = self.today > report.campaign.report_deadline
        version = submissions.submit(
            self.session,
            submission=report.submission,
            answers=answers,
            questionnaire_version=report.campaign.questionnaire_version,
            person_id=self.person.id if self.person else None,
            late=late,
            now=self.now,
        )
        self.conversation.mode, self.conversation.question_id, self.conversation.pending = Mode.idle, None, {}
        local = version.submitted_at.astimezone(self.engine.timezone)
        at = formatting.moment(local, self.lang)
        text = self.t("submit.done", version=version.version, at=at, unit=report.unit.name)
        self.tell_co_reporters(report, version.version, at)
        if late:
            text += "\n" + self.t("submit.late", deadline=formatting.day(report.campaign.report_deadline))
        return Outcome([Reply(text)], notice=self.t("submit.notice"))

    def tell_co_reporters(self, report: Report, version: int, at: str) -> None:
        """The unit's other reporters hear that the report went (they share its draft), through the outbox."""
        name = (self.person.display_name if self.person is not None else "") or self.t("submit.by_unnamed")
        text = say("submit.by_co_reporter", self.lang, name=name, version=version, at=at)  # not this chat's variant
        key = f"submitted:{report.submission.id}:{version}"  # one notice a version, however often this runs
        for other in people.unit_reporters(self.session, unit_id=report.unit.id or 0):
            if self.person is None or other.id != self.person.id:
                outbox.add_notice(
                    self.session, person=other, key=key, text=text, campaign_id=report.campaign.id, now=self.now
                )

    def sent_already(self, version: SubmissionVersion, sender: Person | None) -> Outcome:
        """These answers are the unit's last version already: say who sent it, and make no copy of it (two
        reporters pressed "send" at once; the second waited for the first, storage.submissions.lock_draft)."""
        self.conversation.mode, self.conversation.question_id, self.conversation.pending = Mode.idle, None, {}
        at = formatting.moment(version.submitted_at.astimezone(self.engine.timezone), self.lang)
        if sender is not None and self.person is not None and sender.id == self.person.id:
            who = self.t("submit.by_you")
        elif sender is not None and sender.display_name:
            who = self.t("submit.by_named", name=sender.display_name)
        else:
            who = self.t("submit.by_unnamed")
        return self.reply("submit.already_sent", who=who, version=version.version, at=at)

    def view(self) -> Outcome:
        report = self.report(to_change=False)
        if report is None:
            return self.reply("campaign.none")
        latest = report.latest()
        if latest is None:
            return self.view_draft(report) if report.walk.final() else self.reply("view.nothing")
        questions = campaigns.questionnaire_at(
            self.session, campaign_id=report.campaign.id or 0, version=latest.questionnaire_version
        )
        at = formatting.moment(latest.submitted_at.astimezone(self.engine.timezone), self.lang)
        lines = [
            self.t("view.heading", unit=report.unit.name, version=latest.version, at=at),
            *([self.t("view.late")] if latest.late else []),
            "",
        ]
        lines += report.lines(latest.answers, questions)
        changed = [] if report.closed else self.changes(report, latest)
        if changed:
            lines += ["", self.t("view.pending_change", count=len(changed)), *changed]
            button = ((Button(self.t("button.send_change"), "report"),),)
            return Outcome([Reply("\n".join(lines), buttons=button)])
        if not report.closed:
            lines += ["", self.t("view.footer")]
        return Outcome([Reply("\n".join(lines))])

    def changes(self, report: Report, latest: SubmissionVersion) -> list[str]:
        """The answers of the draft that differ from the version sent ("Câu 7 (Tổng số đảng viên): 30 → 32"):
        a change begun with /sua and not sent."""
        draft, sent = report.walk.final(), latest.answers
        if draft == sent:
            return []
        lines = []
        for question in report.walk.applicable():
            if question.id in draft and draft.get(question.id) != sent.get(question.id):
                before = qn.display(question, sent[question.id], self.lang) if question.id in sent else "—"
                after = qn.display(question, draft[question.id], self.lang)
                number = report.walk.number(question.id)
                lines.append(
                    self.t("view.changed", number=number, short=question.short(self.lang), before=before, after=after)
                )
        return lines or [self.t("view.changed_other")]

    def view_draft(self, report: Report) -> Outcome:
        """/xem before the first sending: what is answered, what is still ahead, and the button to go on."""
        answered = report.walk.final()
        left = ahead(report.walk)
        lines = [
            self.t(
                "view.draft_heading", unit=report.unit.name, answered=len(answered), total=len(answered) + len(left)
            ),
            "",
            *report.lines(answered),
        ]
        if left:
            first = report.walk.number(left[0].id)
            lines += ["", self.t("view.draft_left", count=len(left), first=first)]
        button = ((Button(self.t("button.open_report"), "report"),),)
        return Outcome([Reply("\n".join(lines), buttons=button)])

    def amend(self) -> Outcome:
        """/sua: pick an answer of the submitted report to change; submitting makes a new version."""
        report = self.report(to_change=False)
        if report is None:
            return self.reply("campaign.none")
        if report.closed:
            return self.reply("report.closed", closes_on=formatting.day(report.campaign.closes_on))
        if report.submission.status is not SubmissionStatus.submitted:
            if not report.walk.final():
                return self.reply("edit.not_submitted")
            return self.pick_edit_prompt()  # in the middle of the report: which answer to change
        summary = self.summary(report)
        prompt = self.pick_edit_prompt()
        return Outcome([summary, *prompt.replies])
