"""A registry for the TUI tests, built once per session with fixed content and dates.

``txns`` is real: two sampler versions built by ``dvc repro`` and released (1.0.0 and 1.1.0,
the amount distribution moved), so its data can be previewed, pulled, queried and diffed.
``wine-synth`` (two versions seeded from ``sklearn:wine``) and ``wine-child`` (seeded from
``registry:wine-synth@1.1.0``, generation depth 1) are written straight into git as a release
leaves them (recipe, card, scores, tag): catalog entries whose data was never pushed, so
pulling them fails. Every commit and tag carries a fixed date, so screens (and snapshots)
show the same text on every run.

Tests get a private copy of the registry (``tui_registry``): reading a version's data records
its null shares in the copy's catalog cache, which would otherwise leak between tests. The
template's catalog is built before it is copied (and copies keep file times), so a copy's
first refresh finds nothing new.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from registry import Registry
from tests.conftest import BIN, SAMPLER_RECIPE, run

DATES = iter(f"2025-03-{day:02d}T12:00:00+00:00" for day in range(1, 29))
_BUILT: dict[str, Path] = {}


def _git_date(patch: pytest.MonkeyPatch) -> None:
    date = next(DATES)
    patch.setenv("GIT_AUTHOR_DATE", date)
    patch.setenv("GIT_COMMITTER_DATE", date)


def _release_txns(root: Path, version: str, mean: float, patch: pytest.MonkeyPatch) -> None:
    from registry import store
    from registry.recipes import load_recipe

    path = root / "recipes" / "txns.yaml"
    path.write_text(SAMPLER_RECIPE.format(name="txns", version=version, rows=400, mean=mean))
    store.register_stage(root, load_recipe(path))
    _git_date(patch)
    run(root, "dvc", "repro")
    run(root, "git", "add", "-A")
    run(root, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", version)
    Registry(root).release("txns")


WINE_COLUMNS = [("alcohol", "float64"), ("malic_acid", "float64"), ("hue", "float64")]
WINE_COLUMNS += [("target", "string")]


def tag_without_data(
    root: Path,
    name: str,
    version: str,
    *,
    overall: float,
    seed: str,
    seed_sha: str,
    depth: int,
    patch: pytest.MonkeyPatch,
    scores: dict[str, Any] | None = None,
) -> str:
    """Commit and tag what a release of ``name@version`` keeps in git (no data pushed);
    ``scores`` adds sections to its quality.json.

    Returns the content hash its tag records.
    """
    recipe: dict[str, Any] = {
        "name": name,
        "version": version,
        "description": f"Synthetic wine, {'from a synthetic parent' if depth else 'seeded'}.",
        "license": "cc-by-4.0",
        "seed": {"source": seed, "holdout": 0.2},
        "generator": {"kind": "sdv", "model": "gaussian_copula"},
        "rows": 1000,
        "splits": {"train": 0.8, "test": 0.2},
        "random_seed": 7,
        "target": "target",
    }
    front = {
        "license": "cc-by-4.0",
        "dataset_info": {
            "features": [{"name": n, "dtype": t} for n, t in WINE_COLUMNS],
            "splits": [
                {"name": "train", "num_bytes": 32000, "num_examples": 800},
                {"name": "test", "num_bytes": 8000, "num_examples": 200},
            ],
            "dataset_size": 40000,
        },
    }
    body = (
        f"# {name} {version}\n\n{recipe['description']}\n\n## Provenance\n\n| | |\n|---|---|\n"
        f"| generator | sdv / gaussian_copula |\n| generation depth | {depth} |\n"
        f"| seed | `{seed}` |\n| seed sha256 | `{seed_sha}` |\n\n"
        f"## Quality\n\nOverall **{overall:.1f}/100**.\n"
    )
    columns = {n: round(0.95 - 0.07 * i, 4) for i, (n, _) in enumerate(WINE_COLUMNS)}
    quality = {
        "format": 2,
        "kind": "tabular",
        "rows": 1000,
        "generation_depth": depth,
        "overall": overall,
        "areas": {
            "fidelity": {"score": overall - 5, "verdict": "fair", "summary": "column shapes"},
            "privacy": {"score": 100.0, "verdict": "good", "summary": "DCR share 0.5"},
            "utility": {"score": 90.0, "verdict": "good", "summary": "TSTR ratio 0.9"},
        },
        "fidelity": {"score": 0.8, "column_shapes": 0.87, "columns": columns},
        "worst_columns": [
            {"column": n, "score": s, "metric": "KSComplement"}
            for n, s in sorted(columns.items(), key=lambda item: item[1])
        ],
        "gates": [{"gate": "min_overall", "threshold": 40.0, "value": overall, "passed": True}],
        **(scores or {}),
    }
    files = {
        f"recipes/{name}.yaml": yaml.safe_dump(recipe, sort_keys=False),
        f"cards/{name}.md": f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n\n{body}",
        f"cards/{name}.quality.json": json.dumps(quality, indent=2),
    }
    for relpath, text in files.items():
        (root / relpath).write_text(text)
    _git_date(patch)
    run(root, "git", "add", "-A")
    run(root, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", name)
    content = "sha256:" + f"{name}@{version}".encode().hex().ljust(64, "0")[:64]
    message = f"phantom release {name}@{version}\n\ncontent: {content}\n"
    ident = ["-c", "user.name=t", "-c", "user.email=t@t"]
    run(root, "git", *ident, "tag", "-a", f"{name}@{version}", "-m", message)
    return content


def build_tui_registry(base: Path) -> Path:
    """Build the registry described in the module docstring under ``base``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(base / "data-home"))
        patch.setenv("XDG_CACHE_HOME", str(base / "cache-home"))
        patch.setenv("DVC_NO_ANALYTICS", "1")
        patch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        root = base / "registry"
        Registry.init(root, remote=base / "remote")
        _release_txns(root, "1.0.0", 3.5, patch)
        _release_txns(root, "1.1.0", 4.5, patch)
        wine = "sha256:" + "ab" * 32
        tag_without_data(
            root, "wine-synth", "1.0.0", overall=71.5, seed="sklearn:wine", seed_sha=wine,
            depth=0, patch=patch,
        )  # fmt: skip
        parent = tag_without_data(
            root, "wine-synth", "1.1.0", overall=83.0, seed="sklearn:wine", seed_sha=wine,
            depth=0, patch=patch,
        )  # fmt: skip
        tag_without_data(
            root, "wine-child", "1.0.0", overall=58.5, seed="registry:wine-synth@1.1.0",
            seed_sha=parent, depth=1, patch=patch,
        )  # fmt: skip
        Registry(root).catalog()  # built once here; copies inherit it
    return root


@pytest.fixture(scope="session")
def tui_registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "root" not in _BUILT:
        _BUILT["root"] = build_tui_registry(tmp_path_factory.mktemp("tui-template"))
    return _BUILT["root"]


@pytest.fixture
def tui_registry(tui_registry_template: Path, tmp_path: Path) -> Path:
    """A private copy of the TUI registry (its folder is named ``registry`` too)."""
    root = tmp_path / "copy" / "registry"
    shutil.copytree(tui_registry_template, root, symlinks=True)
    return root
