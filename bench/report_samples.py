"""Sample reports for docs/reports.md: a generated month in a scratch SQLite database,
written as .xlsx and .pdf, and the PDF pages as PNG (``pdftoppm -png -r 60``).

    .venv/bin/python bench/report_samples.py --out /tmp/samples [--images docs/images]

The data are made up (tests/report_factories.py): no real person is in them.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path


def _sample_photo(session, event_id: int) -> None:
    """scikit-image's astronaut (a public-domain NASA portrait), faces blurred on upload
    (handlers/photo_privacy) and confirmed, as the console would store it. Without
    scikit-image (a test extra) the samples have no photo."""
    try:
        from skimage import data
    except ImportError:
        return
    import io

    from PIL import Image

    from handlers.photo_privacy import process_upload
    from models.event_photos import add_photo, confirm

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, "JPEG")
    safe = process_upload(buf.getvalue())
    confirm(add_photo(session, event_id, safe.jpeg, safe.width, safe.height, account_id=None,
                      caption="受付の様子(顔はぼかして保存)", faces_found=len(safe.faces)), None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/report-samples")
    parser.add_argument("--images", default=None, help="folder for the PNG pages (docs/images)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        from tests.conftest import TEST_KEY, _fresh_database

        url = f"sqlite:///{tmp}/samples.sqlite"
        _fresh_database(url)
        from bot import create_app

        app = create_app({"DATABASE_URL": url, "DATA_ENCRYPTION_KEY": TEST_KEY, "SCHEDULER": "off",
                          "LINE_CHANNEL_SECRET": "", "LINE_CHANNEL_ACCESS_TOKEN": "",
                          "PUBLIC_BASE_URL": "http://127.0.0.1:9"})  # fmt: skip
        with app.app_context():
            from handlers.reports import workflow as wf
            from models.base import utcnow
            from models.contracts import period_for
            from models.db import db
            from models.event_results import result_of
            from scheduler.business_calendar import JST
            from tests.report_factories import first_venue, month_of_events

            with db.unit_of_work() as s:
                events = month_of_events(s, 2026, 11)
                result_of(s, first_venue(events).id).remarks = (
                    "雨のため午後は来場が少なかった。高齢の方の付き添いが多く、待ち時間は最長15分。"
                )
                _sample_photo(s, first_venue(events).id)
                period = period_for(s, date(2026, 11, 1))
                day = first_venue(events).starts_at.astimezone(JST).date()
                keys = [("daily", day.isoformat()), ("monthly", "2026-11"),
                        ("completion", str(period.id))]  # fmt: skip
                for kind, key in keys:
                    started = time.perf_counter()
                    produced = wf.produce(s, kind, key, utcnow())
                    xlsx, pdf = wf.files(s, produced)
                    took = time.perf_counter() - started
                    for ext, body in (("xlsx", xlsx), ("pdf", pdf)):
                        (out / f"sample-{kind}.{ext}").write_bytes(body)
                    print(f"{kind}: {len(produced.content['events'])} events, {len(xlsx):,} B xlsx, "
                          f"{len(pdf):,} B pdf, {took:.2f} s")
    if args.images:
        images = Path(args.images)
        images.mkdir(parents=True, exist_ok=True)
        for kind in ("daily", "monthly", "completion"):
            subprocess.run(["pdftoppm", "-png", "-r", "60", str(out / f"sample-{kind}.pdf"),
                            str(images / f"report-{kind}")], check=True)  # fmt: skip
        print("\n".join(sorted(str(p) for p in images.glob("report-*.png"))))


if __name__ == "__main__":
    main()
