"""The staff's chart: reporting progress against the deadline, and attendance by unit, as one PNG.

The PNG carries the figures it draws in its text metadata ("nqbot:reported", "nqbot:attendance"), so a
test (or a curious reader) can check what it shows. A bare matplotlib Figure renders without pyplot or
a screen.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from bot import formatting
from bot.texts import say
from storage.reports import UnitAttendance

BARS_UP_TO = 40  # more units than this: a histogram of rates instead of one bar each


def progress_chart(
    *,
    title: str,
    first_submissions: list[datetime],
    total_units: int,
    deadline: date,
    attendance: list[UnitAttendance],
    timezone: ZoneInfo,
    language: str,
) -> bytes:
    """Both panels as PNG bytes."""
    figure = Figure(figsize=(10, 5.5), dpi=100, layout="constrained")
    figure.suptitle(title)
    left, right = figure.subplots(1, 2, width_ratios=[1.2, 1])

    times = [moment.astimezone(timezone).replace(tzinfo=None) for moment in first_submissions]
    deadline_end = datetime.combine(deadline + timedelta(days=1), datetime.min.time())
    if times:
        left.step([times[0], *times], [0, *range(1, len(times) + 1)], where="post", color="#b22222")
    left.axhline(total_units, color="grey", linestyle=":", label=say("chart.all_units", language, n=total_units))
    left.axvline(
        deadline_end,
        color="black",
        linestyle="--",
        label=say("chart.deadline", language, date=formatting.day(deadline)),
    )
    left.set_ylim(0, max(total_units, 1) * 1.08)
    left.set_title(say("chart.progress", language, reported=len(times), total=total_units))
    left.xaxis.set_major_formatter(DateFormatter("%d/%m"))
    left.legend(loc="upper left", fontsize="small")

    rates = [100 * a.attended / a.expected for a in attendance if a.expected > 0]
    attended = sum(a.attended for a in attendance)
    expected = sum(a.expected for a in attendance)
    overall = formatting.decimal(100 * attended / expected) if expected else "—"
    right.set_title(say("chart.attendance", language, rate=overall))
    if len(attendance) <= BARS_UP_TO:
        shown = sorted((a for a in attendance if a.expected > 0), key=lambda a: a.attended / a.expected)
        right.barh([a.unit[:28] for a in shown], [100 * a.attended / a.expected for a in shown], color="#c8102e")
        right.set_xlim(0, 100)
        right.tick_params(axis="y", labelsize=7)
        right.set_xlabel("%")
    else:
        right.hist(rates, bins=[0, 50, 60, 70, 80, 90, 95, 100.001], color="#c8102e")
        right.set_xlabel(say("chart.rate_axis", language))
        right.set_ylabel(say("chart.units_axis", language))

    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        metadata={
            "nqbot:reported": f"{len(times)}/{total_units}",
            "nqbot:attendance": f"{attended}/{expected}",
        },
    )
    return buffer.getvalue()
