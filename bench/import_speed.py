"""python -m bench.import_speed --rows N [--db sqlite|postgresql]: how fast a large invoice file imports, and how
much memory each import takes.

Writes a customer file (N / 50 customers) and an invoice file of N rows twice: canonical CSV, and as a Norwegian
ERP export (semicolons, decimal commas, dd.mm.yyyy, Windows-1252) that goes through detection and mapping.
Each import runs as `python cli.py import KIND FILE` in a process of its own (what a user runs), into a fresh
empty database, then the same invoice file once more (nothing changes); with --rebuild, every allocation of the
ledger is rebuilt once more in a process of its own (rolled back). Per phase it reports the wall-clock time
of the command (Python start-up and the schema check included), its CPU time (user + system: less affected by other
work on a shared machine than the wall time) and its peak RSS, both read from `os.wait4` for that child alone.
Writes bench/results/import_<N>_<db>.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bench.__main__ import fresh_url
from data_access.bootstrap import init_empty
from data_access.engine import make_engine

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent


def write_files(n: int, erp: bool, folder: Path) -> tuple[Path, Path]:
    """The customer and invoice files, written line by line (the generator never holds the file)."""
    rng = random.Random(7)
    customers = max(1, n // 50)
    sep = ";" if erp else ","
    encoding = "cp1252" if erp else "utf-8"
    tag = "erp" if erp else "canonical"
    cust_path, inv_path = folder / f"customers_{tag}_{n}.csv", folder / f"invoices_{tag}_{n}.csv"
    with cust_path.open("w", encoding=encoding, newline="") as f:
        f.write(("Kundenr;Navn" if erp else "customer_ref,name") + "\n")
        for i in range(customers):
            f.write(f"K{i:06d}{sep}Kunde {i}\n")
    start = date(2024, 1, 1)
    with inv_path.open("w", encoding=encoding, newline="") as f:
        f.write(
            "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta\n"
            if erp
            else "invoice_number,customer_ref,issue_date,due_date,amount,currency\n"
        )
        for i in range(n):
            issue = start + timedelta(days=rng.randrange(1000))
            due = issue + timedelta(days=30)
            cents = rng.randrange(10_000, 10_000_000)
            if erp:
                amount = f"{cents // 100},{cents % 100:02d}"
                f.write(f"K{rng.randrange(customers):06d};F{i:08d};{issue:%d.%m.%Y};{due:%d.%m.%Y};{amount};NOK\n")
            else:
                amount = f"{cents // 100}.{cents % 100:02d}"
                f.write(f"F{i:08d},K{rng.randrange(customers):06d},{issue},{due},{amount},NOK\n")
    return cust_path, inv_path


def cli_import(url: str, kind: str, path: Path) -> dict:
    """`python cli.py import KIND FILE` in its own process: wall time, peak RSS of that process, its last line."""
    return measured(
        [sys.executable, str(REPO / "cli.py"), "--database-url", url, "import", kind, str(path)], kind, path
    )


def measured(cmd: list[str], kind: str, path: Path) -> dict:
    """Run a command in a process of its own: wall time, CPU time and peak RSS of that process, its summary line."""
    out_path = path.with_suffix(".out")
    t0 = time.perf_counter()
    with out_path.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    output = out_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    out_path.unlink()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n" + "\n".join(output[-30:]))
    summary = next((line for line in reversed(output) if line.startswith(f"{kind}:")), output[-1] if output else "")
    return {
        "s": round(seconds, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "output": summary,
    }


def rebuild_all(url: str) -> None:
    """The worker of the "rebuild" phase: every customer's allocations recomputed, then rolled back."""
    from data_access.ledger import rebuild_allocations

    engine = make_engine(url)
    with engine.connect() as conn, conn.begin() as tx:
        t0 = time.perf_counter()
        rows = rebuild_allocations(conn)
        print(f"rebuild: {rows} allocations in {time.perf_counter() - t0:.1f} s")
        tx.rollback()
    engine.dispose()


def run(db: str, n: int, erp: bool, folder: Path, rebuild: bool = False) -> dict:
    cust, inv = write_files(n, erp, folder)
    url, cleanup = fresh_url(db, f"import{n}")
    engine = make_engine(url)
    try:
        init_empty(engine)
        engine.dispose()
        phases = {
            "customers": cli_import(url, "customers", cust),
            "invoices": cli_import(url, "invoices", inv),
            "invoices_again": cli_import(url, "invoices", inv),
        }
        if rebuild:
            cmd = [sys.executable, "-m", "bench.import_speed", "--rebuild-worker", url]
            phases["rebuild_all_allocations"] = measured(cmd, "rebuild", inv)
        return {
            "format": "erp (nb, cp1252, ; , dd.mm.yyyy)" if erp else "canonical",
            "bytes": inv.stat().st_size,
            "invoice_rows_per_s": round(n / phases["invoices"]["s"]),
            **phases,
        }
    finally:
        engine.dispose()
        cleanup()
        cust.unlink(missing_ok=True)
        inv.unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.import_speed")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--out", type=Path, default=None, help="result file (default bench/results/import_<N>_<db>.json)")
    ap.add_argument("--formats", choices=("both", "canonical", "erp"), default="both")
    ap.add_argument(
        "--rebuild", action="store_true", help="also rebuild every allocation of the ledger (its own process)"
    )
    ap.add_argument("--rebuild-worker", metavar="URL", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rebuild_worker:
        rebuild_all(args.rebuild_worker)
        return
    formats = {"both": (False, True), "canonical": (False,), "erp": (True,)}[args.formats]
    folder = ROOT / "results" / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    out = {
        "rows": args.rows,
        "db": args.db,
        "date": date.today().isoformat(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "runs": [run(args.db, args.rows, erp, folder, args.rebuild) for erp in formats],
    }
    dest = args.out or ROOT / "results" / f"import_{args.rows}_{args.db}.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
