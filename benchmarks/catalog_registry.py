"""A registry with 1,000 released versions, and how fast the catalog, `phantom ls` and SQL are.

Run: .venv/bin/python benchmarks/catalog_registry.py [--versions 1000] [--rows 5000000]
     [--datasets 50] [--runs 7] [--dir DIR]

One dataset, ``bench-big``, is real: a sampler recipe of ``--rows`` rows built by ``dvc repro``
and released with ``Registry.release`` (its data is in the DVC remote). The other versions are
written straight into git with one ``git fast-import`` stream: for each, a commit with the
recipe, the card (front matter with features and splits, provenance table), the quality JSON
and ``dvc.lock`` as a build would leave them, and an annotated tag ``name@version`` whose
message carries a content hash. Their data is not in DVC: the catalog reads everything it
lists from git, so they are real catalog entries, but not queryable data.

Targets (the catalog issue): refresh with nothing new < 1 s; `phantom ls` < 1.5 s end to end;
a catalog query < 100 ms in process; a query over a version's data at most 1.5x the same
query on its local parquet files, after the first fetch into the cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent
BIG = "bench-big"
BIG_RECIPE = """\
name: {name}
version: 1.0.0
description: Benchmark data for catalog queries.
license: cc0-1.0
generator:
  kind: sampler
  columns:
    - {{name: merchant, type: category, values: {{grocery: 0.5, travel: 0.2, online: 0.3}}}}
    - {{name: amount, type: lognormal, mean: 3.5, sigma: 1.0}}
    - {{name: hour, type: uniform, low: 0, high: 23, dtype: int}}
    - {{name: score, type: gaussian, mean: 0, std: 1}}
    - {{name: returning, type: bernoulli, p: 0.3}}
    - name: is_fraud
      type: expression
      sql: "CASE WHEN amount > 90 AND hour < 5 THEN 1 ELSE 0 END"
