"""The hand-written date reader (bot/parsing.py) against dateparser on the dates unit secretaries type.

    .venv/bin/pip install dateparser    # only for this comparison; nqbot does not depend on it
    .venv/bin/python bench/date_reader.py [--rounds 200]

Prints each reader's import time (a fresh interpreter each, median of 5), its first reply (dateparser loads
its language data then), the median time per reply over the list, and what each read for every form against
what the secretary meant (today is Friday 16/09/2022). dateparser reads one date per call, so a list or a
range is counted as read only when the reply names one day.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import statistics
import subprocess
import sys
import time
from typing import Any

TODAY = datetime.date(2022, 9, 16)
D = datetime.date
# (typed, meant): what the secretary meant, as a list of days.
FORMS: list[tuple[str, list[datetime.date]]] = [
    ("20/9", [D(2022, 9, 20)]),
    ("15/09/2022", [D(2022, 9, 15)]),
    ("20-9-22", [D(2022, 9, 20)]),
    ("2022-09-15", [D(2022, 9, 15)]),
    ("ngày 15 tháng 9", [D(2022, 9, 15)]),
    ("hôm nay", [TODAY]),
    ("hôm qua", [D(2022, 9, 15)]),
    ("hôm kia", [D(2022, 9, 14)]),
    ("ngày mai", [D(2022, 9, 17)]),
    ("3 ngày trước", [D(2022, 9, 13)]),
    ("thứ 6", [TODAY]),
    ("thứ 2 tuần trước", [D(2022, 9, 5)]),
    ("thứ hai tuần này", [D(2022, 9, 12)]),
    ("chủ nhật vừa rồi", [D(2022, 9, 11)]),
    ("thứ 6 tuần sau", [D(2022, 9, 23)]),
    ("15-16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
    ("15, 16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
    ("15/9 - 16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
    ("15 và 16/9", [D(2022, 9, 15), D(2022, 9, 16)]),
]


def hand_written(text: str) -> list[datetime.date] | None:
    from bot.parsing import ParseError, parse_date_list

    try:
        return parse_date_list(text, TODAY)
    except ParseError:
        return None


def with_dateparser(text: str) -> list[datetime.date] | None:
    import dateparser

    settings: Any = {
        "RELATIVE_BASE": datetime.datetime.combine(TODAY, datetime.time()),
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "past",
    }
    found = dateparser.parse(text, languages=["vi"], settings=settings)
    return None if found is None else [found.date()]


READERS = {"hand-written": ("bot.parsing", hand_written), "dateparser": ("dateparser", with_dateparser)}


def import_seconds(module: str) -> float:
    """What importing `module` adds to a process that has already loaded the bot's own modules (a fresh
    interpreter each time, median of 5)."""
    code = (
        "import time, bot.formatting, storage.campaign_spec\n"
        f"started = time.perf_counter()\nimport {module}\nprint(time.perf_counter() - started)"
    )
    runs = [subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True) for _ in range(5)]
    return statistics.median(float(run.stdout) for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="replies timed per form (default 200)")
    args = parser.parse_args()
    try:
        import dateparser  # noqa: F401
    except ImportError:
        sys.exit("dateparser is not installed: .venv/bin/pip install dateparser")
    print(f"{'reader':<14}{'import':>10}{'first reply':>13}{'per reply (median)':>20}{'read as meant':>15}")
    results: dict[str, list[list[datetime.date] | None]] = {}
    for name, (module, read) in READERS.items():
        imported = import_seconds(module)
        importlib.import_module(module)
        started = time.perf_counter()
        read(FORMS[0][0])  # the first call in this process
        first = time.perf_counter() - started
        timings = []
        for text, _ in FORMS:
            for _ in range(args.rounds):
                started = time.perf_counter()
                read(text)
                timings.append(time.perf_counter() - started)
        results[name] = [read(text) for text, _ in FORMS]
        right = sum(got == meant for got, (_, meant) in zip(results[name], FORMS, strict=True))
        print(
            f"{name:<14}{imported * 1000:>8.0f}ms{first * 1000:>11.1f}ms"
            f"{statistics.median(timings) * 1e6:>17.0f} µs{right:>9}/{len(FORMS)}"
        )
    print()
    print(f"{'typed':<20}{'meant':<28}" + "".join(f"{name:<28}" for name in READERS))
    for i, (text, meant) in enumerate(FORMS):
        row = [
            ", ".join(d.strftime("%d/%m/%Y") for d in days) if days else "—"
            for days in (r[i] for r in results.values())
        ]
        marks = ["" if results[name][i] == meant else " ✗" for name in READERS]
        meant_text = ", ".join(d.strftime("%d/%m/%Y") for d in meant)
        print(f"{text:<20}{meant_text:<28}" + "".join(f"{(r + m):<28}" for r, m in zip(row, marks, strict=True)))


if __name__ == "__main__":
    main()
