"""A generator from another package, registered by a `phantom.generators` entry point, gets
everything a built-in gets: its recipe section validated, `phantom validate`, `materialize`
with streamed shards, the table scores, the card and `phantom schema`.

The test writes a small package, installs it with pip into a folder of its own (the venv is
left alone) and runs the real `phantom` command with that folder on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from registry import store
from registry.recipes import load_recipe
from tests.conftest import run, write

PLUGIN_MODULE = '''
"""Independent marginals: each column drawn from the seed's own values, numbers jittered."""

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from registry.generators import BaseGenerator, batch_seed
from registry.recipes import GeneratorConfig


class MarginalsConfig(GeneratorConfig):
    modality = "table"  # what it makes; needs_seed: True, the default
    kind: Literal["marginals"]
    jitter: float = Field(0.1, ge=0.0, description="Noise, as a share of each column's std.")


class MarginalsGenerator(BaseGenerator):
    Config = MarginalsConfig
    batch_rows = 64

    def fit(self, train):
        self.train = train.reset_index(drop=True)

    def sample_batch(self, index, rows):
        rng = np.random.default_rng(batch_seed(self.random_seed, index))
        columns = {}
        for name in self.train.columns:
            values = self.train[name].dropna().to_numpy()
            drawn = values[rng.integers(0, len(values), size=rows)]
            if pd.api.types.is_float_dtype(self.train[name]):
                drawn = drawn + rng.normal(0, self.config.jitter * values.std(), size=rows)
            columns[name] = drawn
        return pd.DataFrame(columns)

    def library_versions(self):
        return {"numpy": np.__version__}
'''

PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "phantom-marginals"
version = "0.1.0"

[project.entry-points."phantom.generators"]
marginals = "phantom_marginals:MarginalsGenerator"
"""

RECIPE = """
name: penguins-marginals
version: 1.0.0
seed: {source: recipes/seeds/penguins.csv, holdout: 0.2}
generator: {kind: marginals, jitter: 0.2}
rows: 300
splits: {train: 0.8, test: 0.2}
random_seed: 3
target: species
"""


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin package, pip-installed into a folder of its own."""
    source = tmp_path_factory.mktemp("plugin-source")
    (source / "pyproject.toml").write_text(PYPROJECT)
    (source / "phantom_marginals.py").write_text(textwrap.dedent(PLUGIN_MODULE))
    site = tmp_path_factory.mktemp("plugin-site")
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
    pip += ["--no-build-isolation", "--target", str(site), str(source)]
    subprocess.run(pip, check=True, capture_output=True, text=True)
    return site


@pytest.fixture
def with_plugin(plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`phantom` (and this process) see the plugin, as after `pip install phantom-marginals`."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(plugin_site), *sys.path]))
    return plugin_site


def penguins_registry(root: Path) -> Path:
    seeds = Path(__file__).resolve().parents[1] / "recipes" / "seeds" / "penguins.csv"
    (root / "recipes" / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "recipes" / "seeds" / "penguins.csv").write_bytes(seeds.read_bytes())
    return write(root / "recipes" / "penguins-marginals.yaml", RECIPE)


@pytest.mark.slow
def test_a_plugin_kind_validates_materializes_and_scores_like_a_built_in(
    registry_root: Path, with_plugin: Path
) -> None:
    recipe = penguins_registry(registry_root)
    run(registry_root, "phantom", "init", ".")

    run(registry_root, "phantom", "validate")
    run(registry_root, "phantom", "materialize", str(recipe))

    folder = registry_root / "data" / "penguins-marginals"
    manifest = json.loads((folder / "manifest.json").read_text())
    quality = json.loads((folder / "quality.json").read_text())
    assert manifest["generator"] == {"kind": "marginals"}
    assert manifest["splits"] == {"train": 240, "test": 60}
    assert manifest["sampling"] == {"batch_rows": 64, "batches": 5, "scored_rows": 300}
    assert quality["kind"] == "tabular"
    assert {"fidelity", "privacy", "utility"} <= set(quality["areas"])
    assert "| generator | marginals |" in (folder / "README.md").read_text()
    schema = run(registry_root, "phantom", "schema").stdout
    assert '"marginals"' in schema and '"jitter"' in schema


@pytest.mark.slow
def test_a_plugin_config_rejects_its_bad_fields_with_one_line(
    registry_root: Path, with_plugin: Path
) -> None:
    recipe = penguins_registry(registry_root)
    recipe.write_text(RECIPE.replace("jitter: 0.2", "jitter: -1"))

    result = run(registry_root, "phantom", "validate", str(recipe), check=False)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {recipe}: generator.jitter: Input should be greater than or equal to 0 (got -1)"
    ]


def test_an_unknown_kind_names_the_kinds_there_are(registry_root: Path) -> None:
    recipe = penguins_registry(registry_root)

    with pytest.raises(
        Exception, match=r"generator\.kind: expected one of diffusion, llm, sampler"
    ):
        store.register_stage(registry_root, load_recipe(recipe))
