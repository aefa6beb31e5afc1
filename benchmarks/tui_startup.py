"""How fast `phantom tui` paints its first screen on a registry with 1,000 released versions.

Run: .venv/bin/python benchmarks/tui_startup.py [--runs 5] [--versions 1000] [--rows 20000]
     [--datasets 50] [--dir DIR]

The registry is the one of ``benchmarks/catalog_registry.py`` (one real sampler dataset, the
rest written into git with ``git fast-import``). Each run is a fresh process, timed from just
before it is started, that does what ``phantom tui`` does (imports the CLI, opens the registry,
runs ``PhantomApp``) headless at 80x24, and reports two moments:

* first paint: Textual's ``Ready`` event, sent once the first frame is drawn (the dataset
  table is there, with its loading indicator: the catalog is read in a worker);
* datasets listed: the frame after the catalog's dataset rows were put in the table.

The baseline is a bare Textual app (Header, Static, Footer) timed the same way in the same
run, so the ratio can be compared between machines. The first run after the registry is
built also builds the catalog cache (``.phantom/catalog.duckdb``) and is reported apart.
Target (the TUI issue): first paint < 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = (80, 24)
TARGET_S = 1.5


def child(kind: str, root: str) -> None:
    """Run one app headless and print its timings (seconds since PHANTOM_BENCH_T0) as JSON."""
    t0 = float(os.environ["PHANTOM_BENCH_T0"])
    times: dict[str, float] = {}
    if kind == "baseline":
        from textual.app import App, ComposeResult
        from textual.widgets import Footer, Header, Static

        class Baseline(App[None]):
            def compose(self) -> ComposeResult:
                yield Header()
                yield Static("baseline")
                yield Footer()

            def on_ready(self) -> None:
                times["paint"] = time.time() - t0
                self.exit()

        Baseline().run(headless=True, size=SIZE)
    else:
        import registry.cli  # noqa: F401  (what `phantom tui` imports before the app)
        from registry.core import Registry
        from tui.app import PhantomApp
        from tui.screens.datasets import DatasetsScreen

        class Timed(PhantomApp):
            def on_ready(self) -> None:
                times["paint"] = time.time() - t0

            def on_datasets_screen_loaded(self, message: DatasetsScreen.Loaded) -> None:
                times["data"] = time.time() - t0
                times["datasets"] = message.count
                self.exit()

        Timed(registry=Registry(root)).run(headless=True, size=SIZE)
    print(json.dumps(times))


def run_child(kind: str, root: Path) -> dict[str, float]:
    env = {**os.environ, "PHANTOM_BENCH_T0": repr(time.time())}
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, os.fspath(root)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def build(root: Path, work: Path, versions: int, rows: int, datasets: int) -> None:
    sys.path.insert(0, os.fspath(HERE))
    import catalog_registry

    from registry import Registry

    start = time.perf_counter()
    Registry.init(root, remote=work / "remote")
    catalog_registry.release_big(root, rows)
    catalog_registry.add_synthetic(root, versions - 1, datasets)
    print(f"made {root}: {versions} versions in {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the real dataset")
    parser.add_argument("--datasets", type=int, default=50)
    parser.add_argument("--dir", type=Path, help="work folder (default: a temp dir, removed)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    work = (args.dir or Path(tempfile.mkdtemp(prefix="phantom-tui-bench-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, os.fspath(HERE))
    from catalog_registry import isolate

    isolate(work)
    root = work / "registry"
    try:
        if not (root / "dvc.yaml").exists():
            build(root, work, args.versions, args.rows, args.datasets)
        tags = len(
            subprocess.run(["git", "tag"], cwd=root, capture_output=True, text=True).stdout.split()
        )
        print(f"registry {root}: {tags} release tags; terminal {SIZE[0]}x{SIZE[1]}, headless\n")
        cold = run_child("phantom", root)
        print(
            f"{'phantom tui, catalog cache as found':<40} first paint {cold['paint']:6.3f} s  "
            f"datasets listed {cold['data']:6.3f} s ({int(cold['datasets'])} datasets)"
        )
        base = [run_child("baseline", root)["paint"] for _ in range(args.runs)]
        runs = [run_child("phantom", root) for _ in range(args.runs)]
        paint = statistics.median(r["paint"] for r in runs)
        data = statistics.median(r["data"] for r in runs)
        baseline = statistics.median(base)
        print(
            f"{'bare Textual app (baseline)':<40} first paint {baseline:6.3f} s  "
            f"(median of {args.runs})"
        )
        print(
            f"{'phantom tui':<40} first paint {paint:6.3f} s  datasets listed {data:6.3f} s  "
            f"(median of {args.runs}; max paint {max(r['paint'] for r in runs):.3f} s)"
        )
        print(
            f"ratio to baseline: first paint {paint / baseline:.2f}x, datasets listed "
            f"{data / baseline:.2f}x   target: first paint < {TARGET_S} s "
            f"({'met' if paint < TARGET_S else 'MISSED'})"
        )
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
