"""`materialize` writes data/<name>/ as DESIGN.md lists it, deterministically and atomically."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from registry import Registry
from registry._hashing import sha256_file
from registry.errors import QualityGateFailed, RecipeError
from registry.shards import split_counts


def test_materialize_writes_the_dataset_layout(registry_root: Path, make_sampler_recipe) -> None:
    recipe = make_sampler_recipe("txns", rows=400)
    result = Registry(registry_root).materialize(recipe)
    folder = registry_root / "data" / "txns"
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "croissant.json",
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00001.parquet",
        "manifest.json",
        "plots/columns.png",
        "quality.json",
        "recipe.yaml",
    ]
    assert (folder / "recipe.yaml").read_bytes() == recipe.read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["splits"] == {"train": 320, "test": 80}
    assert manifest["generation_depth"] == 0
    assert manifest["content_hash"] == result.content_hash
    for relpath, digest in manifest["files"].items():
        assert sha256_file(folder / relpath) == digest
    card = (folder / "README.md").read_text()
    assert "![columns](plots/columns.png)" in card
    git_card = (registry_root / "cards" / "txns.md").read_text()
    assert git_card == card.replace("](plots/", "](../data/txns/plots/")
    metrics = json.loads((registry_root / "cards" / "txns.quality.json").read_text())
    assert metrics == json.loads((folder / "quality.json").read_text())


def test_materialize_same_recipe_twice_gives_same_content_hash(
    registry_root: Path, make_sampler_recipe
) -> None:
    recipe = make_sampler_recipe("txns")
    first = Registry(registry_root).materialize(recipe).content_hash
    second = Registry(registry_root).materialize(recipe).content_hash
    assert first == second
    changed = make_sampler_recipe("txns", mean=4.0)
    assert Registry(registry_root).materialize(changed).content_hash != first


def test_card_says_a_build_without_torch_repeats_across_cpu_types(
    registry_root: Path, make_sampler_recipe
) -> None:
    Registry(registry_root).materialize(make_sampler_recipe("txns"))
    card = (registry_root / "data" / "txns" / "README.md").read_text()
    line = next(line for line in card.splitlines() if line.startswith("| content hash |"))
    assert "same recipe, library versions (manifest) and machine type, 1 thread" in line
    assert "without torch also repeated across x86 CPU types" in line


def test_card_front_matter_is_valid_hub_metadata(registry_root: Path, make_sampler_recipe) -> None:
    from huggingface_hub import DatasetCard

    Registry(registry_root).materialize(make_sampler_recipe("txns", rows=2000))
    card = DatasetCard.load(registry_root / "data" / "txns" / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "cc0-1.0"
    assert data["size_categories"] == ["1K<n<10K"]
    assert "synthetic" in data["tags"]
    assert data["configs"][0]["data_files"] == [
        {"split": "train", "path": "data/train-*"},
        {"split": "test", "path": "data/test-*"},
    ]
    features = {f["name"]: f["dtype"] for f in data["dataset_info"]["features"]}
    assert features["amount"] == "float64" and features["hour"] == "int64"
    assert {s["name"]: s["num_examples"] for s in data["dataset_info"]["splits"]} == {
        "train": 1600,
        "test": 400,
    }


def test_load_dataset_reads_the_folder_as_it_is(registry_root: Path, make_sampler_recipe) -> None:
    import datasets

    Registry(registry_root).materialize(make_sampler_recipe("txns"))
    loaded = datasets.load_dataset(str(registry_root / "data" / "txns"))
    assert {name: split.num_rows for name, split in loaded.items()} == {"train": 320, "test": 80}
    assert loaded["train"].column_names == ["id", "merchant", "amount", "hour", "is_fraud"]


def test_split_counts_cut_by_share_with_exact_total() -> None:
    counts = split_counts(101, {"train": 0.7, "validation": 0.2, "test": 0.1})
    assert counts == {"train": 71, "validation": 20, "test": 10}


def test_plan_shards_cuts_each_split_into_fixed_row_ranges() -> None:
    from registry.shards import Shard, batch_slices, plan_shards

    shards = plan_shards({"train": 1600, "test": 400, "validation": 0}, 700)
    assert shards == [
        Shard("train", "train-00000-of-00003.parquet", 0, 700),
        Shard("train", "train-00001-of-00003.parquet", 700, 1400),
        Shard("train", "train-00002-of-00003.parquet", 1400, 1600),
        Shard("test", "test-00000-of-00001.parquet", 1600, 2000),
        Shard("validation", "validation-00000-of-00001.parquet", 2000, 2000),
    ]
    # batches of 300 rows: a shard is the slices of the batches it overlaps
    assert list(batch_slices(shards[1], 300)) == [(2, 100, 300), (3, 0, 300), (4, 0, 200)]
    assert list(batch_slices(shards[4], 300)) == []


def test_bad_expression_fails_and_leaves_previous_version(
    registry_root: Path, make_sampler_recipe
) -> None:
    recipe = make_sampler_recipe("txns")
    Registry(registry_root).materialize(recipe)
    before = (registry_root / "data/txns/manifest.json").read_text()
    recipe.write_text(recipe.read_text().replace("amount > 90", "amout > 90"))
    with pytest.raises(RecipeError, match=r"txns\.yaml: generator\.columns\[4\].*amout") as info:
        Registry(registry_root).materialize(recipe)
    assert "\n" not in str(info.value)
    assert (registry_root / "data/txns/manifest.json").read_text() == before
    assert sorted(p.name for p in (registry_root / "data").iterdir()) == ["txns"]


def test_failure_while_writing_leaves_previous_version(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.cards

    recipe = make_sampler_recipe("txns")
    Registry(registry_root).materialize(recipe)
    before = (registry_root / "data/txns/manifest.json").read_text()

    def broken_card(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(registry.cards, "render_card", broken_card)
    with pytest.raises(OSError, match="disk full"):
        Registry(registry_root).materialize(make_sampler_recipe("txns", mean=5.0))
    assert (registry_root / "data/txns/manifest.json").read_text() == before
    assert sorted(p.name for p in (registry_root / "data").iterdir()) == ["txns"]


@pytest.mark.slow
def test_killed_materialization_leaves_previous_version(
    registry_root: Path, make_sampler_recipe
) -> None:
    recipe = make_sampler_recipe("txns")
    Registry(registry_root).materialize(recipe)
    before = {
        p.name: p.read_bytes() for p in (registry_root / "data/txns").iterdir() if p.is_file()
    }
    big = make_sampler_recipe("txns", rows=3_000_000)
    process = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "materialize", str(big)],
        cwd=registry_root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    staging_seen = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not staging_seen:
        staging_seen = any((registry_root / "data").glob(".txns.staging-*"))
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert staging_seen, "the build never reached its writing phase"
    after = {p.name: p.read_bytes() for p in (registry_root / "data/txns").iterdir() if p.is_file()}
    assert after == before
    # The next build cleans up what the killed one left behind.
    Registry(registry_root).materialize(make_sampler_recipe("txns", rows=100))
    assert sorted(p.name for p in (registry_root / "data").iterdir()) == ["txns"]


def test_new_recipe_scaffolds_valid_recipes_and_registers_stages(registry_root: Path) -> None:
    reg = Registry(registry_root)
    sampler = reg.new_recipe("fraud", kind="sampler")
    sdv = reg.new_recipe("wine", kind="sdv")
    images = reg.new_recipe("digits", kind="diffusion")
    assert [r.name for r in reg.validate()] == ["digits", "fraud", "wine"]
    params = yaml.safe_load((registry_root / "params.yaml").read_text())
    assert params["datasets"] == {
        "digits": {"seed": "recipes/digits.yaml"},
        "fraud": {"seed": "recipes/fraud.yaml"},
        "wine": {"seed": "recipes/wine.yaml"},
    }
    assert images.exists()
    assert sampler.exists() and sdv.exists()
    with pytest.raises(RecipeError, match="already exists"):
        reg.new_recipe("fraud", kind="sampler")


def test_large_splits_are_sharded_and_still_load(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datasets

    import registry.shards

    monkeypatch.setattr(registry.shards, "MAX_SHARD_ROWS", 150)
    result = Registry(registry_root).materialize(make_sampler_recipe("txns", rows=400))
    names = sorted(Path(p).name for p in result.manifest["files"] if p.endswith(".parquet"))
    assert names == [
        "test-00000-of-00001.parquet",
        "train-00000-of-00003.parquet",
        "train-00001-of-00003.parquet",
        "train-00002-of-00003.parquet",
    ]
    loaded = datasets.load_dataset(str(result.path))
    assert loaded["train"].num_rows == 320


def test_streamed_build_holds_the_batches_in_order_across_splits_and_shards(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.shards
    from registry.generators import make_generator
    from registry.generators.samplers import ColumnSampler

    monkeypatch.setattr(registry.shards, "MAX_SHARD_ROWS", 150)
    monkeypatch.setattr(ColumnSampler, "batch_rows", 70)  # batches cross shard and split ends
    path = make_sampler_recipe("txns", rows=400)
    result = Registry(registry_root).materialize(path)

    recipe = Registry(registry_root).load_recipe(path)
    expected = make_generator(recipe.generator, random_seed=recipe.random_seed).sample(400)
    shards = sorted(result.path.glob("data/train-*.parquet")) + sorted(
        result.path.glob("data/test-*.parquet")
    )
    written = pd.concat([pd.read_parquet(shard) for shard in shards], ignore_index=True)
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)
    assert result.manifest["sampling"] == {"batch_rows": 70, "batches": 6, "scored_rows": 400}


@pytest.mark.slow
def test_sdv_recipe_materializes_deterministically(
    registry_root: Path, make_penguins_recipe
) -> None:
    recipe = make_penguins_recipe(
        "generator:\n  kind: sdv\n  model: gaussian_copula\n"
        "  conditions: [{column: species, value: Chinstrap, fraction: 0.5}]\n"
        "rows: 300\nrandom_seed: 5\ntarget: species\n"
    )
    first = Registry(registry_root).materialize(recipe)
    second = Registry(registry_root).materialize(recipe)
    assert first.content_hash == second.content_hash
    frame = pd.read_parquet(first.path / "data" / "train-00000-of-00001.parquet")
    assert (frame["species"] == "Chinstrap").mean() >= 0.45
    fidelity = first.quality["fidelity"]
    assert 0.6 < fidelity["column_shapes"] <= 1.0
    assert first.quality["real_rows"] == 275 and first.quality["holdout_rows"] == 69


def test_missed_gate_fails_with_one_line_per_gate_and_writes_nothing(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from registry.cli import app

    recipe = make_sampler_recipe("txns")
    Registry(registry_root).materialize(recipe)
    before = (registry_root / "data/txns/manifest.json").read_text()
    strict = recipe.read_text().replace("rows: 400", "rows: 500") + (
        "quality: {min_overall: 99.99, max_generation_depth: 0}\n"
    )
    recipe.write_text(strict)
    monkeypatch.chdir(registry_root)
    result = CliRunner().invoke(app, ["materialize", "recipes/txns.yaml"])
    assert result.exit_code == 2
    error = result.stderr[result.stderr.index("error:") :].strip().splitlines()
    assert error[0].startswith("error: recipes/txns.yaml: txns@1.0.0 missed 1 quality gate(s)")
    assert len(error) == 2 and error[1].strip().startswith("min_overall: ")
    assert error[1].strip().endswith("< 99.99 (recipe)")
    assert (registry_root / "data/txns/manifest.json").read_text() == before
    failed = json.loads((registry_root / ".phantom/failed/txns.quality.json").read_text())
    assert failed["rows"] == 500 and not all(g["passed"] for g in failed["gates"])


@pytest.mark.slow
def test_a_large_build_is_scored_on_a_bounded_sample_and_counts_copies_over_every_row(
    registry_root: Path, make_penguins_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.materialize
    from registry.generators.tabular import SdvGenerator
    from registry.quality.privacy import CopyCounter
    from registry.seeds import load_seed

    monkeypatch.setattr(registry.materialize, "SCORE_ROWS", 90)
    monkeypatch.setattr(SdvGenerator, "batch_rows", 100)
    recipe = make_penguins_recipe(
        "generator: {kind: sdv, model: gaussian_copula}\n"
        "rows: 500\nrandom_seed: 5\nquality: {min_overall: 0, max_exact_copy_excess: 1}\n"
    )

    result = Registry(registry_root).materialize(recipe)

    assert result.manifest["sampling"] == {"batch_rows": 100, "batches": 5, "scored_rows": 90}
    assert (result.quality["rows"], result.quality["scored_rows"]) == (500, 90)
    assert "Scored on 90 of the 500 rows" in (result.path / "README.md").read_text()
    seed = load_seed(
        Registry(registry_root).load_recipe(recipe).seed, root=registry_root, random_seed=5
    )
    counter = CopyCounter(seed.train)
    counter.add(pd.read_parquet(result.path / "data"))
    assert result.quality["privacy"]["exact_copies"] == counter.copies
    assert result.quality["privacy"]["exact_copy_share"] == counter.copies / 500


@pytest.mark.slow
def test_table_recipe_materializes_deterministically_and_reuses_its_model(
    registry_root: Path, make_penguins_recipe
) -> None:
    recipe = make_penguins_recipe(
        "generator:\n  kind: table\n  model_size: S\n  max_epochs: 1\n"
        "  conditions: [{column: species, value: Chinstrap, fraction: 0.5}]\n"
        "rows: 300\nrandom_seed: 5\ntarget: species\n"
    )
    first = Registry(registry_root).materialize(recipe)
    second = Registry(registry_root).materialize(recipe)

    assert first.content_hash == second.content_hash
    assert "model/ModelStore/model-data/model-weights.pt" in first.manifest["model_files"]
    frame = pd.read_parquet(first.path / "data" / "train-00000-of-00001.parquet")
    assert (frame["species"] == "Chinstrap").mean() >= 0.45
    assert first.manifest["library_versions"]["mostlyai-engine"]
    assert first.manifest["differential_privacy"] is None
    assert "No formal privacy guarantee applies" in (first.path / "README.md").read_text()

    reuse = registry_root / "recipes" / "pen-more.yaml"
    reuse.write_text(
        recipe.read_text()
        .replace("name: pen\n", "name: pen-more\n")
        .replace("max_epochs: 1\n", "max_epochs: 1\n  path: data/pen/model\n")
    )
    more = Registry(registry_root).materialize(reuse)
    assert more.manifest["model_files"].keys() == first.manifest["model_files"].keys()
    shard = "data/train-00000-of-00001.parquet"  # same model, seed and rows: same rows
    # (not the same bytes: each shard's metadata names the dataset it belongs to)
    pd.testing.assert_frame_equal(pd.read_parquet(more.path / shard), frame)


@pytest.mark.slow
def test_table_recipe_with_privacy_records_the_spent_epsilon_and_gates_it(
    registry_root: Path, make_penguins_recipe
) -> None:
    recipe = make_penguins_recipe(
        "generator:\n  kind: table\n  model_size: S\n  max_epochs: 1\n"
        "  privacy: {epsilon: 4, delta: 1.0e-5}\n"
        "rows: 200\nrandom_seed: 5\nquality: {max_epsilon: 4}\n",
        name="pen-dp",
    )
    result = Registry(registry_root).materialize(recipe)

    guarantee = result.manifest["differential_privacy"]
    assert 1.0 < guarantee["epsilon"] <= 4 and guarantee["delta"] == 1e-5
    assert result.quality["differential_privacy"] == guarantee
    gate = next(g for g in result.quality["gates"] if g["gate"] == "max_epsilon")
    assert gate["passed"] and gate["value"] == guarantee["epsilon"]
    card = (result.path / "README.md").read_text()
    assert f"epsilon = {guarantee['epsilon']:g}, delta = 1e-05" in card


def test_max_epsilon_gate_fails_a_version_without_differential_privacy(
    registry_root: Path, make_sampler_recipe
) -> None:
    path = make_sampler_recipe("txns", rows=100)
    path.write_text(path.read_text() + "quality: {max_epsilon: 8}\n")

    with pytest.raises(QualityGateFailed, match=r"max_epsilon: not computed, threshold 8"):
        Registry(registry_root).materialize(path)
