"""`phantom materialize --executor ray`: shards sampled by Ray tasks, the same bytes as a local
build. One local Ray runtime (2 CPUs) serves the whole module; batches and shards are shrunk so
a few thousand rows make several shards whose edges cut through batches."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import registry.materialize
import registry.shards
from registry import Registry
from registry._hashing import sha256_file
from registry.cli import app
from registry.errors import GeneratorError
from tests.conftest import TINY_DIGITS, write

GAUSSIAN_COPULA = """\
generator: {kind: sdv, model: gaussian_copula}
rows: 2000
splits: {train: 0.7, test: 0.3}
random_seed: 5
quality: {min_overall: 0}
"""


@pytest.fixture(scope="module", autouse=True)
def ray_runtime():
    """A real local Ray runtime for the module (builds join it instead of starting their own)."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(autouse=True)
def small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 300 rows, shards of 700 and a scoring sample of 500 rows: every edge case of
    the shard plan (batches split between shards and splits, a partial sample) in 2,000 rows."""
    from registry.generators.samplers import ColumnSampler
    from registry.generators.tabular import SdvGenerator

    monkeypatch.setattr(registry.shards, "MAX_SHARD_ROWS", 700)
    monkeypatch.setattr(registry.materialize, "SCORE_ROWS", 500)
    monkeypatch.setattr(ColumnSampler, "batch_rows", 300)
    monkeypatch.setattr(SdvGenerator, "batch_rows", 300)


@pytest.fixture
def gaussian_copula_recipe(make_penguins_recipe) -> Path:
    return make_penguins_recipe(GAUSSIAN_COPULA)


def materialize_with_ray(recipe: Path) -> dict[str, Any]:
    """`phantom materialize RECIPE --executor ray`, as a user types it; the manifest it wrote."""
    result = CliRunner().invoke(app, ["materialize", str(recipe), "--executor", "ray"])
    assert result.exit_code == 0, result.output
    assert "sampling 2,000 rows on ray" in result.stderr
    return json.loads((recipe.parents[1] / "data" / recipe.stem / "manifest.json").read_text())


def test_ray_build_of_a_sampler_recipe_has_the_local_content_hash(
    registry_root: Path, make_sampler_recipe
) -> None:
    recipe = make_sampler_recipe("txns", rows=2000)
    local = Registry(registry_root).materialize(recipe)

    on_ray = materialize_with_ray(recipe)

    assert on_ray["content_hash"] == local.content_hash
    assert on_ray["files"] == local.manifest["files"]
    for relpath, sha256 in on_ray["files"].items():  # shards are hashed by the tasks
        assert sha256_file(registry_root / "data/txns" / relpath) == sha256
    assert on_ray["sampling"] == {"batch_rows": 300, "batches": 7, "scored_rows": 500}
    assert sorted(Path(f).name for f in on_ray["files"] if f.endswith(".parquet")) == [
        "test-00000-of-00001.parquet",
        "train-00000-of-00003.parquet",
        "train-00001-of-00003.parquet",
        "train-00002-of-00003.parquet",
    ]


@pytest.mark.slow
def test_ray_build_of_a_gaussian_copula_recipe_has_the_local_content_hash_and_counts(
    registry_root: Path, gaussian_copula_recipe: Path
) -> None:
    local = Registry(registry_root).materialize(gaussian_copula_recipe)

    on_ray = materialize_with_ray(gaussian_copula_recipe)

    assert on_ray["content_hash"] == local.content_hash
    quality = json.loads((registry_root / "data/pen/quality.json").read_text())
    assert quality == local.quality  # scores on the same sample, copies over every row
    assert (quality["rows"], quality["scored_rows"]) == (2000, 500)
    rows = pd.read_parquet(registry_root / "data/pen/data")
    nulls = {column["name"]: column["nulls"] for column in on_ray["columns"]}
    assert nulls == rows.isna().sum().to_dict()


@pytest.mark.slow
def test_ray_build_of_an_image_recipe_has_the_local_content_hash(
    registry_root: Path, released_digits: Path
) -> None:
    """The tiny digits diffusion recipe (the session's local build is ``released_digits``):
    the UNet is fitted once by the driver, the PNG shards are sampled by Ray tasks."""
    recipe = write(registry_root / "recipes" / "digits.yaml", TINY_DIGITS.format(name="digits"))

    result = CliRunner().invoke(app, ["materialize", str(recipe), "--executor", "ray"])

    assert result.exit_code == 0, result.output
    assert "sampling 80 rows on ray" in result.stderr
    on_ray = json.loads((registry_root / "data/digits/manifest.json").read_text())
    local = json.loads((released_digits / "data/digits/manifest.json").read_text())
    assert on_ray["content_hash"] == local["content_hash"]
    assert on_ray["files"] == local["files"]
    assert sorted(Path(f).name for f in on_ray["files"] if f.endswith(".parquet")) == [
        "test-00000-of-00001.parquet",
        "train-00000-of-00001.parquet",
    ]


class DiesOnce:
    """A generator whose worker process dies the first time it samples batch ``index``; the
    marker file remembers that it did, so the retried task gets through."""

    def __init__(self, inner: Any, *, marker: Path, index: int) -> None:
        self.inner, self.marker, self.index = inner, marker, index
        self.batch_rows, self.class_names = inner.batch_rows, inner.class_names

    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        if index == self.index and not self.marker.exists():
            self.marker.touch()
            os._exit(1)
        return self.inner.sample_batch(index, rows)

    def save(self, folder: Path) -> bool:
        return self.inner.save(folder)

    def library_versions(self) -> dict[str, str]:
        return self.inner.library_versions()

    def privacy_guarantee(self) -> dict[str, Any] | None:
        return self.inner.privacy_guarantee()

    def batch_report(self, index: int) -> dict[str, Any]:
        return self.inner.batch_report(index)

    def gather(self, reports: list[tuple[int, dict[str, Any]]]) -> Any:
        return self.inner.gather(reports)

    def model_selection(self) -> dict[str, Any] | None:
        return self.inner.model_selection()


def test_ray_build_survives_a_worker_that_dies_and_writes_the_same_bytes(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    recipe = make_sampler_recipe("txns", rows=2000)
    local = Registry(registry_root).materialize(recipe)
    marker = tmp_path / "died-once"
    fit = registry.materialize.fit

    def fit_dying_generator(*args: Any, **kwargs: Any) -> Any:
        build = fit(*args, **kwargs)
        dying = DiesOnce(build.generator, marker=marker, index=3)
        return dataclasses.replace(build, generator=dying)

    monkeypatch.setattr(registry.materialize, "fit", fit_dying_generator)

    on_ray = materialize_with_ray(recipe)

    assert marker.exists()  # a worker died mid-build, and Ray ran its shard again
    assert on_ray["content_hash"] == local.content_hash
    assert not list((registry_root / "data/txns/data").glob(".*"))  # no half-written shard


class WrongRows(DiesOnce):
    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        return self.inner.sample_batch(index, rows - 1 if index == self.index else rows)


def test_ray_task_error_comes_back_as_one_line_and_leaves_the_previous_version(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    recipe = make_sampler_recipe("txns", rows=2000)
    before = Registry(registry_root).materialize(recipe)
    fit = registry.materialize.fit

    def fit_broken_generator(*args: Any, **kwargs: Any) -> Any:
        build = fit(*args, **kwargs)
        broken = WrongRows(build.generator, marker=tmp_path / "unused", index=4)
        return dataclasses.replace(build, generator=broken)

    monkeypatch.setattr(registry.materialize, "fit", fit_broken_generator)

    with pytest.raises(GeneratorError, match=r"returned 299 rows for batch 4 instead of 300$"):
        Registry(registry_root).materialize(recipe, executor="ray")
    manifest = json.loads((registry_root / "data/txns/manifest.json").read_text())
    assert manifest["content_hash"] == before.content_hash


@pytest.mark.slow
def test_ray_build_of_an_llm_recipe_has_the_local_hash_and_counts(
    registry_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kind: llm on Ray: model calls are made by the tasks (batches of 3 rows, shards of 4),
    the content hash is the local build's, and the generation figures (rejections, judge
    scores, tokens) come back from the shards exactly."""
    from registry.generators.llm import LlmGenerator
    from tests.llm_server import LlmServer
    from tests.test_generators_llm import MATH

    monkeypatch.setattr(LlmGenerator, "batch_rows", 3)
    monkeypatch.setattr(registry.shards, "MAX_SHARD_ROWS", 4)
    with LlmServer() as server:
        recipe = registry_root / "recipes" / "math.yaml"
        recipe.write_text(MATH.format(name="math", url=server.url, rows=10))
        local = Registry(registry_root).materialize(recipe)
        calls = server.calls
        shutil.rmtree(registry_root / ".phantom/llm-cache")
        shutil.rmtree(registry_root / "data/math")

        result = CliRunner().invoke(app, ["materialize", str(recipe), "--executor", "ray"])

        assert result.exit_code == 0, result.output
        # Every request again (the caches were gone); a batch cut by a shard edge is sampled
        # by two tasks at once, which may both pay for some of its requests.
        assert server.calls >= 2 * calls
        assert set(server.answered.values()) <= {2, 3}
    manifest = json.loads((registry_root / "data/math/manifest.json").read_text())
    quality = json.loads((registry_root / "data/math/quality.json").read_text())
    assert manifest["content_hash"] == local.content_hash
    assert quality["generation"] == local.quality["generation"]
    assert manifest["generation"]["calls"] == calls
    assert len([f for f in manifest["files"] if f.endswith(".parquet")]) == 3


def test_ray_build_of_linked_tables_has_the_local_content_hash(
    registry_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.generators.linked import LinkedArgnGenerator
    from tests.test_linked import make_linked

    monkeypatch.setattr(LinkedArgnGenerator, "batch_rows", 15)  # 40 parents: 3 batches
    monkeypatch.setattr(registry.shards, "MAX_SHARD_ROWS", 20)  # cut through batches
    recipe = make_linked(registry_root)
    local = Registry(registry_root).materialize(recipe)

    result = CliRunner().invoke(app, ["materialize", str(recipe), "--executor", "ray"])

    assert result.exit_code == 0, result.output
    on_ray = json.loads((registry_root / "data/shop/manifest.json").read_text())
    assert on_ray["content_hash"] == local.content_hash
    assert on_ray["files"] == local.manifest["files"]
    shards = sorted(f for f in on_ray["files"] if f.startswith("data/transactions/"))
    assert shards == [
        "data/transactions/test-00000-of-00001.parquet",
        "data/transactions/train-00000-of-00002.parquet",
        "data/transactions/train-00001-of-00002.parquet",
    ]
    quality = json.loads((registry_root / "data/shop/quality.json").read_text())
    assert quality["linked"] == local.quality["linked"]


def test_phantom_yaml_executor_setting_sends_every_build_to_ray(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `phantom config executor.name ray` writes the shared phantom.yaml: every build in this
    # registry (dvc repro's stages too) then samples on Ray without a flag; the flag still wins.
    monkeypatch.delenv("PHANTOM_EXECUTOR", raising=False)
    monkeypatch.chdir(registry_root)
    recipe = make_sampler_recipe("txns", rows=2000)
    configured = CliRunner().invoke(app, ["config", "executor.name", "ray"])
    assert configured.exit_code == 0, configured.output
    assert "name: ray" in (registry_root / "phantom.yaml").read_text()

    on_ray = CliRunner().invoke(app, ["materialize", str(recipe)])
    assert on_ray.exit_code == 0, on_ray.output
    assert "sampling 2,000 rows on ray" in on_ray.stderr
    local = CliRunner().invoke(app, ["materialize", str(recipe), "--executor", "local"])
    assert local.exit_code == 0 and "on ray" not in local.stderr

    wrong = CliRunner().invoke(app, ["config", "executor.name", "spark"])
    assert wrong.exit_code == 2
    assert "phantom config executor.name: 'spark' is not valid" in wrong.output
