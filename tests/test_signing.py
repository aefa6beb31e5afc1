"""Signed provenance: manifests signed with the user's SSH key (ssh-keygen -Y), checked by
`phantom verify` and by `phantom publish` when the registry requires signatures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from registry import Registry, store
from registry.cli import app
from registry.errors import IntegrityError, SigningError
from registry.provenance import read_parquet_statement
from registry.recipes import load_recipe
from registry.signing import check_signature, sign_manifest
from tests.conftest import BIN, SAMPLER_RECIPE, build_and_commit, commit_all
from tests.conftest_hub import (  # noqa: F401
    built_two_versions_fixture,
    hub_fixture,
    two_versions_fixture,
)
from tests.hub_server import HubServer

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs OpenSSH")
SHARD = "data/txns/data/train-00000-of-00001.parquet"


def make_key(folder: Path, name: str = "id_ed25519") -> Path:
    """A fresh Ed25519 SSH key pair without passphrase, as `ssh-keygen -t ed25519` makes it."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


def phantom(root: Path, *args: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(root)
    return CliRunner().invoke(app, list(args))


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="session")
def built_signed_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """txns@1.0.0 built by `dvc repro` with a signing key set (`phantom config signing.key`)
    and trusted (`phantom trust`), then released; once per session (copy it per test)."""
    base = tmp_path_factory.mktemp("signed")
    root = base / "registry"
    key = make_key(base / "keys")
    with pytest.MonkeyPatch.context() as patch:  # what the autouse per-test fixture sets
        patch.setenv("XDG_DATA_HOME", str(base / "data"))
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))
        patch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        Registry.init(root, remote=base / "remote")
        assert phantom(root, "config", "signing.key", str(key), monkeypatch=patch).exit_code == 0
        trusted = phantom(root, "trust", f"{key}.pub", "--as", "ana@example.com", monkeypatch=patch)
        assert trusted.exit_code == 0, trusted.output
        recipe = root / "recipes" / "txns.yaml"
        recipe.write_text(SAMPLER_RECIPE.format(name="txns", version="1.0.0", rows=60, mean=3.5))
        store.register_stage(root, load_recipe(recipe))
        build_and_commit(root, "txns 1.0.0, signed")
        Registry(root).release("txns")
    return root


@pytest.fixture
def signed_release(built_signed_release: Path, tmp_path: Path) -> Path:
    """A private copy of a registry where txns@1.0.0 was released signed by ana@example.com."""
    root = tmp_path / "registry"
    shutil.copytree(built_signed_release, root, symlinks=True)
    return root