rows: {rows}
splits: {{train: 0.9, test: 0.1}}
random_seed: 7
target: is_fraud
"""
QUERY = (
    "SELECT merchant, count(*) AS n, avg(amount) AS mean_amount, max(hour) AS last_hour "
    "FROM {source} GROUP BY 1 ORDER BY 1"
)
CATALOG_QUERY = "SELECT name, version, rows, quality_overall FROM versions ORDER BY created DESC"
FEATURES = [
    ("alcohol", "float64"),
    ("malic_acid", "float64"),
    ("ash", "float64"),
    ("color", "string"),
    ("hue", "float64"),
    ("target", "int64"),
]


def sh(cwd: Path, *args: str, stdin: bytes | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr.decode()}")
    return result.stdout.decode()


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def report(label: str, samples: list[float], target: float | None = None) -> float:
    median = statistics.median(samples)
    goal = f"  (target < {target * 1000:.0f} ms)" if target else ""
    print(f"{label:<52} median {median * 1000:8.1f} ms  max {max(samples) * 1000:8.1f} ms{goal}")
    return median


# --- the real dataset ----------------------------------------------------------------------------


def release_big(root: Path, rows: int) -> None:
    from registry import Registry, store
    from registry.recipes import load_recipe

    path = root / "recipes" / f"{BIG}.yaml"
    path.write_text(BIG_RECIPE.format(name=BIG, rows=rows))
    store.register_stage(root, load_recipe(path))
    sh(root, str(BIN / "dvc"), "repro", f"materialize@{BIG}")
    sh(root, "git", "add", "-A")
    sh(root, "git", "commit", "-q", "-m", f"{BIG} 1.0.0")
    Registry(root).release(BIG)


# --- synthetic versions through git fast-import --------------------------------------------------


class Stream:
    """Builds a ``git fast-import`` stream of commits on main and annotated tags."""

    def __init__(self, parent: str, start: int) -> None:
        self.chunks: list[bytes] = []
        self.mark = 0
        self.parent = parent
        self.clock = start

    def _data(self, text: str) -> None:
        raw = text.encode()
        self.chunks.append(b"data %d\n" % len(raw) + raw + b"\n")

    def commit(self, message: str, files: dict[str, str]) -> int:
        self.mark += 1
        self.clock += 60
        head = f"commit refs/heads/main\nmark :{self.mark}\n"
        head += f"committer phantom <phantom@localhost> {self.clock} +0000\n"
        self.chunks.append(head.encode())
        self._data(message)
        if self.parent:
            self.chunks.append(f"from {self.parent}\n".encode())
            self.parent = ""
        for path, text in files.items():
            self.chunks.append(f"M 100644 inline {path}\n".encode())
            self._data(text)
        return self.mark

    def tag(self, name: str, mark: int, message: str) -> None:
        head = f"tag {name}\nfrom :{mark}\n"
        head += f"tagger phantom <phantom@localhost> {self.clock} +0000\n"
        self.chunks.append(head.encode())
        self._data(message)

    def bytes(self) -> bytes:
        return b"".join(self.chunks) + b"done\n"


def synthetic_files(name: str, version: str, index: int, seed: dict | None) -> dict[str, object]:
    """The recipe, card, quality JSON and dvc.lock stage of one synthetic version."""
    rows = 1000 + 37 * index
    kind = "sdv" if index % 3 else "sampler"
    recipe: dict[str, object] = {
        "name": name,
        "version": version,
        "description": f"Synthetic benchmark dataset {name}.",
        "license": "cc-by-4.0" if index % 2 else "cc0-1.0",
    }
    if seed:
        recipe["seed"] = {"source": seed["source"], "holdout": 0.2}
    recipe["generator"] = (
        {"kind": "sdv", "model": "gaussian_copula"} if kind == "sdv" else {"kind": "sampler"}
    )
    recipe.update({"rows": rows, "splits": {"train": 0.8, "test": 0.2}, "random_seed": index})
    train = int(rows * 0.8)
    front = {
        "license": recipe["license"],
        "size_categories": ["1K<n<10K"],
        "tags": ["synthetic", "phantom"],
        "dataset_info": {
            "features": [{"name": n, "dtype": t} for n, t in FEATURES],
            "splits": [
                {"name": "train", "num_bytes": train * 40, "num_examples": train},
                {"name": "test", "num_bytes": (rows - train) * 40, "num_examples": rows - train},
            ],
            "dataset_size": rows * 40,
        },
    }
    provenance = "| generation depth | {} |\n".format(seed["depth"] if seed else 0)
    if seed:
        provenance += f"| seed | `{seed['source']}` |\n| seed sha256 | `{seed['sha256']}` |\n"
    card = (
        f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n\n# {name} {version}\n\n"
        f"## Provenance\n\n| | |\n|---|---|\n{provenance}"
    )
    score = 60 + (index * 7) % 40
    quality = {
        "format": 2,
        "rows": rows,
        "generation_depth": seed["depth"] if seed else 0,
        "overall": float(score),
        "areas": {"fidelity": {"score": float(score), "verdict": "fair", "summary": "-"}},
        "fidelity": {
            "score": score / 100,
            "column_shapes": score / 100,
            "column_pair_trends": None,
            "columns": {n: round(score / 100 - 0.01 * i, 4) for i, (n, _) in enumerate(FEATURES)},
        },
        "gates": [{"gate": "min_overall", "threshold": 40.0, "value": score, "passed": True}],
    }
    md5 = hashlib.md5(f"{name}@{version}".encode()).hexdigest()
    stage = {
        "cmd": f"phantom materialize recipes/{name}.yaml",
        "deps": [{"path": f"recipes/{name}.yaml", "hash": "md5", "md5": md5, "size": 400}],
        "params": {f"recipes/{name}.yaml": recipe},
        "outs": [
            {"path": f"cards/{name}.md", "hash": "md5", "md5": md5, "size": len(card)},
            {"path": f"cards/{name}.quality.json", "hash": "md5", "md5": md5, "size": 900},
            {
                "path": f"data/{name}",
                "hash": "md5",
                "md5": f"{md5}.dir",
                "size": rows * 45,
                "nfiles": 6,
            },
        ],
    }
    return {"recipe": recipe, "card": card, "quality": quality, "stage": stage}


def add_synthetic(root: Path, count: int, datasets: int, first_index: int = 0) -> None:
    """Commit and tag ``count`` synthetic versions over ``datasets`` datasets, in one stream."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    lock = yaml.safe_load((root / "dvc.lock").read_text()) or {}
    stages_text = {
        key: yaml.dump({key: value}, Dumper=dumper, sort_keys=False, indent=2)
        for key, value in (lock.get("stages") or {}).items()
    }
    params = yaml.safe_load((root / "params.yaml").read_text()) or {}
    registered = dict(params.get("datasets") or {})
    released: dict[str, list[tuple[str, str]]] = {}
    for tag in sh(root, "git", "tag", "--list", "--sort=creatordate").split():
        name, _, version = tag.partition("@")
        content = "sha256:" + hashlib.sha256(tag.encode()).hexdigest()
        released.setdefault(name, []).append((version, content))
    head = sh(root, "git", "rev-parse", "HEAD").strip()
    stream = Stream(head, int(time.time()) - 60 * (count + 10))
    for index in range(first_index, first_index + count):
        name = f"synth-{index % datasets:03d}"
        history = released.setdefault(name, [])
        version = f"{1 + len(history) // 10}.{len(history) % 10}.0"
        seed = None
        parent_name = f"synth-{(index % datasets) - 1:03d}"
        if index % datasets % 5 == 4 and released.get(parent_name):
            parent_version, parent_hash = released[parent_name][-1]
            seed = {
                "source": f"registry:{parent_name}@{parent_version}",
                "sha256": parent_hash,
                "depth": 1,
            }
        elif index % 3:
            seed = {"source": "sklearn:wine", "sha256": "sha256:" + "ab" * 32, "depth": 0}
        made = synthetic_files(name, version, index, seed)
        content = "sha256:" + hashlib.sha256(f"{name}@{version}".encode()).hexdigest()
        key = f"materialize@{name}"
        stages_text[key] = yaml.dump({key: made["stage"]}, Dumper=dumper, sort_keys=False, indent=2)
        lock_text = "schema: '2.0'\nstages:\n" + "".join(
            "".join(f"  {line}\n" for line in text.splitlines()) for text in stages_text.values()
        )
        files = {
            f"recipes/{name}.yaml": yaml.safe_dump(made["recipe"], sort_keys=False),
            f"cards/{name}.md": made["card"],
            f"cards/{name}.quality.json": json.dumps(made["quality"], indent=2) + "\n",
            "dvc.lock": lock_text,
        }
        if name not in registered:
            registered[name] = {"seed": f"recipes/{name}.yaml"}
            params["datasets"] = dict(sorted(registered.items()))
            files["params.yaml"] = yaml.safe_dump(params, sort_keys=False)
        mark = stream.commit(f"{name} {version}", files)
        stream.tag(
            f"{name}@{version}", mark, f"phantom release {name}@{version}\n\ncontent: {content}\n"
        )
        history.append((version, content))
    sh(root, "git", "fast-import", "--quiet", stdin=stream.bytes())
    sh(root, "git", "reset", "-q", "--hard", "main")


