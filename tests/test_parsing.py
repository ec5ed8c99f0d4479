"""Reading what people type: numbers, dates, yes/no, choices and text; errors always name a catalog text."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsing import (
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
    ],
)
def test_what_is_not_a_whole_number(text: str) -> None:
    err = _error(lambda: parse_integer(text))
    assert (err.key, err.params) == ("parse.integer.not_number", {})


@pytest.mark.parametrize("text", ["-3", "- 3", "−3", "-1.234"])
def test_negative_numbers_are_refused(text: str) -> None:
    assert _error(lambda: parse_integer(text)).key == "parse.integer.negative"


@pytest.mark.parametrize(
    ("text", "shown"), [("10000001", "10000001"), ("20.000.000 người", "20.000.000"), ("9" * 5000, "9" * 5000)]
)
def test_too_large_numbers_are_refused_and_shown(text: str, shown: str) -> None:
    err = _error(lambda: parse_integer(text))
    assert (err.key, err.params) == ("parse.integer.too_large", {"text": shown})


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
    "text", ["", "ngày", "mai", "20", "20/9/202", "20/9/2022/1", "2022/09/20", "20 tháng 9", "abc"]
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
    assert _error(lambda: parse_date_list("15/9, mai", TODAY)).key == "parse.date.not_date"


def test_too_many_dates() -> None:
    text = ", ".join(f"{day}/9" for day in range(1, 12))
    err = _error(lambda: parse_date_list(text, TODAY))
    assert (err.key, err.params) == ("parse.date_list.too_many", {"max": 10})
    assert len(parse_date_list(text, TODAY, max_dates=11)) == 11
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
        "đã tổ chức",
        "Dạ",
    ],
)
def test_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["không", "Không", "khong", "ko", "k", "chưa", "chua", "no", "N", "2", "không có", "chưa tổ chức", "không."],
)
def test_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["", "  ", "cong", "3", "maybe", "?", "khongg"])
def test_unclear_yes_no(text: str) -> None:
    assert _error(lambda: parse_yes_no(text)).key == "parse.yes_no.unclear"


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
        ("kết hợp", "hybrid"),
        ("ket hop truc tiep va truc tuyen", "hybrid"),
    ],
)
def test_a_choice_by_number_id_label_or_part(text: str, expected: str) -> None:
    assert match_choice(text, FORMATS) == expected


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("tuyến", "Trực tuyến, Kết hợp trực tiếp và trực tuyến"),
        ("tiep", "Trực tiếp, Kết hợp trực tiếp và trực tuyến"),
        ("truc", "Trực tiếp, Trực tuyến, Kết hợp trực tiếp và trực tuyến"),
    ],
)
def test_an_ambiguous_part_lists_the_labels(text: str, matches: str) -> None:
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
