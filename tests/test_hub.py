"""Publishing to and reading from the Hub, with the real clients against the test Hub server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import registry
from registry import Registry
from registry._hashing import content_hash, sha256_file
from registry.errors import DatasetNotFound, PublishError, SeedError, VersionSpecError
from registry.hub import HubSpec, publish
from registry.seeds import frame_sha256
from registry.versions import Version
from tests.conftest_hub import (  # noqa: F401
    built_two_versions_fixture,
    hub_fixture,
    two_versions_fixture,
)
from tests.hub_server import HubServer

REPO = "phantom-org/txns"


def rows_hash(table: Any) -> str:
    """The hash of a split's rows, read through Arrow so local and Hub frames compare alike."""
    return frame_sha256(table.to_pandas())


def local_rows(folder: Path) -> dict[str, str]:
    import pyarrow.parquet as pq

    manifest = json.loads((folder / "manifest.json").read_text())
    return {
        split: rows_hash(pq.read_table(sorted((folder / "data").glob(f"{split}-*.parquet"))))
        for split in manifest["splits"]
    }


def hub_rows(dataset_dict: Any) -> dict[str, str]:
    return {split: rows_hash(dataset_dict[split].data.table) for split in dataset_dict}


def api_for(server: HubServer) -> Any:
    from huggingface_hub import HfApi

    return HfApi(endpoint=server.url, token=server.token)


def tags(server: HubServer, repo_id: str = REPO) -> dict[str, str]:
    refs = api_for(server).list_repo_refs(repo_id, repo_type="dataset")
    return {ref.name: ref.target_commit for ref in refs.tags}


def main_head(server: HubServer, repo_id: str = REPO) -> str:
    refs = api_for(server).list_repo_refs(repo_id, repo_type="dataset")
    return next(ref.target_commit for ref in refs.branches if ref.name == "main")


def assert_clean(server: HubServer) -> None:
    """The clients used only routes the server serves, and the server raised nothing."""
    assert server.unhandled == [] and server.errors == []


# --- publishing ------------------------------------------------------------------------------


def test_publish_two_versions_then_load_each_by_revision_gives_the_same_rows(
    hub: HubServer, two_versions: Path
) -> None:
    import datasets

    reg = Registry(two_versions)
    first = reg.publish("txns@1.0.0", REPO)
    second = reg.publish("txns@1.1.0", REPO)

    assert tags(hub) == {"1.0.0": first.commit, "1.1.0": second.commit}
    assert main_head(hub) == second.commit
    for version, result in [("1.0.0", first), ("1.1.0", second)]:
        assert not result.unchanged and result.card_warnings == ()
        loaded = datasets.load_dataset(REPO, revision=version)
        local = reg.fetch(reg.resolve(f"txns@{version}"))
        assert set(loaded) == {"train", "test"}
        assert hub_rows(loaded) == local_rows(local)
    assert hub_rows(datasets.load_dataset(REPO, revision="1.0.0")) != hub_rows(
        datasets.load_dataset(REPO, revision="1.1.0")
    )
    assert_clean(hub)


def test_publish_uploads_the_card_with_its_metadata_and_no_yaml_warnings(
    hub: HubServer, two_versions: Path
) -> None:
    result = Registry(two_versions).publish("txns@1.0.0", REPO)
    info = api_for(hub).dataset_info(REPO, revision="1.0.0")
    card = info.card_data.to_dict()

    assert result.card_warnings == ()
    assert card["license"] == "cc0-1.0"
    assert card["size_categories"] == ["n<1K"]
    assert "synthetic" in card["tags"]
    assert card["configs"][0]["data_files"] == [
        {"split": "train", "path": "data/train-*"},
        {"split": "test", "path": "data/test-*"},
    ]
    assert {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]} == {
        "train": 320,
        "test": 80,
    }
    assert {"synthetic", "license:cc0-1.0", "size_categories:n<1K"} <= set(info.tags)
    files = {s.rfilename for s in info.siblings}
    assert files == {".gitattributes", *result.uploaded}
    assert {"README.md", "manifest.json", "quality.json", "recipe.yaml"} <= files
    assert not any(name.endswith((".csv", "seeds")) for name in files)


def test_publish_commits_once_and_tags_the_commit_not_main(
    hub: HubServer, two_versions: Path
) -> None:
    result = Registry(two_versions).publish("txns@1.0.0", REPO)
    commits = [path for method, path in hub.requests if path.endswith("/commit/main")]
    assert len(commits) == 1
    tag_requests = [path for method, path in hub.requests if "/tag/" in path]
    assert tag_requests == [f"/api/datasets/{REPO}/tag/{result.commit}"]