# --- measurements ------------------------------------------------------------------------------


def measure(root: Path, work: Path, runs: int, versions: int, datasets: int) -> None:
    import duckdb

    import registry
    from registry import Registry
    from registry import catalog as catalog_module
    from registry.catalog import Catalog

    phantom = str(BIN / "phantom")
    catalog_file = root / ".phantom" / "catalog.duckdb"
    tags = len(sh(root, "git", "tag", "--list").split())
    print(f"\nregistry {root}: {tags} release tags\n")

    catalog_file.unlink(missing_ok=True)
    start = time.perf_counter()
    Registry(root).catalog()
    print(f"{'catalog build from nothing (in process)':<52} {time.perf_counter() - start:8.2f} s")

    reg = Registry(root)
    report(
        "catalog refresh, nothing new (in process)",
        timed(lambda: Catalog.for_registry(root).refresh(root, workspace=root), runs),
        1.0,
    )

    def cold_refresh() -> None:
        catalog_module.cache.forget()  # as a new process: the cache file is read again
        Catalog.for_registry(root).refresh(root, workspace=root)

    report("catalog refresh, nothing new (new process state)", timed(cold_refresh, runs), 1.0)
    add_synthetic(root, 1, datasets, first_index=versions + 1)
    start = time.perf_counter()
    result = Catalog.for_registry(root).refresh(root, workspace=root)
    print(
        f"{'catalog refresh, one new tag (in process)':<52} "
        f"{(time.perf_counter() - start) * 1000:8.1f} ms  ({result})"
    )
    report(
        "phantom ls (end to end)",
        timed(lambda: sh(root, phantom, "ls"), runs),
        1.5,
    )
    report(
        "phantom sql 'SELECT count(*) FROM versions' (e2e)",
        timed(lambda: sh(root, phantom, "sql", "SELECT count(*) FROM versions"), runs),
    )
    reg.sql(CATALOG_QUERY).fetchall()
    report(
        "registry.sql(catalog query).fetchall() (in process)",
        timed(lambda: reg.sql(CATALOG_QUERY).fetchall(), runs * 3),
        0.1,
    )

    # Data of a version from a second clone: fetched once from the DVC remote into the cache.
    clone = work / "clone"
    shutil.rmtree(clone, ignore_errors=True)
    sh(work, "git", "clone", "-q", os.fspath(root), os.fspath(clone))
    spec = f'"{BIG}@1.0.0"'
    clone_reg = Registry(clone)
    start = time.perf_counter()
    clone_reg.sql(QUERY.format(source=spec)).fetchall()
    print(
        f"{'first query in a clone (fetch + verify + query)':<52} "
        f"{time.perf_counter() - start:8.2f} s"
    )
    folder = clone_reg.fetch(clone_reg.resolve(f"{BIG}@1.0.0"))
    files = sorted(os.fspath(p) for p in (folder / "data").glob("*.parquet"))
    plain = duckdb.connect()
    file_list = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    plain_sql = QUERY.format(source=f"read_parquet({file_list})")
    counts = [row[:2] for row in plain.sql(plain_sql).fetchall()]
    assert counts == [row[:2] for row in clone_reg.sql(QUERY.format(source=spec)).fetchall()]
    plain.sql(plain_sql).fetchall()
    threads = plain.sql("SELECT current_setting('threads')").fetchall()[0][0]
    print(f"\ndata query over {BIG}@1.0.0 ({folder}), {threads} DuckDB threads:")
    base = report(
        "  plain duckdb over its local parquet files",
        timed(lambda: plain.sql(plain_sql).fetchall(), runs),
    )
    relation = clone_reg.sql(QUERY.format(source=spec))
    view = report("  the version view, relation re-executed", timed(relation.fetchall, runs))
    e2e = report(
        "  registry.sql(query).fetchall(), refresh included",
        timed(lambda: clone_reg.sql(QUERY.format(source=spec)).fetchall(), runs),
    )
    print(
        f"  ratio to plain parquet: view {view / base:.2f}x, end to end {e2e / base:.2f}x "
        "(target <= 1.5x)"
    )
    sql_ws = QUERY.format(source=spec)
    registry.sql(sql_ws, repo=root).fetchall()
    ws = report(
        "  same query in the registry (workspace copy)",
        timed(lambda: registry.sql(sql_ws, repo=root).fetchall(), runs),
    )
    print(f"  ratio to plain parquet (workspace): {ws / base:.2f}x")


