"""registry.browse: what the TUI reads, as pure functions over a registry and its catalog."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from registry import Registry
from registry.browse import (
    column_scores,
    data_page,
    dataset_rows,
    histogram,
    local_folder,
    version_detail,
    version_rows,
)
from registry.errors import DatasetNotFound


def test_dataset_rows_carry_the_newest_release_and_its_score(tui_registry: Path):
    rows = {row.name: row for row in dataset_rows(Registry(tui_registry))}
    assert sorted(rows) == ["txns", "wine-child", "wine-synth"]
    wine = rows["wine-synth"]
    assert (wine.latest, wine.releases, wine.rows, wine.overall) == ("1.1.0", 2, 1000, 83.0)
    assert (wine.generator, wine.generation_depth) == ("sdv/gaussian_copula", 0)
    assert rows["wine-child"].generation_depth == 1


def test_version_rows_are_newest_first_with_short_hashes(tui_registry: Path):
    rows = version_rows(Registry(tui_registry), "wine-synth")
    assert [r.version for r in rows] == ["1.1.0", "1.0.0"]
    assert rows[0].is_latest and not rows[1].is_latest
    assert rows[0].short_hash == rows[0].content_hash.removeprefix("sha256:")[:12]
    assert rows[0].areas == {"fidelity": 78.0, "privacy": 100.0, "utility": 90.0}
    assert version_rows(Registry(tui_registry), "nothing") == []


def test_version_detail_reads_card_scores_and_lineage_without_the_data(tui_registry: Path):
    detail = version_detail(Registry(tui_registry), "wine-child@1.0.0")
    assert detail.card.startswith("# wine-child 1.0.0")
    assert [c.name for c in detail.schema] == ["alcohol", "malic_acid", "hue", "target"]
    assert [c.column for c in detail.column_scores] == ["target", "hue", "malic_acid", "alcohol"]
    steps = [(s.kind, s.label, s.generation_depth) for s in detail.lineage.steps]
    assert steps == [
        ("seed", "sklearn:wine", None),
        ("version", "wine-synth@1.1.0", 0),
        ("version", "wine-child@1.0.0", 1),
    ]
    parent = version_detail(Registry(tui_registry), "wine-synth@1.1.0")
    assert parent.lineage.children == ["wine-child@1.0.0"]
    with pytest.raises(DatasetNotFound):
        version_detail(Registry(tui_registry), "wine-synth@9.9.9")


def test_local_folder_is_the_workspace_or_nothing_before_a_pull(tui_registry: Path):
    registry = Registry(tui_registry)
    newest, older = (r.to_version() for r in version_rows(registry, "txns"))
    assert local_folder(registry, newest) == tui_registry / "data" / "txns"
    assert local_folder(registry, older) is None
    pulled = registry.fetch(older)
    assert local_folder(registry, older) == pulled


@pytest.mark.parametrize(("offset", "limit"), [(0, 10), (315, 10), (395, 10), (500, 10)])
def test_data_page_reads_rows_across_splits(tui_registry: Path, offset: int, limit: int):
    folder = tui_registry / "data" / "txns"
    page = data_page(folder, offset=offset, limit=limit)
    assert page.total == 400 and page.columns[0] == "split"
    assert len(page.rows) == max(0, min(limit, 400 - offset))
    splits = [row[0] for row in page.rows]
    assert splits == ["train" if i < 320 else "test" for i in range(offset, offset + len(splits))]
    whole = data_page(folder, offset=0, limit=400).rows
    assert page.rows == whole[offset : offset + limit]


def test_column_scores_are_worst_first_from_fidelity_or_conformance():
    fidelity = {
        "fidelity": {"columns": {"a": 0.9, "b": 0.7}},
        "worst_columns": [{"column": "b", "score": 0.7, "metric": "TVComplement"}],
    }
    assert [(c.column, c.metric) for c in column_scores(fidelity)] == [
        ("b", "TVComplement"),
        ("a", "shape"),
    ]
    conformance = {"conformance": {"columns": {"x": {"score": 0.5, "test": "ks"}}}}
    assert [(c.column, c.section) for c in column_scores(conformance)] == [("x", "conformance")]
    assert column_scores({}) == []


def test_histogram_puts_real_and_synthetic_on_shared_bins():
    real = pd.Series([1.0, 2.0, 3.0, 4.0] * 25, name="x")
    synthetic = pd.Series([3.0, 4.0, 5.0, 6.0] * 25, name="x")
    result = histogram(real, synthetic, kind="numerical")
    assert result.labels == ["1", "2", "3", "4", "5", "6"]  # one bin per small whole number
    assert result.real == [0.25, 0.25, 0.25, 0.25, 0.0, 0.0]
    assert result.synthetic == [0.0, 0.0, 0.25, 0.25, 0.25, 0.25]


def test_histogram_of_categories_keeps_the_most_frequent_and_nulls():
    real = pd.Series(["a"] * 6 + ["b"] * 3 + [None], name="c")
    synthetic = pd.Series(["a"] * 5 + ["c"] * 5, name="c")
    result = histogram(real, synthetic, kind="categorical")
    assert result.centers is None
    shares = dict(
        zip(result.labels, zip(result.real or [], result.synthetic, strict=True), strict=True)
    )
    assert shares["a"] == (0.6, 0.5)
    assert shares["(null)"] == (0.1, 0.0)
    assert shares["c"] == (0.0, 0.5)
    assert histogram(None, synthetic, kind="categorical").real is None


def test_column_histograms_compare_a_version_with_the_train_part_of_its_seed(
    registry_root: Path,
):
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    from registry.browse import ColumnHistograms
    from registry.versions import Version

    seed = registry_root / "recipes" / "seeds" / "small.csv"
    seed.parent.mkdir(parents=True, exist_ok=True)
    seed.write_text(
        "size,color\n" + "".join(f"{i % 5},{'red' if i % 3 else 'blue'}\n" for i in range(50))
    )
    folder = registry_root.parent / "small@1.0.0"
    (folder / "data").mkdir(parents=True)
    pq.write_table(
        pa.table({"size": [1, 2, 3, 4] * 10, "color": ["red"] * 40}),
        folder / "data" / "train-00000-of-00001.parquet",
    )
    recipe = {
        "name": "small",
        "version": "1.0.0",
        "seed": {"source": "recipes/seeds/small.csv", "holdout": 0.2},
        "generator": {"kind": "sdv", "model": "gaussian_copula"},
        "rows": 40,
        "random_seed": 1,
    }
    (folder / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    (folder / "manifest.json").write_text(json.dumps({"seed": {"sha256": "sha256:" + "0" * 64}}))
    histograms = ColumnHistograms(
        Registry(registry_root), Version("small", "1.0.0", "sha256:x"), folder
    )
    size = histograms.histogram("size")
    assert size.real is not None and abs(sum(size.real) - 1) < 1e-9
    assert size.labels == ["0", "1", "2", "3", "4"]
    assert size.synthetic[0] == 0.0 and size.real[0] > 0  # no zeros were generated
    assert "the seed changed since this version was built" in size.notes
    color = histograms.histogram("color")
    assert dict(zip(color.labels, color.synthetic, strict=True)) == {"red": 1.0, "blue": 0.0}
    with pytest.raises(DatasetNotFound):
        histograms.histogram("nothing")
