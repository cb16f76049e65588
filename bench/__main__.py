"""python -m bench --scale S|M|L --db sqlite|postgresql: seed a demo ledger and time the as-of queries.

Each query is timed `--repeat` times; the median, min and max are reported. The database is created fresh
(SQLite file under bench/results/tmp/, or a scratch PostgreSQL database that is dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from data_access import views
from data_access.asof import aging
from data_access.behaviour import payment_trends
from data_access.demo import DEMO_END_DATE, DemoSpec, seed_demo
from data_access.engine import make_engine
from data_access.kpis import portfolio_kpis
from data_access.migrate import upgrade
from domain.aging import Basis

SCALES = {"S": 2_000, "M": 20_000, "L": 100_000}
PAGES = ("pages/portfolio.py", "pages/aging.py", "pages/customers.py", "pages/data_status.py")
ROOT = Path(__file__).resolve().parent
PG_ADMIN = os.environ.get("KREDITTVAKT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def timed(fn, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(runs), 4), "min_s": round(min(runs), 4), "max_s": round(max(runs), 4)}


def fresh_url(db: str, scale: str) -> tuple[str, callable]:
    if db == "sqlite":
        path = ROOT / "results" / "tmp" / f"bench_{scale}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: None
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"kv_bench_{scale.lower()}_{os.getpid()}"
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as c:
            c.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))

    return admin.url.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--scale", choices=SCALES, default="S")
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pages", action="store_true", help="also time every page through AppTest (cold, warm)")
    args = ap.parse_args()
    url, cleanup = fresh_url(args.db, args.scale)
    engine = make_engine(url)
    try:
        upgrade(engine)
        t0 = time.perf_counter()
        with engine.begin() as conn:
            summary = seed_demo(conn, DemoSpec(customers=SCALES[args.scale], years=3, seed=1, end_date=DEMO_END_DATE))
        seed_s = time.perf_counter() - t0
        latest = DEMO_END_DATE
        year_ago = latest - timedelta(days=365)
        results = {}

        def q(name, fn):
            with engine.connect() as conn:
                results[name] = timed(lambda: fn(conn), args.repeat)

        q("aging_due_latest", lambda c: aging(c, latest, Basis.DUE))
        q("aging_invoice_latest", lambda c: aging(c, latest, Basis.INVOICE))
        q("aging_due_year_ago", lambda c: aging(c, year_ago, Basis.DUE))
        q("kpis_latest", lambda c: portfolio_kpis(c, latest))
        q("kpis_year_ago", lambda c: portfolio_kpis(c, year_ago))
        # the page readers (data_access.views), each on its own: what a cold page run computes
        q("month_end_trend_latest", lambda c: views.month_end_trend(c, latest))
        q("payment_trends_latest", lambda c: payment_trends(c, latest))
        q("overview_latest", lambda c: views.overview(c, latest))
        q("aging_view_latest", lambda c: views.aging_view(c, latest, Basis.DUE))
        q("aging_view_year_ago", lambda c: views.aging_view(c, year_ago, Basis.DUE))
        q("customer_detail_latest", lambda c: views.customer_detail(c, 1, latest))
        q("payment_history_latest", lambda c: views.payment_history(c, 1, latest))
        with engine.connect() as conn:
            total = str(aging(conn, latest).total)
        pages = {}
        if args.pages:
            for page in PAGES:
                proc = subprocess.run(
                    [sys.executable, "-m", "bench.page_timer", url, page, "3"],
                    capture_output=True,
                    text=True,
                    cwd=ROOT.parent,
                    timeout=900,
                )
                if proc.returncode:
                    raise SystemExit(proc.stderr[-2000:] or proc.stdout[-2000:])
                pages[page] = json.loads(proc.stdout.strip().splitlines()[-1])
        out = {
            "scale": args.scale,
            "db": args.db,
            "date": date.today().isoformat(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "customers": summary.customers,
            "invoices": summary.invoices,
            "payments": summary.payments,
            "allocations": summary.allocations,
            "seed_s": round(seed_s, 2),
            "seed_rows_per_s": round((summary.invoices + summary.payments + summary.allocations) / seed_s),
            "aging_total_latest": total,
            "queries": results,
            "pages": pages,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        dest = ROOT / "results" / f"{args.scale}_{args.db}.json"
        dest.write_text(json.dumps(out, indent=2) + "\n")
        print(json.dumps(out, indent=2))
    finally:
        engine.dispose()
        cleanup()


if __name__ == "__main__":
    main()
