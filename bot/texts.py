"""Every text the bot says, keyed by name: Vietnamese first, English second.

`say("key", language, **params)` formats one. Reporters are addressed as "đồng chí", never "bạn".
Campaign texts (questions, choices) come from the campaign file, in the same two languages.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from storage.errors import Text

TEXTS: dict[str, tuple[str, str]] = {
    # --- input that cannot be read (bot/parsing.py) ---
    "parse.integer.not_number": (
        "Đồng chí vui lòng nhập một số nguyên, ví dụ 38.",
        "Please type a whole number, e.g. 38.",
    ),
    "parse.integer.negative": ("Số không được âm.", "The number cannot be negative."),
    "parse.integer.too_large": ("Số {text} quá lớn.", "{text} is too large."),
    "parse.integer.range": (
        "“{text}” là một khoảng. Đồng chí nhập một số cụ thể.",
        "“{text}” is a range. Please type one exact number.",
    ),
    "parse.approximate": ("Đồng chí nhập “{text}”: ghi là {value}, đúng không?", "You typed “{text}”: record {value}?"),
    "parse.date.not_date": (
        "Chưa đọc được ngày. Đồng chí nhập theo dạng ngày/tháng/năm, ví dụ 20/9/2022, hoặc “hôm nay”, “hôm qua”.",
        "I could not read a date. Please type day/month/year, e.g. 20/9/2022, or “today”, “yesterday”.",
    ),
    "parse.date.invalid_day": (
        "Ngày {text} không có trên lịch. Đồng chí kiểm tra lại.",
        "{text} is not a real date. Please check it.",
    ),
    "parse.date_list.empty": (
        "Đồng chí nhập ít nhất một ngày, ví dụ 15/9 hoặc 15/9, 16/9.",
        "Please type at least one date, e.g. 15/9 or 15/9, 16/9.",
    ),
    "parse.date_list.too_many": ("Nhiều nhất {max} ngày.", "At most {max} dates."),
    "parse.date_list.backwards": (
        "Ngày đầu ({first}) sau ngày cuối ({last}). Đồng chí kiểm tra lại.",
        "The first date ({first}) is after the last ({last}). Please check.",
    ),
    "parse.date.one_only": (
        "Câu này chỉ cần một ngày (đồng chí nhập {count} ngày).",
        "This question takes one date only (you typed {count}).",
    ),
    "parse.yes_no.unclear": ("Đồng chí trả lời “có” hoặc “không”.", "Please answer “yes” or “no”."),
    "parse.choice.unknown": (
        "Chưa rõ lựa chọn “{text}”. Đồng chí bấm nút hoặc gõ số thứ tự (1–{count}).",
        "“{text}” is not one of the choices. Press a button or type its number (1–{count}).",
    ),
    "parse.choice.ambiguous": (
        "“{text}” chưa rõ là lựa chọn nào. Đồng chí gõ số thứ tự để chọn:\n{matches}",
        "“{text}” could be more than one choice. Please type the number of the one you mean:\n{matches}",
    ),
    "parse.choice.out_of_range": (
        "Chỉ có các lựa chọn từ 1 đến {count}.",
        "The choices are numbered 1 to {count}.",
    ),
    "parse.text.empty": ("Đồng chí vui lòng nhập câu trả lời.", "Please type an answer."),
    # --- rules of the questionnaire (bot/engine/questionnaire.py) ---
    "rule.min": ("Số này phải từ {min} trở lên{why}.", "The number must be at least {min}{why}."),
    "rule.max": ("Số này không được lớn hơn {max}{why}.", "The number cannot be more than {max}{why}."),
    "rule.not_before": ("Ngày không được trước {date}{why}.", "The date cannot be before {date}{why}."),
    "rule.not_after": ("Ngày không được sau {date}{why}.", "The date cannot be after {date}{why}."),
    "rule.because": (" ({source})", " ({source})"),
    "rule.sum_max": (
        "Số này không được lớn hơn {max}: {parts} cộng lại phải bằng {total}{why}.",
        "The number cannot be more than {max}: {parts} must add up to {total}{why}.",
    ),
    "rule.sum_exact": (
        "Số này phải là {need}: {parts} cộng lại phải bằng {total}{why}.",
        "The number must be {need}: {parts} must add up to {total}{why}.",
    ),
    "rule.sum_over": (
        "Các số trước đã cộng lại {given}, không còn đủ cho câu này: {parts} cộng lại phải bằng {total}{why}. "
        "Đồng chí gõ “quay lại” để sửa số trước.",
        "The numbers before already add up to {given}, leaving too little for this one: {parts} must add up to "
        "{total}{why}. Type “back” to change the number before.",
    ),
    "rule.max_length": (
        "Câu trả lời dài {length} ký tự; tối đa {max} ký tự. Đồng chí viết gọn lại.",
        "The answer is {length} characters long; at most {max}. Please shorten it.",
    ),
    "rule.pattern": ("Chưa đúng dạng. Đồng chí nhập {hint}.", "Not in the expected form. Please type {hint}."),
    "rule.min_choices": ("Đồng chí chọn ít nhất {min} mục.", "Please choose at least {min}."),
    "rule.max_choices": ("Đồng chí chọn nhiều nhất {max} mục{why}.", "Please choose at most {max}{why}."),
    "rule.exclusive": (
        "“{choice}” không chọn cùng các mục khác ({others}). Đồng chí chọn lại.",
        "“{choice}” cannot be chosen together with other choices ({others}). Please choose again.",
    ),
    "context.today": ("hôm nay", "today"),
    "context.report_deadline": ("hạn báo cáo", "the report deadline"),
    "context.board_deadline": ("hạn của Ban", "the board's deadline"),
    "context.closes_on": ("ngày kết thúc đợt", "the closing date"),
    "context.unit_kind": ("loại đơn vị", "the unit's kind"),
    "context.register_cells": ("số chi bộ trực thuộc theo sổ", "affiliated cells in the register"),
    "context.resolution_date": ("ngày ban hành Nghị quyết", "the resolution's date"),
    "context.register_members": ("số đảng viên theo sổ", "members in the register"),
    # --- who is this, help ---
    "chat.private_only": (
        "Đồng chí vui lòng nhắn riêng cho bot (không dùng trong nhóm) để báo cáo.",
        "Please write to the bot in a private chat, not in a group.",
    ),
    "start.stranger": (
        "Xin chào đồng chí. Đây là bot nhận báo cáo kết quả học tập, quán triệt Nghị quyết của Ban Tuyên giáo.\n"
        "Để tham gia, đồng chí mở đường link mời hoặc gõ mã mời mà Ban đã gửi cho đơn vị.",
        "Hello. This bot collects the units' reports on studying the resolution for the propaganda board.\n"
        "To join, open the invite link or type the invite code the board sent your unit.",
    ),
    "help.stranger": (
        "Đồng chí chưa tham gia. Mở đường link mời hoặc gõ mã mời của đơn vị để bắt đầu.",
        "You have not joined yet. Open your unit's invite link or type its invite code.",
    ),
    "help.reporter": (
        "Các lệnh của đồng chí:\n{commands}\n/trogiup – hướng dẫn này",
        "Your commands:\n{commands}\n/help – this help",
    ),
    "help.staff": (
        "Các lệnh của cán bộ Ban:\n{commands}\n/trogiup – hướng dẫn này",
        "Board staff commands:\n{commands}\n/help – this help",
    ),
    "help.both": (
        "Là người báo cáo của {unit}, đồng chí dùng:\n{reporter}\n\n"
        "Là cán bộ Ban, đồng chí dùng:\n{staff}\n\n/trogiup – hướng dẫn này",
        "As the reporter for {unit}:\n{reporter}\n\nAs board staff:\n{staff}\n\n/help – this help",
    ),
    "help.reporter_commands": (
        "/baocao – làm hoặc tiếp tục báo cáo của đơn vị\n"
        "/xem – xem báo cáo đã gửi\n"
        "/sua – sửa một câu của báo cáo đã gửi\n"
        "/huy – tạm dừng (câu trả lời vẫn được lưu)",
        "/report – start or continue your unit's report\n"
        "/view – see the submitted report\n"
        "/edit – change an answer of the submitted report\n"
        "/cancel – pause (your answers are kept)",
    ),
    "help.staff_commands": (
        "/tinhhinh – số đơn vị đã báo cáo, tỷ lệ đảng viên tham gia, hạn, lần nhắc tiếp theo\n"
        "/chuanop – các đơn vị chưa báo cáo\n"
        "/donvi <mã hoặc tên> – một đơn vị: người báo cáo, báo cáo, lời nhắc\n"
        "/thongke – số liệu và biểu đồ\n"
        "/nhac – nhắc ngay các đơn vị chưa báo cáo\n"
        "/thongbao <nội dung> – gửi thông báo tới mọi người báo cáo\n"
        "/moi <đơn vị> – mã mời và mã QR của một đơn vị\n"
        "/xuat – báo cáo tổng hợp (DOCX) và bảng phụ lục (XLSX)\n"
        "/canbo – cán bộ Ban (quản trị viên)",
        "/status – units reported, members attending, the deadline, the next reminder\n"
        "/missing – the units that have not reported\n"
        "/unit <code or name> – one unit: reporters, report, reminders\n"
        "/stats – figures and a chart\n"
        "/remind – remind the units that have not reported, now\n"
        "/announce <text> – send a message to every reporter\n"
        "/invite <unit> – a unit's invite link and QR code\n"
        "/export – the compiled report (DOCX) and the appendix table (XLSX)\n"
        "/staff – the board's staff (admins)",
    ),
    "reporter.only": (
        "Lệnh này dành cho người báo cáo của đơn vị.",
        "This command is for a unit's reporter.",
    ),
    "command.unknown": ("Bot chưa hiểu lệnh /{command}.", "I don't know the command /{command}."),
    "input.type_text": ("Đồng chí vui lòng gõ câu trả lời bằng chữ.", "Please type your answer as text."),
    "input.unsupported": (
        "Bot chỉ đọc được tin nhắn chữ. Đồng chí vui lòng gõ câu trả lời.",
        "I can only read text messages. Please type your answer.",
    ),
    "idle.hint": (
        "Đồng chí gõ /baocao để làm báo cáo, /xem để xem báo cáo đã gửi, /trogiup để xem hướng dẫn.",
        "Type /report to work on the report, /view to see what was sent, /help for help.",
    ),
    "button.stale": ("Nút này đã cũ.", "This button is out of date."),
    "button.stale_hint": (
        "Nút đó thuộc một bước đã qua. Đồng chí gõ /baocao để tiếp tục báo cáo.",
        "That button belongs to an earlier step. Type /report to continue the report.",
    ),
    "button.stale_current": (
        "Nút đó thuộc một bước đã qua. Bước hiện tại:",
        "That button belongs to an earlier step. Where you are now:",
    ),
    "button.toggled": ("Đã chọn", "Selected"),
    "cancel.done": (
        "Đã tạm dừng. Các câu trả lời đã được lưu; đồng chí gõ /baocao để tiếp tục.",
        "Paused. Your answers are kept; type /report to continue.",
    ),
    "cancel.nothing": ("Không có việc gì đang làm dở.", "Nothing is in progress."),
    "cancel.change_waiting": (
        "Đã tạm dừng. Lưu ý: thay đổi của đồng chí CHƯA được gửi; Ban vẫn nhận báo cáo đã gửi trước đó. "
        "Gõ /baocao để xem lại và gửi thay đổi.",
        "Paused. Note: your change has NOT been sent; the board still has the report sent before. "
        "Type /report to review and send the change.",
    ),
    # --- enrolment ---
    "join.unknown": (
        "Mã mời không đúng. Đồng chí kiểm tra lại mã Ban đã gửi hoặc liên hệ Ban Tuyên giáo "
        "(còn được nhập sai {left} lần).",
        "That invite code is not valid. Check the code the board sent, or contact the propaganda board "
        "({left} more wrong codes allowed).",
    ),
    "join.reported_by_parent": (
        "Theo danh sách đơn vị của Ban Tuyên giáo, {unit} báo cáo qua {parent}: đồng chí không cần báo cáo riêng,"
        " số liệu của chi bộ do {parent} tổng hợp. Nếu danh sách chưa đúng, đồng chí liên hệ Ban Tuyên giáo.",
        "In the board's register, {parent} reports for {unit}: there is no separate report to send; the cell's"
        " figures go into {parent}'s report. If the register is wrong, please contact the propaganda board.",
    ),
    "join.expired": (
        "Mã mời đã hết hạn. Đồng chí đề nghị Ban Tuyên giáo gửi mã mới.",
        "This invite has expired. Please ask the propaganda board for a new one.",
    ),
    "join.revoked": (
        "Mã mời đã bị thu hồi. Đồng chí liên hệ Ban Tuyên giáo.",
        "This invite was revoked. Please contact the propaganda board.",
    ),
    "join.used_up": (
        "Mã mời đã được dùng hết số lần cho phép. Đồng chí đề nghị Ban Tuyên giáo gửi mã mới.",
        "This invite has been used up. Please ask the propaganda board for a new one.",
    ),
    "join.slow_down": (
        "Đồng chí đã nhập sai mã mời {count} lần. Bot tạm ngừng nhận mã mời từ tài khoản này "
        "đến lúc {time} ngày {day}; đồng chí kiểm tra lại mã hoặc liên hệ Ban Tuyên giáo.",
        "{count} wrong invite codes. Codes from this account are not checked until {time} on {day}; "
        "check the code or contact the propaganda board.",
    ),
    "join.paused": (
        "Bot đang tạm ngừng nhận mã mời vì có quá nhiều mã sai được gửi tới, đến lúc {time} ngày {day}. "
        "Đồng chí vui lòng thử lại sau thời điểm đó hoặc liên hệ Ban Tuyên giáo.",
        "Too many wrong invite codes have been sent to the bot: no code is checked until {time} on {day}. "
        "Please try again then, or contact the propaganda board.",
    ),
    "join.already_reporter": (
        "Đồng chí đã được ghi nhận là người báo cáo của {unit}; không cần dùng mã mời này. Gõ /baocao để làm báo cáo.",
        "You already report for {unit}; this invite is not needed. Type /report to work on the report.",
    ),
    "join.already_staff": (
        "Đồng chí đã được ghi nhận là {role} của Ban; không cần dùng mã mời này.",
        "You already are the board's {role}; this invite is not needed.",
    ),
    "join.confirm_unit": (
        "Mã mời dành cho đơn vị: {unit}.\nĐồng chí xác nhận là người báo cáo của đơn vị này?",
        "This invite is for: {unit}.\nDo you confirm you report for this unit?",
    ),
    "join.confirm_switch": (
        "Mã mời dành cho đơn vị: {unit}.\nĐồng chí đang là người báo cáo của {current}; chuyển sang {unit}?",
        "This invite is for: {unit}.\nYou report for {current} now; move to {unit}?",
    ),
    "join.keeps_staff": ("(Đồng chí vẫn là cán bộ Ban.)", "(You stay board staff.)"),
    "join.keeps_unit": ("(Đồng chí vẫn là người báo cáo của {unit}.)", "(You still report for {unit}.)"),
    "join.role_change": (
        "(Đồng chí đang là {current} của Ban; xác nhận sẽ chuyển thành {new}.)",
        "(You are the board's {current} now; confirming makes you its {new}.)",
    ),
    "join.confirm_staff": (
        "Mã mời dành cho cán bộ Ban Tuyên giáo. Đồng chí xác nhận tham gia?",
        "This invite is for the propaganda board's staff. Do you confirm?",
    ),
    "join.yes_or_no": ("Đồng chí trả lời “Xác nhận” hoặc “Không phải”.", "Please answer “Confirm” or “Not me”."),
    "join.declined": (
        "Đã hủy. Nếu mã mời không đúng đơn vị, đồng chí liên hệ Ban Tuyên giáo.",
        "Cancelled. If the invite is for the wrong unit, contact the propaganda board.",
    ),
    "join.welcome_reporter": (
        "Đồng chí đã được ghi nhận là người báo cáo của {unit}. Trân trọng cảm ơn đồng chí.",
        "You now report for {unit}. Thank you.",
    ),
    "join.welcome_staff": (
        "Đồng chí đã được thêm là cán bộ của Ban. Gõ /trogiup để xem các lệnh.",
        "You are now board staff. Type /help for the commands.",
    ),
    "button.join_yes": ("Xác nhận", "Confirm"),
    "button.join_no": ("Không phải", "Not me"),
    # --- the report ---
    "campaign.none": ("Hiện chưa có đợt báo cáo nào đang mở.", "No reporting campaign is open now."),
    "campaign.pick": ("Đồng chí báo cáo cho đợt nào?", "Which campaign are you reporting on?"),
    "moment": ("{time} ngày {day}", "{time} on {day}"),
    "deadline.days_left": ("còn {days} ngày", "{days} days left"),
    "deadline.today": ("hạn là hôm nay", "due today"),
    "deadline.days_late": ("đã quá hạn {days} ngày", "{days} days overdue"),
    "report.intro": (
        "Báo cáo: {title}\nĐơn vị: {unit}\nHạn báo cáo: {deadline} ({when}).\n"
        "Đồng chí trả lời lần lượt từng câu; có thể gõ /huy để tạm dừng, câu trả lời vẫn được lưu.\n"
        "Trước khi gửi, đồng chí sửa được mọi câu: gõ “quay lại” (về câu trước) hoặc “sửa câu 3”.",
        "Report: {title}\nUnit: {unit}\nDeadline: {deadline} ({when}).\n"
        "Answer the questions one by one; type /cancel to pause, your answers are kept.\n"
        "Before sending you can change any answer: type “back” (the previous question) or “edit 3”.",
    ),
    "report.resume": ("Tiếp tục báo cáo đang làm dở:", "Continuing your report:"),
    "report.closed": (
        "Đợt báo cáo đã kết thúc ngày {closes_on}; bot không nhận thay đổi nữa. "
        "Nếu cần điều chỉnh, đồng chí liên hệ Ban Tuyên giáo. Gõ /xem để xem báo cáo đã gửi.",
        "The campaign closed on {closes_on}; changes are no longer accepted. "
        "Contact the propaganda board if something must be corrected. Type /view to see the report.",
    ),
    "report.already_submitted": (
        "Đơn vị đã gửi báo cáo (lần {version}). Gõ /xem để xem, /sua để sửa một câu.",
        "Your unit has submitted its report (version {version}). Type /view to see it, /edit to change an answer.",
    ),
    "report.questionnaire_changed": (
        "Bộ câu hỏi vừa được cập nhật; {count} câu cần trả lời lại.",
        "The questionnaire was updated; {count} question(s) need answering again.",
    ),
    "report.reask": ("Câu {number} cần trả lời lại: {problem}", "Question {number} needs a new answer: {problem}"),
    "report.answered_elsewhere": (
        "Câu {number} vừa được người báo cáo khác của đơn vị trả lời: “{answer!q}”. Bot giữ câu trả lời đó "
        "(cần sửa thì gõ “sửa câu {number}”). Tiếp tục:",
        "Another reporter of your unit has just answered question {number}: “{answer!q}”. That answer is kept "
        "(type “edit {number}” to change it). Continuing:",
    ),
    "report.reopened": (
        "Câu {numbers} cần trả lời lại vì số liệu trước đó đã thay đổi (trả lời cũ: {answers}).",
        "Question {numbers} must be answered again because an earlier answer changed (old answers: {answers}).",
    ),
    "report.reopened_many": (
        "{count} câu ({numbers}) cần trả lời lại vì số liệu trước đó đã thay đổi.",
        "{count} questions ({numbers}) must be answered again because an earlier answer changed.",
    ),
    "report.old_answer": ("câu {number}: {answer!q}", "question {number}: {answer!q}"),
    "report.recheck": (
        "Câu {number} cần xác nhận lại vì số liệu trước đó đã thay đổi:",
        "Question {number} needs confirming again because an earlier figure changed:",
    ),
    "nav.first": ("Đây là câu đầu tiên.", "This is the first question."),
    "answer.recorded": ("Đã ghi: {answer!q}.", "Recorded: {answer!q}."),
    "question.heading": ("Câu {number}. {text}", "Question {number}. {text}"),
    "question.hint.integer": ("(gõ một số)", "(type a number)"),
    "question.hint.date": ("(gõ ngày, ví dụ 20/9/2022 hoặc “hôm nay”)", "(type a date, e.g. 20/9/2022 or “today”)"),
    "question.hint.date_list": (
        "(gõ một hoặc nhiều ngày, ví dụ 15/9, 16/9)",
        "(type one or more dates, e.g. 15/9, 16/9)",
    ),
    "question.hint.text": ("(gõ câu trả lời)", "(type your answer)"),
    "question.hint.single_choice": (
        "(chọn một: gõ số thứ tự hoặc bấm nút)",
        "(choose one: type its number or press its button)",
    ),
    "question.hint.multi_choice": (
        "(chọn một hoặc nhiều: gõ các số, ví dụ 1, 3, hoặc bấm các nút rồi “Xong”)",
        "(choose one or more then press “Done”, or type the numbers, e.g. 1, 3)",
    ),
    # A hint's ".typed" variant is said instead on a channel without buttons (Zalo, the terminal): Turn.t.
    "question.hint.single_choice.typed": ("(chọn một: gõ số thứ tự)", "(choose one: type its number)"),
    "question.hint.multi_choice.typed": (
        "(chọn một hoặc nhiều: gõ các số trong một tin, ví dụ 1, 3)",
        "(choose one or more: type their numbers in one message, e.g. 1, 3)",
    ),
    "question.hint.yes_no": ("(có / không)", "(yes / no)"),
    "question.current": ("Câu trả lời hiện tại: {answer}", "Current answer: {answer}"),
    "question.prefill": (
        "Theo sổ đơn vị: {value}. Bấm nút {value} nếu đúng, hoặc gõ số khác.",
        "The unit register says {value}. Press {value} if right, or type another number.",
    ),
    "question.optional": ("Có thể bỏ qua câu này.", "You may skip this question."),
    "answer.yes": ("Có", "Yes"),
    "answer.no": ("Không", "No"),
    "answer.skipped": ("(bỏ qua)", "(skipped)"),
    "button.done": ("Xong", "Done"),
    "button.skip": ("Bỏ qua", "Skip"),
    "button.keep": ("Đúng, giữ nguyên", "Correct, keep it"),
    "button.retype": ("Nhập lại", "Type again"),
    "button.submit": ("Gửi báo cáo", "Submit"),
    "button.edit": ("Sửa một câu", "Change an answer"),
    "warning.how": ("(có / không, hoặc gõ lại câu trả lời)", "(yes / no, or type the answer again)"),
    "warning.confirm": (
        "Đồng chí xác nhận giữ câu trả lời “{answer!q}”? (có / không, hoặc gõ lại câu trả lời)",
        "Keep the answer “{answer!q}”? (yes / no, or type a new answer)",
    ),
    "summary.heading": ("Báo cáo của {unit}:", "Report of {unit}:"),
    "summary.footer": (
        "Đồng chí kiểm tra lại. Gõ “gửi” để gửi báo cáo, hoặc “sửa câu N” để sửa một câu.",
        "Please check. Type “send” to submit, or “edit N” to change an answer.",
    ),
    "summary.unclear": (
        "Bot chưa hiểu. Đồng chí gõ “gửi” hoặc “sửa câu N” (N là số câu).",
        "I didn't understand. Type “send” or “edit N” (N is the question number).",
    ),
    "edit.which": (
        "Đồng chí muốn sửa câu nào? Gõ số câu (1–{count}).",
        "Which answer do you want to change? Press or type its number (1–{count}).",
    ),
    "edit.no_such": (
        "Không có câu {number}; các câu từ 1 đến {count}.",
        "There is no question {number}; 1 to {count}.",
    ),
    "edit.not_submitted": (
        "Chưa có câu trả lời nào để sửa. Gõ /baocao để làm báo cáo.",
        "There is no answer to change yet. Type /report to start.",
    ),
    "submit.done": (
        "Đã gửi báo cáo của {unit} (lần {version}) lúc {at}. Trân trọng cảm ơn đồng chí.\n"
        "Gõ /xem để xem lại, /sua nếu cần sửa.",
        "The report of {unit} was submitted (version {version}) at {at}. Thank you.\n"
        "Type /view to see it, /edit to change it.",
    ),
    "submit.late": (
        "Báo cáo gửi sau hạn {deadline} nên được ghi nhận là gửi muộn.",
        "It was submitted after the deadline {deadline}, so it is marked late.",
    ),
    "submit.notice": ("Đã gửi", "Submitted"),
    "submit.already_sent": (
        "Báo cáo đã được {who} gửi (lần {version}, lúc {at}) với đúng các câu trả lời này; không cần gửi lại. "
        "Gõ /xem để xem, /sua nếu cần sửa.",
        "The report has already been submitted by {who} (version {version}, at {at}) with these very answers; "
        "no need to send it again. Type /view to see it, /edit to change it.",
    ),
    "submit.by_named": ("đồng chí {name}", "{name}"),
    "submit.by_unnamed": ("người báo cáo khác của đơn vị", "another reporter of your unit"),
    "submit.by_you": ("chính đồng chí", "you"),
    "submit.by_co_reporter": (
        "Báo cáo của đơn vị đã được {name} gửi (lần {version}, lúc {at}). Gõ /xem để xem.",
        "Your unit's report was submitted by {name} (version {version}, at {at}). Type /view to see it.",
    ),
    "view.nothing": (
        "Đơn vị chưa gửi báo cáo. Gõ /baocao để làm báo cáo.",
        "Your unit has not submitted a report. Type /report to start.",
    ),
    "view.heading": (
        "Báo cáo của {unit} (lần {version}, gửi lúc {at}):",
        "Report of {unit} (version {version}, submitted {at}):",
    ),
    "view.late": ("(gửi sau hạn)", "(submitted late)"),
    "view.footer": ("Gõ /sua để sửa một câu.", "Type /edit to change an answer."),
    "view.pending_change": (
        "⚠ Có {count} thay đổi CHƯA GỬI (Ban chưa nhận được):",
        "⚠ {count} change(s) NOT SENT yet (the board does not have them):",
    ),
    "view.changed": ("Câu {number} ({short}): {before} → {after}", "Question {number} ({short}): {before} → {after}"),
    "view.changed_other": (
        "Một câu trả lời không còn áp dụng đã được bỏ.",
        "An answer that no longer applies was removed.",
    ),
    "button.send_change": ("Xem lại và gửi thay đổi", "Review and send the change"),
    "view.draft_heading": (
        "Báo cáo của {unit} ĐANG SOẠN, chưa gửi: đã trả lời {answered}/{total} câu.",
        "The report of {unit} is IN PROGRESS, not sent: {answered} of {total} questions answered.",
    ),
    "view.draft_left": (
        "Còn {count} câu, bắt đầu từ câu {first}. Bấm “Làm báo cáo” hoặc gõ /baocao để tiếp tục.",
        "{count} questions left, from question {first}. Press “Open the report” or type /report to continue.",
    ),
    # --- nudges and the staff digest (scheduler/) ---
    "nudge.heading": ("Nhắc báo cáo: {title}", "Reminder: {title}"),
    "nudge.unit": ("{unit} chưa gửi báo cáo; {when}.", "{unit} has not reported yet; {when}."),
    "nudge.days_left": ("hạn {deadline}, còn {days} ngày", "due {deadline}, {days} days left"),
    "nudge.due_today": ("hạn là hôm nay, {deadline}", "due today, {deadline}"),
    "nudge.days_late": ("đã quá hạn {days} ngày (hạn {deadline})", "{days} days overdue (due {deadline})"),
    "nudge.draft": ("Đồng chí còn {count} câu chưa trả lời.", "You have {count} questions left to answer."),
    "nudge.action": (
        "Đồng chí gõ /baocao (hoặc “làm báo cáo”) để tiếp tục.",
        "Type /report (or “open the report”) to continue.",
    ),
    "button.open_report": ("Làm báo cáo", "Open the report"),
    "digest.heading": ("Tình hình báo cáo {title} – {date}", "Reporting on {title} – {date}"),
    "digest.progress": (
        "Đã báo cáo: {reported}/{total} đơn vị ({late} gửi muộn). Hạn {deadline}: {when}.",
        "Reported: {reported}/{total} units ({late} late). Deadline {deadline}: {when}.",
    ),
    "digest.missing": ("Chưa báo cáo ({count}): {units}", "Not reported ({count}): {units}"),
    "digest.no_reporter": (
        "Chưa có người báo cáo ({count}, bot không nhắc được): {units}",
        "No reporter enrolled ({count}, cannot be nudged): {units}",
    ),
    "digest.unreachable": (
        "Không liên lạc được (đã chặn bot) ({count}): {units}",
        "Unreachable (blocked the bot) ({count}): {units}",
    ),
    "digest.next": ("Lần nhắc tiếp theo: {at}.", "Next reminder: {at}."),
    "digest.no_next": ("Không còn lần nhắc nào.", "No more reminders are scheduled."),
    "digest.all_done": ("Tất cả đơn vị đã báo cáo.", "Every unit has reported."),
    "digest.more": ("{shown} và {more} đơn vị khác", "{shown} and {more} more"),
    # --- staff ---
    "staff.only": ("Lệnh này dành cho cán bộ Ban Tuyên giáo.", "This command is for the propaganda board's staff."),
    "admin.only": ("Lệnh này dành cho quản trị viên.", "This command is for admins."),
    "unit.usage": (
        "Đồng chí gõ /donvi kèm mã hoặc một phần tên đơn vị, ví dụ /donvi Nội vụ.",
        "Type /unit with a unit's code or part of its name, e.g. /unit Noi vu.",
    ),
    "invite.usage": (
        "Đồng chí gõ /moi kèm mã hoặc tên đơn vị, ví dụ /moi CB-SNV.",
        "Type /invite with a unit's code or name, e.g. /invite CB-SNV.",
    ),
    "campaign.pick_staff": ("Đợt báo cáo nào?", "Which campaign?"),
    "status.heading": ("Tình hình báo cáo: {title}", "Reporting: {title}"),
    "status.reported": (
        "Đã báo cáo: {reported}/{total} đơn vị, đạt {rate}% ({on_time} đúng hạn, {late} muộn)",
        "Reported: {reported}/{total} units, {rate}% ({on_time} on time, {late} late)",
    ),
    "status.drafts": ("Đang làm dở: {drafts} đơn vị", "In progress: {drafts} units"),
    "status.members": (
        "Đảng viên tham gia: {attended}/{expected} đồng chí, đạt {rate}%",
        "Members attending: {attended}/{expected}, {rate}%",
    ),
    "status.deadline": ("Hạn báo cáo: {deadline} ({when})", "Deadline: {deadline} ({when})"),
    "status.missing_hint": (
        "Còn {count} đơn vị chưa báo cáo: gõ /chuanop để xem.",
        "{count} units have not reported: type /missing to see them.",
    ),
    "missing.heading": (
        "Chưa báo cáo – {title}: {count} đơn vị (trang {page}/{pages})",
        "Not reported – {title}: {count} units (page {page}/{pages})",
    ),
    "missing.none": ("chưa có người báo cáo", "no reporter enrolled"),
    "missing.enrolled": ("đã có người báo cáo, chưa làm", "reporter enrolled, not started"),
    "missing.draft": ("đang làm dở ({count} câu)", "draft with {count} answers"),
    "missing.unreachable": ("không liên lạc được", "unreachable"),
    "button.previous": ("◀ Trước", "◀ Previous"),
    "button.next": ("Sau ▶", "Next ▶"),
    "unit.not_found": ("Không tìm thấy đơn vị “{query}”.", "No unit matches “{query}”."),
    "unit.several": ("Có {count} đơn vị khớp; đồng chí chọn một:", "{count} units match; pick one:"),
    "unit.more": ("(và {more} đơn vị khác: gõ cụ thể hơn)", "(and {more} more: be more specific)"),
    "unit.kind.grassroots_committee": ("đảng bộ cơ sở", "grassroots committee"),
    "unit.kind.grassroots_cell": ("chi bộ cơ sở", "grassroots cell"),
    "unit.heading": ("{name} ({code}) – {kind}, {members} đảng viên", "{name} ({code}) – {kind}, {members} members"),
    "unit.reporters": ("Người báo cáo: {people}", "Reporters: {people}"),
    "unit.reporter": ("{name} ({channel}, {state})", "{name} ({channel}, {state})"),
    "unit.no_reporters": ("Chưa có người báo cáo.", "No reporter enrolled."),
    "state.active": ("đang hoạt động", "active"),
    "question.prefill.typed": (
        "Theo sổ đơn vị: {value}. Gõ “{value}” nếu đúng, hoặc gõ số khác.",
        "The unit register says {value}. Type “{value}” if right, or type another number.",
    ),
    "channel.telegram": ("qua Telegram", "on Telegram"),
    "channel.zalo": ("qua Zalo", "on Zalo"),
    "channel.terminal": ("qua thử nghiệm trên máy", "in the terminal demo"),
    "state.unreachable": ("không liên lạc được", "unreachable"),
    "state.revoked": ("đã thu hồi", "revoked"),
    "unit.versions": ("Báo cáo {title}: {versions}", "Report on {title}: {versions}"),
    "unit.version": ("lần {version} lúc {at}{late}", "version {version} at {at}{late}"),
    "unit.late": (" (muộn)", " (late)"),
    "unit.draft": ("Báo cáo {title}: đang làm dở, {count} câu.", "Report on {title}: a draft with {count} answers."),
    "unit.nothing": ("Báo cáo {title}: chưa bắt đầu.", "Report on {title}: not started."),
    "unit.nudges": ("Lời nhắc đã gửi: {count} (gần nhất {last}).", "Reminders sent: {count} (last {last})."),
    "unit.no_nudges": ("Chưa gửi lời nhắc nào.", "No reminder sent yet."),
    "unit.undelivered": (
        "Tin không gửi được tới người báo cáo: {count} (gần nhất {at}; lý do: {reason}).",
        "Messages that could not be delivered to its reporters: {count} (last {at}; reason: {reason}).",
    ),
    "unit.unreachable_why": (
        "Bot ngừng gửi tin cho {name}: tin gửi không được từ {since} (lỗi gần nhất: {reason}). "
        "Bot sẽ gửi lại khi đồng chí ấy nhắn cho bot.",
        "The bot stopped writing to {name}: messages have failed since {since} (last error: {reason}). "
        "It writes again once they message the bot.",
    ),
    "button.invite_unit": ("Mã mời mới", "New invite"),
    "button.revoke": ("Thu hồi: {name}", "Revoke: {name}"),
    "button.revoke_yes": ("Đúng, thu hồi", "Yes, revoke"),
    "revoke.confirm": (
        "Thu hồi quyền của {name}? Tài khoản bị ngắt ngay và mã mời đồng chí ấy đã dùng không dùng được nữa;"
        " các báo cáo đã gửi vẫn được giữ.",
        "Revoke {name}? Their chat is unbound at once and the invite they joined with stops working;"
        " what they submitted stays.",
    ),
    "revoke.both_roles": (
        "Đồng chí ấy vừa là cán bộ Ban vừa là người báo cáo của {unit}: cả hai quyền đều bị thu hồi.",
        "They are both board staff and the reporter for {unit}: both are revoked.",
    ),
    "revoke.done": ("Đã thu hồi quyền của {name}.", "{name} has been revoked."),
    "revoke.invite_too": (
        "Mã mời đồng chí ấy đã dùng cũng bị thu hồi.",
        "The invite they joined with is revoked too.",
    ),
    "revoke.press": ("Bấm hoặc gõ “{label}”.", "Press or type “{label}”."),
    "invite.live": (
        "Mã mời còn hiệu lực của {unit} ({count}):",
        "Live invites for {unit} ({count}):",
    ),
    "invite.about": (
        "tạo {created} bởi {by}, hết hạn {expires}, đã dùng {used}/{uses}",
        "made {created} by {by}, expires {expires}, used {used}/{uses}",
    ),
    "invite.by_cli": ("dòng lệnh", "the command line"),
    "invite.board": ("cán bộ Ban", "the board's staff"),
    "invite.more": (
        "(và {more} mã khác: thu hồi tất cả bằng lệnh nqbot invite --revoke {code})",
        "(and {more} more: revoke them all with nqbot invite --revoke {code})",
    ),
    "invite.revoke_hint": (
        "Bấm hoặc gõ “Thu hồi mã N” để thu hồi mã số N.",
        "Press or type “Revoke invite N” to revoke invite N.",
    ),
    "button.revoke_invite": ("Thu hồi mã {number}", "Revoke invite {number}"),
    "revoke_invite.confirm": (
        "Thu hồi mã mời của {target} ({about})? Mã không dùng được nữa; người đã tham gia bằng mã vẫn giữ quyền.",
        "Revoke the invite for {target} ({about})? Nobody can join with it any more; who joined with it stays.",
    ),
    "revoke_invite.done": ("Đã thu hồi mã mời của {target} ({about}).", "Revoked the invite for {target} ({about})."),
    "invite.unit": (
        "Mã mời của {unit} (hết hạn {expires}, dùng được cho 2 người):\n{link}",
        "Invite for {unit} (expires {expires}, for 2 people):\n{link}",
    ),
    "invite.zalo": (
        "Trên Zalo: người báo cáo nhắn cho bot dòng “{typed}”.",
        "On Zalo: the reporter sends the bot “{typed}”.",
    ),
    "invite.staff": (
        "Mã mời cán bộ (dùng một lần, hết hạn sau 7 ngày):\n{link}",
        "Staff invite (one use, expires in 7 days):\n{link}",
    ),
    "staff.also_reporter": ("người báo cáo của {unit}", "reporter for {unit}"),
    "staff.heading": ("Cán bộ Ban ({count}):", "Board staff ({count}):"),
    "role.staff": ("cán bộ", "staff"),
    "role.admin": ("quản trị viên", "admin"),
    "role.reporter": ("người báo cáo", "reporter"),
    "button.staff_invite": ("Mời cán bộ", "Invite staff"),
    "button.admin_invite": ("Mời quản trị viên", "Invite admin"),
    "announce.usage": ("Đồng chí gõ /thongbao kèm nội dung thông báo.", "Type /announce followed by the message."),
    "announce.confirm": (
        "Gửi thông báo sau tới {people} người báo cáo?\n\n{text}",
        "Send this message to {people} reporters?\n\n{text}",
    ),
    "announce.body": ("Thông báo của Ban Tuyên giáo:\n{text}", "From the propaganda board:\n{text}"),
    "announce.queued": (
        "Đã xếp {count} tin; bot gửi trong vòng một phút.",
        "{count} messages queued; they go out within a minute.",
    ),
    "announce.cancelled": ("Đã hủy, không gửi thông báo.", "Cancelled; nothing sent."),
    "button.announce": ("Gửi thông báo", "Send"),
    "remind.confirm": (
        "{title}: {missing} đơn vị chưa báo cáo. Gửi lời nhắc tới {people} người báo cáo của {units} đơn vị trong số "
        "đó (đơn vị chưa có người báo cáo thì bot không nhắc được)?",
        "{title}: {missing} units have not reported. Send a reminder to {people} reporters of {units} of them "
        "(units without a reporter cannot be reminded)?",
    ),
    "remind.already_today": (
        "{count} người trong số đó đã được nhắc hôm nay, lần gần nhất lúc {at}.",
        "{count} of them were already reminded today, last at {at}.",
    ),
    "remind.left_out": (
        "{count} người báo cáo khác vừa được nhắc hoặc lời nhắc đang được gửi tới họ: không nhắc lại.",
        "{count} other reporters were just reminded or have a reminder on its way: not reminded again.",
    ),
    "remind.queued_quiet": (
        "Đã xếp {count} lời nhắc. Đang trong giờ yên lặng: bot sẽ gửi lúc {at}.",
        "{count} reminders queued. It is quiet hours: they go out at {at}.",
    ),
    "remind.nobody": (
        "{title}: không có ai cần nhắc (các đơn vị đã báo cáo, chưa có người báo cáo, vừa được nhắc, hoặc lời "
        "nhắc đang được gửi).",
        "{title}: nobody to remind (units have reported, have no reporter, were just reminded, or a reminder is "
        "on its way).",
    ),
    "remind.queued": (
        "Đã xếp {count} lời nhắc; bot gửi trong vòng một phút.",
        "{count} reminders queued; they go out within a minute.",
    ),
    "remind.cancelled": ("Đã hủy, không gửi lời nhắc.", "Cancelled; no reminder sent."),
    "button.remind": ("Gửi nhắc", "Send reminders"),
    "button.remind_later": ("Gửi lúc {at}", "Send at {at}"),
    "button.remind_now": ("Gửi ngay", "Send now"),
    "remind.quiet": (
        "Đang trong giờ yên lặng: nếu bấm “Gửi lúc…”, lời nhắc sẽ đi lúc {at}; bấm “Gửi ngay” để gửi ngay bây giờ.",
        "It is quiet hours: “Send at…” sends the reminders at {at}; “Send now” sends them right away.",
    ),
    "button.cancel": ("Hủy", "Cancel"),
    "chart.progress": ("Tiến độ báo cáo: {reported}/{total} đơn vị", "Reports in: {reported}/{total} units"),
    "chart.all_units": ("Tổng số {n} đơn vị", "All {n} units"),
    "chart.deadline": ("Hạn {date}", "Deadline {date}"),
    "chart.attendance": ("Tỷ lệ đảng viên tham gia: {rate}%", "Members attending: {rate}%"),
    "chart.rate_axis": ("Tỷ lệ tham gia (%)", "Attendance rate (%)"),
    "chart.units_axis": ("Số đơn vị", "Units"),
    # --- Zalo ---
    "zalo.quota_warning": (
        "Bot Zalo đã gửi {sent}/{quota} tin nhắn trong tháng {month} ({percent}% hạn mức của gói miễn phí). "
        "Phần còn lại đủ cho khoảng {reports} báo cáo (mỗi báo cáo khoảng {per_report} tin), hoặc {nudges} lời nhắc. "
        "Khi hết hạn mức, tin nhắn nhắc và trả lời trên Zalo có thể không tới được người báo cáo cho đến hết tháng.",
        "The Zalo bot has sent {sent}/{quota} messages in {month} ({percent}% of the free plan's allowance). "
        "The rest is enough for about {reports} reports (about {per_report} messages each), or {nudges} reminders. "
        "Once it is used up, reminders and replies on Zalo may not reach reporters until the month ends.",
    ),
    "zalo.protected": (
        "Tài khoản Zalo của đồng chí được bảo vệ nên Zalo không chuyển nội dung tin nhắn cho bot, bot không đọc "
        "được câu trả lời. Để báo cáo, đồng chí vui lòng liên hệ {contact}, hoặc nhắn cho bot trên Telegram.",
        "Your Zalo account is protected, so Zalo does not pass your messages on and the bot cannot read your "
        "answers. To report, please contact {contact}, or write to the bot on Telegram.",
    ),
    "zalo.protected.no_contact": ("cán bộ phụ trách báo cáo", "the staff in charge of the report"),
    "protected.heading": (
        "Tài khoản Zalo được bảo vệ ({count} người nhắn trong {days} ngày qua): Zalo không chuyển nội dung tin "
        "nhắn của họ nên bot không đọc được; bot đã hướng dẫn họ liên hệ ban hoặc dùng Telegram. {people}",
        "Protected Zalo accounts ({count} wrote in the last {days} days): Zalo does not pass their messages on, "
        "so the bot cannot read them; it told them to contact the board or use Telegram. {people}",
    ),
    "protected.person": ("{name} (lần cuối {at})", "{name} (last {at})"),
    "zalo.type_action": ("Gõ {labels}.", "Type {labels}."),  # a message's buttons, on Zalo
    "zalo.or": (" hoặc ", " or "),
    "zalo.no_attachment": (
        "(Tệp “{filename}” không gửi được qua Zalo; đồng chí dùng Telegram hoặc dòng lệnh để lấy tệp.)",
        "(The file “{filename}” cannot be sent on Zalo; use Telegram or the command line to get it.)",
    ),
    # --- channels ---
    "run.already_running": (
        "Một nqbot run khác đang chạy trên cơ sở dữ liệu này (tiến trình {pid}, khóa {lock}): "
        "mỗi tệp SQLite chỉ một tiến trình; dừng tiến trình kia trước.",
        "Another nqbot run is using this database (process {pid}, lock {lock}): one process per SQLite "
        "file; stop the other one first.",
    ),
    "error.retry": (
        "Xin lỗi đồng chí, bot vừa gặp lỗi. Đồng chí vui lòng gửi lại; các câu trả lời trước vẫn được lưu.",
        "Sorry, something went wrong. Please send that again; your earlier answers are kept.",
    ),
    "menu.report": ("Làm hoặc tiếp tục báo cáo", "Start or continue the report"),
    "menu.view": ("Xem báo cáo đã gửi", "See the submitted report"),
    "menu.edit": ("Sửa báo cáo đã gửi", "Change the submitted report"),
    "menu.cancel": ("Tạm dừng (vẫn lưu câu trả lời)", "Pause (answers are kept)"),
    "menu.help": ("Hướng dẫn", "Help"),
    "menu.status": ("Tình hình báo cáo", "Reporting status"),
    "menu.missing": ("Đơn vị chưa báo cáo", "Units not reported"),
    "menu.unit": ("Một đơn vị (mã hoặc tên)", "One unit (code or name)"),
    "menu.stats": ("Số liệu và biểu đồ", "Figures and a chart"),
    "menu.remind": ("Nhắc ngay các đơn vị chưa báo cáo", "Remind the late units now"),
    "menu.announce": ("Gửi thông báo tới người báo cáo", "Message every reporter"),
    "menu.invite": ("Mã mời của một đơn vị", "A unit's invite link"),
    "menu.staff": ("Cán bộ Ban (quản trị)", "Board staff (admins)"),
    "menu.export": ("Xuất báo cáo tổng hợp", "Export the compiled report"),
    "export.sent": (
        "Báo cáo tổng hợp {title}, tính đến ngày {date}: báo cáo (DOCX) để Ban biên tập và ký, bảng phụ lục (XLSX).",
        "Compiled report on {title} as of {date}: the report (DOCX) for the board to edit and sign, the table (XLSX).",
    ),
    # --- the compiled report (bot/exports/); its bodies, headings and signers come from the campaign file ---
    # --- files ---
    "export.file.report": ("bao-cao", "report"),
    "export.file.appendix": ("phu-luc", "appendix"),
    # --- XLSX sheets ---
    "export.sheet.appendix": ("Phụ lục", "Appendix"),
    "export.sheet.missing": ("Chưa báo cáo", "Not reported"),
    "export.sheet.versions": ("Các lần gửi", "Submitted versions"),
    "export.sheet.presenters": ("Báo cáo viên", "Presenters"),
    "export.of_total": ("Trên tổng số", "Out of"),
    "export.total": ("Tổng cộng", "Total"),
    "export.as_of": ("(Tính đến ngày {date})", "(As of {date})"),
    "export.closed_on": ("(Đợt báo cáo kết thúc ngày {date})", "(Reporting closed on {date})"),
    "export.col.code": ("Mã đơn vị", "Unit code"),
    "doc.category": ("Báo cáo", "Report"),  # the DOCX's category property
    "export.appendix_field": (
        "report.appendix: “{field}” không phải câu hỏi của đợt báo cáo hay một số liệu ({figures})",
        "report.appendix: '{field}' is not a question of the campaign nor a figure ({figures})",
    ),
    "export.col.register_members": ("ĐV theo sổ", "Members (register)"),
    "export.col.reporter": ("Người báo cáo", "Reporter"),
    "export.col.channel": ("Kênh liên lạc", "Channel"),
    "export.col.handle": ("Tài khoản trên kênh", "Account on the channel"),
    "export.col.reachable": ("Liên lạc", "Reachable"),
    "export.col.presenter": ("Báo cáo viên", "Presenter"),
    "export.col.positions": ("Chức vụ", "Position"),
    "export.col.presented_at": ("Báo cáo tại", "Presented at"),
    "export.col.draft_answers": ("Số câu đã trả lời (nháp)", "Draft answers"),
    "export.col.version": ("Lần gửi", "Version"),
    "export.col.questionnaire": ("Phiên bản câu hỏi", "Questionnaire"),
    "export.col.submitted_at": ("Thời gian gửi", "Submitted at"),
    "export.col.sender": ("Người gửi", "Sent by"),
    "export.col.late": ("Sau hạn", "Late"),
    "export.yes": ("Có", "Yes"),
    # --- cells of the appendix ---
    "export.kind.grassroots_committee": ("ĐBCS", "Committee"),
    "export.kind.grassroots_cell": ("CBCS", "Cell"),
    "export.format_sites": ("{format} ({sites} điểm cầu)", "{format} ({sites} video sites)"),
    "export.state.reported": ("Đã báo cáo", "Reported"),
    "export.state.late": ("Báo cáo muộn", "Reported late"),
    "export.state.missing": ("Chưa báo cáo", "Not reported"),
    "export.makeup.done": ("Có ({date})", "Yes ({date})"),
    "export.makeup.no": ("Chưa", "No"),
    "export.makeup.planned": ("Chưa (dự kiến {date})", "No (planned {date})"),
    "export.plan.issued": ("{number}, {date}", "{number}, {date}"),
    "export.remark.exempt": ("Miễn SH: {count}", "Exempt: {count}"),
    "export.remark.late": ("Gửi sau hạn", "Sent late"),
    "export.remark.amended": ("Đã sửa (lần {version})", "Amended (version {version})"),
    "export.remark.through_parent": (
        "Chi bộ trực thuộc, báo cáo qua đảng ủy cơ sở",
        "An affiliated cell, reported by its committee",
    ),
    "export.remark.reasons_old": (
        "Lý do vắng: {reasons} (mẫu cũ, không có số người)",
        "Absent: {reasons} (old questionnaire, no counts)",
    ),
    "export.remark.reasons_uncounted": (
        "Lý do vắng: {reasons} (không có số người theo lý do)",
        "Absent: {reasons} (no counts by reason)",
    ),
    "export.remark.reasons_unmatched": (
        "Lý do vắng: {reasons} (số người theo lý do không khớp số vắng)",
        "Absent: {reasons} (the counts by reason do not add up)",
    ),
    "export.remark.other_reason": ("Lý do khác: {what}", "Other reason: {what}"),
    "export.not_held.row": ("Dự kiến: {date}. {reason}", "Planned: {date}. {reason}"),
    # --- reporters of units not reported ---
    "export.reporter.none": ("Chưa có người báo cáo", "No reporter enrolled"),
    "export.channel.telegram": ("Telegram", "Telegram"),
    "export.channel.zalo": ("Zalo", "Zalo"),
    "export.channel.terminal": ("Thử trên máy", "Terminal demo"),
    "export.reporter.active": ("Nhắn tin được qua bot", "Reachable through the bot"),
    "export.reporter.unreachable": ("Đã chặn bot: liên lạc trực tiếp", "Blocked the bot: contact them directly"),
    # --- the DOCX around the figures ---
    "doc.number": ("Số {blank}{symbol}", "No. {blank}{symbol}"),
    "doc.place_date": ("{place}, ngày {day} tháng {month} năm {year}", "{place}, {day}/{month}/{year}"),
    "doc.opening": (
        "Thực hiện văn bản số {number}, ngày {date} của {issuer}{subject}, {body} báo cáo kết quả như sau:",
        "Pursuant to document {number} of {date} by {issuer}{subject}, {body} reports as follows:",
    ),
    "doc.as_of": ("Tính đến ngày {date}", "As of {date}"),
    "doc.units": (
        "Đảng bộ Khối có {units} TCCSĐ phải báo cáo ({committees} đảng bộ cơ sở, {cells} chi bộ cơ sở{affiliated}).",
        "The bloc has {units} grassroots organisations that must report ({committees} committees, {cells} cells"
        "{affiliated}).",
    ),
    "doc.units_affiliated": (
        "; {count} chi bộ trực thuộc báo cáo qua đảng ủy cơ sở",
        "; {count} affiliated cells report through their committee",
    ),
    "doc.cells": (
        "Tại {committees} đảng bộ cơ sở có chi bộ trực thuộc, {held}/{total} chi bộ trực thuộc đã tổ chức học tập"
        "{others}.",
        "In {committees} grassroots committees with affiliated cells, {held}/{total} of those cells held it{others}.",
    ),
    "doc.cells_others": (
        " ({count} đảng bộ cơ sở khác có chi bộ trực thuộc chưa nêu số liệu này)",
        " ({count} other such committees have not given this figure)",
    ),
    "doc.held": (
        "có {held}/{units} TCCSĐ (đạt {rate}%) đã tổ chức học tập, quán triệt Nghị quyết{by}.",
        "{held}/{units} units ({rate}%) have held the study session{by}.",
    ),
    "doc.in_which": (" (trong đó: {items})", " (of which: {items})"),
    "doc.count_item": ("{label}: {count} đơn vị", "{label}: {count} units"),
    "doc.not_held": (
        "{count} TCCSĐ đã báo cáo nhưng chưa tổ chức{names}.",
        "{count} units have reported but not yet held it{names}.",
    ),
    "doc.missing": ("{count} TCCSĐ chưa báo cáo.", "{count} units have not reported."),
    "doc.members": (
        "Số đảng viên tham gia học tập: {attended} đồng chí, đạt {rate}% trên tổng số {eligible} đảng viên của các"
        " TCCSĐ đã tổ chức học tập{exempt} và đạt {register_rate}% trên tổng số {register} đảng viên của toàn Đảng bộ"
        " Khối theo sổ; trong đó cán bộ chủ chốt: {key} đồng chí.",
        "Members who attended: {attended}, {rate}% of the {eligible} members of the units that held it{exempt}"
        " and {register_rate}% of the {register} members of the whole bloc by the register; of them key officials:"
        " {key}.",
    ),
    "doc.members_exempt": (
        " (không tính {count} đảng viên được miễn sinh hoạt)",
        " (not counting {count} members exempt from party activities)",
    ),
    "doc.non_members": ("Số quần chúng tham dự: {count} người.", "Non-members who attended: {count}."),
    "doc.essays": ("Số bài thu hoạch: {count} bài.", "Written reflections (essays): {count}."),
    "doc.format": (
        "Hình thức tổ chức: {formats}; tổng số {sessions} buổi (hội nghị){sites}.",
        "Formats: {formats}; {sessions} sessions in all{sites}.",
    ),
    "doc.sites": (", {count} điểm cầu trực tuyến", ", {count} video sites"),
    "doc.presenters": (
        "Báo cáo viên: {count} đồng chí, trình bày tại {units} TCCSĐ{names}.",
        "Presenters: {count} people, at {units} units{names}.",
    ),
    "doc.presenters_listed": (" (danh sách tại Phụ lục)", " (listed in the appendix)"),
    "doc.absent": (
        "Số đảng viên vắng: {count} đồng chí tại {units} TCCSĐ{reasons}.",
        "Absent members: {count} in {units} units{reasons}.",
    ),
    "doc.absent_reasons": (", trong đó: {items}", ", of whom: {items}"),
    "doc.absent_reason": ("{label} {count} đồng chí", "{label} {count}"),
    "doc.absent_uncounted": (
        "{units} TCCSĐ không nêu số người theo lý do ({count} đồng chí vắng)",
        "{units} units did not give the number of people by reason ({count} absent)",
    ),
    "doc.makeup": (
        "{makeup}/{units} TCCSĐ có đảng viên vắng đã tổ chức học bù.",
        "{makeup}/{units} units with absent members held a make-up session.",
    ),
    "doc.no_absent": ("Không có đảng viên vắng.", "No member was absent."),
    "doc.disseminated": (
        "có {count}/{units} TCCSĐ đã tuyên truyền Nghị quyết{by}; tổng số {items} tin, bài.",
        "{count}/{units} units have disseminated the resolution{by}; {items} news items in all.",
    ),
    "doc.rest.not_disseminated": ("{count} TCCSĐ chưa tuyên truyền", "{count} units have not disseminated it yet"),
    "doc.rest.unanswered": ("{count} TCCSĐ không nêu nội dung này", "{count} units did not answer this"),
    "doc.rest.missing": ("{count} TCCSĐ chưa báo cáo", "{count} units have not reported"),
    "doc.action": (
        "có {count}/{units} TCCSĐ (đạt {rate}%) đã ban hành chương trình hành động, kế hoạch"
        " thực hiện Nghị quyết{rest}.",
        "{count}/{units} units ({rate}%) have issued an action programme or plan{rest}.",
    ),
    "doc.action_rest": ("; {items}", "; {items}"),
    "doc.no_notes": ("Các TCCSĐ chưa nêu ý kiến về nội dung này.", "No unit has written on this yet."),
    "doc.digest.intro": (
        "Qua báo cáo của {writers}/{units} TCCSĐ có ý kiến, các ý kiến được nêu nhiều nhất:",
        "From the {writers}/{units} units that wrote on this, the points raised most often:",
    ),
    "doc.digest.point": ("- {text} ({count} TCCSĐ).", "- {text} ({count} units)."),
    "doc.timing.reports": (
        "{on_time}/{units} TCCSĐ gửi báo cáo đúng hạn (đến ngày {deadline}), {late} TCCSĐ gửi báo cáo muộn,"
        " {missing} TCCSĐ chưa báo cáo; {reported_within}/{units} TCCSĐ đã gửi báo cáo trong Quý {quarter}.",
        "{on_time}/{units} units reported by the deadline ({deadline}), {late} reported late, {missing} have not"
        " reported; {reported_within}/{units} reported within quarter {quarter}.",
    ),
    "doc.timing.held": (
        "{held_by_deadline}/{units} TCCSĐ hoàn thành học tập, quán triệt đến ngày {deadline};"
        " {held_within}/{units} TCCSĐ hoàn thành trong Quý {quarter}.",
        "{held_by_deadline}/{units} units finished the study sessions by {deadline}; {held_within}/{units} within"
        " quarter {quarter}.",
    ),
    "doc.appendix_follows": ("(có Phụ lục kèm theo)", "(appendix attached)"),
    "doc.appendices_follow": ("(có 02 Phụ lục kèm theo)", "(two appendices attached)"),
    "doc.comment.placeholder": (
        "Chưa điền {field} trong tệp chiến dịch: sửa tệp, chạy nqbot campaign load rồi xuất lại báo cáo.",
        "{field} is not filled in the campaign file: edit it, run nqbot campaign load and export again.",
    ),
    "doc.plan.issued": (
        "{issuer} đã ban hành Kế hoạch số {number}, ngày {date} về nghiên cứu, học tập, quán triệt, tuyên truyền"
        " và triển khai thực hiện Nghị quyết số {resolution}.",
        "{issuer} issued plan No. {number} of {date} on studying, disseminating and carrying out resolution"
        " {resolution}.",
    ),
    "doc.plan.conference": (
        "Hội nghị học tập, quán triệt Nghị quyết cấp Khối được tổ chức ngày {date} tại {place}{description}.",
        "The bloc's conference on the resolution was held on {date} at {place}{description}.",
    ),
    "doc.plan.timing_heading": ("1. Thời gian thực hiện", "1. Timing"),
    "doc.plan.tasks_heading": ("2. Việc thực hiện các nhiệm vụ của Kế hoạch", "2. The plan's tasks"),
    "doc.plan.task": ("2.{number}. {title}: ", "2.{number}. {title}: "),
    "doc.presenters_table": ("Danh sách báo cáo viên", "Presenters"),
    "doc.presenters_col.number": ("STT", "No."),
    "doc.presenters_col.name": ("Họ và tên", "Name"),
    "doc.presenters_col.position": ("Chức vụ", "Position"),
    "doc.presenters_col.units": ("Trình bày tại", "Presented at"),
    "report.placeholder": (
        "Cảnh báo: {field} vẫn là chữ mẫu “{value}”: sửa trong tệp chiến dịch trước khi ký báo cáo.",
        "Warning: {field} still holds the sample text “{value}”: change it in the campaign file before signing.",
    ),
    "report.unfilled": (
        "Cảnh báo: {field} chưa điền trong tệp chiến dịch: báo cáo in “…” ở chỗ đó.",
        "Warning: {field} is not filled in the campaign file: the report prints “…” there.",
    ),
    "export.placeholders": (
        "Lưu ý: báo cáo còn {count} chỗ chưa điền trong tệp chiến dịch ({fields}); ở các chỗ đó báo cáo in"
        " “…” kèm ghi chú. Quản trị viên sửa tệp và chạy nqbot campaign load trước khi ký.",
        "Note: {count} places of the report are not filled in the campaign file ({fields}); the report prints"
        " “…” with a comment there. The admin edits the file and runs nqbot campaign load before signing.",
    ),
    "doc.appendix_attached": (
        "(Kèm theo Báo cáo số {blank}{symbol}, ngày {date})",
        "(Attached to report No. {blank}{symbol} of {date})",
    ),
    # --- the operator's command line and the terminal demo (bot/cli.py) ---
    "cli.campaign_loaded": (
        "Đã nạp chiến dịch {code}: {questions} câu hỏi, hạn báo cáo {deadline}.",
        "Campaign {code} loaded: {questions} questions, report deadline {deadline}.",
    ),
    "cli.campaign_new_version": (
        "Đã cập nhật chiến dịch {code}: bộ câu hỏi phiên bản {version}; {older} báo cáo đã lưu giữ nguyên phiên bản"
        " của mình.",
        "Campaign {code} updated: questionnaire version {version}; {older} stored report(s) keep their earlier"
        " version.",
    ),
    "cli.campaign_updated": (
        "Đã cập nhật chiến dịch {code} (bộ câu hỏi không đổi).",
        "Campaign {code} updated (questionnaire unchanged).",
    ),
    "cli.campaign_written": (
        "Đã viết {file}: {code}, hạn báo cáo {deadline}, hạn Ban báo cáo cấp trên {board}, đóng {closes}.",
        "Wrote {file}: {code}, report deadline {deadline}, board deadline {board}, closes {closes}.",
    ),
    "cli.campaign_fill": (
        "Điền cho cơ quan mình trước khi xuất báo cáo (dòng có dấu “# ĐIỀN / FILL IN” trong tệp): {fields}",
        "Fill in for your own body before exporting (the lines marked “# ĐIỀN / FILL IN” in the file): {fields}",
    ),
    "cli.campaign_old_dates": (
        "Các dòng văn bản còn ghi ngày của đợt cũ (sửa tay nếu cần): {lines}",
        "Prose lines that still name the old campaign's dates (edit them if needed): {lines}",
    ),
    "cli.campaign_not_loaded": (
        "Chưa nạp (--dry-run). Sửa tệp xong, chạy: nqbot campaign load {file}",
        "Not loaded (--dry-run). When the file is ready, run: nqbot campaign load {file}",
    ),
    "cli.campaign_file_exists": (
        "đã có tệp {file}; chọn mã khác hoặc xóa tệp đó",
        "{file} exists already; choose another code or remove that file",
    ),
    "cli.campaign_code_taken": (
        "đã có đợt báo cáo mã {code} trong cơ sở dữ liệu; chọn mã khác",
        "a campaign with the code {code} is in the database already; choose another code",
    ),
    "cli.bad_day": (
        "“{value}” không phải ngày dạng DD/MM/YYYY",
        "“{value}” is not a date written DD/MM/YYYY",
    ),
    "cli.no_open_campaign": (
        "Không có đợt báo cáo nào đang mở hôm nay. Các đợt: {campaigns}. Tạo đợt mới: nqbot campaign new MÃ --from"
        " campaigns/nq15-2022.yaml --deadline DD/MM/YYYY",
        "No campaign is open today. Campaigns: {campaigns}. Make a new one: nqbot campaign new CODE --from"
        " campaigns/nq15-2022.yaml --deadline DD/MM/YYYY",
    ),
    "cli.campaign_dates": (
        "{code} (hạn {deadline}, kết thúc {closes})",
        "{code} (deadline {deadline}, closes {closes})",
    ),
    "cli.no_campaigns": ("chưa có", "none yet"),
    "cli.unknown_campaign": (
        "không có đợt báo cáo mã “{code}”. Các đợt: {campaigns}",
        "no campaign with the code “{code}”. Campaigns: {campaigns}",
    ),
    "campaign_copy.no_line": (
        "{source}: không thấy dòng “{key}: …” ở đầu dòng để đổi",
        "{source}: no top-level “{key}: …” line to change",
    ),
    "campaign_copy.bad_code": (
        "mã đợt “{code}” chỉ gồm chữ thường không dấu, số và dấu gạch ngang (ví dụ nq15-2026)",
        "the campaign code “{code}” takes lower-case letters, digits and hyphens only (e.g. nq15-2026)",
    ),
    "campaign_copy.before_resolution": (
        "hạn báo cáo {deadline} trước ngày ban hành nghị quyết {resolution}",
        "the report deadline {deadline} is before the resolution's date {resolution}",
    ),
    "campaign_copy.before_deadline": (
        "{what} {value} trước hạn báo cáo {deadline}",
        "{what} {value} is before the report deadline {deadline}",
    ),
    "campaign_copy.board_deadline": ("hạn Ban báo cáo cấp trên", "the board deadline"),
    "campaign_copy.closes_on": ("ngày đóng", "the closing day"),
    "cli.campaign_row": (
        "{code}\t{title}\thạn báo cáo {deadline}\tđóng {closes}",
        "{code}\t{title}\tdeadline {deadline}\tcloses {closes}",
    ),
    "cli.units_imported": (
        "{source}: {created} đơn vị mới, {updated} cập nhật, {unchanged} không đổi.",
        "{source}: {created} new, {updated} updated, {unchanged} unchanged.",
    ),
    "cli.units_pruned": (
        "Đã xóa (không có trong tệp, chưa có dữ liệu): {codes}",
        "Deleted (not in the file, no data): {codes}",
    ),
    "cli.units_kept": ("Giữ lại (không có trong tệp): {codes}", "Kept (not in the file): {codes}"),
    "cli.database_ready": (
        "Cơ sở dữ liệu sẵn sàng (phiên bản lược đồ {revision}).",
        "Database ready at revision {revision}.",
    ),
    "cli.error": ("Lỗi: {message}", "Error: {message}"),
    "cli.database_error": ("lỗi cơ sở dữ liệu ({kind}): {detail}", "database error ({kind}): {detail}"),
    "cli.no_database": (
        "chưa có cơ sở dữ liệu {path}; chạy `nqbot init` để tạo",
        "there is no database at {path}; run `nqbot init` to create it",
    ),
    "cli.backup_needs_sqlite": (
        "backup sao chép tệp SQLite; với PostgreSQL hãy dùng pg_dump",
        "backup copies a SQLite file; for PostgreSQL use pg_dump",
    ),
    "cli.backed_up": (
        "Đã sao lưu {source} vào {file} ({pages} trang).",
        "Backed up {source} to {file} ({pages} pages).",
    ),
    "cli.status_units": ("Đơn vị: {count}", "Units: {count}"),
    "cli.status_campaign": (
        "{code}: {submitted}/{units} đơn vị đã báo cáo ({late} nộp muộn), {drafts} đang làm dở;"
        " hạn báo cáo {deadline}, đóng {closes}",
        "{code}: {submitted}/{units} reported ({late} late), {drafts} draft(s); report deadline {deadline},"
        " closes {closes}",
    ),
    "cli.invite_which": ("nêu một mã đơn vị, hoặc dùng --all", "name one unit code, or use --all"),
    "cli.invite_revoke_alone": (
        "--revoke dùng riêng: không kèm mã đơn vị, --all hay --qr",
        "--revoke goes alone: no unit code, --all or --qr",
    ),
    "cli.invite_unknown": (
        "không có đơn vị hay mã mời nào là “{target}”",
        "no unit or invite code “{target}”",
    ),
    "cli.invite_revoked": ("Đã thu hồi mã mời của {target}: {about}", "Revoked the invite for {target}: {about}"),
    "cli.invite_none_live": ("{unit}: không có mã mời nào còn hiệu lực.", "{unit}: no live invites."),
    "cli.invite_was_revoked": ("Mã mời này đã bị thu hồi lúc {at}.", "This invite was already revoked at {at}."),
    "cli.staff_invite_made": (
        "Mã mời {role}: dùng được một lần, hết hạn lúc {expires}.",
        "Invite for {role}: one use, expires at {expires}.",
    ),
    "cli.staff_invite_staff": (
        "cán bộ Ban (xem tình hình báo cáo, nhắc đơn vị, xuất báo cáo)",
        "a board staff member (sees who reported, nudges units, exports the report)",
    ),
    "cli.staff_invite_admin": (
        "quản trị viên (cán bộ Ban, được mời và thu hồi cán bộ khác)",
        "an admin (board staff who may also invite and remove staff)",
    ),
    "cli.staff_invite_telegram": ("Telegram: {link}", "Telegram: {link}"),
    "cli.staff_invite_zalo": ("Zalo: nhắn “{typed}” cho bot", "Zalo: send “{typed}” to the bot"),
    "cli.staff_invite_send": (
        "Gửi riêng cho người được mời, đừng đăng vào nhóm: ai có mã này cũng vào được với quyền {role}.",
        "Send it to that person alone, never to a group: whoever has the code joins as {role}.",
    ),
    "cli.invite_no_username": (
        "(Chưa có tên bot: đặt TELEGRAM_BOT_TOKEN để in liên kết t.me; trong lúc chờ, có thể gõ các dòng trên"
        " cho bot.)",
        "(No bot username: set TELEGRAM_BOT_TOKEN to print t.me links; meanwhile the lines above can be typed to"
        " the bot.)",
    ),
    # --- the operator's files and database (storage's errors, said by the CLI) ---
    "units.not_imported": (
        "{source}: không nhập gì, {count} dòng lỗi: {problems}{more}",
        "{source}: nothing imported, {count} bad row(s): {problems}{more}",
    ),
    "units.more": ("; … và {count} dòng khác", "; … and {count} more"),
    "units.no_file": ("không có tệp này", "no such file"),
    "units.not_utf8": (
        "tệp không phải văn bản UTF-8 (lưu bảng tính dạng CSV UTF-8)",
        "the file is not UTF-8 text (save the sheet as CSV UTF-8)",
    ),
    "units.missing_columns": (
        "dòng 1: thiếu cột {missing}; cần các cột {expected}",
        "line 1: missing column(s) {missing}; expected {expected}",
    ),
    "units.empty": ("dòng {line}: cột {column} để trống", "line {line}: {column} is empty"),
    "units.repeated": (
        "dòng {line}: mã “{code}” đã có ở dòng {first}",
        "line {line}: code '{code}' is already on line {first}",
    ),
    "units.bad_kind": (
        "dòng {line}: loại “{kind}” không phải đảng bộ cơ sở (grassroots_committee) hay chi bộ cơ sở (grassroots_cell)",
        "line {line}: kind '{kind}' is not 'grassroots_committee' (đảng bộ cơ sở) or 'grassroots_cell' (chi bộ cơ sở)",
    ),
    "units.bad_count": (
        "dòng {line}: số đảng viên “{value}” không phải số nguyên từ 0 đến {max}",
        "line {line}: member_count '{value}' is not a whole number from 0 to {max}",
    ),
    "units.bad_reports": (
        "dòng {line}: cột reports “{value}” không phải parent (qua đảng ủy) hay self (tự báo cáo)",
        "line {line}: reports '{value}' is not 'parent' (qua đảng ủy) or 'self' (tự báo cáo)",
    ),
    "units.reports_not_cell": (
        "dòng {line}: reports parent: chỉ chi bộ mới báo cáo qua đảng ủy cơ sở của mình",
        "line {line}: reports 'parent': only a cell (chi bộ) reports through its grassroots committee",
    ),
    "units.reports_no_parent": (
        "dòng {line}: reports parent cần cột parent: đảng bộ cơ sở báo cáo thay chi bộ",
        "line {line}: reports 'parent' needs a parent: the grassroots committee (đảng bộ cơ sở) that reports for it",
    ),
    "units.invalid": ("dòng {line}: {column}: {detail}", "line {line}: {column}: {detail}"),
    "units.own_parent": (
        "dòng {line}: đơn vị không thể là cấp trên của chính mình",
        "line {line}: a unit cannot be its own parent",
    ),
    "units.unknown_parent": (
        "dòng {line}: cấp trên “{parent}” không có trong tệp này hay trong cơ sở dữ liệu",
        "line {line}: parent '{parent}' is not a unit of this file or the database",
    ),
    "units.where_line": ("dòng {line}", "line {line}"),
    "units.where_unit": ("đơn vị {code} (đã có trong cơ sở dữ liệu)", "unit {code} (in the database)"),
    "units.parent_not_committee": (
        "{where}: báo cáo qua cấp trên “{parent}”, nhưng đó không phải đảng bộ cơ sở",
        "{where}: reports through its parent '{parent}', which is not a grassroots committee (đảng bộ cơ sở)",
    ),
    "units.line_too_long": (
        "{source}: không nhập gì: dòng {line} dài {length} ký tự, quá {limit} ký tự của một dòng danh sách đơn vị",
        "{source}: nothing imported: line {line} is {length} characters long, more than a units register's {limit}",
    ),
    "units.csv_unreadable": (
        "{source}: không nhập gì: không đọc được dòng {line} của tệp CSV ({detail})",
        "{source}: nothing imported: line {line} cannot be read as CSV ({detail})",
    ),
    "units.parent_cycle": (
        "{source}: không nhập gì: các đơn vị này thành cấp trên của chính mình (cấp trên nối cấp trên): {units}",
        "{source}: nothing imported: each of these units would be above itself (parent after parent): {units}",
    ),
    "campaign_file.too_large": (
        "{source}: tệp dài {size} byte; tệp chiến dịch dài tối đa {limit} byte",
        "{source}: the file is {size} bytes; a campaign file is at most {limit}",
    ),
    "database.url_invalid": (
        "DATABASE_URL không phải địa chỉ cơ sở dữ liệu hợp lệ (ví dụ sqlite:///data/nqbot.db)",
        "DATABASE_URL is not a valid database URL (e.g. sqlite:///data/nqbot.db)",
    ),
    "database.url_unsupported": (
        "DATABASE_URL: không hỗ trợ cơ sở dữ liệu “{kind}” (dùng sqlite hoặc postgresql)",
        "DATABASE_URL: unsupported database “{kind}” (use sqlite or postgresql)",
    ),
    "backup.no_database": (
        "{source}: chưa có tệp cơ sở dữ liệu để sao lưu (chạy `nqbot init` trước)",
        "{source}: no database file to back up (run `nqbot init` first)",
    ),
    "backup.over_itself": (
        "{target}: bản sao lưu không được ghi đè lên chính cơ sở dữ liệu",
        "{target}: the backup must not overwrite the database itself",
    ),
    "invite.unknown_unit": (
        "không có đơn vị mã “{unit}” (xem `nqbot status` hoặc tệp danh sách đơn vị)",
        "no unit with the code “{unit}” (see `nqbot status` or the units CSV)",
    ),
    "invite.reported_by_parent": (
        "{unit} do {parent} báo cáo thay (cột reports của danh sách đơn vị): không cần mã mời riêng",
        "{parent} reports for {unit} (the units CSV's reports column): it needs no invite of its own",
    ),
    "invite.no_units": (
        "chưa có đơn vị nào: chạy `nqbot units import TỆP.csv` trước",
        "there are no units yet: run `nqbot units import FILE.csv` first",
    ),
    "database.driver_missing": (
        "DATABASE_URL chỉ tới PostgreSQL nhưng chưa cài trình điều khiển {driver}: chạy {install}",
        "DATABASE_URL names PostgreSQL but its driver {driver} is not installed: run {install}",
    ),
    "settings.invalid": ("{name}: giá trị không hợp lệ ({detail})", "{name}: {detail}"),
    "settings.not_set": (
        "{name} chưa được đặt: ghi giá trị vào tệp .env (xem .env.example)",
        "{name} is not set: put it in .env (see .env.example)",
    ),
    "settings.webhook_url_missing": (
        "WEBHOOK_URL chưa được đặt: địa chỉ https:// công khai của máy chủ này (xem .env.example)",
        "WEBHOOK_URL is not set: the public https:// address of this server (see .env.example)",
    ),
    "settings.webhook_url_scheme": (
        "WEBHOOK_URL phải bắt đầu bằng https:// (Telegram và Zalo chỉ gọi tới địa chỉ HTTPS; http:// chỉ dùng với "
        "127.0.0.1 khi thử)",
        "WEBHOOK_URL must start with https:// (Telegram and Zalo only call HTTPS addresses; http:// only for "
        "127.0.0.1 in tests)",
    ),
    "settings.webhook_secret_shape": (
        "WEBHOOK_SECRET phải dài 8 đến 256 ký tự, chỉ gồm chữ cái không dấu, chữ số, _ và -",
        "WEBHOOK_SECRET must be 8 to 256 characters: letters, digits, _ and - only",
    ),
    "demo.heading": (
        "nqbot demo: chiến dịch “{title}”, hạn báo cáo {deadline}; dữ liệu ở {path}",
        "nqbot demo: campaign “{title}”, report deadline {deadline}; database {path}",
    ),
    "demo.invite": ("Mã mời của {unit}: {code}", "Invite code for {unit}: {code}"),
    "demo.how": (
        "Gõ  /start {code}  để tham gia với tư cách người báo cáo của đơn vị. Ctrl-D để kết thúc.",
        "Type  /start {code}  to join as its reporter. Ctrl-D ends the demo.",
    ),
    "demo.ended": (
        "Đã kết thúc demo; chạy `nqbot demo --keep` để làm tiếp từ chỗ đã dừng.",
        "Demo ended; run `nqbot demo --keep` to continue where you left off.",
    ),
    "demo.staff_how": (
        "Đồng chí đang ở vai cán bộ Ban; {reported} đơn vị mẫu đã gửi báo cáo, {drafts} đơn vị đang làm dở. "
        "Thử /tinhhinh, /chuanop, /donvi Tư pháp, /thongke (biểu đồ) và /xuat (DOCX, XLSX); tệp được lưu ở "
        "{files}. Ctrl-D để kết thúc.",
        "You are a board staff member; {reported} sample units have reported and {drafts} have a draft. Try "
        "/tinhhinh, /chuanop, /donvi Tư pháp, /thongke (chart) and /xuat (DOCX, XLSX); files are saved in "
        "{files}. Ctrl-D ends the demo.",
    ),
    "demo.staff_ended": (
        "Đã kết thúc demo; chạy `nqbot demo --staff --keep` để làm tiếp từ chỗ đã dừng.",
        "Demo ended; run `nqbot demo --staff --keep` to continue where you left off.",
    ),
    "terminal.file_saved": ("📎 Đã lưu tệp: {path}", "📎 File saved: {path}"),
    "terminal.file_not_saved": ("📎 Tệp {filename} (không lưu)", "📎 File {filename} (not saved)"),
}


def say(key: str, language: str = "vi", /, **params: Any) -> str:
    """The text `key` in `language` (Vietnamese when English is missing), with `params` filled in. A field
    written `{text!q}` echoes someone's own words: shortened to a quote (bot.formatting.quote), so a pasted
    page never comes back whole."""
    vi, en = TEXTS[key]
    template = en if language == "en" and en else vi
    if not params:
        return template
    return _QUOTING.vformat(template, (), params) if "!q}" in template else template.format(**params)


class _Quoting(string.Formatter):
    """str.format with one more conversion, `!q`: the value as a short quote."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "q":
            from bot.formatting import quote  # formatting imports this module

            return quote(str(value))
        return super().convert_field(value, conversion)


_QUOTING = _Quoting()


def said(message: str | Text, language: str = "vi") -> str:
    """A message that may be a catalog Text (storage's errors), in `language`: its Text parameters said too,
    its whole numbers written the language's way (1.234 or 1,234)."""
    from bot.formatting import number  # formatting imports this module; said() runs once per error

    if isinstance(message, str):
        return message
    params = {name: _said_param(value, language, number) for name, value in message.params.items()}
    return say(message.key, language, **params)


def _said_param(value: Any, language: str, number: Callable[[int], str]) -> Any:
    if isinstance(value, Text):
        return said(value, language)
    if isinstance(value, list):  # several texts in one line: "line 3: …; line 5: …"
        return "; ".join(str(_said_param(item, language, number)) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if language == "en" else number(value)
    return value
