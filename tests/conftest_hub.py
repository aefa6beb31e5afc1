"""Fixtures for Hub and pin tests: a Hub-compatible server, and a registry with two releases.

pytest only auto-loads ``conftest.py``, so test modules import these fixture functions
(``from tests.conftest_hub import hub_fixture, ...  # noqa: F401``); each is registered under
the short name tests ask for (``hub``, ``two_versions``), which keeps the parameters from
shadowing the imports.

How the real clients are pointed at the test server, reliably, in one pytest process:
``huggingface_hub`` and ``datasets`` copy ``HF_ENDPOINT``, ``HF_HUB_DISABLE_XET``, cache
folders and the offline switch into module constants when they are first imported, and by the
time the ``hub`` fixture runs another test module may already have imported them (the release
tests call ``datasets.load_dataset``). So the fixture does both:

- sets the environment (``HF_ENDPOINT``, ``HF_HUB_DISABLE_XET=1``, a dummy ``HF_TOKEN``, a
  temp ``HF_HOME``, telemetry and download counts off) for whatever reads it later: Phantom's
  own ``registry.hub.default_api()`` reads ``HF_ENDPOINT`` at call time, and subprocesses
  inherit it;
- patches the constants those libraries already read: ``huggingface_hub.constants``
  (``ENDPOINT``, ``HUGGINGFACE_CO_URL_TEMPLATE``, ``HF_URL_HOSTS``, ``HF_HUB_DISABLE_XET``,
  ``HF_HUB_CACHE``, ``HF_TOKEN_PATH``, ``HF_HUB_OFFLINE``, ...) and ``datasets.config``
  (``HF_ENDPOINT``, ``HUB_DATASETS_URL``, ``HF_DATASETS_CACHE``, ``HF_HUB_OFFLINE``,
  ``HF_UPDATE_DOWNLOAD_COUNTS``), and clears ``HfFileSystem``'s instance cache so no
  filesystem made for an earlier test's server is reused.

``monkeypatch`` undoes all of it after the test, and each test gets a fresh server (a new
port, an empty store) and fresh caches, so nothing leaks between tests.

``two_versions`` is a private copy of a registry with txns@1.0.0 and txns@1.1.0 released,
built once per session (``dvc repro`` twice costs ~8 s), which keeps these tests fast.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry import Registry, store
from registry.recipes import load_recipe
from tests.conftest import BIN, SAMPLER_RECIPE, build_and_commit
from tests.hub_server import HubServer

HF_TEST_TOKEN = "hf_phantomTestToken0123456789"


@pytest.fixture(name="hub")
def hub_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    """A running test Hub; ``huggingface_hub`` and ``datasets`` talk to it and nothing else."""
    import datasets.config
    from huggingface_hub import HfFileSystem, constants

    with HubServer(tmp_path / "hub-server", token=HF_TEST_TOKEN) as server:
        home = tmp_path / "hf-home"
        env = {
            "HF_ENDPOINT": server.url,
            "HF_HUB_DISABLE_XET": "1",
            "HF_TOKEN": server.token,
            "HF_HOME": str(home),
            "HF_HUB_CACHE": str(home / "hub"),
            "HF_DATASETS_CACHE": str(home / "datasets"),
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_UPDATE_DOWNLOAD_COUNTS": "0",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "NO_PROXY": "127.0.0.1,localhost",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        for key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HUGGING_FACE_HUB_TOKEN"):
            monkeypatch.delenv(key, raising=False)
        patches = {
            constants: {
                "ENDPOINT": server.url,
                "HUGGINGFACE_CO_URL_TEMPLATE": server.url
                + "/{repo_id}/resolve/{revision}/{filename}",
                "HF_URL_HOSTS": frozenset({*constants.HF_URL_HOSTS, "127.0.0.1"}),
                "HF_HUB_DISABLE_XET": True,
                "HF_HUB_OFFLINE": False,
                "HF_HUB_DISABLE_TELEMETRY": True,
                "HF_HOME": str(home),
                "HF_HUB_CACHE": str(home / "hub"),
                "HF_TOKEN_PATH": str(home / "token"),
                "HF_STORED_TOKENS_PATH": str(home / "stored_tokens"),
            },
            datasets.config: {
                "HF_ENDPOINT": server.url,
                "HUB_DATASETS_URL": server.url + "/datasets/{repo_id}/resolve/{revision}/{path}",
                "HF_DATASETS_CACHE": home / "datasets",
                "HF_HUB_OFFLINE": False,
                "HF_UPDATE_DOWNLOAD_COUNTS": False,
            },
        }
        for module, values in patches.items():
            for name, value in values.items():
                monkeypatch.setattr(module, name, value)
        HfFileSystem.clear_instance_cache()
        yield server
        HfFileSystem.clear_instance_cache()


@pytest.fixture(name="built_two_versions", scope="session")
def built_two_versions_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """txns@1.0.0 and txns@1.1.0 released once per session (copy it with ``two_versions``)."""
    base = tmp_path_factory.mktemp("two-versions")
    root = base / "registry"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(base / "data"))
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))
        patch.setenv("DVC_NO_ANALYTICS", "1")
        patch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        patch.delenv("PHANTOM_REGISTRY", raising=False)
        Registry.init(root, remote=base / "remote")
        for version, mean in [("1.0.0", 3.5), ("1.1.0", 4.5)]:
            recipe = root / "recipes" / "txns.yaml"
            recipe.write_text(
                SAMPLER_RECIPE.format(name="txns", version=version, rows=400, mean=mean)
            )
            store.register_stage(root, load_recipe(recipe))
            build_and_commit(root, f"txns {version}")
            Registry(root).release("txns")
    return root


@pytest.fixture(name="two_versions")
def two_versions_fixture(built_two_versions: Path, tmp_path: Path) -> Path:
    """A private copy of a registry where txns@1.0.0 and txns@1.1.0 are released."""
    root = tmp_path / "registry"
    shutil.copytree(built_two_versions, root, symlinks=True)
    return root
