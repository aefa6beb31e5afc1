"""The quality tab shows a version's privacy attacks, bias audit and augmentation lift."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import palmerpenguins
import pytest

from registry.quality.report import score_tables
from registry.recipes import BiasAudit, PrivacyAudit
from tests.tui.conftest import tag_without_data
from tests.tui.pilot import quality_tab_text

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def seed_copy_scores() -> dict:
    """The trust sections of a real report: penguins whose "synthetic" rows copy the seed."""
    frame = palmerpenguins.load_penguins()
    order = np.random.default_rng(0).permutation(len(frame))
    train, holdout = (frame.iloc[part].reset_index(drop=True) for part in np.split(order, [250]))
    report = score_tables(
        train,
        train.copy(),
        holdout=holdout,
        target="species",
        privacy_audit=PrivacyAudit(
            quasi_identifiers=["island", "bill_length_mm"], sensitive=["sex"]
        ),
        bias_audit=BiasAudit(columns=["island"]),
    ).model_dump(mode="json")
    return {name: report[name] for name in ("attacks", "bias", "augmentation")}


@pytest.mark.slow
async def test_quality_tab_lists_attacks_bias_and_lift_with_their_verdicts(
    tui_registry: Path, monkeypatch: pytest.MonkeyPatch
):
    tag_without_data(
        tui_registry, "pen-copy", "1.0.0", overall=60.0, seed="recipes/seeds/penguins.csv",
        seed_sha="sha256:" + "cd" * 32, depth=0, patch=monkeypatch, scores=seed_copy_scores(),
    )  # fmt: skip
    text = await quality_tab_text(tui_registry, "pen-copy@1.0.0")

    assert "membership inference AUC 1.000" in text and "fail" in text
    assert "attribute disclosure" in text and "on sex from island, bill_length_mm" in text
    assert "bias audit of island" in text
    assert "augmentation: roc_auc real" in text
