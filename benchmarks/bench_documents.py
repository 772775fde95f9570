"""Benchmark: render the minutes for 1, 10 and 50 cases (8 agency inputs and 3 roles each).

Run: .venv/bin/python benchmarks/bench_documents.py [--repeat N]

Prints the median render time and the .docx size per size; the goal is 50 cases in under one
second. The first render of a renderer also checks and compiles the template; it is reported
separately ("first") and left out of the median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.documents import DocxRenderer
from bot.documents.samples import sample_minutes_view, sample_role_summary_view

SIZES = (1, 10, 50)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7, help="timed renders per size")
    args = parser.parse_args()

    started = time.perf_counter()
    renderer = DocxRenderer()
    first_view = sample_minutes_view(1, inputs=8, roles=3)
    renderer.render_minutes(first_view)
    first = time.perf_counter() - started
    print(f"renderer set-up + first render (template check and compile): {first * 1000:.0f} ms")

    print(f"{'cases':>5} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'size KiB':>9}")
    for cases in SIZES:
        view = sample_minutes_view(cases, inputs=8, roles=3)
        times = []
        size = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            data = renderer.render_minutes(view)
            times.append(time.perf_counter() - t0)
            size = len(data)
        print(
            f"{cases:>5} {statistics.median(times) * 1000:>10.1f} {min(times) * 1000:>8.1f}"
            f" {max(times) * 1000:>8.1f} {size / 1024:>9.1f}"
        )

    summary = sample_role_summary_view(8)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        data = renderer.render_role_summary(summary)
        times.append(time.perf_counter() - t0)
    print(
        f"role summary, 8 agencies: median {statistics.median(times) * 1000:.1f} ms, "
        f"{len(data) / 1024:.1f} KiB"
    )

    started = time.perf_counter()
    DocxRenderer().validate_templates()
    print(
        f"validate_templates() on a fresh renderer: {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
