"""How fast `phantom --help` answers, against a bare `python -c pass` measured in the same run.

Run: .venv/bin/python benchmarks/cli_startup.py [--runs N]
The target is well under a second; the ratio to bare Python start-up is what to compare
between machines, which are noisy.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(command: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    phantom = shutil.which("phantom") or str(Path(sys.executable).parent / "phantom")
    baseline = timed([sys.executable, "-c", "pass"], args.runs)
    help_times = timed([phantom, "--help"], args.runs)
    base, cli = statistics.median(baseline), statistics.median(help_times)
    print(f"python -c pass      median {base * 1000:7.1f} ms")
    print(f"phantom --help      median {cli * 1000:7.1f} ms  (max {max(help_times) * 1000:.1f} ms)")
    print(f"ratio to bare python       {cli / base:7.2f}x")


if __name__ == "__main__":
    main()
