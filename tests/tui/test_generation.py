"""The quality tab shows what a generated text version's checks and judges counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.llm.report import count_check, empty_counts, merge, summarize
from tests.tui.conftest import tag_without_data
from tests.tui.pilot import quality_tab_text

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def counted_generation() -> dict:
    """The ``generation`` section of two batches: 10 rows from 14 attempts."""
    batches = []
    for index, (rejected, scores) in enumerate([(3, ["4", "5", "5"]), (1, ["3", "5"])]):
        counts = empty_counts()
        counts.update(rows=5, attempts=5 + rejected, requests=12, calls=12)
        counts.update(prompt_tokens=1000, completion_tokens=400)
        for attempt in range(5 + rejected):
            count_check(counts, "correct", rejected=attempt < rejected)
        counts["judges"]["grade"] = {s: scores.count(s) for s in scores}
        batches.append((index, counts))
    quality, _usage = summarize(merge(batches))
    return quality


@pytest.mark.slow  # opens a version in the app (about 5 s on a loaded machine)
async def test_quality_tab_shows_requests_tokens_rejections_and_judge_scores(
    tui_registry: Path, monkeypatch: pytest.MonkeyPatch
):
    tag_without_data(
        tui_registry, "math", "1.0.0", overall=71.4, seed="sklearn:wine",
        seed_sha="sha256:" + "ef" * 32, depth=0, patch=monkeypatch,
        scores={"generation": counted_generation()},
    )  # fmt: skip
    text = await quality_tab_text(tui_registry, "math@1.0.0")

    assert "generation: 10 rows from 14 row attempts (71% accepted)" in text
    assert "24 model requests, 2,000 prompt + 800 completion tokens" in text
    assert "rejected by check: correct 29% (4/14)" in text
    assert "judge grade: mean 4.4 of 5  (3: 1  4: 1  5: 3)" in text
