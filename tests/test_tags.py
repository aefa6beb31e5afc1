"""Release tags: one reader decides what is released, for resolve, the catalog and git URLs."""

from __future__ import annotations

from pathlib import Path

from registry.catalog import Catalog
from registry.remote import Checkout, GitUrlRegistry, open_source
from registry.tags import list_tags, release_message, released_versions
from tests.conftest import run
from tests.test_catalog import tag_synthetic


def make_tagged_repo(root: Path) -> Path:
    """Two releases of ``a``, one of ``b``, and tags that only look like releases."""
    tag_synthetic(root, "a", "1.0.0")
    tag_synthetic(root, "a", "1.1.0")
    tag_synthetic(root, "b", "0.1.0")
    run(root, "git", "tag", "a@draft")  # not a semver
    run(root, "git", "tag", "Notes@1.0.0")  # not a dataset name
    run(root, "git", "tag", "v2")  # not name@version at all
    (root / "dvc.yaml").write_text("stages: {}\n")  # so the folder is a registry checkout
    return root


def test_released_versions_reads_release_tags_with_their_content_hashes(tmp_path: Path):
    repo = make_tagged_repo(tmp_path / "repo")
    found = released_versions(repo)
    assert [v.tag for v in found] == ["a@1.0.0", "a@1.1.0", "b@0.1.0"]
    assert all(v.content_hash.startswith("sha256:") and len(v.rev) == 40 for v in found)
    assert [v.tag for v in released_versions(repo, "a")] == ["a@1.0.0", "a@1.1.0"]


def test_resolve_and_the_catalog_agree_on_what_is_released(tmp_path: Path):
    repo = make_tagged_repo(tmp_path / "repo")
    with Catalog() as catalog:
        catalog.refresh(repo)
        assert catalog.released() == released_versions(repo)
    assert sorted(list_tags(repo)) == ["a@1.0.0", "a@1.1.0", "b@0.1.0"]


def test_a_git_url_registry_reads_its_tags_as_its_checkout_does(tmp_path: Path):
    repo = make_tagged_repo(tmp_path / "repo")
    by_url = open_source(f"file://{repo}")
    assert isinstance(by_url, GitUrlRegistry)
    assert by_url.versions() == Checkout(repo).versions()
    assert by_url.resolve("a@^1.0") == Checkout(repo).resolve("a")


def test_release_message_carries_the_content_line_the_reader_parses(tmp_path: Path):
    repo = tmp_path / "repo"
    tag_synthetic(repo, "a", "1.0.0")
    run(repo, "git", "tag", "-d", "a@1.0.0")
    message = release_message("a@1.0.0", "sha256:" + "ab" * 32)
    run(
        repo,
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "tag",
        "-a",
        "a@1.0.0",
        "-m",
        message,
    )
    (version,) = released_versions(repo)
    assert version.content_hash == "sha256:" + "ab" * 32
