"""Score any real/synthetic pair: ``phantom score`` and ``registry.score``.

The same report ``materialize`` writes, for tables made anywhere (SDV, MOSTLY AI, ...), with
the default gates or a recipe's.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from registry.errors import InputError
from registry.modalities import audited_columns
from registry.quality.report import QualityReport, _split, score_tables, with_text_scores
from registry.quality.text import score_text
from registry.recipes import QualityGates, load_recipe

Table = pd.DataFrame | str | os.PathLike[str]


def read_table(path: str | os.PathLike[str], *, role: str = "table") -> pd.DataFrame:
    """A CSV or parquet file as a DataFrame; raises :class:`InputError` naming the file."""
    path = Path(path)
    if path.suffix not in {".csv", ".parquet"}:
        raise InputError(f"--{role} {path}: expected a .csv or .parquet file")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except FileNotFoundError as exc:
        raise InputError(f"--{role} {path}: no such file") from exc
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(
            f"--{role} {path}: not a readable {path.suffix[1:]} file ({first})"
        ) from exc
    if frame.empty:
        raise InputError(f"--{role} {path}: has no rows; expected at least one")
    return frame.reset_index(drop=True)


def score(
    real: Table,
    synthetic: Table,
    *,
    holdout: Table | None = None,
    target: str | None = None,
    recipe: str | os.PathLike[str] | None = None,
    plots_dir: str | os.PathLike[str] | None = None,
    random_seed: int = 0,
) -> QualityReport:
    """Score ``synthetic`` against ``real`` (frames or CSV/parquet paths).

    ``holdout`` is real data the generator never saw; without it 20% of ``real`` is kept out.
    ``recipe`` supplies gates (and ``target`` if not given). Returns the
    :class:`QualityReport`; a missed gate is recorded in it, not raised.
    """
    gates: QualityGates | None = None
    declared: list[str] = []
    loaded = load_recipe(recipe) if recipe is not None else None
    if loaded is not None:
        gates = loaded.quality
        target = target or loaded.target
        declared = loaded.generator.text_columns()
    real_frame = _frame(real, "real")
    synthetic_frame = _frame(synthetic, "synthetic")
    holdout_frame = _frame(holdout, "holdout") if holdout is not None else None
    missing = sorted(set(real_frame.columns) - set(synthetic_frame.columns))
    if missing:
        raise InputError(f"--synthetic lacks the real columns {', '.join(map(str, missing))}")
    for where, column in audited_columns(loaded) if loaded is not None else []:
        if column not in real_frame.columns:
            raise InputError(
                f"--recipe {recipe}: {where}: {column!r} is not a column of --real; expected "
                f"one of {', '.join(map(str, real_frame.columns))}"
            )
    if target is not None and target not in real_frame.columns:
        raise InputError(
            f"--target {target!r} is not a column of --real; expected one of "
            f"{', '.join(map(str, real_frame.columns))}"
        )
    report = score_tables(
        real_frame,
        synthetic_frame[list(real_frame.columns)],
        holdout=holdout_frame,
        target=target,
        gates=gates,
        random_seed=random_seed,
        plots_dir=Path(plots_dir) if plots_dir is not None else None,
        privacy_audit=loaded.privacy_audit if loaded is not None else None,
        bias_audit=loaded.bias_audit if loaded is not None else None,
        requested_shares=loaded.generator.requested_shares() if loaded is not None else None,
    )
    # The text scores keep out the same holdout as score_tables when none is given.
    text_train, text_holdout = (
        (real_frame, holdout_frame)
        if holdout_frame is not None
        else _split(real_frame, random_seed)
    )
    text = score_text(
        synthetic_frame,
        train=text_train,
        holdout=text_holdout,
        declared=declared,
        target=target,
        random_seed=random_seed,
    )
    return with_text_scores(report, text, gates=gates)


def _frame(table: Table, role: str) -> pd.DataFrame:
    return table if isinstance(table, pd.DataFrame) else read_table(table, role=role)
