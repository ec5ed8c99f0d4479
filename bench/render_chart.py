"""The staff's chart (/thongke) for the sample campaign, as the README shows it.

Usage:
    .venv/bin/python bench/render_chart.py [--out docs/chart.png]

The same sample as bench/render_docx_page.py --sample: the NQ 15 campaign, the 22 units of
examples/units-sample.csv and seeded reports, as of 05/10/2022; the chart is drawn by bot/charts.py from
the storage aggregates, exactly as /thongke draws it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.export_report import populate  # noqa: E402
from bot import charts  # noqa: E402
from storage import campaigns, migrate, reports, units  # noqa: E402
from storage.compiled import VIETNAM  # noqa: E402
from storage.database import Database  # noqa: E402

SAMPLE_UNITS = ROOT / "examples" / "units-sample.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "chart.png")
    out = parser.parse_args().out
    with tempfile.TemporaryDirectory(prefix="nqbot-chart-") as folder:
        database = Database(f"sqlite:///{Path(folder) / 'sample.sqlite3'}")
        migrate.upgrade(database.engine)
        populate(database, units.read_units_csv(SAMPLE_UNITS), seed=2022)
        with database.session() as session:
            campaign = campaigns.get_campaign(session, code="nq15-2022")
            assert campaign is not None and campaign.id is not None
            png = charts.progress_chart(
                title=campaign.title,
                first_submissions=reports.first_submissions(session, campaign_id=campaign.id),
                total_units=units.count_units(session),
                deadline=campaign.report_deadline,
                attendance=reports.attendance(session, campaign_id=campaign.id),
                timezone=VIETNAM,
                language="vi",
            )
        database.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png)
    print(out)


if __name__ == "__main__":
    main()
