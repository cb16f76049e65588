"""Time one page through AppTest in this (fresh) process: the cold run, then warm reruns with the cache filled.

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


def main() -> None:
    url, page = sys.argv[1], sys.argv[2]
    warm_runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    os.environ["KREDITTVAKT_DATABASE_URL"] = url
    from streamlit.testing.v1 import AppTest

    def render() -> float:
        at = AppTest.from_file(APP, default_timeout=300)
        t0 = time.perf_counter()
        at.run()
        at.switch_page(page).run()
        elapsed = time.perf_counter() - t0
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        return elapsed

    cold = render()
    warm = [render() for _ in range(warm_runs)]
    print(
        json.dumps(
            {
                "page": page,
                "cold_s": round(cold, 3),
                "warm_median_s": round(statistics.median(warm), 3),
                "warm_min_s": round(min(warm), 3),
                "warm_max_s": round(max(warm), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
