"""python -m bench.load [--users 20] [--minutes 5] [--think 5] [--customers 2000]: many people on one server.

One real Streamlit server on 127.0.0.1 with the demo portfolio of `--customers` customers; one headless Debian
Chromium with `--users` browser contexts (each its own session, arriving `--ramp` seconds apart), each clicking
through the pages in the sidebar in turn with `--think` seconds between clicks, for `--minutes` minutes; each
action has 60 s to finish.
A page counts as loaded when its title is drawn and Streamlit has finished running (no running indicator, no
skeletons); an exception element or a timeout is an error. Reports page loads per minute, p50/p95/max page
times per page, errors, and the server's CPU (user + system seconds and the share of one core) and peak memory;
writes bench/results/load_<users>u_<minutes>m.json. Only loopback traffic; the loop stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from infra import CHROMIUM, StreamlitServer, chromium_args  # noqa: E402

from data_access.demo import DemoSpec, seed_demo  # noqa: E402
from data_access.engine import make_engine  # noqa: E402
from data_access.migrate import upgrade  # noqa: E402

# url path and title of every page a demo session sees (demo mode: no sign-in)
PAGES = [
    ("", "Portfolio"),
    ("aging", "Aging"),
    ("customers", "Customers"),
    ("alerts", "Alerts"),
    ("collections", "Collections"),
    ("reports", "Reports and month-end close"),
    ("policy", "Credit policy"),
    ("data_status", "Data status"),
]
ACTION_TIMEOUT_MS = 60_000


def seeded(path: Path, customers: int) -> str:
    url = f"sqlite:///{path}"
    if not path.exists():
        engine = make_engine(url)
        upgrade(engine)
        with engine.begin() as conn:
            seed_demo(conn, DemoSpec(customers=customers, seed=42))
        engine.dispose()
    return url


async def wait_drawn(page) -> None:
    await page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=ACTION_TIMEOUT_MS)
    await page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')",
        timeout=ACTION_TIMEOUT_MS,
    )


async def user(
    browser, base: str, n: int, deadline: float, think: float, ramp: float, times: dict, errors: list
) -> None:
    await asyncio.sleep(n * ramp)  # people arrive one after another, not in the same instant
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    try:
        t0 = time.perf_counter()
        try:
            await page.goto(base, wait_until="domcontentloaded", timeout=ACTION_TIMEOUT_MS)
            await wait_drawn(page)
            times.setdefault("(arrival)", []).append(time.perf_counter() - t0)
        except Exception as exc:
            errors.append(f"user {n}: arrival: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            return
        i = n  # users start on different pages
        while time.monotonic() < deadline:
            path, title = PAGES[i % len(PAGES)]
            i += 1
            t0 = time.perf_counter()
            try:
                link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first
                await link.click(timeout=ACTION_TIMEOUT_MS)
                await page.wait_for_selector(f'h1:has-text("{title}")', timeout=ACTION_TIMEOUT_MS)
                await wait_drawn(page)
                if await page.locator('[data-testid="stException"]').count():
                    errors.append(f"user {n}: exception on {title}")
                else:
                    times.setdefault(title, []).append(time.perf_counter() - t0)
            except Exception as exc:  # a timeout or a lost page is an error of the run, not of the harness
                errors.append(f"user {n}: {title}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            await asyncio.sleep(think)
    finally:
        await context.close()


def server_usage(pid: int) -> tuple[float, int]:
    """(user + system CPU seconds, peak RSS in bytes) of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    peak = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
    return cpu, peak


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(args) -> dict:
    from playwright.async_api import async_playwright

    db = ROOT / "bench" / "results" / "tmp" / f"load_demo_{args.customers}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    url = seeded(db, args.customers)
    times: dict[str, list[float]] = {}
    errors: list[str] = []
    with StreamlitServer({"KREDITTVAKT_DATABASE_URL": url}, log_name="bench_load.log") as server:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=chromium_args(), headless=True)
            # warm the server (first import of the app, first reads) before the clock starts
            warm = await browser.new_page()
            await warm.goto(server.url, wait_until="domcontentloaded", timeout=120_000)
            await wait_drawn(warm)
            await warm.close()
            cpu0, _peak = server_usage(server.proc.pid)
            started = time.monotonic()
            deadline = started + args.minutes * 60
            await asyncio.gather(
                *(
                    user(browser, server.url, n, deadline, args.think, args.ramp, times, errors)
                    for n in range(args.users)
                )
            )
            elapsed = time.monotonic() - started
            cpu1, peak = server_usage(server.proc.pid)
            await browser.close()
    loads = [t for title, ts in times.items() if title != "(arrival)" for t in ts]
    return {
        "users": args.users,
        "minutes": args.minutes,
        "think_s": args.think,
        "ramp_s": args.ramp,
        "customers": args.customers,
        "elapsed_s": round(elapsed, 1),
        "page_loads": len(loads),
        "loads_per_minute": round(len(loads) / elapsed * 60, 1),
        "errors": len(errors),
        "error_samples": errors[:20],
        "page_time_s": {
            "p50": round(statistics.median(loads), 2) if loads else None,
            "p95": round(pct(loads, 0.95), 2) if loads else None,
            "max": round(max(loads), 2) if loads else None,
        },
        "per_page": {
            title: {"n": len(ts), "p50": round(statistics.median(ts), 2), "p95": round(pct(ts, 0.95), 2)}
            for title, ts in sorted(times.items())
        },
        "server_cpu_s": round(cpu1 - cpu0, 1),
        "server_cpu_share_of_one_core": round((cpu1 - cpu0) / elapsed, 2),
        "server_peak_rss_mb": round(peak / 2**20),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--think", type=float, default=5)
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--ramp", type=float, default=1.0, help="seconds between two users' arrivals")
    args = ap.parse_args()
    result = asyncio.run(run(args))
    out = ROOT / "bench" / "results" / f"load_{args.users}u_{args.minutes:g}m.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
