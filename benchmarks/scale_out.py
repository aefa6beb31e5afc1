"""Local vs Ray builds of the same recipe: rows/s and peak RSS per process, side by side.

Run: .venv/bin/python benchmarks/scale_out.py [--rows 1000000 10000000 50000000]
[--kind gaussian_copula] (each size is a row of the table; 50M rows take about an hour per
executor on 2 CPUs and write ~1.1 GB per build into a temporary folder)

Each size is built twice in a fresh registry, by `/usr/bin/time -v phantom materialize RECIPE
--executor local|ray`; the Ray build starts its own local Ray runtime (all CPUs of this
machine). Reported:

- wall s / rows/s: the whole command (import, fit, sampling, scoring, card, Ray start-up);
- sampling rows/s: from the "sampling" progress line to the "scoring" one, i.e. writing the
  shards (for Ray this includes starting the runtime and shipping the fitted model);
- driver MB: peak RSS of the `phantom` process (polled with psutil every 0.2 s; the
  `/usr/bin/time -v` figure is shown too, which also counts the Ray processes it waited for);
- worker MB: the largest peak RSS of any Ray worker process (`ray::...`), and how many ran;
- ray system MB: raylet + GCS + the other Ray services together, at their peaks.

The content hashes of the two builds must be equal (checked). Memory per process should be
flat in rows: every process holds one batch, the scoring sample is bounded.

Measured (2 CPUs shared with other work, load ~2.7; Gaussian copula fitted on wine, 14 columns):

    executor        rows  wall s    rows/s  sampling rows/s  driver MB  worker MB  ray system MB
    local      1,000,000    39.5    25,345           37,210        656          -              -
    ray        1,000,000    67.4    14,828           19,550        677        639            274
    local     10,000,000   276.5    36,164           36,973        634          -              -
    ray       10,000,000   214.0    46,723           48,198        668        637            337

Hashes equal at both sizes. 1M rows are two shards (900k train, 100k test), so Ray gains
nothing there and pays its start-up (~6 s) and every worker's SDV import (~10 s); at 10M rows
(10 shards) the two CPUs give 1.3x.

50M rows (one run of `nice -n 10 python benchmarks/scale_out.py --rows 50000000`, 50 shards,
while other sessions kept the load at ~9-11 on the same 2 CPUs; the local build ran in the
busiest hour, so the ratio between the two says little, their memory a lot):

    executor        rows  wall s    rows/s  sampling rows/s  driver MB  worker MB  ray system MB
    local     50,000,000  3440.6    14,532           14,598        640          -              -
    ray       50,000,000  1587.4    31,498           31,806        636        609            312

Hashes equal. Memory per process is flat in rows: the driver peaks at 656 / 634 / 640 MB
(local) and 677 / 668 / 636 MB (Ray) for 1M / 10M / 50M rows, a Ray worker at 639 / 637 /
609 MB; what grows with rows is only the shards on disk (~22 bytes a row here).

On N machines: the driver fits once, puts the fitted generator into the object store once
(each node pulls one copy, so start-up costs N x the model's size), and then only hands out
shard indexes and receives small results: each task's part of the bounded scoring sample
(100k rows in all), its exact-copy and null counts, and its files' hashes. So the driver's
memory and CPU stay those of one batch plus the sample, and the object store carries the
model and the sample, not the rows. Sampling scales with cores until one of three limits:
(1) parallelism is one task per shard (at most 1M rows / ~128 MB), so 50M rows use at most
50 cores and 1B rows 1,000; (2) every task writes its shard into the build's staging folder,
which must be storage all nodes mount, and its write bandwidth is then the ceiling (here
~0.5 MB/s per core; a thousand cores want ~500 MB/s); (3) what stays serial on the driver:
fitting, scoring the 100k-row sample (seconds), DVC hashing the output and `dvc push` (both
read every byte through the driver's node: at 1B rows, ~22 GB). Past that, the next step is
to let DVC push from the nodes (or write straight to the remote) rather than more workers.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from materialize_memory import GAUSSIAN_COPULA, SAMPLER
from process_figures import time_v_figures

# The recipes whose memory benchmarks/materialize_memory.py measures: (text, name).
RECIPES = {"gaussian_copula": (GAUSSIAN_COPULA, "wine-gc"), "sampler": (SAMPLER, "txns")}


@dataclass
class Run:
    wall: float = 0.0
    sampling: float = 0.0
    time_v_mb: float = 0.0
    driver_mb: float = 0.0
    worker_mb: float = 0.0
    workers: int = 0
    system_mb: float = 0.0
    content_hash: str = ""
    peaks: dict[int, tuple[str, float]] = field(default_factory=dict)


def _role(process: psutil.Process) -> str:
    try:
        cmdline = " ".join(process.cmdline())
        name = process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    if "materialize" in cmdline and "phantom" in cmdline:
        return "driver"
    if name.startswith("ray::") or cmdline.startswith("ray::"):
        return "worker"
    return "system"


def _poll(root: psutil.Process, run: Run, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            processes = root.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for process in processes:
            try:
                rss = process.memory_info().rss / 2**20
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            role, peak = run.peaks.get(process.pid, (None, 0.0))
            if role is None or role == "system":  # a Ray worker renames itself once it runs
                role = _role(process)
            run.peaks[process.pid] = (role, max(peak, rss))
        stop.wait(0.2)


def build(kind: str, rows: int, executor: str, phantom: str) -> Run:
    with tempfile.TemporaryDirectory(prefix="phantom-scale-") as tmp:
        root = Path(tmp) / "registry"
        subprocess.run([phantom, "init", str(root)], check=True, capture_output=True)
        text, name = RECIPES[kind]
        recipe = root / "recipes" / f"{name}.yaml"
        recipe.write_text(textwrap.dedent(text.format(rows=rows)))
        command = ["/usr/bin/time", "-v", phantom, "materialize", str(recipe)]
        run, stop, marks = Run(), threading.Event(), {}
        start = time.monotonic()
        process = psutil.Popen(
            [*command, "--executor", executor],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        poller = threading.Thread(target=_poll, args=(process, run, stop), daemon=True)
        poller.start()
        stdout_lines: list[str] = []
        reader = threading.Thread(target=lambda: stdout_lines.extend(process.stdout), daemon=True)
        reader.start()
        stderr_lines = []
        for line in process.stderr:
            stderr_lines.append(line)
            for mark in ("sampling", "scoring"):
                if line.strip().startswith(mark) and mark not in marks:
                    marks[mark] = time.monotonic()
        process.wait()
        run.wall = time.monotonic() - start
        stop.set()
        poller.join()
        reader.join()
        stderr = "".join(stderr_lines)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
        run.time_v_mb = time_v_figures(stderr)["rss"]
        run.sampling = marks["scoring"] - marks["sampling"]
        run.content_hash = re.search(r"(sha256:[0-9a-f]+)", "".join(stdout_lines)).group(1)
        by_role: dict[str, list[float]] = {"driver": [], "worker": [], "system": []}
        for role, peak in run.peaks.values():
            by_role.setdefault(role, []).append(peak)
        run.driver_mb = max(by_role["driver"], default=0.0)
        run.worker_mb = max(by_role["worker"], default=0.0)
        run.workers = len(by_role["worker"])
        run.system_mb = sum(by_role["system"])
        return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000, 50_000_000])
    parser.add_argument("--kind", choices=sorted(RECIPES), default="gaussian_copula")
    parser.add_argument("--executors", nargs="+", default=["local", "ray"])
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    phantom = shutil.which("phantom") or str(Path(sys.executable).parent / "phantom")
    print(f"{args.kind} recipe, {os.cpu_count()} CPUs")
    header = (
        f"{'executor':<8} {'rows':>11} {'wall s':>7} {'rows/s':>9} {'sampling rows/s':>16} "
        f"{'driver MB':>10} {'time -v MB':>11} {'worker MB':>10} {'workers':>8} "
        f"{'ray system MB':>14}"
    )
    print(header, flush=True)
    for rows in args.rows:
        hashes = set()
        for executor in args.executors:
            run = build(args.kind, rows, executor, phantom)
            hashes.add(run.content_hash)
            worker = f"{run.worker_mb:>10,.0f}" if run.workers else f"{'-':>10}"
            system = f"{run.system_mb:>14,.0f}" if run.workers else f"{'-':>14}"
            print(
                f"{executor:<8} {rows:>11,} {run.wall:>7.1f} {rows / run.wall:>9,.0f} "
                f"{rows / run.sampling:>16,.0f} {run.driver_mb:>10,.0f} {run.time_v_mb:>11,.0f} "
                f"{worker} {run.workers:>8} {system}",
                flush=True,
            )
        same = "equal" if len(hashes) == 1 else f"DIFFERENT: {sorted(hashes)}"
        print(f"  content hashes at {rows:,} rows: {same}", flush=True)


if __name__ == "__main__":
    main()