def test_publish_same_version_again_is_a_no_op(hub: HubServer, two_versions: Path) -> None:
    reg = Registry(two_versions)
    first = reg.publish("txns@1.1.0", REPO)
    requests_before = len(hub.requests)
    again = reg.publish("txns@1.1.0", REPO)

    assert again.unchanged and again.commit == first.commit
    assert not any("/commit/" in path for _, path in hub.requests[requests_before:])
    assert tags(hub) == {"1.1.0": first.commit}


def test_publish_refuses_a_version_that_is_on_the_hub_with_other_content(
    hub: HubServer, two_versions: Path
) -> None:
    reg = Registry(two_versions)
    newer = reg.publish("txns@1.1.0", REPO)
    api_for(hub).create_tag(REPO, tag="1.0.0", revision=newer.commit, repo_type="dataset")

    with pytest.raises(PublishError, match=r"already has version 1\.0\.0 with other content"):
        reg.publish("txns@1.0.0", REPO)


def test_publish_refuses_a_version_that_is_not_released(hub: HubServer, two_versions: Path) -> None:
    with pytest.raises(PublishError, match=r"cannot publish txns@2\.0\.0: it is not released"):
        Registry(two_versions).publish("txns@2.0.0", REPO)
    assert hub.requests == []


class FolderRegistry:
    """A registry stand-in whose one released version is a folder the test prepared."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest = json.loads((folder / "manifest.json").read_text())

    def resolve(self, spec: str) -> Version:
        return Version("txns", "1.0.0", self.manifest["content_hash"])

    def fetch(self, version: Version) -> Path:
        return self.folder


def copy_of_version(reg: Registry, spec: str, folder: Path) -> Path:
    shutil.copytree(reg.fetch(reg.resolve(spec)), folder)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def rewrite(folder: Path, relpath: str, text: str) -> None:
    """Replace one file of a version folder and re-hash the manifest, so it still verifies."""
    target = folder / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"] = {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }
    manifest["content_hash"] = content_hash(manifest["files"])
    (folder / "manifest.json").write_text(json.dumps(manifest))


def failed_gate(quality: dict[str, Any]) -> dict[str, Any]:
    gate = {"gate": "min_overall", "threshold": 99.0, "value": 50.0, "passed": False}
    return {**quality, "gates": [{**gate, "source": "recipe"}]}


def with_copies(quality: dict[str, Any]) -> dict[str, Any]:
    return {**quality, "privacy": {"exact_copies": 3, "exact_copy_share": 0.01}}


def with_child_copies(quality: dict[str, Any]) -> dict[str, Any]:
    """Linked tables: the top-level privacy section is the parent's; a child copies rows."""
    tables = {"parents": quality, "children": with_copies(quality)}
    return {**quality, "tables": tables}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (failed_gate, r"failed 1 quality gate\(s\) \(min_overall\), so it is not published"),
        (with_copies, r"contains 3 exact copies of seed rows, so it is not published"),
        (with_child_copies, r"contains 3 exact copies of seed rows, so it is not published"),
    ],
)
def test_publish_refuses_a_gated_out_version_before_any_upload(
    hub: HubServer, two_versions: Path, tmp_path: Path, change: Any, reason: str
) -> None:
    reg = Registry(two_versions)
    folder = copy_of_version(reg, "txns@1.0.0", tmp_path / "version")
    quality = json.loads((folder / "quality.json").read_text())
    rewrite(folder, "quality.json", json.dumps(change(quality)))

    with pytest.raises(PublishError, match=reason):
        publish(FolderRegistry(folder), "txns@1.0.0", REPO)
    assert hub.requests == []


def test_publish_never_uploads_files_that_are_not_part_of_a_dataset(
    hub: HubServer, two_versions: Path, tmp_path: Path
) -> None:
    reg = Registry(two_versions)
    folder = copy_of_version(reg, "txns@1.0.0", tmp_path / "version")
    rewrite(folder, "seeds/real.csv", "id,amount\n1,2.0\n")

    with pytest.raises(PublishError, match=r"seeds/real\.csv is not part of a Phantom dataset"):
        publish(FolderRegistry(folder), "txns@1.0.0", REPO)
    assert hub.requests == []


def test_publish_reports_the_hubs_warnings_about_the_card(
    hub: HubServer, two_versions: Path, tmp_path: Path
) -> None:
    folder = copy_of_version(Registry(two_versions), "txns@1.0.0", tmp_path / "version")
    card = (folder / "README.md").read_text()
    rewrite(folder, "README.md", card.replace("tags:", "task_categories:\n- made-up\ntags:", 1))

    result = publish(FolderRegistry(folder), "txns@1.0.0", REPO)
    assert len(result.card_warnings) == 1
    assert "'made-up' is not a known task category" in result.card_warnings[0]


