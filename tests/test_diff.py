"""`diff`: schema, rows, distribution shift, score deltas and recipe fields between versions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from registry import Registry
from registry.diff import Change, LoadedVersion, SchemaChange, diff_versions, flatten
from registry.versions import Version
from tests.test_catalog import released_registry  # noqa: F401 - the shared fixture


def loaded(version: str, frame: pd.DataFrame, **parts) -> LoadedVersion:
    manifest = {
        "rows": len(frame),
        "splits": parts.pop("splits", {"train": len(frame)}),
        "columns": parts.pop("columns", [{"name": c, "type": "double"} for c in frame.columns]),
    }
    return LoadedVersion(
        Version("d", version, parts.pop("content", f"sha256:{version}")),
        manifest,
        parts.pop("quality", {}),
        parts.pop("recipe", {}),
        frame,
    )


@pytest.mark.slow
def test_diff_reports_the_known_recipe_change(released_registry: Path):  # noqa: F811
    diff = Registry(released_registry).diff("txns@1.0.0", "txns@1.1.0")
    assert (diff.old, diff.new, diff.same_content) == ("txns@1.0.0", "txns@1.1.0", False)
    assert diff.params == [
        Change("version", "1.0.0", "1.1.0"),
        Change("generator.columns[amount].mean", 3.5, 4.5),
    ]
    assert diff.schema == []
    assert [(c.key, c.old, c.new) for c in diff.rows] == [
        ("total", 400, 400),
        ("split train", 320, 320),
        ("split test", 80, 80),
    ]
    shifts = {c.column: c for c in diff.columns}
    assert shifts["amount"].metric == "KSComplement" and shifts["amount"].shift > 0.3
    assert shifts["amount"].new_mean > 2 * shifts["amount"].old_mean  # e^1 times larger
    assert shifts["merchant"].shift == 0.0 and shifts["hour"].shift == 0.0  # same seed
    assert shifts["id"].metric is None and shifts["id"].shift is None
    text = "\n".join(diff.lines())
    assert "generator.columns[amount].mean: 3.5 -> 4.5" in text
    assert diff.to_dict()["params"][1] == {
        "key": "generator.columns[amount].mean",
        "old": 3.5,
        "new": 4.5,
    }


@pytest.mark.slow
def test_diff_reports_an_added_column(released_registry: Path):  # noqa: F811
    diff = Registry(released_registry).diff("txns@^1.0", "txns")
    assert diff.new == "txns@2.0.0"
    assert diff.schema == [SchemaChange("channel", "added", None, "string")]
    assert "channel" not in {c.column for c in diff.columns}
    assert any(c.key == "generator.columns[channel].values.web" for c in diff.params)
    assert "  + channel string" in diff.lines()


def test_diff_versions_compares_schema_rows_scores_and_recipe():
    rng = np.random.default_rng(0)
    old_frame = pd.DataFrame({"x": rng.normal(0, 1, 500), "c": rng.choice(["a", "b"], 500)})
    new_frame = pd.DataFrame({"x": rng.normal(2, 1, 600), "c": rng.choice(["a", "b"], 600)})
    new_frame.loc[:59, "c"] = None
    old = loaded(
        "1.0.0",
        old_frame,
        splits={"train": 400, "test": 100},
        columns=[
            {"name": "x", "type": "double"},
            {"name": "c", "type": "string"},
            {"name": "gone", "type": "int64"},
        ],
        quality={"format": 1, "rows": 500, "fidelity": {"score": 0.9, "columns": {"x": 0.95}}},
        recipe={"rows": 500, "generator": {"kind": "sdv", "params": {"epochs": 10}}},
    )
    new = loaded(
        "1.1.0",
        new_frame,
        splits={"train": 600},
        columns=[{"name": "x", "type": "float"}, {"name": "c", "type": "string"}],
        quality={
            "format": 2,
            "rows": 600,
            "overall": 80.0,
            "areas": {"fidelity": {"score": 85.0}},
            "fidelity": {"score": 0.85, "columns": {"x": {"score": 0.9}}},
            "gates": [{"gate": "min_overall", "passed": False}],
        },
        recipe={"rows": 600, "generator": {"kind": "sdv", "params": {"epochs": 10}}},
    )
    diff = diff_versions(old, new)
    assert diff.schema == [
        SchemaChange("gone", "removed", "int64", None),
        SchemaChange("x", "type", "double", "float"),
    ]
    assert [(c.key, c.old, c.new) for c in diff.rows] == [
        ("total", 500, 600),
        ("split train", 400, 600),
        ("split test", 100, None),
    ]
    shifts = {c.column: c for c in diff.columns}
    assert shifts["x"].shift > 0.5 and shifts["c"].metric == "TVComplement"
    assert shifts["c"].old_null_share == 0.0 and shifts["c"].new_null_share == 0.1
    scores = {c.key: c for c in diff.scores}
    assert scores["fidelity.score"].delta == pytest.approx(-0.05)
    assert scores["fidelity.columns.x"].delta == pytest.approx(-0.05)
    assert scores["overall"].old is None and scores["overall"].new == 80.0
    assert scores["gates.min_overall"].new == "FAIL"
    assert diff.params == [Change("rows", 500, 600)]
    assert diff.compared_rows == (500, 600)


def test_diff_of_a_version_with_itself_is_empty():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    same = loaded("1.0.0", frame, content="sha256:abc")
    diff = diff_versions(same, same)
    assert diff.same_content and not diff.schema and not diff.scores and not diff.params
    assert diff.columns[0].similarity == 1.0
    assert diff.lines()[0] == "d@1.0.0 -> d@1.0.0  (same content)"


def test_flatten_keys_named_lists_by_name_and_keeps_other_lists_whole():
    recipe = {
        "generator": {"columns": [{"name": "a", "type": "uuid"}, {"name": "b", "mean": 1}]},
        "card": {"tags": ["x", "y"]},
        "quality": {},
    }
    assert flatten(recipe) == {
        "generator.columns[a].type": "uuid",
        "generator.columns[b].mean": 1,
        "card.tags": ["x", "y"],
        "quality": {},
    }
