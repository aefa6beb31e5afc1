"""Peak memory and speed of `phantom materialize` as whole processes, 1M vs 10M rows.

Run: .venv/bin/python benchmarks/materialize_memory.py [--rows 1000000 10000000] [--only sampler]

For a Gaussian-copula recipe (SDV, fitted on scikit-learn's wine) and a five-column sampler
recipe, each size is built by `/usr/bin/time -v phantom materialize` in a fresh registry;
the figures are its wall time and peak RSS (what a person waits for and what the machine must
hold). Targets: the 10M figure at most 1.3x the 1M figure and under 1.5 GB.

Baseline, measured in the same run: a process that draws the same five sampler columns with
NumPy in the same batches and writes them with pyarrow alone (zstd parquet). A sampler build
should reach at least half of its rows/s.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from process_figures import time_v_figures

GAUSSIAN_COPULA = """
name: wine-gc
version: 1.0.0
seed: {{source: "sklearn:wine", holdout: 0.2}}
generator: {{kind: sdv, model: gaussian_copula}}
rows: {rows}
splits: {{train: 0.9, test: 0.1}}
random_seed: 7
target: target
quality: {{min_overall: 0}}
"""

SAMPLER = """
name: txns
version: 1.0.0
generator:
  kind: sampler
  columns:
    - {{name: merchant, type: category, values: {{grocery: 0.5, travel: 0.2, online: 0.3}}}}
    - {{name: amount, type: lognormal, mean: 3.5, sigma: 1.0}}
    - {{name: hour, type: uniform, low: 0, high: 23, dtype: int}}
    - {{name: ts, type: datetime, start: "2025-01-01", end: "2025-12-31"}}
    - name: is_fraud
      type: expression
      sql: "CASE WHEN amount > 900 AND hour < 5 THEN 1 ELSE 0 END"
rows: {rows}
splits: {{train: 0.9, test: 0.1}}
random_seed: 7
"""

PYARROW_ONLY = """
import sys
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
rows, batch, out = int(sys.argv[1]), 100_000, sys.argv[2]
writer = None
labels = np.array(["grocery", "travel", "online"], dtype=object)
for index, start in enumerate(range(0, rows, batch)):
    n = min(batch, rows - start)
    rng = np.random.default_rng([7, index])
    amount = rng.lognormal(3.5, 1.0, n)
    hour = rng.integers(0, 23, n, endpoint=True)
    table = pa.table({
        "merchant": labels[rng.choice(3, size=n, p=[0.5, 0.2, 0.3])],
        "amount": amount,
        "hour": hour,
        "ts": np.datetime64("2025-01-01")
        + rng.integers(0, 364 * 86400, n).astype("timedelta64[s]"),
        "is_fraud": ((amount > 900) & (hour < 5)).astype(np.int32),
    })
    writer = writer or pq.ParquetWriter(out, table.schema, compression="zstd")
    writer.write_table(table)
writer.close()
"""


def time_v(command: list[str], *, cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``command``, as ``/usr/bin/time -v`` reports them."""
    result = subprocess.run(
        ["/usr/bin/time", "-v", *command], cwd=cwd, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    figures = time_v_figures(result.stderr)
    assert not math.isnan(figures["wall"]) and not math.isnan(figures["rss"]), result.stderr
    return figures["wall"], figures["rss"]


def build(recipe_text: str, name: str, rows: int, phantom: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="phantom-mem-") as tmp:
        root = Path(tmp) / "registry"
        subprocess.run([phantom, "init", str(root)], check=True, capture_output=True)
        recipe = root / "recipes" / f"{name}.yaml"
        recipe.write_text(textwrap.dedent(recipe_text.format(rows=rows)))
        return time_v([phantom, "materialize", str(recipe)], cwd=root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--only", choices=["sampler", "gaussian_copula"])
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    phantom = shutil.which("phantom") or str(Path(sys.executable).parent / "phantom")
    recipes = {"sampler": (SAMPLER, "txns"), "gaussian_copula": (GAUSSIAN_COPULA, "wine-gc")}
    if args.only:
        recipes = {args.only: recipes[args.only]}

    print(f"{'build':<34} {'rows':>11} {'wall s':>8} {'rows/s':>10} {'peak RSS MB':>12}")
    baseline: dict[int, float] = {}
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="phantom-arrow-") as tmp:
            wall, rss = time_v(
                [sys.executable, "-c", PYARROW_ONLY, str(rows), f"{tmp}/out.parquet"], cwd=Path(tmp)
            )
        baseline[rows] = rows / wall
        line = "pyarrow alone, 5 columns"
        print(f"{line:<34} {rows:>11,} {wall:>8.1f} {rows / wall:>10,.0f} {rss:>12,.0f}")
    for kind, (text, name) in recipes.items():
        peaks = {}
        for rows in args.rows:
            wall, rss = build(text, name, rows, phantom)
            peaks[rows] = rss
            line = f"phantom materialize ({kind})"
            print(f"{line:<34} {rows:>11,} {wall:>8.1f} {rows / wall:>10,.0f} {rss:>12,.0f}")
            if kind == "sampler":
                print(f"{'  share of pyarrow alone':<34} {rows / wall / baseline[rows]:>42.0%}")
        small, large = min(peaks), max(peaks)
        print(
            f"  {kind}: peak RSS at {large:,} rows is {peaks[large] / peaks[small]:.2f}x "
            f"the {small:,}-row figure (target <= 1.3x, < 1,536 MB)"
        )


if __name__ == "__main__":
    main()