def test_publish_refuses_a_card_the_hub_rejects_and_tags_nothing(
    hub: HubServer, two_versions: Path, tmp_path: Path
) -> None:
    folder = copy_of_version(Registry(two_versions), "txns@1.0.0", tmp_path / "version")
    card = (folder / "README.md").read_text()
    rewrite(folder, "README.md", card.replace("license: cc0-1.0", "license: no-such-license"))

    with pytest.raises(PublishError, match=r"rejected the card's YAML .*'no-such-license'"):
        publish(FolderRegistry(folder), "txns@1.0.0", REPO)
    assert tags(hub) == {}


def test_publish_follows_hf_endpoint_read_when_called(
    hub: HubServer, two_versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    # As if huggingface_hub had been imported before HF_ENDPOINT was set.
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    result = Registry(two_versions).publish("txns@1.0.0", REPO)
    assert tags(hub) == {"1.0.0": result.commit}


def test_publish_removes_shards_an_earlier_version_left(hub: HubServer, two_versions: Path) -> None:
    reg = Registry(two_versions)
    reg.publish("txns@1.0.0", REPO)
    stale = "data/train-00001-of-00002.parquet"
    api_for(hub).upload_file(
        path_or_fileobj=b"PAR1 not really", path_in_repo=stale, repo_id=REPO, repo_type="dataset"
    )

    result = reg.publish("txns@1.1.0", REPO)
    assert result.deleted == (stale,)
    files = api_for(hub).list_repo_files(REPO, repo_type="dataset", revision="1.1.0")
    assert stale not in files
    assert stale not in api_for(hub).list_repo_files(REPO, repo_type="dataset")


def test_publish_an_older_version_after_a_newer_keeps_main_on_the_newest(
    hub: HubServer, two_versions: Path
) -> None:
    import datasets

    reg = Registry(two_versions)
    newer = reg.publish("txns@1.1.0", REPO)
    older = reg.publish("txns@1.0.0", REPO)

    assert main_head(hub) == newer.commit
    assert tags(hub) == {"1.0.0": older.commit, "1.1.0": newer.commit}
    branches = api_for(hub).list_repo_refs(REPO, repo_type="dataset").branches
    assert [b.name for b in branches] == ["main"]
    local = reg.fetch(reg.resolve("txns@1.0.0"))
    assert hub_rows(datasets.load_dataset(REPO, revision="1.0.0")) == local_rows(local)


@pytest.mark.parametrize("route", ["commit", "create_tag"])
def test_publish_network_failure_leaves_no_tag_and_a_retry_completes(
    hub: HubServer, two_versions: Path, route: str
) -> None:
    import datasets

    reg = Registry(two_versions)
    hub.fail_next(route)
    with pytest.raises(PublishError) as failure:
        reg.publish("txns@1.0.0", REPO)
    message = str(failure.value)
    assert message.startswith(f"publishing txns@1.0.0 to {REPO} failed: network error")
    assert message.endswith("nothing was tagged; run the same command again to finish")
    assert "\n" not in message
    assert tags(hub) == {}

    retried = reg.publish("txns@1.0.0", REPO)
    assert tags(hub) == {"1.0.0": retried.commit}
    local = reg.fetch(reg.resolve("txns@1.0.0"))
    assert hub_rows(datasets.load_dataset(REPO, revision="1.0.0")) == local_rows(local)
    assert_clean(hub)


def test_publish_creates_a_private_repo_when_asked(hub: HubServer, two_versions: Path) -> None:
    registry.publish("txns@1.0.0", REPO, repo=two_versions, private=True)
    assert hub.repos[("dataset", REPO)].private
    assert api_for(hub).dataset_info(REPO).private


def test_publish_translates_hub_refusals_into_publish_error(
    hub: HubServer, two_versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token_1234567890")
    with pytest.raises(PublishError, match=r"the Hub answered 401") as failure:
        Registry(two_versions).publish("txns@1.0.0", REPO)
    assert "hf_wrong_token_1234567890" not in str(failure.value)


# --- reading published versions ------------------------------------------------------------


def test_hub_spec_parses_repo_and_selector() -> None:
    spec = HubSpec.parse("hf://org/fraud-data@^1.2")
    assert spec.repo_id == "org/fraud-data"
    assert (spec.selector.kind, spec.selector.value) == ("caret", "1.2")
    assert str(spec) == "hf://org/fraud-data@^1.2"
    assert HubSpec.parse("hf://datasets/org/x").selector.kind == "latest"
    with pytest.raises(VersionSpecError, match="expected hf://"):
        HubSpec.parse("hf://just-a-name@1.0.0")


def test_load_and_resolve_hf_specs_read_the_published_copy_verified(
    hub: HubServer, two_versions: Path
) -> None:
    reg = Registry(two_versions)
    reg.publish("txns@1.0.0", REPO)
    second = reg.publish("txns@1.1.0", REPO)

    resolved = registry.resolve(f"hf://{REPO}@^1.0")
    assert (resolved.version, resolved.rev) == ("1.1.0", second.commit)
    assert resolved.content_hash == reg.resolve("txns@1.1.0").content_hash
    by_hash = registry.resolve(f"hf://{REPO}@{reg.resolve('txns@1.0.0').content_hash[:20]}")
    assert by_hash.version == "1.0.0"
    loaded = registry.load(f"hf://{REPO}@1.0.0")
    assert hub_rows(loaded) == local_rows(reg.fetch(reg.resolve("txns@1.0.0")))
    with pytest.raises(DatasetNotFound, match=r"no version of 'phantom-org/txns' matches"):
        registry.load(f"hf://{REPO}@2.0.0")


def test_lock_pins_hf_specs_to_the_hub_commit(
    hub: HubServer, two_versions: Path, tmp_path: Path
) -> None:
    from registry.pins import lock_config

    reg = Registry(two_versions)
    first = reg.publish("txns@1.0.0", REPO)
    config = tmp_path / "train.yaml"
    config.write_text(f"dataset: hf://{REPO}@^1.0\n")
    lock = lock_config(config)
    pin = lock.pins[f"hf://{REPO}@^1.0"]
    assert (pin.source, pin.version, pin.rev) == ("hub", "1.0.0", first.commit)

    reg.publish("txns@1.1.0", REPO)  # newer on the Hub: the lock still loads 1.0.0
    loaded = registry.load(f"hf://{REPO}@^1.0", lock=config)
    assert hub_rows(loaded) == local_rows(reg.fetch(reg.resolve("txns@1.0.0")))


def test_pull_brings_a_published_version_into_another_registry(
    hub: HubServer, two_versions: Path, tmp_path: Path
) -> None:
    Registry(two_versions).publish("txns@1.0.0", REPO)
    other = Registry.init(tmp_path / "other", remote=tmp_path / "other-remote")

    pulled = other.pull(f"{REPO}@1.0.0")
    expected = Registry(two_versions).resolve("txns@1.0.0").content_hash
    assert pulled.name == "txns" and pulled.recipe_written and not pulled.replaced
    manifest = other.verify(other.root / "data" / "txns", expected=expected)
    assert manifest["version"] == "1.0.0"
    assert (other.root / "recipes" / "txns.yaml").exists()
    assert other.pull(f"hf://{REPO}@1.0.0").unchanged


def test_pull_refuses_to_replace_other_content_without_force(
    hub: HubServer, two_versions: Path
) -> None:
    from registry.errors import RegistryError

    reg = Registry(two_versions)  # its data/txns holds 1.1.0
    reg.publish("txns@1.0.0", REPO)
    with pytest.raises(RegistryError, match=r"data/txns holds other content"):
        reg.pull(f"{REPO}@1.0.0")
    assert reg.pull(f"{REPO}@1.0.0", force=True).replaced
    assert reg.verify(reg.root / "data" / "txns")["version"] == "1.0.0"


def test_hf_seed_loads_with_datasets_pinned_to_the_commit(
    hub: HubServer, two_versions: Path
) -> None:
    import pandas as pd

    from registry.recipes import Seed
    from registry.seeds import load_seed

    reg = Registry(two_versions)
    first = reg.publish("txns@1.0.0", REPO)
    reg.publish("txns@1.1.0", REPO)

    seed = load_seed(Seed(source=f"hf:{REPO}@1.0.0", holdout=0.0), root=two_versions, random_seed=1)
    folder = reg.fetch(reg.resolve("txns@1.0.0"))
    expected = pd.concat(
        [pd.read_parquet(next((folder / "data").glob(f"{s}-*"))) for s in ("train", "test")],
        ignore_index=True,
    )
    entry = seed.manifest_entry()
    assert entry["kind"] == "hf" and entry["generation_depth"] == 1
    assert first.commit in entry["origin"]
    assert entry["sha256"] == frame_sha256(seed.train)
    assert seed.train["amount"].tolist() == expected["amount"].tolist()


def test_hf_seed_without_revision_or_repo_is_a_seed_error(hub: HubServer, tmp_path: Path) -> None:
    from registry.recipes import Seed
    from registry.seeds import load_seed

    with pytest.raises(SeedError, match=r"'hf:phantom-org/nope@1\.0\.0'.*does not exist"):
        load_seed(Seed(source="hf:phantom-org/nope@1.0.0"), root=tmp_path, random_seed=1)


# --- the test Hub itself ---------------------------------------------------------------------


def test_hub_server_answers_the_read_routes_like_the_hub(hub: HubServer) -> None:
    from huggingface_hub.errors import EntryNotFoundError, RevisionNotFoundError

    api = api_for(hub)
    api.create_repo("org/demo", repo_type="dataset")
    first = api.upload_file(
        path_or_fileobj=b"a,b\n1,2\n", path_in_repo="data/x.csv", repo_id="org/demo",
        repo_type="dataset", commit_message="add x",
    )  # fmt: skip
    api.create_branch("org/demo", branch="dev", repo_type="dataset")
    api.create_tag("org/demo", tag="v1", revision=first.oid, repo_type="dataset")

    [info] = api.get_paths_info("org/demo", ["data/x.csv"], expand=True, repo_type="dataset")
    assert (info.path, info.size, info.lfs, info.last_commit.title) == (
        "data/x.csv", 8, None, "add x",
    )  # fmt: skip
    tree = api.list_repo_tree("org/demo", recursive=True, repo_type="dataset")
    assert sorted(entry.path for entry in tree) == [".gitattributes", "data", "data/x.csv"]
    commits = api.list_repo_commits("org/demo", repo_type="dataset", revision="v1")
    assert [c.title for c in commits] == ["add x", "initial commit"]
    assert api.file_exists("org/demo", "data/x.csv", repo_type="dataset", revision="dev")
    api.delete_tag("org/demo", tag="v1", repo_type="dataset")
    with pytest.raises(RevisionNotFoundError):
        api.dataset_info("org/demo", revision="v1")
    with pytest.raises(EntryNotFoundError):
        api.hf_hub_download("org/demo", "missing.txt", repo_type="dataset")
    assert_clean(hub)


def test_an_image_dataset_publishes_loads_as_pil_images_and_pulls_verified(
    hub: HubServer, released_digits: Path, tmp_path: Path
) -> None:
    import datasets
    from PIL.Image import Image

    Registry(released_digits).publish("digits@1.0.0", "org/digits")

    loaded = datasets.load_dataset("org/digits", revision="1.0.0")
    assert isinstance(loaded["train"][0]["image"], Image)
    assert loaded["train"].features["label"].names == [str(d) for d in range(10)]
    other = Registry.init(tmp_path / "other", remote=tmp_path / "other-remote")
    pulled = other.pull("org/digits@1.0.0")
    assert pulled.name == "digits"
    assert (other.root / "data/digits/model/unet/diffusion_pytorch_model.safetensors").is_file()
    assert_clean(hub)


# --- saved models of table versions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("relpath", "publishable"),
    [
        ("model/ModelStore/model-data/model-weights.pt", True),
        ("model/ModelStore/model-data/progress-messages.csv", True),
        ("model/weighings/ModelStore/ctx-stats/stats.json", True),
        ("model/unet/diffusion_pytorch_model.safetensors", True),
        ("model/../seeds/real.csv", False),
        ("model/.cache/x.json", False),
        ("seeds/real.csv", False),
        ("data/train.csv", False),
    ],
)
def test_publishable_files_are_the_dataset_and_anything_saved_under_model(
    relpath: str, publishable: bool
) -> None:
    from registry.hub import is_publishable

    assert is_publishable(relpath) is publishable


@pytest.mark.slow
def test_a_table_version_publishes_with_its_tabular_argn_model(
    hub: HubServer, registry_root: Path, make_penguins_recipe, tmp_path: Path
) -> None:
    import datasets

    recipe = make_penguins_recipe(
        "generator: {kind: table, model_size: S, max_epochs: 1}\nrows: 60\nrandom_seed: 5\n"
    )
    built = Registry(registry_root).materialize(recipe)
    result = publish(FolderRegistry(built.path), "pen@1.0.0", REPO)

    assert "model/ModelStore/model-data/model-weights.pt" in result.uploaded
    assert "model/ModelStore/model-data/progress-messages.csv" in result.uploaded
    assert hub_rows(datasets.load_dataset(REPO, revision="1.0.0")) == local_rows(built.path)
    assert_clean(hub)
