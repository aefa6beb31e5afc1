"""The README's screenshots of ``phantom tui``: SVGs from Textual's own ``export_screenshot``.

Run: .venv/bin/python -m tests.tui.screenshots [--registry DIR] [--out docs/screenshots]

Builds a small demo registry in DIR (once; a minute or two) from the bundled recipes:
``penguins-synth`` 1.0.0 and 1.1.0 (more Chinstraps), ``penguins-child`` seeded from
``registry:penguins-synth@1.0.0`` (generation depth 1), ``wine-synth`` (both with Phantom's
copula instead of the bundled ``model: auto``, to be quick) and ``card-transactions`` (a
sampler). Then drives the app with the pilot, as the tests do, and writes one SVG per screen
and terminal size.
Not a test (pytest does not collect it); the snapshot tests hold the layout in place.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SIZES = {"80x24": (80, 24), "160x48": (160, 48)}
PENGUINS_CHILD = """\
name: penguins-child
version: 1.0.0
description: Penguins learned from synthetic penguins, to watch generation depth grow.
license: cc0-1.0
seed:
  source: registry:penguins-synth@1.0.0
  holdout: 0.2
generator:
  kind: sdv
  model: gaussian_copula
rows: 2000
splits: {train: 0.9, test: 0.1}
random_seed: 3
target: species
"""


def sh(cwd: Path, *args: str) -> None:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr}")


def build(root: Path) -> None:
    """Init a registry in ``root`` and release the demo datasets, each on its own date."""
    from registry import Registry, store
    from registry.recipes import load_recipe

    Registry.init(root, remote=root.parent / "remote")
    (root / "recipes" / "seeds").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "recipes" / "seeds" / "penguins.csv", root / "recipes" / "seeds")
    quick = {"model: auto": "model: copula", "  budget: 3m\n": ""}  # no TabularARGN training
    penguins = (ROOT / "recipes" / "penguins-synth.yaml").read_text()
    wine = (ROOT / "recipes" / "wine-synth.yaml").read_text()
    for slow, fast in quick.items():
        penguins, wine = penguins.replace(slow, fast), wine.replace(slow, fast)
    steps = [
        ("penguins-synth", penguins),
        ("card-transactions", (ROOT / "recipes" / "card-transactions.yaml").read_text()),
        ("wine-synth", wine),
        ("penguins-child", PENGUINS_CHILD),
        (
            "penguins-synth",
            penguins.replace("version: 1.0.0", "version: 1.1.0").replace(
                "fraction: 0.3", "fraction: 0.4"
            ),
        ),
    ]
    for day, (name, text) in enumerate(steps, start=1):
        date = f"2025-05-{day:02d}T09:30:00+00:00"
        os.environ.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        path = root / "recipes" / f"{name}.yaml"
        path.write_text(text)
        store.register_stage(root, load_recipe(path))
        sh(root, str(BIN / "dvc"), "repro", f"materialize@{name}")
        sh(root, "git", "add", "-A")
        sh(root, "git", "-c", "user.name=phantom", "-c", "user.email=p@p", "commit", "-qm", name)
        Registry(root).release(name)
        print(f"released {name}", flush=True)


async def shoot(root: Path, out: Path) -> None:
    from textual.widgets import DataTable, Input

    from registry import Registry
    from tests.tui.pilot import open_version, settle
    from tui.app import PhantomApp

    async def datasets(pilot):
        await settle(pilot)

    async def versions(pilot):
        await settle(pilot)
        table = pilot.app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("penguins-synth"))
        await pilot.press("enter")
        await settle(pilot)

    def version(tag: str, *keys: str):
        async def run(pilot):
            await open_version(pilot, tag)
            for key in keys:
                await pilot.press(key)
                await settle(pilot)

        return run

    async def sql(pilot):
        await settle(pilot)
        await pilot.press("s")
        query = pilot.app.screen.query_one(Input)
        query.value = (
            "SELECT species, island, count(*) AS n, round(avg(body_mass_g)) AS mass_g "
            'FROM "penguins-synth@1.1.0" GROUP BY ALL ORDER BY n DESC'
        )
        await pilot.press("enter")
        await settle(pilot)
        query.cursor_blink = False

    screens = {
        "datasets": datasets,
        "versions": versions,
        "card": version("penguins-synth@1.1.0"),
        "data": version("penguins-synth@1.1.0", "2"),
        "quality": version("penguins-synth@1.1.0", "4"),
        "lineage": version("penguins-child@1.0.0", "5"),
        "compare": version("penguins-synth@1.1.0", "c"),
        "sql": sql,
    }
    for name, steps in screens.items():
        for label, size in SIZES.items():
            app = PhantomApp(registry=Registry(root))
            async with app.run_test(size=size) as pilot:
                await steps(pilot)
                app.clear_notifications()
                await settle(pilot)
                path = out / f"tui-{name}-{label}.svg"
                path.write_text(app.export_screenshot(title=f"phantom tui — {name}"))
                print(f"wrote {path}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=Path, default=Path("/tmp/phantom-demo/registry"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    root = args.registry.resolve()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ["DVC_NO_ANALYTICS"] = "1"
    os.environ["XDG_DATA_HOME"] = os.fspath(root.parent / "xdg-data")
    os.environ["XDG_CACHE_HOME"] = os.fspath(root.parent / "xdg-cache")
    if not (root / "dvc.yaml").exists():
        root.mkdir(parents=True, exist_ok=True)
        build(root)
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(shoot(root, args.out.resolve()))


if __name__ == "__main__":
    main()
