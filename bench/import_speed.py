"""python -m bench.import_speed --rows N [--db sqlite|postgresql]: how fast a large invoice file imports.

Writes a customer file (N / 50 customers) and an invoice file of N rows twice: canonical CSV, and as a Norwegian
ERP export (semicolons, decimal commas, dd.mm.yyyy, Windows-1252) that goes through detection and mapping.
Times each import into a fresh empty database (one transaction per file, as the CLI does) and a re-import of the
same file (nothing changes). Writes bench/results/import_<N>_<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import time
from datetime import date, timedelta
from pathlib import Path

from bench.__main__ import fresh_url
from data_access.bootstrap import init_empty
from data_access.engine import make_engine
from data_access.imports import import_file
from data_access.ingest import import_export

ROOT = Path(__file__).resolve().parent


def files(n: int, erp: bool) -> tuple[bytes, bytes]:
    rng = random.Random(7)
    customers = max(1, n // 50)
    sep = ";" if erp else ","
    cust = ["Kundenr;Navn" if erp else "customer_ref,name"]
    cust += [f"K{i:06d}{sep}Kunde {i}" for i in range(customers)]
    head = (
        "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta"
        if erp
        else ("invoice_number,customer_ref,issue_date,due_date,amount,currency")
    )
    lines = [head]
    start = date(2024, 1, 1)
    for i in range(n):
        issue = start + timedelta(days=rng.randrange(1000))
        due = issue + timedelta(days=30)
        cents = rng.randrange(10_000, 10_000_000)
        if erp:
            amount = f"{cents // 100},{cents % 100:02d}"
            lines.append(f"K{rng.randrange(customers):06d};F{i:08d};{issue:%d.%m.%Y};{due:%d.%m.%Y};{amount};NOK")
        else:
            lines.append(f"F{i:08d},K{rng.randrange(customers):06d},{issue},{due},{cents // 100}.{cents % 100:02d},NOK")
    encoding = "cp1252" if erp else "utf-8"
    return ("\n".join(cust) + "\n").encode(encoding), ("\n".join(lines) + "\n").encode(encoding)


def run(db: str, n: int, erp: bool) -> dict:
    url, cleanup = fresh_url(db, f"import{n}")
    engine = make_engine(url)
    try:
        init_empty(engine)
        cust, inv = files(n, erp)
        load = import_export if erp else None
        t0 = time.perf_counter()
        with engine.begin() as conn:
            (load or import_file)(conn, "customers", cust, "customers.csv")
        t_cust = time.perf_counter() - t0
        t0 = time.perf_counter()
        with engine.begin() as conn:
            (load or import_file)(conn, "invoices", inv, "invoices.csv")
        t_inv = time.perf_counter() - t0
        t0 = time.perf_counter()
        with engine.begin() as conn:
            (load or import_file)(conn, "invoices", inv, "invoices.csv")
        t_again = time.perf_counter() - t0
        return {
            "format": "erp (nb, cp1252, ; , dd.mm.yyyy)" if erp else "canonical",
            "bytes": len(inv),
            "customers_s": round(t_cust, 2),
            "invoices_s": round(t_inv, 2),
            "invoice_rows_per_s": round(n / t_inv),
            "reimport_unchanged_s": round(t_again, 2),
        }
    finally:
        engine.dispose()
        cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.import_speed")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = ap.parse_args()
    out = {
        "rows": args.rows,
        "db": args.db,
        "date": date.today().isoformat(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "runs": [run(args.db, args.rows, erp) for erp in (False, True)],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    dest = ROOT / "results" / f"import_{args.rows}_{args.db}.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
