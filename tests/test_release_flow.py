"""The spine end to end: a temp git+DVC registry, `dvc repro`, releases, loads from a clone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import registry
from registry import Registry
from registry.errors import IntegrityError, RegistryError, ReleaseError
from registry.folders import cached_version_dir
from tests.conftest import build_and_commit, commit_all, run


def shards(folder: Path, split: str) -> pd.DataFrame:
    files = sorted((folder / "data").glob(f"{split}-*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


@pytest.mark.slow
def test_two_releases_load_from_a_second_clone(registry_with_two_versions: Path, tmp_path: Path):
    root = registry_with_two_versions
    tags = run(root, "git", "tag", "--list").stdout.split()
    assert tags == ["txns@1.0.0", "txns@1.1.0"]

    clone = tmp_path / "clone"
    run(tmp_path, "git", "clone", "-q", str(root), str(clone))
    first = registry.load("txns@1.0.0", repo=clone)
    second = registry.load("txns@1.1.0", repo=clone)
    latest = registry.load("txns", repo=clone)

    assert set(first) == {"train", "test"}
    assert first["train"].num_rows == 320 and first["test"].num_rows == 80
    assert first["train"]["amount"] != second["train"]["amount"]
    assert latest["train"]["amount"] == second["train"]["amount"]
    for spec, loaded in [("txns@1.0.0", first), ("txns@1.1.0", second)]:
        version = registry.resolve(spec, repo=clone)
        folder = Registry(clone).fetch(version)
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["content_hash"] == version.content_hash
        assert manifest["version"] == spec.split("@")[1]
        expected = shards(folder, "train")
        assert loaded["train"].to_pandas()["amount"].tolist() == expected["amount"].tolist()


@pytest.mark.slow
def test_load_reads_workspace_and_matches_load_dataset(registry_with_two_versions: Path):
    import datasets

    root = registry_with_two_versions
    loaded = Registry(root).load("txns@1.1.0")
    direct = datasets.load_dataset(str(root / "data" / "txns"))
    assert loaded["test"].to_pandas().equals(direct["test"].to_pandas())
    assert Registry(root).fetch(Registry(root).resolve("txns@1.1.0")) == root / "data" / "txns"


@pytest.mark.slow
def test_release_again_with_same_content_is_a_no_op(registry_with_two_versions: Path):
    again = Registry(registry_with_two_versions).release("txns")
    assert again.tag == "txns@1.1.0"
    tags = run(registry_with_two_versions, "git", "tag", "--list").stdout.split()
    assert tags == ["txns@1.0.0", "txns@1.1.0"]


@pytest.mark.slow
def test_release_refuses_changed_content_under_an_existing_version(
    registry_with_two_versions: Path, make_sampler_recipe
):
    make_sampler_recipe("txns", version="1.1.0", mean=5.5)
    build_and_commit(registry_with_two_versions, "same version, other content")
    with pytest.raises(ReleaseError, match=r"txns@1\.1\.0 is already released with other content"):
        Registry(registry_with_two_versions).release("txns")


@pytest.mark.slow
def test_release_refuses_uncommitted_recipe_and_lock(registry_root: Path, make_sampler_recipe):
    make_sampler_recipe("txns")
    run(registry_root, "dvc", "repro")
    with pytest.raises(ReleaseError, match="not committed"):
        Registry(registry_root).release("txns")
    commit_all(registry_root, "build")
    make_sampler_recipe("txns", rows=500)
    with pytest.raises(ReleaseError, match=r"recipes/txns\.yaml has uncommitted changes"):
        Registry(registry_root).release("txns")


@pytest.mark.slow
def test_release_refuses_workspace_data_that_differs_from_dvc_lock(
    registry_root: Path, make_sampler_recipe
):
    make_sampler_recipe("txns")
    build_and_commit(registry_root, "build")
    (registry_root / "data" / "txns" / "data" / "test-00000-of-00001.parquet").unlink()
    with pytest.raises(ReleaseError, match=r"data/txns does not match dvc\.lock"):
        Registry(registry_root).release("txns")


@pytest.mark.slow
def test_load_refuses_bytes_that_differ_from_the_manifest(registry_with_two_versions: Path):
    root = registry_with_two_versions
    card = root / "data" / "txns" / "README.md"
    card.chmod(0o644)
    card.write_text(card.read_text() + "tampered\n")
    with pytest.raises(IntegrityError, match=r"README\.md does not match its sha256"):
        Registry(root).load("txns@1.1.0")


@pytest.mark.slow
def test_dvc_repro_rebuilds_only_the_recipe_that_changed(registry_root: Path, make_sampler_recipe):
    make_sampler_recipe("alpha")
    make_sampler_recipe("beta")
    build_and_commit(registry_root, "two recipes")
    make_sampler_recipe("beta", rows=500)
    output = run(registry_root, "dvc", "repro").stdout
    assert "Running stage 'materialize@beta'" in output
    assert "Running stage 'materialize@alpha'" not in output
    assert "Stage 'materialize@alpha' didn't change, skipping" in output
    assert json.loads((registry_root / "data/beta/manifest.json").read_text())["rows"] == 500


@pytest.mark.slow
def test_dvc_params_and_metrics_diff_work_between_release_tags(registry_with_two_versions: Path):
    root = registry_with_two_versions
    params = run(root, "dvc", "params", "diff", "txns@1.0.0", "txns@1.1.0", "--json").stdout
    changed = json.loads(params)["recipes/txns.yaml"]
    assert changed["version"] == {"old": "1.0.0", "new": "1.1.0"}
    assert changed["generator.columns"]["old"] != changed["generator.columns"]["new"]
    metrics = run(root, "dvc", "metrics", "diff", "txns@1.0.0", "txns@1.1.0", "--all", "--json")
    assert "cards/txns.quality.json" in json.loads(metrics.stdout)


@pytest.mark.slow
def test_registry_seed_adds_one_generation(registry_with_two_versions: Path):
    root = registry_with_two_versions
    recipe = root / "recipes" / "txns-resynth.yaml"
    recipe.write_text(
        "name: txns-resynth\nversion: 1.0.0\n"
        "seed: {source: 'registry:txns@1.0.0', holdout: 0.2}\n"
        "generator: {kind: sdv, model: gaussian_copula}\n"
        "rows: 200\nrandom_seed: 1\ntarget: is_fraud\n"
    )
    result = Registry(root).materialize(recipe)
    assert result.manifest["generation_depth"] == 1
    assert (
        result.manifest["seed"]["sha256"] == registry.resolve("txns@1.0.0", repo=root).content_hash
    )
    card = (root / "cards" / "txns-resynth.md").read_text()
    assert "| generation depth | 1 |" in card and "model collapse" in card
    assert result.quality["fidelity"]["column_shapes"] > 0.5


@pytest.mark.slow
def test_load_of_a_version_whose_data_was_never_pushed_says_so(
    registry_with_two_versions: Path, tmp_path: Path
):
    root = registry_with_two_versions
    remote = tmp_path / "remote"
    for item in remote.iterdir():  # the released data is gone from the remote
        shutil.rmtree(item)
    clone = tmp_path / "clone"
    run(tmp_path, "git", "clone", "-q", str(root), str(clone))
    for _ in range(2):  # a failed fetch leaves nothing behind that would block a retry
        with pytest.raises(RegistryError, match=r"txns@1\.0\.0"):
            registry.load("txns@1.0.0", repo=clone)
    assert not cached_version_dir(registry.resolve("txns@1.0.0", repo=clone)).exists()


@pytest.mark.parametrize(
    "url", ["s3://bucket/phantom", "gs://bucket/phantom", "ssh://user@host:2222/srv/phantom"]
)
def test_init_passes_any_dvc_remote_url_through(tmp_path: Path, url: str) -> None:
    from dvc.config import Config

    registry = Registry.init(tmp_path / "fresh", remote=url)
    assert registry.remote_url() == url and registry.remote() is None
    Registry.init(tmp_path / "fresh")  # running init again keeps the remote it has
    config = Config(dvc_dir=str(tmp_path / "fresh" / ".dvc"))
    assert config["core"]["remote"] == "phantom"
    assert config["remote"]["phantom"]["url"] == url