def test_a_signed_release_verifies_and_a_flipped_byte_is_named(
    signed_release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_release
    assert (root / "data/txns/manifest.json.sig").read_text().startswith("-----BEGIN SSH")
    ok = phantom(root, "verify", "txns@1.0.0", monkeypatch=monkeypatch)
    assert ok.exit_code == 0, ok.output
    assert "files match the manifest" in ok.stdout
    assert "signed by ana@example.com (SHA256:" in ok.stdout

    shard = root / SHARD
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01
    shard.write_bytes(bytes(data))
    failed = phantom(root, "verify", "txns@1.0.0", monkeypatch=monkeypatch)
    assert failed.exit_code == 2
    assert error_lines(failed) == [f"error: {shard} does not match its sha256 in the manifest"]


def test_a_manifest_changed_after_signing_fails_verify(
    signed_release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = signed_release / "data/txns/manifest.json"
    # The files and content hash stay right; only what the manifest claims about them changes.
    manifest.write_text(manifest.read_text().replace('"random_seed": 3', '"random_seed": 4'))
    failed = phantom(signed_release, "verify", "txns@1.0.0", monkeypatch=monkeypatch)
    assert failed.exit_code == 2
    (line,) = error_lines(failed)
    assert line.startswith(f"error: {manifest} does not match its signature")


def test_a_signer_not_in_allowed_signers_gives_one_line(
    signed_release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_release
    other = make_key(tmp_path / "other-keys", "other")
    (root / "allowed_signers").unlink()
    Registry(root).trust(f"{other}.pub", "mallory@example.com")
    failed = phantom(root, "verify", "txns@1.0.0", monkeypatch=monkeypatch)
    assert failed.exit_code == 2
    (line,) = error_lines(failed)
    assert "manifest.json.sig was signed with SHA256:" in line
    assert "a key allowed_signers does not trust" in line

    (root / "allowed_signers").unlink()
    failed = phantom(root, "verify", "txns@1.0.0", monkeypatch=monkeypatch)
    (line,) = error_lines(failed)
    assert "allowed_signers does not exist, so no signer is trusted" in line


def test_a_missing_signing_key_fails_the_build_with_one_line(
    registry_root: Path, make_sampler_recipe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = make_sampler_recipe("txns", rows=40)
    missing = tmp_path / "no-such-key"
    phantom(registry_root, "config", "signing.key", str(missing), monkeypatch=monkeypatch)
    failed = phantom(registry_root, "materialize", str(recipe), monkeypatch=monkeypatch)
    assert failed.exit_code == 2
    assert error_lines(failed) == [
        f"error: signing key {missing} does not exist; run 'phantom config signing.key "
        "<private key>' or set PHANTOM_SIGNING_KEY"
    ]
    assert not (registry_root / "data/txns").exists()

    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("hello\n")
    folder = tmp_path / "version"
    folder.mkdir()
    (folder / "manifest.json").write_text("{}\n")
    with pytest.raises(SigningError, match=f"cannot sign with {not_a_key}: "):
        sign_manifest(folder, not_a_key)
    assert not (folder / "manifest.json.sig").exists()


def test_required_signatures_refuse_unsigned_builds_and_versions(
    two_versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = two_versions
    set_required = phantom(root, "config", "signing.required", "true", monkeypatch=monkeypatch)
    assert set_required.stdout.strip() == "signing.required = true (phantom.yaml)"
    assert phantom(root, "config", "signing.required", monkeypatch=monkeypatch).stdout == "true\n"
    with pytest.raises(IntegrityError, match=r"manifest\.json\.sig is missing: the version is not"):
        Registry(root).verify_version("txns@1.0.0")
    with pytest.raises(SigningError, match=r"phantom\.yaml requires signed versions"):
        Registry(root).materialize(root / "recipes/txns.yaml")
    bad = phantom(root, "config", "signing.required", "maybe", monkeypatch=monkeypatch)
    assert bad.exit_code == 2 and "signing.required: 'maybe' is not valid" in bad.stderr


def test_signing_keeps_the_content_hash_and_parquet_states_ai_generated(
    registry_root: Path, make_sampler_recipe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = make_sampler_recipe("txns", rows=40)
    unsigned = Registry(registry_root).materialize(recipe)
    monkeypatch.setenv("PHANTOM_SIGNING_KEY", str(make_key(tmp_path / "keys")))
    signed = Registry(registry_root).materialize(recipe)
    assert signed.content_hash == unsigned.content_hash  # the signature is outside it
    assert (signed.path / "manifest.json.sig").is_file()
    assert "manifest.json.sig" not in signed.manifest["files"]

    statement = read_parquet_statement(signed.path / "data/train-00000-of-00001.parquet")
    assert statement == {
        "ai_generated": True,
        "dataset": "txns@1.0.0",
        "generator": "sampler",
        "random_seed": 3,
        "seed": None,
        "generation_depth": 0,
    }
    card = (signed.path / "README.md").read_text()
    assert "**AI-generated data**, made by Phantom with `sampler` from no seed" in card
    assert "(generation depth 0)" in card


def test_publish_refuses_unsigned_and_tampered_versions_when_signatures_are_required(
    hub: HubServer, signed_release: Path, tmp_path: Path
) -> None:
    root = signed_release
    registry = Registry(root)
    registry.set_setting("signing.required", "true")
    commit_all(root, "require signatures")

    signature = root / "data/txns/manifest.json.sig"
    kept = signature.read_bytes()
    signature.unlink()
    with pytest.raises(IntegrityError, match="is missing: the version is not signed"):
        registry.publish("txns@1.0.0", "org/txns")
    signature.write_bytes(kept.replace(b"A", b"B", 1))
    with pytest.raises(IntegrityError, match="does not match its signature"):
        registry.publish("txns@1.0.0", "org/txns")
    assert not [path for _method, path in hub.requests if "/commit/" in path]

    signature.write_bytes(kept)
    result = registry.publish("txns@1.0.0", "org/txns")
    assert {"manifest.json.sig", "croissant.json", "README.md"} <= set(result.uploaded)

    other = Registry.init(tmp_path / "other", remote=tmp_path / "other-remote")
    pulled = other.pull("org/txns@1.0.0")
    assert (pulled.path / "manifest.json.sig").read_bytes() == kept
    assert check_signature(pulled.path, root).principal == "ana@example.com"
    doc = json.loads((pulled.path / "croissant.json").read_text())
    assert doc["rai:hasSyntheticData"] is True
