"""Pins: finding dataset specs in training configs, lock files, lock-aware loading, resolvers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import registry
from registry import Registry
from registry.errors import DatasetNotFound, InputError, IntegrityError
from registry.pins import find_specs, lock_config, lock_path_for, read_lock
from tests.conftest_hub import built_two_versions_fixture, two_versions_fixture  # noqa: F401

CONFIG = """\
model: {name: gbm, depth: 6}
train:
  dataset: txns@^1.0
  eval:
    datasets: [txns@1.0.0]
paths:
  train_data: ${phantom:'txns@^1.0'}
  other: ${oc.env:HOME}
"""


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"dataset": "fraud@1.2.0"}, {"fraud@1.2.0": ["dataset"]}),
        ({"a": {"dataset": "fraud@^1.2"}}, {"fraud@^1.2": ["a.dataset"]}),
        ({"datasets": ["a@1.0.0", "b"]}, {"a@1.0.0": ["datasets[0]"], "b": ["datasets[1]"]}),
        ({"datasets": {"train": "a@~1.2.3"}}, {"a@~1.2.3": ["datasets.train"]}),
        ({"x": "${phantom:fraud@1.2.0}"}, {"fraud@1.2.0": ["x"]}),
        ({"x": "${phantom:'fraud@^1.2'}/train"}, {"fraud@^1.2": ["x"]}),
        ({"x": ['${phantom:"hf://org/f@1.0.0"}']}, {"hf://org/f@1.0.0": ["x[0]"]}),
        ({"dataset": "${phantom:f@1.0.0}"}, {"f@1.0.0": ["dataset"]}),
        ({"dataset": "${other.key}", "dataset_dir": "x"}, {}),
        ({"dataset": {"name": "imagenet"}}, {}),
    ],
)
def test_find_specs_reads_dataset_keys_lists_and_interpolations(config, expected) -> None:
    assert find_specs(config) == expected


def test_lock_path_sits_beside_the_config() -> None:
    assert lock_path_for("conf/train.yaml") == Path("conf/train.lock")
    assert lock_path_for("conf/train.lock") == Path("conf/train.lock")


def write_config(folder: Path, text: str = CONFIG) -> Path:
    path = folder / "train.yaml"
    path.write_text(text)
    return path


def test_lock_pins_a_range_to_the_newest_matching_release(two_versions: Path, tmp_path: Path):
    config = write_config(tmp_path)
    lock = lock_config(config, repo=two_versions)
    reg = Registry(two_versions)

    assert lock.path == tmp_path / "train.lock"
    data = yaml.safe_load(lock.path.read_text())
    assert data["lock_version"] == 1 and data["config"] == "train.yaml"
    ranged = data["datasets"]["txns@^1.0"]
    newest = reg.resolve("txns@1.1.0")
    assert ranged == {
        "source": "registry",
        "name": "txns",
        "version": "1.1.0",
        "content_hash": newest.content_hash,
        "rev": newest.rev,
        "found_at": ["train.dataset", "paths.train_data"],
    }
    assert data["datasets"]["txns@1.0.0"]["version"] == "1.0.0"
    assert read_lock(config).pins["txns@^1.0"].content_hash == newest.content_hash


def test_lock_refuses_a_config_without_specs_and_names_the_bad_key(
    two_versions: Path, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="names no dataset"):
        lock_config(write_config(tmp_path, "lr: 0.1\n"), repo=two_versions)
    with pytest.raises(DatasetNotFound, match=r"train\.yaml: a\.dataset: .*'nope'"):
        lock_config(write_config(tmp_path, "a: {dataset: nope@1.0.0}\n"), repo=two_versions)
    assert not (tmp_path / "train.lock").exists()


def pin_to(lock_file: Path, spec: str, version) -> None:
    """Edit a lock so that ``spec`` pins ``version`` (as a lock written earlier would)."""
    data = yaml.safe_load(lock_file.read_text())
    data["datasets"][spec].update(
        version=version.version, content_hash=version.content_hash, rev=version.rev
    )
    lock_file.write_text(yaml.safe_dump(data))


def test_load_under_a_lock_gives_the_pinned_version_not_the_newest(
    two_versions: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path)
    lock = lock_config(config, repo=two_versions)
    reg = Registry(two_versions)
    older = reg.resolve("txns@1.0.0")
    pin_to(lock.path, "txns@^1.0", older)  # as if locked before 1.1.0 was released

    pinned = registry.load("txns@^1.0", lock=config)
    unpinned = registry.load("txns@^1.0", repo=two_versions)
    expected = reg.load("txns@1.0.0")
    assert pinned["train"]["amount"] == expected["train"]["amount"]
    assert unpinned["train"]["amount"] != expected["train"]["amount"]


def test_load_under_a_lock_refuses_bytes_that_differ_from_the_pin(
    two_versions: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path)
    lock_config(config, repo=two_versions)
    shard = two_versions / "data" / "txns" / "data" / "train-00000-of-00001.parquet"
    shard.chmod(0o644)
    shard.write_bytes(shard.read_bytes()[:-10] + b"0123456789")

    with pytest.raises(IntegrityError, match=r"train-00000-of-00001\.parquet does not match"):
        Registry(two_versions).load("txns@^1.0", lock=config)


def test_load_under_a_lock_refuses_a_release_whose_hash_is_not_the_pinned_one(
    two_versions: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path)
    lock = lock_config(config, repo=two_versions)
    data = yaml.safe_load(lock.path.read_text())
    data["datasets"]["txns@^1.0"]["content_hash"] = "sha256:" + "0" * 64
    lock.path.write_text(yaml.safe_dump(data))

    with pytest.raises(IntegrityError, match=r"train\.lock pins sha256:000000000000"):
        registry.load("txns@^1.0", lock=lock.path)


def test_load_under_a_lock_refuses_a_spec_the_lock_does_not_pin(
    two_versions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path)
    lock = lock_config(config, repo=two_versions)
    monkeypatch.setenv("PHANTOM_LOCK", str(lock.path))
    with pytest.raises(DatasetNotFound, match=r"'txns@~1\.1' is not pinned in .*train\.lock"):
        registry.load("txns@~1.1")
    assert registry.load("txns@1.0.0")["test"].num_rows == 80  # pinned, via $PHANTOM_LOCK


def test_resolver_gives_the_local_path_of_a_version(two_versions: Path, tmp_path: Path) -> None:
    from omegaconf import OmegaConf

    registry.register_resolvers(repo=two_versions)
    cfg = OmegaConf.create(
        {"train_data": "${phantom:'txns@^1.0'}", "eval_data": "${phantom:txns@1.0.0}"}
    )
    for key, version in [("train_data", "1.1.0"), ("eval_data", "1.0.0")]:
        manifest = json.loads((Path(cfg[key]) / "manifest.json").read_text())
        assert manifest["version"] == version


def test_resolver_honours_a_lock(two_versions: Path, tmp_path: Path) -> None:
    from omegaconf import OmegaConf

    config = write_config(tmp_path)
    lock = lock_config(config, repo=two_versions)
    pin_to(lock.path, "txns@^1.0", Registry(two_versions).resolve("txns@1.0.0"))
    registry.register_resolvers(lock=config)
    cfg = OmegaConf.load(config)
    manifest = json.loads((Path(cfg.paths.train_data) / "manifest.json").read_text())
    assert manifest["version"] == "1.0.0"
