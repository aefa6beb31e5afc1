"""The bundled digits diffusion recipe, built from scratch: how long, and how good.

Run: .venv/bin/python benchmarks/diffusion_digits.py [--recipe recipes/digits-synth.yaml]
     [--dir DIR]

Makes a fresh registry in a temp dir, copies the recipe in, and runs ``phantom materialize``
(the same code ``dvc repro`` runs) with the machine's default thread rule, timing each phase
from its progress messages. Prints the phase times and the image scores from quality.json:
label fidelity, TSTR vs TRTR accuracy on the real holdout, the Frechet distance beside its
real-vs-real baseline, and memorization.

Targets (the images issue): under 10 minutes on 2 CPU cores; label fidelity >= 90%; TSTR
within 3 points of TRTR, measured on at least 1,000 synthetic images. TRTR (a classifier
trained on the real train images, tested on the same holdout) is the baseline of the run.
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

TARGET_S = 600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", type=Path, default=HERE.parent / "recipes/digits-synth.yaml")
    parser.add_argument("--dir", type=Path, help="work folder (default: a temp dir, removed)")
    args = parser.parse_args()

    work = (args.dir or Path(tempfile.mkdtemp(prefix="phantom-diffusion-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    isolate(work)
    import os

    os.environ.pop("OMP_NUM_THREADS", None)  # the machine's default rule, as `dvc repro` has
    from registry import Registry

    root = work / "registry"
    Registry.init(root, remote=work / "remote")
    recipe = root / "recipes" / args.recipe.name
    shutil.copy(args.recipe, recipe)

    marks: list[tuple[str, float]] = []
    start = time.perf_counter()

    def progress(message: str) -> None:
        marks.append((message, time.perf_counter() - start))
        print(f"  {marks[-1][1]:7.1f} s  {message}", flush=True)

    result = Registry(root).materialize(recipe, progress=progress)
    total = time.perf_counter() - start
    phases = _phases(marks, total)
    quality = result.quality
    images, utility, privacy = quality["images"], quality["utility"], quality["privacy"]

    print(f"\nrecipe {args.recipe}: {result.manifest['rows']:,} images, {result.content_hash}")
    print(f"threads: torch {result.manifest['library_versions'].get('torch_threads')}")
    for name, seconds in phases.items():
        print(f"  {name:<10} {seconds:7.1f} s")
    verdict = "ok" if total < TARGET_S else "MISSED"
    print(f"total        {total:7.1f} s   (target < {TARGET_S} s: {verdict})")
    print(f"label fidelity       {images['label_fidelity']:.1%}   (target >= 90%)")
    gap = 100 * (utility["trtr"] - utility["tstr"])
    print(
        f"TSTR accuracy        {utility['tstr']:.1%} vs TRTR {utility['trtr']:.1%} "
        f"(baseline): {gap:.1f} points   (target <= 3)"
    )
    print(
        f"Frechet distance     {images['frechet_distance']:.3f} vs real-vs-real "
        f"{images['frechet_baseline']:.3f} ({images['frechet_images']} images a side; "
        f"encoder {images['encoder']})"
    )
    print(
        f"memorization         median nearest-train distance {privacy['dcr_median']:.3f} "
        f"(holdout {privacy['dcr_holdout_median']:.3f}), near-copies {privacy['exact_copies']}, "
        f"DCR share {privacy['dcr_share']}"
    )
    print(f"overall              {quality['overall']}/100")
    print(json.dumps({"seconds": round(total, 1), **{k: round(v, 1) for k, v in phases.items()}}))
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


def _phases(marks: list[tuple[str, float]], total: float) -> dict[str, float]:
    """Seconds between the progress messages that open each phase."""
    starts = {
        "seed": next((t for m, t in marks if m.startswith("loading seed")), 0.0),
        "training": next((t for m, t in marks if m.startswith("fitting")), 0.0),
        "sampling": next((t for m, t in marks if m.startswith("sampling")), total),
        "scoring": next((t for m, t in marks if m.startswith("scoring")), total),
        "writing": next((t for m, t in marks if m.startswith("writing")), total),
    }
    names = list(starts)
    return {
        name: (starts[names[i + 1]] if i + 1 < len(names) else total) - starts[name]
        for i, name in enumerate(names)
    }


if __name__ == "__main__":
    main()