def isolate(work: Path) -> None:
    """Point user dirs (DVC remotes, caches) into ``work`` and put this venv's tools on PATH."""
    os.environ.update(
        XDG_DATA_HOME=os.fspath(work / "xdg-data"),
        XDG_CACHE_HOME=os.fspath(work / "xdg-cache"),
        DVC_NO_ANALYTICS="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.pop("PHANTOM_REGISTRY", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1000, help="release tags in all")
    parser.add_argument("--datasets", type=int, default=50, help="synthetic datasets")
    parser.add_argument("--rows", type=int, default=5_000_000, help=f"rows of {BIG}")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", type=Path, help="work folder (default: a temp dir, removed)")
    args = parser.parse_args()

    work = (args.dir or Path(tempfile.mkdtemp(prefix="phantom-bench-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    isolate(work)
    from registry import Registry

    root = work / "registry"
    try:
        if not (root / "dvc.yaml").exists():
            start = time.perf_counter()
            Registry.init(root, remote=work / "remote")
            release_big(root, args.rows)
            big = time.perf_counter() - start
            start = time.perf_counter()
            add_synthetic(root, args.versions - 1, args.datasets)
            print(
                f"made {root}: {BIG} ({args.rows:,} rows) built and released in {big:.1f} s, "
                f"{args.versions - 1} synthetic versions in {time.perf_counter() - start:.1f} s"
            )
        measure(root, work, args.runs, args.versions, args.datasets)
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
