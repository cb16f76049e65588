"""Time one page through AppTest in this (fresh) process: the cold run, then warm reruns with the cache filled.

AppTest always runs app.py's default page (Portfolio) first; that first run (imports, engine, empty cache) is
reported separately, and `cold_s` is the page's own first run after it (for the default page: the first run).

python -m bench.page_timer DATABASE_URL pages/portfolio.py [warm_runs]  -> prints one JSON line
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

APP = str(Path(__file__).resolve().parents[1] / "app.py")
DEFAULT = "pages/portfolio.py"


def main() -> None:
    url, page = sys.argv[1], sys.argv[2]
    warm_runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    os.environ["KREDITTVAKT_DATABASE_URL"] = url
    from streamlit.testing.v1 import AppTest

    def render() -> tuple[float, float]:
        """(first run of app.py with its default page, then the run of `page` after switching to it)."""
        at = AppTest.from_file(APP, default_timeout=300)
        t0 = time.perf_counter()
        at.run()
        t1 = time.perf_counter()
        at.switch_page(page).run()
        t2 = time.perf_counter()
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        return t1 - t0, t2 - t1

    first, cold = render()  # fresh process: imports, engine, empty cache
    if page == DEFAULT:  # the default page's own cold run is the first run; its switch run is already warm
        cold = first
    warm = [render()[1] for _ in range(warm_runs)]
    print(
        json.dumps(
            {
                "page": page,
                "process_first_run_s": round(first, 3),
                "cold_s": round(cold, 3),
                "warm_median_s": round(statistics.median(warm), 3),
                "warm_min_s": round(min(warm), 3),
                "warm_max_s": round(max(warm), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
