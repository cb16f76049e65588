"""python -m bench.pack --scale S|M --db sqlite|postgresql: time the month-end close and the lender pack.

Seeds a fresh demo ledger (as `python -m bench`), then times, each `--repeat` times (median, min, max): the
pack's data from the ledger (`build_pack`), each of its heavier parts on its own (provision, borrowing-base
certificates, roll-forward, the 12-month trend), rendering the PDF and the Excel workbook, closing the month
(build + snapshot), and re-rendering the closed month from its snapshot (what a later reproduction costs).
Writes bench/results/pack_<scale>_<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from datetime import date, datetime
from pathlib import Path

from bench.__main__ import SCALES, fresh_url, timed
from data_access.borrowing import certificates, disputed_at
from data_access.close import _trend, build_pack, close_period, closed_pack, rollforward
from data_access.demo import DEMO_END_DATE, DemoSpec, seed_demo
from data_access.engine import make_engine
from data_access.migrate import upgrade
from data_access.provision import provision
from domain.calendar import period_bounds
from reports.lender_pack import render_lender_pack
from reports.lender_xlsx import lender_workbook

ROOT = Path(__file__).resolve().parent
PERIOD = "2026-09"  # the demo ends 2026-10-31; September is the last month with a full month before it
NOW = datetime(2026, 11, 5, 9, 0)


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.pack")
    ap.add_argument("--scale", choices=SCALES, default="S")
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    url, cleanup = fresh_url(args.db, args.scale)
    engine = make_engine(url)
    first, last = period_bounds(PERIOD)
    try:
        upgrade(engine)
        t0 = time.perf_counter()
        with engine.begin() as conn:
            summary = seed_demo(conn, DemoSpec(customers=SCALES[args.scale], years=3, seed=1, end_date=DEMO_END_DATE))
        seed_s = time.perf_counter() - t0
        results = {}

        def q(name, fn):
            with engine.connect() as conn:
                results[name] = timed(lambda: fn(conn), args.repeat)

        q("provision", lambda c: provision(c, last))
        q("certificates", lambda c: certificates(c, last, disputed_at(c, last)))
        q("rollforward", lambda c: rollforward(c, first, last, 0, None))
        q("trend_12_months", lambda c: _trend(c, last))
        q("build_pack", lambda c: build_pack(c, PERIOD, prepared_by="bench", generated_at=NOW))
        with engine.connect() as conn:
            pack = build_pack(conn, PERIOD, prepared_by="bench", generated_at=NOW)
        results["render_pdf_en"] = timed(lambda: render_lender_pack(pack, lang="en"), args.repeat)
        results["render_xlsx"] = timed(lambda: lender_workbook(pack), args.repeat)
        t0 = time.perf_counter()
        with engine.begin() as conn:
            close_period(conn, PERIOD, closed_by="bench", now=NOW)
        results["close_period"] = {"once_s": round(time.perf_counter() - t0, 4)}

        def reproduce(conn):
            return render_lender_pack(closed_pack(conn, PERIOD), lang="en")

        q("reproduce_closed_pdf", reproduce)
        with engine.connect() as conn:
            pdf = reproduce(conn)
            snapshot_chars = len(conn.exec_driver_sql("SELECT snapshot FROM period_closes").scalar())
        out = {
            "scale": args.scale,
            "db": args.db,
            "date": date.today().isoformat(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "customers": summary.customers,
            "invoices": summary.invoices,
            "payments": summary.payments,
            "seed_s": round(seed_s, 2),
            "period": PERIOD,
            "pdf_pages": pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages"),
            "pdf_bytes": len(pdf),
            "snapshot_chars": snapshot_chars,
            "customers_in_pack": len(pack.customers),
            "ineligible_rows": sum(len(c.detail) for c in pack.certificates),
            "timings": results,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        dest = ROOT / "results" / f"pack_{args.scale}_{args.db}.json"
        dest.write_text(json.dumps(out, indent=2) + "\n")
        print(json.dumps(out, indent=2))
    finally:
        engine.dispose()
        cleanup()


if __name__ == "__main__":
    main()
