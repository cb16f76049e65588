"""python -m bench.backtest --customers 500 --db sqlite|postgresql: replay the monitor nightly on a fresh demo and
report how early deteriorating payers are flagged and how many quiet payers are flagged by mistake.

Definitions: data_access/backtest.py and docs/benchmarks.md ("Monitor backtest"). Results are printed and written
to bench/results/backtest-<db>-<customers>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from datetime import date, timedelta

from bench.__main__ import ROOT, fresh_url
from data_access.asof import customer_names
from data_access.backtest import (
    cash_on_account,
    false_alarms,
    first_overdue_dates,
    late_or_missed,
    outcomes,
    replay,
    started_flagged,
    summarise,
)
from data_access.demo import ARCHETYPES, DEMO_END_DATE, DemoSpec, generate, seed_demo
from data_access.engine import make_engine
from data_access.migrate import upgrade


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.backtest")
    ap.add_argument("--customers", type=int, default=500)
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--seed", type=int, default=1, help="demo seed (the other benchmarks use 1)")
    ap.add_argument("--days", type=int, default=400, help="replay from this many days before the demo end date")
    ap.add_argument("--step", type=int, default=1, help="replay every n-th day (1 = nightly)")
    args = ap.parse_args(argv)
    if args.days < 1 or args.step < 1:
        ap.error("--days and --step must be positive")
    spec = DemoSpec(customers=args.customers, years=3, seed=args.seed, end_date=DEMO_END_DATE)
    start = DEMO_END_DATE - timedelta(days=args.days)
    dates = sorted({start + timedelta(days=k) for k in range(0, args.days + 1, args.step)} | {DEMO_END_DATE})

    url, cleanup = fresh_url(args.db, f"backtest_{args.customers}")
    engine = make_engine(url)
    try:
        upgrade(engine)
        t0 = time.perf_counter()
        with engine.begin() as conn:
            summary = seed_demo(conn, spec)
        seed_s = time.perf_counter() - t0
        data = generate(spec)  # the archetypes (the same spec gives the same rows)
        with engine.connect() as conn:
            archetypes = {cid: (ref, data.archetypes[ref]) for cid, (ref, _) in customer_names(conn).items()}
        del data

        def progress(night, seconds: float) -> None:
            if night.as_of.day == 1 or night.as_of == dates[-1]:
                print(f"  {night.as_of}: {seconds:.2f} s, {night.raised} raised, {night.cleared} cleared", flush=True)

        print(f"replaying {len(dates)} dates {dates[0]}..{dates[-1]} over {summary.customers} customers", flush=True)
        result = replay(engine, dates, progress)
        with engine.connect() as conn:
            first_30 = first_overdue_dates(conn, start, DEMO_END_DATE)
            on_account = cash_on_account(conn, first_30)
        rows = outcomes(result, first_30, archetypes)
        per = summarise(rows)
        det = [o for o in rows if o.archetype == "deteriorating"]
        failing = late_or_missed(rows)
        quiet_false = false_alarms(rows)
        prompt_false = false_alarms(rows, ("prompt",))
        nights = sorted(result.seconds)
        out = {
            "db": args.db,
            "date": date.today().isoformat(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "customers": summary.customers,
            "invoices": summary.invoices,
            "payments": summary.payments,
            "seed": args.seed,
            "seed_s": round(seed_s, 2),
            "replay": {
                "first": dates[0].isoformat(),
                "last": dates[-1].isoformat(),
                "dates": len(dates),
                "step_days": args.step,
                "total_s": round(result.total_seconds, 1),
                "per_night_median_s": round(statistics.median(nights), 3),
                "per_night_min_s": round(nights[0], 3),
                "per_night_max_s": round(nights[-1], 3),
                "alerts_raised": sum(n.raised for n in result.nights),
            },
            "archetypes": {
                a: {
                    "customers": s.customers,
                    "flagged": s.flagged,
                    "flagged_early": s.flagged_early,
                    "flagged_late": s.flagged_late,
                    "flagged_no_overdue_yet": s.flagged_no_overdue,
                    "not_flagged": s.not_flagged,
                    "ever_30_days_overdue": s.overdue_30,
                    "lead_days": s.lead_stats(),
                }
                for a, s in per.items()
            },
            "deteriorating": [
                {
                    "customer_ref": o.customer_ref,
                    "flagged_on": _iso(o.flagged_on),
                    "first_alert_on": _iso(o.first_alert_on),
                    "first_30_on": _iso(o.first_30_on),
                    "lead_days": o.lead_days,
                    "any_alert_lead_days": o.any_lead_days,
                    "cash_on_account_at_first_30": o.customer_id in on_account,
                }
                for o in det
            ],
            "requirement": {
                "deteriorating_not_flagged_before_30_days_overdue": [o.customer_ref for o in failing],
                "false_alarms_steady_slow_noisy_prompt": quiet_false,
                "false_alarms_prompt": prompt_false,
                "deteriorating_flagged_on_first_replay_date": [o.customer_ref for o in started_flagged(result, rows)],
                "met": not failing and not quiet_false,
            },
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        dest = ROOT / "results" / f"backtest-{args.db}-{args.customers}.json"
        dest.write_text(json.dumps(out, indent=2) + "\n")

        head = ("archetype", "n", "flagged", "early", "late", "no 30+", "30+ ever")
        print("\n{:<14} {:>4} {:>8} {:>6} {:>5} {:>7} {:>9}  lead days".format(*head))
        for a in ARCHETYPES:
            s = per.get(a)
            if s is None:
                continue
            ls = s.lead_stats()
            lead = "-" if ls["min"] is None else f"min {ls['min']}, median {ls['median']:g}, max {ls['max']}"
            print(
                f"{a:<14} {s.customers:>4} {s.flagged:>8} {s.flagged_early:>6} {s.flagged_late:>5} "
                f"{s.flagged_no_overdue:>7} {s.overdue_30:>9}  {lead}"
            )
        cash = sum(1 for o in det if o.first_30_on is not None and o.customer_id in on_account)
        reached = sum(1 for o in det if o.first_30_on is not None)
        print(f"\ndeteriorating reaching 30+ days overdue with a payment waiting on account that day: {cash}/{reached}")
        print(f"false alarms (steady_slow, noisy_prompt): {len(quiet_false)} {quiet_false}")
        print(f"prompt customers flagged: {len(prompt_false)} {prompt_false}")
        print(f"deteriorating not flagged before 30 days overdue: {len(failing)} {[o.customer_ref for o in failing]}")
        r = out["replay"]
        print(
            f"replay: {r['dates']} dates in {r['total_s']} s, per night median {r['per_night_median_s']} s "
            f"(min {r['per_night_min_s']}, max {r['per_night_max_s']}); seeding {out['seed_s']} s; "
            f"peak RSS {out['peak_rss_mb']} MB"
        )
        print(f"requirement met: {out['requirement']['met']}  ->  {dest.relative_to(ROOT.parent)}")
        return 0 if out["requirement"]["met"] else 1
    finally:
        engine.dispose()
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
