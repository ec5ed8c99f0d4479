"""Reading what people type: numbers, dates, yes/no, choices and text; errors always name a catalog text."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsing import (
    Approximate,
    ParseError,
    clean_text,
    match_choice,
    match_choices,
    parse_date,
    parse_date_list,
    parse_integer,
    parse_yes_no,
)
from bot.texts import say

TODAY = datetime.date(2022, 10, 5)
D = datetime.date
FORMATS = [("in_person", "Trực tiếp"), ("online", "Trực tuyến"), ("hybrid", "Kết hợp trực tiếp và trực tuyến")]
ERROR_KEYS = {
    "parse.integer.not_number",
    "parse.integer.negative",
    "parse.integer.too_large",
    "parse.integer.range",
    "parse.approximate",
    "parse.date.one_only",
    "parse.date_list.backwards",
    "parse.date.not_date",
    "parse.date.invalid_day",
    "parse.date_list.empty",
    "parse.date_list.too_many",
    "parse.yes_no.unclear",
    "parse.choice.unknown",
    "parse.choice.ambiguous",
    "parse.choice.out_of_range",
    "parse.text.empty",
}


def _error(call: Callable[[], object]) -> ParseError:
    with pytest.raises(ParseError) as caught:
        call()
    return caught.value


# --- integers ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("38", 38),
        (" 38 ", 38),
        ("38 đồng chí", 38),
        ("38 người", 38),
        ("38 đảng viên", 38),
        ("38 buổi", 38),
        ("38 Comrades", 38),
        ("1.234", 1234),
        ("1,234", 1234),
        ("1 234", 1234),
        ("1.234.567", 1_234_567),
        ("0", 0),
        ("007", 7),
        ("３８", 38),
        ("10.000.000", 10_000_000),
        ("28 đ/c", 28),
        ("30 đ.c", 30),
        ("30 Đ/C.", 30),
        ("30 đv", 30),
        ("30 đ.v.", 30),
        ("không", 0),
        ("Không có", 0),
        ("ko", 0),
        ("không có ai.", 0),
        ("2 nghìn", 2000),
        ("5k", 5000),
        ("3 chục người", 30),
    ],
)
def test_integers_as_people_type_them(text: str, expected: int) -> None:
    assert parse_integer(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "1.5",
        "3,25",
        "ba mươi",
        "38/40",
        "38 người 2 buổi",
        "1.23",
        "1.2345",
        "1.234,567",
        "12 3456",
        "-",
        "abc",
        "hơn",
        "tám người",
        "38 đ/c/40",
    ],
)
def test_what_is_not_a_whole_number(text: str) -> None:
    err = _error(lambda: parse_integer(text))
    assert (err.key, err.params) == ("parse.integer.not_number", {})


@pytest.mark.parametrize("text", ["-3", "- 3", "−3", "-1.234"])
def test_negative_numbers_are_refused(text: str) -> None:
    assert _error(lambda: parse_integer(text)).key == "parse.integer.negative"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("10000001", "10000001"),
        ("20.000.000 người", "20.000.000"),
        ("9" * 5000, "9" * 49 + "…"),
        ("20 triệu", "20 triệu"),
    ],
)
def test_too_large_numbers_are_refused_and_shown(text: str, shown: str) -> None:
    err = _error(lambda: parse_integer(text))
    assert (err.key, err.params) == ("parse.integer.too_large", {"text": shown})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("khoảng 30", 30),
        ("tầm 30 người", 30),
        ("hơn 30", 30),
        ("~30", 30),
        ("30+", 30),
        ("30 mấy", 30),
        ("gần 1.000", 1000),
    ],
)
def test_a_hedged_number_is_read_for_confirmation(text: str, value: int) -> None:
    err = _error(lambda: parse_integer(text))
    assert isinstance(err, Approximate)
    assert (err.value, err.params) == (value, {"text": text, "value": f"{value:,}".replace(",", ".")})


@pytest.mark.parametrize("text", ["30-35", "30 - 35 người", "30–35", "30 đến 35", "30 hoặc 35"])
def test_a_range_of_numbers_is_asked_again(text: str) -> None:
    err = _error(lambda: parse_integer(text))
    assert (err.key, err.params) == ("parse.integer.range", {"text": text})


@pytest.mark.parametrize(("text", "read"), [("٣٨", None), ("३८", None), ("①", 1), ("𝟑𝟖", 38)])
def test_other_unicode_digits_are_read_as_their_number_or_refused_clearly(text: str, read: int | None) -> None:
    """Phone keyboards' look-alike digits (NFKC folds ① and 𝟑𝟖 to 1 and 38); other scripts' digits are
    refused with the usual message, never a crash."""
    if read is None:
        assert _error(lambda: parse_integer(text)).key == "parse.integer.not_number"
    else:
        assert parse_integer(text) == read


# --- dates ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20/9", D(2022, 9, 20)),
        ("20/09/2022", D(2022, 9, 20)),
        ("20-9-22", D(2022, 9, 20)),
        ("20.9.2022", D(2022, 9, 20)),
        ("20/9/22", D(2022, 9, 20)),
        ("2022-09-20", D(2022, 9, 20)),
        ("5/1/2023", D(2023, 1, 5)),
        (" 20 / 9 ", D(2022, 9, 20)),
        ("ngày 20/9", D(2022, 9, 20)),
        ("Ngay 20/9/2021", D(2021, 9, 20)),
        ("hôm nay", TODAY),
        ("Hôm Nay", TODAY),
        ("hom nay", TODAY),
        ("today", TODAY),
        ("ngày hôm nay", TODAY),
        ("hôm qua", D(2022, 10, 4)),
        ("hom qua", D(2022, 10, 4)),
        ("Yesterday", D(2022, 10, 4)),
        ("２０/９", D(2022, 9, 20)),
        ("20 tháng 9", D(2022, 9, 20)),
        ("ngày 20 tháng 9 năm 2021", D(2021, 9, 20)),
        ("hôm kia", D(2022, 10, 3)),
        ("ngày mai", D(2022, 10, 6)),
        ("mai", D(2022, 10, 6)),
        ("3 ngày trước", D(2022, 10, 2)),
        # TODAY is a Wednesday. A bare weekday is the latest such day not after today.
        ("thứ 4", TODAY),
        ("thứ 6", D(2022, 9, 30)),
        ("thứ sáu", D(2022, 9, 30)),
        ("T2", D(2022, 10, 3)),
        ("thứ 2 tuần trước", D(2022, 9, 26)),
        ("thứ hai tuần này", D(2022, 10, 3)),
        ("thứ 6 tuần này", D(2022, 10, 7)),
        ("thứ 6 tuần sau", D(2022, 10, 14)),
        ("chủ nhật vừa rồi", D(2022, 10, 2)),
        ("CN tuần trước", D(2022, 10, 2)),
        ("thứ 4 vừa rồi", D(2022, 9, 28)),  # "vừa rồi": before today
    ],
)
def test_dates(text: str, expected: datetime.date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "shown"), [("31/2/2022", "31/2/2022"), (" 30/2 ", "30/2"), ("ngày 32/1", "32/1"), ("1/13", "1/13")]
)
def test_days_not_on_the_calendar_are_named(text: str, shown: str) -> None:
    err = _error(lambda: parse_date(text, TODAY))
    assert (err.key, err.params) == ("parse.date.invalid_day", {"text": shown})


@pytest.mark.parametrize(
    "text", ["", "ngày", "20", "20/9/202", "20/9/2022/1", "2022/09/20", "tháng 9", "abc", "thứ 8", "đầu tháng 9"]
)
def test_what_is_not_a_date(text: str) -> None:
    err = _error(lambda: parse_date(text, TODAY))
    assert (err.key, err.params) == ("parse.date.not_date", {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/9", [D(2022, 9, 15)]),
        ("15/9, 16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("15/9 và 16/9/2022", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("15/9 va 16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("15/9 16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("16/9;15/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("15/9+16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("15/9\n16/9\n", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("16/9, 16/09/2022, 15/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("ngày 15/9 và ngày 16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("hôm nay và hôm qua", [D(2022, 10, 4), TODAY]),
        ("15-16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("15-17/9/2022", [D(2022, 9, 15), D(2022, 9, 16), D(2022, 9, 17)]),
        ("15, 16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("15,16,17/9", [D(2022, 9, 15), D(2022, 9, 16), D(2022, 9, 17)]),
        ("15 và 16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("15/9 - 16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("15/9-16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
        ("30/9 đến 2/10", [D(2022, 9, 30), D(2022, 10, 1), D(2022, 10, 2)]),
        ("20-9-22", [D(2022, 9, 20)]),  # one date with dashes, not a range
        ("thứ 2, thứ 3 tuần trước", [D(2022, 9, 26), D(2022, 9, 27)]),  # both take the week named after them
    ],
)
def test_date_lists_are_sorted_without_repeats(text: str, expected: list[datetime.date]) -> None:
    assert parse_date_list(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "  ", ",", " và ", "\n;"])
def test_an_empty_date_list(text: str) -> None:
    assert _error(lambda: parse_date_list(text, TODAY)).key == "parse.date_list.empty"


def test_a_bad_item_in_a_date_list_raises_its_own_error() -> None:
    err = _error(lambda: parse_date_list("15/9, 31/9", TODAY))
    assert (err.key, err.params) == ("parse.date.invalid_day", {"text": "31/9"})
    assert _error(lambda: parse_date_list("15/9, abc", TODAY)).key == "parse.date.not_date"
    assert _error(lambda: parse_date_list("15, 16", TODAY)).key == "parse.date.not_date"  # no month
    assert _error(lambda: parse_date_list("15/9 -", TODAY)).key == "parse.date.not_date"
    err = _error(lambda: parse_date_list("17-15/9", TODAY))
    assert (err.key, err.params) == ("parse.date_list.backwards", {"first": "17/09", "last": "15/09"})


def test_one_date_is_one_and_hedged_dates_are_confirmed() -> None:
    err = _error(lambda: parse_date("15-16/9", TODAY))
    assert (err.key, err.params) == ("parse.date.one_only", {"count": 2})
    assert parse_date("15/9 - 15/9", TODAY) == D(2022, 9, 15)
    err = _error(lambda: parse_date("khoảng 20/9", TODAY))
    assert isinstance(err, Approximate) and err.value == D(2022, 9, 20)
    err = _error(lambda: parse_date_list("tầm 15-16/9", TODAY))
    assert isinstance(err, Approximate) and err.value == [D(2022, 9, 15), D(2022, 9, 16)]
    assert err.params == {"text": "tầm 15-16/9", "value": "15/09/2022, 16/09/2022"}


def test_too_many_dates() -> None:
    text = ", ".join(f"{day}/9" for day in range(1, 12))
    err = _error(lambda: parse_date_list(text, TODAY))
    assert (err.key, err.params) == ("parse.date_list.too_many", {"max": 10})
    assert len(parse_date_list(text, TODAY, max_dates=11)) == 11
    assert _error(lambda: parse_date_list("1/1/2000 - 1/1/2099", TODAY)).params == {"max": 10}  # not expanded
    assert parse_date_list("1/9, 01/09, 1/9/2022", TODAY, max_dates=1) == [D(2022, 9, 1)]  # repeats count once


# --- yes / no ---


@pytest.mark.parametrize(
    "text",
    [
        "có",
        "Có",
        "co",
        "rồi",
        "roi",
        "đã",
        "da",
        "yes",
        "Y",
        "ok",
        "OK.",
        "đúng",
        "dung",
        "1",
        "có ạ",
        "Dạ",
        "vâng",
        "Dạ vâng",
        "đồng ý",
        "ừ",
        "ừ đúng rồi",
        "đúng rồi",
        "có rồi",
    ],
)
def test_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "không",
        "Không",
        "khong",
        "ko",
        "k",
        "chưa",
        "chua",
        "no",
        "N",
        "2",
        "không có",
        "không.",
        "không đồng ý",
        "dạ chưa ạ",
        "chưa có",
    ],
)
def test_no(text: str) -> None:
    assert parse_yes_no(text) is False


# Only the first word used to decide: "chưa rõ" was a no and "có lẽ" a yes.
@pytest.mark.parametrize(
    "text", ["", "  ", "cong", "3", "maybe", "?", "khongg", "chưa rõ", "không rõ", "có lẽ", "không biết", "có, không"]
)
def test_unclear_yes_no(text: str) -> None:
    assert _error(lambda: parse_yes_no(text)).key == "parse.yes_no.unclear"


def test_the_question_s_own_words_may_follow_yes_or_no() -> None:
    question = "Đã tổ chức học bù cho đảng viên vắng chưa?"
    assert parse_yes_no("đã học bù rồi", question) is True
    assert parse_yes_no("chưa học bù", question) is False
    assert parse_yes_no("đã tổ chức", question) is True and parse_yes_no("chưa tổ chức", question) is False
    # Without the question (a confirmation) the first word no longer decides: "đã học" confirms nothing.
    for text in ("chưa học bù", "đã tổ chức", "đã học", "chưa tổ chức"):
        assert _error(lambda text=text: parse_yes_no(text)).key == "parse.yes_no.unclear"
    assert _error(lambda: parse_yes_no("có lẽ học bù", question)).key == "parse.yes_no.unclear"


# --- choices ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "in_person"),
        ("2", "online"),
        (" 2. ", "online"),
        ("số 2", "online"),
        ("Số 3", "hybrid"),
        ("online", "online"),
        ("ONLINE", "online"),
        ("Trực tuyến", "online"),
        ("truc tuyen", "online"),
        ("TRỰC TUYẾN", "online"),
        ("trực tiếp", "in_person"),
        ("kết hợp", "hybrid"),  # the first words of one label only
        ("Kết", "hybrid"),
        ("ket hop truc tiep va truc tuyen", "hybrid"),
        ("Dạ, trực tuyến ạ", "online"),
        ("trực tuyến!", "online"),
    ],
)
def test_a_choice_by_number_id_label_or_leading_words(text: str, expected: str) -> None:
    assert match_choice(text, FORMATS) == expected


# A part of a label used to be taken when only one label held it ("tuyến" alone was refused, but "trực tuyến
# và" or "hợp trực" were stored): now a part is never taken; the choices sharing its words are listed.
@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("tuyến", "2. Trực tuyến\n3. Kết hợp trực tiếp và trực tuyến"),
        ("tiep", "1. Trực tiếp\n3. Kết hợp trực tiếp và trực tuyến"),
        ("truc", "1. Trực tiếp\n2. Trực tuyến\n3. Kết hợp trực tiếp và trực tuyến"),
        ("hợp trực", "1. Trực tiếp\n2. Trực tuyến\n3. Kết hợp trực tiếp và trực tuyến"),
        ("trực tiếp và", "1. Trực tiếp\n2. Trực tuyến\n3. Kết hợp trực tiếp và trực tuyến"),
    ],
)
def test_a_part_of_a_label_lists_the_labels_it_may_mean(text: str, matches: str) -> None:
    err = _error(lambda: match_choice(f" {text} ", FORMATS))
    assert (err.key, err.params) == ("parse.choice.ambiguous", {"text": text, "matches": matches})


@pytest.mark.parametrize("text", ["0", "4", "số 9", "99999999999999"])
def test_a_number_out_of_range(text: str) -> None:
    err = _error(lambda: match_choice(text, FORMATS))
    assert (err.key, err.params) == ("parse.choice.out_of_range", {"count": 3})


@pytest.mark.parametrize(
    ("text", "shown"), [("", ""), ("  ", ""), (" tr ", "tr"), ("qua mạng", "qua mạng"), ("1.5", "1.5")]
)
def test_an_unknown_choice(text: str, shown: str) -> None:
    err = _error(lambda: match_choice(text, FORMATS))
    assert (err.key, err.params) == ("parse.choice.unknown", {"text": shown, "count": 3})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", ["online"]),
        ("1 3", ["in_person", "hybrid"]),
        ("1,3", ["in_person", "hybrid"]),
        ("1, 3 và 2", ["in_person", "online", "hybrid"]),
        ("3; 1", ["in_person", "hybrid"]),
        ("3+1", ["in_person", "hybrid"]),
        ("3\n1\n", ["in_person", "hybrid"]),
        ("1, 1, số 1", ["in_person"]),
        ("trực tuyến, trực tiếp", ["in_person", "online"]),
        ("online và 1", ["in_person", "online"]),
        ("Kết hợp trực tiếp và trực tuyến", ["hybrid"]),  # a label with "và" in it is not split
    ],
)
def test_several_choices_in_choice_order(text: str, expected: list[str]) -> None:
    assert match_choices(text, FORMATS) == expected


def test_several_choices_errors() -> None:
    assert _error(lambda: match_choices("", FORMATS)).params == {"text": "", "count": 3}
    assert _error(lambda: match_choices(" , ", FORMATS)).key == "parse.choice.unknown"
    assert _error(lambda: match_choices("1, 4", FORMATS)).key == "parse.choice.out_of_range"
    assert _error(lambda: match_choices("1, tuyến", FORMATS)).key == "parse.choice.ambiguous"
    assert _error(lambda: match_choices("1 hai", FORMATS)).params == {"text": "1 hai", "count": 3}


# --- free text ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Tốt  ", "Tốt"),
        ("Học  tập\t\tnghiêm   túc", "Học tập nghiêm túc"),
        ("Dòng 1  \r\n  Dòng 2\n\nDòng 3", "Dòng 1\nDòng 2\n\nDòng 3"),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n"])
def test_empty_text(text: str) -> None:
    assert _error(lambda: clean_text(text)).key == "parse.text.empty"


# --- properties: any text gives a value or a ParseError whose catalog text formats ---

PARSERS: dict[str, Callable[[str], object]] = {
    "integer": parse_integer,
    "date": lambda text: parse_date(text, TODAY),
    "date_list": lambda text: parse_date_list(text, TODAY),
    "yes_no": parse_yes_no,
    "choice": lambda text: match_choice(text, FORMATS),
    "choices": lambda text: match_choices(text, FORMATS),
    "text": clean_text,
}
RESULT_TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int,
    "date": datetime.date,
    "date_list": list,
    "yes_no": bool,
    "choice": str,
    "choices": list,
    "text": str,
}
# Arbitrary text, and text built from the pieces people actually type, so the happy paths are explored too.
TYPED = st.one_of(
    st.text(),
    st.lists(
        st.sampled_from(
            ["1", "38", "234", ".", ",", " ", "/", "-", "và", "hôm nay", "có", "không", "số", "tuyến", "\n"]
        )
    ).map("".join),
)


@pytest.mark.parametrize("name", PARSERS)
@given(text=TYPED)
def test_any_text_gives_a_value_or_a_catalog_error(name: str, text: str) -> None:
    try:
        result = PARSERS[name](text)
    except ParseError as err:
        assert err.key in ERROR_KEYS
        assert say(err.key, "vi", **err.params)
        assert say(err.key, "en", **err.params)
    else:
        assert isinstance(result, RESULT_TYPES[name])


@given(day=st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)))
def test_dates_roundtrip(day: datetime.date) -> None:
    assert parse_date(day.strftime("%d/%m/%Y"), TODAY) == day
    assert parse_date(day.isoformat(), TODAY) == day


@given(n=st.integers(min_value=0, max_value=10_000_000))
def test_integers_roundtrip(n: int) -> None:
    assert parse_integer(f"{n:,}".replace(",", ".")) == n
    assert parse_integer(f"{n:,}") == n
    assert parse_integer(f"{n:,}".replace(",", " ")) == n
    assert parse_integer(str(n)) == n
