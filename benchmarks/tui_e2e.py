"""How long a person waits from typing `phantom tui` to seeing the datasets listed.

Run: .venv/bin/python benchmarks/tui_e2e.py [--runs 5] [--dir DIR]

Unlike ``tui_startup.py`` (in-process, headless, a 1,000-version registry), this times the
real command in a real terminal: ``phantom tui`` is started in a detached tmux session
(100x30) inside a two-dataset registry (two small sampler recipes, built with ``dvc repro``
and released), and the pane is polled every 10 ms until every dataset name shows in the
table. Nothing is hooked inside the app. The baseline is a bare Textual app (Header, Static,
Footer) started and polled the same way in the same run, so the ratio can be compared between
machines. Two cases are timed: the catalog cache (``.phantom/catalog.duckdb``) up to date, and
the cache removed before each run, which is what the first start after releases costs (every
tag is new to the catalog). The first run after the registry is built is reported apart.

Needs tmux (``apt-get install -y tmux``). Target (issue 16): datasets listed < 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SIZE = (100, 30)
TARGET_S = 1.5
TIMEOUT_S = 60.0
SOCKET = f"phantom-tui-bench-{os.getpid()}"
DATASETS = {
    "bench-txns": """\
        - {name: merchant, type: category, values: {grocery: 0.5, travel: 0.2, online: 0.3}}
        - {name: amount, type: lognormal, mean: 3.5, sigma: 1.0}
        - {name: hour, type: uniform, low: 0, high: 23, dtype: int}
        - name: is_fraud
          type: expression
          sql: "CASE WHEN amount > 90 AND hour < 5 THEN 1 ELSE 0 END"
    """,
    "bench-sensors": """\
        - {name: site, type: category, values: [north, south, east, west]}
        - {name: reading, type: gaussian, mean: 20, std: 4}
        - {name: alarm, type: expression, sql: "reading > 28"}
    """,
}
RECIPE = """\
name: {name}
version: 1.0.0
description: Benchmark data for the TUI start-up.
license: cc0-1.0
generator:
  kind: sampler
  columns:
{columns}rows: 2000
splits: {{train: 0.8, test: 0.2}}
random_seed: 7
"""
BASELINE_APP = """\
from textual.app import App
from textual.widgets import Footer, Header, Static

class Baseline(App):
    def compose(self):
        yield Header()
        yield Static("baseline-ready")
        yield Footer()

Baseline().run()
"""


def sh(cwd: Path, *args: str) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def build(root: Path, work: Path) -> None:
    """A registry holding two released sampler datasets."""
    from registry import Registry, store
    from registry.recipes import load_recipe

    start = time.perf_counter()
    Registry.init(root, remote=work / "remote")
    for name, columns in DATASETS.items():
        path = root / "recipes" / f"{name}.yaml"
        path.write_text(
            RECIPE.format(name=name, columns=textwrap.indent(textwrap.dedent(columns), "    "))
        )
        store.register_stage(root, load_recipe(path))
    sh(root, str(BIN / "dvc"), "repro")
    sh(root, "git", "add", "-A")
    sh(root, "git", "commit", "-q", "-m", "two datasets")
    registry = Registry(root)
    for name in DATASETS:
        registry.release(name)
    print(f"made {root}: {len(DATASETS)} released datasets in {time.perf_counter() - start:.1f} s")


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False
    ).stdout


_RUNS = 0


def time_until_shown(command: str, cwd: Path, needles: list[str]) -> float:
    """Seconds from starting ``command`` in a fresh tmux pane until every needle is on it."""
    global _RUNS
    _RUNS += 1
    session = f"run{_RUNS}"
    start = time.perf_counter()
    subprocess.run(
        [
            "tmux", "-L", SOCKET, "new-session", "-d", "-s", session, "-x", str(SIZE[0]),
            "-y", str(SIZE[1]), "-c", os.fspath(cwd), command,
        ],
        check=True,
    )  # fmt: skip
    try:
        while True:
            pane = tmux("capture-pane", "-p", "-t", session)
            if all(needle in pane for needle in needles):
                return time.perf_counter() - start
            if time.perf_counter() - start > TIMEOUT_S:
                raise SystemExit(f"{command!r} showed no {needles} in {TIMEOUT_S} s:\n{pane}")
            time.sleep(0.01)
    finally:
        tmux("kill-session", "-t", session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, help="work folder (default: a temp dir, removed)")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("needs tmux: apt-get install -y tmux")

    work = (args.dir or Path(tempfile.mkdtemp(prefix="phantom-tui-e2e-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, os.fspath(HERE))
    from catalog_registry import isolate

    isolate(work)
    root = work / "registry"
    try:
        if not (root / "dvc.yaml").exists():
            build(root, work)
        (work / "baseline.py").write_text(BASELINE_APP)
        env = " ".join(
            f"{key}={shlex.quote(os.environ[key])}"
            for key in ("PATH", "XDG_DATA_HOME", "XDG_CACHE_HOME", "OMP_NUM_THREADS", "PYTHONPATH")
            if key in os.environ
        )
        phantom = f"env {env} TERM=xterm-256color {shlex.quote(str(BIN / 'phantom'))} tui"
        baseline = (
            f"env {env} TERM=xterm-256color {shlex.quote(sys.executable)} "
            f"{shlex.quote(os.fspath(work / 'baseline.py'))}"
        )
        names = list(DATASETS)
        # One server for every run: a session that only sleeps keeps it up between them.
        subprocess.run(
            ["tmux", "-L", SOCKET, "new-session", "-d", "-s", "keep", "sleep 100000"], check=True
        )
        print(f"registry {root}: {len(names)} datasets; tmux pane {SIZE[0]}x{SIZE[1]}\n")
        first = time_until_shown(phantom, root, names)
        print(f"{'phantom tui, catalog cache as found':<40} datasets listed {first:6.3f} s")

        def rebuilt() -> float:
            for path in (root / ".phantom").glob("catalog.duckdb*"):
                path.unlink()
            return time_until_shown(phantom, root, names)

        base = [time_until_shown(baseline, root, ["baseline-ready"]) for _ in range(args.runs)]
        warm = [time_until_shown(phantom, root, names) for _ in range(args.runs)]
        cold = [rebuilt() for _ in range(args.runs)]
        b = statistics.median(base)
        print(f"{'bare Textual app (baseline)':<40} first screen    {b:6.3f} s")
        for label, runs in (
            ("phantom tui, catalog up to date", warm),
            ("phantom tui, catalog built (new tags)", cold),
        ):
            p = statistics.median(runs)
            print(
                f"{label:<40} datasets listed {p:6.3f} s  ratio {p / b:4.2f}x  "
                f"(min {min(runs):.3f}, max {max(runs):.3f}; target < {TARGET_S} s: "
                f"{'met' if p < TARGET_S else 'MISSED'})"
            )
        print(f"(medians of {args.runs} runs each)")
    finally:
        tmux("kill-server")
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
