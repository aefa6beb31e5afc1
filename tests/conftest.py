"""Shared fixtures: isolated user dirs, temp registries, and recipe builders."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from registry import Registry

BIN = Path(sys.executable).parent

SAMPLER_RECIPE = """\
name: {name}
version: {version}
description: Tiny sampler dataset for tests.
license: cc0-1.0
generator:
  kind: sampler
  columns:
    - {{name: id, type: uuid}}
    - {{name: merchant, type: category, values: {{grocery: 0.5, travel: 0.2, online: 0.3}}}}
    - {{name: amount, type: lognormal, mean: {mean}, sigma: 1.0}}
    - {{name: hour, type: uniform, low: 0, high: 23, dtype: int}}
    - name: is_fraud
      type: expression
      sql: "CASE WHEN amount > 90 AND hour < 5 THEN 1 ELSE 0 END"
rows: {rows}
splits: {{train: 0.8, test: 0.2}}
random_seed: 3
target: is_fraud
"""


TINY_DIGITS = """\
name: {name}
version: 1.0.0
seed: {{source: "sklearn:digits", holdout: 0.2}}
generator:
  kind: diffusion
  model: ddpm
  epochs: 1
  width: 8
  steps: 3
  classes: {{"0": 1, "1": 1, "7": 2}}
rows: 80
splits: {{train: 0.75, test: 0.25}}
random_seed: 11
target: label
quality: {{min_overall: 0}}
"""


@contextlib.contextmanager
def session_user_dirs(home: Path) -> Iterator[None]:
    """For session fixtures: the user dirs under ``home`` and ``phantom``/``dvc`` on PATH, as
    the autouse per-test fixture (:func:`isolated_user_dirs`) sets them."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("XDG_DATA_HOME", str(home / "data"))
        env.setenv("XDG_CACHE_HOME", str(home / "cache"))
        env.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        yield


@pytest.fixture(scope="session")
def released_digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry where the tiny digits recipe was built by `dvc repro` and released as 1.0.0
    (shared by the session: it trains a model)."""
    from registry import store
    from registry.recipes import load_recipe

    home = tmp_path_factory.mktemp("digits")
    root = home / "registry"
    with session_user_dirs(home):
        Registry.init(root, remote=home / "remote")
        recipe = write(root / "recipes" / "digits.yaml", TINY_DIGITS.format(name="digits"))
        store.register_stage(root, load_recipe(recipe))
        build_and_commit(root, "digits 1.0.0")
        Registry(root).release("digits")
    return root


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own default-remote, cache and HF dirs, and finds `phantom`/`dvc`."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(home / "hf" / "datasets"))
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("PHANTOM_REGISTRY", raising=False)
    monkeypatch.delenv("PHANTOM_SIGNING_KEY", raising=False)  # tests sign only when they ask
    return home


def run(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command (git, dvc, phantom) in ``cwd`` the way a user would type it."""
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def commit_all(root: Path, message: str) -> None:
    run(root, "git", "add", "-A")
    run(root, "git", "commit", "-q", "-m", message)


@pytest.fixture
def registry_root(tmp_path: Path) -> Path:
    """An empty registry made by `phantom init`, with its DVC remote in the temp dir."""
    root = tmp_path / "registry"
    Registry.init(root, remote=tmp_path / "remote")
    return root


@pytest.fixture
def make_sampler_recipe(registry_root: Path) -> Callable[..., Path]:
    """Write `recipes/<name>.yaml` (a small sampler recipe) and register its stage."""
    from registry import store
    from registry.recipes import load_recipe

    def make(name: str = "txns", *, version: str = "1.0.0", rows: int = 400, mean: float = 3.5):
        path = registry_root / "recipes" / f"{name}.yaml"
        path.write_text(SAMPLER_RECIPE.format(name=name, version=version, rows=rows, mean=mean))
        store.register_stage(registry_root, load_recipe(path))
        return path

    return make


PENGUINS_SEED = Path(__file__).resolve().parents[1] / "recipes" / "seeds" / "penguins.csv"


@pytest.fixture
def make_penguins_recipe(registry_root: Path) -> Callable[..., Path]:
    """Write `recipes/<name>.yaml` seeded from the bundled penguins CSV (copied in once);
    ``body`` is the rest of the recipe (generator, rows, ...)."""

    def make(body: str, *, name: str = "pen") -> Path:
        seed = registry_root / "recipes" / "seeds" / "penguins.csv"
        if not seed.exists():
            seed.write_bytes(PENGUINS_SEED.read_bytes())
        path = registry_root / "recipes" / f"{name}.yaml"
        path.write_text(
            f"name: {name}\nversion: 1.0.0\n"
            "seed: {source: recipes/seeds/penguins.csv, holdout: 0.2}\n" + body
        )
        return path

    return make


@pytest.fixture(scope="session")
def penguins() -> Any:
    """The Palmer penguins as a DataFrame, with their gaps: strings, floats, ints, missing
    values (a test that changes it works on a copy)."""
    import palmerpenguins

    return palmerpenguins.load_penguins()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def build_and_commit(root: Path, message: str) -> None:
    """`dvc repro`, then commit everything it produced (dvc.lock, cards), as a user would."""
    run(root, "dvc", "repro")
    commit_all(root, message)


@pytest.fixture
def registry_with_two_versions(registry_root: Path, make_sampler_recipe) -> Path:
    """txns@1.0.0 and txns@1.1.0 (a changed amount distribution), both released."""
    make_sampler_recipe("txns", version="1.0.0", mean=3.5)
    build_and_commit(registry_root, "txns 1.0.0")
    Registry(registry_root).release("txns")
    make_sampler_recipe("txns", version="1.1.0", mean=4.5)
    build_and_commit(registry_root, "txns 1.1.0")
    Registry(registry_root).release("txns")
    return registry_root


REVIEWED_PENGUINS = """\
name: pen
version: 1.0.0
seed: {source: recipes/seeds/penguins.csv, holdout: 0.2}
generator: {kind: sdv, model: gaussian_copula}
rows: 60
splits: {train: 0.8, test: 0.2}
random_seed: 5
review: {share: 0.05, min_accept: 0.6}
"""


@pytest.fixture(scope="session")
def built_for_review(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry where `pen` (60 penguins-seeded rows, ``review: {share: 0.05, min_accept:
    0.6}``) is built by `dvc repro` and committed, not released: its release waits for a
    review of 3 rows. Tests take a copy (:func:`copy_registry`)."""
    home = tmp_path_factory.mktemp("review")
    root = home / "registry"
    with session_user_dirs(home):
        Registry.init(root, remote=home / "remote")
        write(root / "recipes" / "seeds" / "penguins.csv", PENGUINS_SEED.read_text())
        write(root / "recipes" / "pen.yaml", REVIEWED_PENGUINS)
        Registry.init(root)  # registers the recipe's DVC stage
        build_and_commit(root, "pen 1.0.0")
    return root


def copy_registry(template: Path, tmp_path: Path) -> Path:
    """A private copy of a registry built once per session (git, DVC cache, data)."""
    import shutil

    root = tmp_path / "registry"
    shutil.copytree(template, root, symlinks=True)
    return root
