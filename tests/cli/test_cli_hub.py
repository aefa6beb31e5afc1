"""`phantom publish`, `pull` and `lock`: thin shells, one error line and exit 2 on refusal."""

from __future__ import annotations

import logging
from pathlib import Path
from unittest import mock

import pytest
from typer.testing import CliRunner

from registry.cli import app
from registry.core import Registry
from registry.versions import Version
from tests.cli.test_cli import the_error_line
from tests.conftest_hub import (  # noqa: F401
    built_two_versions_fixture,
    hub_fixture,
    two_versions_fixture,
)
from tests.hub_server import HubServer

runner = CliRunner()
REPO = "phantom-org/txns"


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def fake_publish_result(**overrides):
    from registry.hub import PublishResult

    values = {
        "version": Version("txns", "1.0.0", "sha256:" + "1" * 64),
        "repo_id": REPO,
        "commit": "c" * 40,
        "url": f"http://hub/datasets/{REPO}",
        "uploaded": ("README.md", "manifest.json"),
        "deleted": (),
        "unchanged": False,
    }
    return PublishResult(**{**values, **overrides})


def test_publish_calls_registry_publish_once(
    registry_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = mock.Mock(return_value=fake_publish_result())
    monkeypatch.setattr(Registry, "publish", fake)
    monkeypatch.chdir(registry_root)
    result = invoke("publish", "txns@1.0.0", "--repo", REPO, "--private")
    assert result.exit_code == 0, result.output
    fake.assert_called_once_with("txns@1.0.0", REPO, private=True, progress=mock.ANY)
    assert f"published txns@1.0.0 to {REPO}@1.0.0 (commit cccccccccccc, 2 files)" in result.stdout


def test_pull_calls_registry_pull_once(
    registry_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.hub import PublishedVersion, PullResult

    published = PublishedVersion(REPO, "1.0.0", "c" * 40, "sha256:" + "2" * 64)
    pulled = PullResult(published, "txns", registry_root / "data" / "txns", False, False, True)
    fake = mock.Mock(return_value=pulled)
    monkeypatch.setattr(Registry, "pull", fake)
    monkeypatch.chdir(registry_root)
    result = invoke("pull", f"{REPO}@1.0.0")
    assert result.exit_code == 0, result.output
    fake.assert_called_once_with(f"{REPO}@1.0.0", force=False, progress=mock.ANY)
    assert f"pulled hf://{REPO}@1.0.0 into data/txns" in result.stdout
    assert "wrote recipes/txns.yaml" in result.stdout


def test_lock_calls_lock_config_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from registry import pins

    lock = pins.Lock(tmp_path / "train.lock", "train.yaml")
    fake = mock.Mock(return_value=lock)
    monkeypatch.setattr(pins, "lock_config", fake)
    result = invoke("lock", str(tmp_path / "train.yaml"), "--repo", "/some/registry")
    assert result.exit_code == 0, result.output
    fake.assert_called_once_with(tmp_path / "train.yaml", repo="/some/registry")


def test_publish_end_to_end_prints_the_tag_and_never_the_token(
    hub: HubServer,
    two_versions: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(two_versions)
    caplog.set_level(logging.DEBUG)
    first = invoke("publish", "txns@1.0.0", "--repo", REPO)
    again = invoke("publish", "txns@1.0.0", "--repo", REPO)

    assert first.exit_code == 0, first.output
    assert f"published txns@1.0.0 to {REPO}@1.0.0 (commit " in first.stdout
    assert again.exit_code == 0 and "is already published (no change)" in again.stdout
    token = hub.token
    assert token not in first.output + again.output + caplog.text
    assert set(hub.authorizations) == {f"Bearer {token}"}  # sent only as a header
    stored = [p.read_bytes() for p in hub.root.rglob("*") if p.is_file()]
    assert stored and not any(token.encode() in data for data in stored)
    assert not any(token in p.read_text(errors="ignore") for p in two_versions.rglob("*.json"))


def test_publish_refusal_is_one_error_line_and_exit_2(
    hub: HubServer, two_versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(two_versions)
    result = invoke("publish", "txns@3.0.0", "--repo", REPO)
    assert result.exit_code == 2
    line = the_error_line(result.stderr)
    assert line.startswith("error: cannot publish txns@3.0.0: it is not released")


def test_pull_and_lock_end_to_end(
    hub: HubServer, two_versions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(two_versions)
    assert invoke("publish", "txns@1.1.0", "--repo", REPO).exit_code == 0
    pulled = invoke("pull", f"{REPO}@1.1.0")
    assert pulled.exit_code == 0, pulled.output
    assert f"data/txns already holds hf://{REPO}@1.1.0" in pulled.stdout

    config = tmp_path / "train.yaml"
    config.write_text("dataset: txns@^1.0\neval: ${phantom:'hf://phantom-org/txns@1.1.0'}\n")
    locked = invoke("lock", str(config))
    assert locked.exit_code == 0, locked.output
    assert "txns@^1.0 -> txns@1.1.0 (sha256:" in locked.stdout
    assert f"hf://{REPO}@1.1.0 -> {REPO}@1.1.0 (sha256:" in locked.stdout
    assert (tmp_path / "train.lock").exists()
