"""The serving benchmark runs (``--quick``): the production server and a bare Bolt app side by
side, its table printed. A smoke test only: its figures are not asserted (the machine is
shared, and a quick run is too small to mean much)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_serving.py"


def test_the_serving_benchmark_runs_and_prints_its_table() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "bare p50" in done.stdout and "bot p50" in done.stdout
    rows = [line for line in done.stdout.splitlines() if " clients, " in line and "|" in line]
    assert len(rows) == 3, done.stdout
    assert "not 200" not in done.stdout, done.stdout
