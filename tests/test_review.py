"""Human review: a reproducible sample, each row beside its nearest real row, decisions
committed to git, and a `review.min_accept` gate that release and publish wait for."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from registry import Registry
from registry.errors import PublishError, ReleaseError
from registry.recipes import ReviewPolicy
from registry.review import draw_sample, require_review
from tests.conftest import copy_registry, run


def test_the_sample_is_a_share_of_the_rows_drawn_from_the_content_hash() -> None:
    policy = ReviewPolicy(share=0.05, max_rows=200)
    splits = {"train": 800, "test": 200}
    first = draw_sample("sha256:" + "ab" * 32, splits, policy)
    assert first == draw_sample("sha256:" + "ab" * 32, splits, policy)  # reproducible
    assert len(first) == 50 and len(set(first)) == 50
    assert {split for split, _ in first} == {"train", "test"}
    assert all(0 <= index < splits[split] for split, index in first)
    assert first != draw_sample("sha256:" + "cd" * 32, splits, policy)
    assert len(draw_sample("sha256:00", splits, ReviewPolicy(share=1.0, max_rows=7))) == 7
    assert len(draw_sample("sha256:00", {"train": 3}, ReviewPolicy(share=0.01))) == 1


@pytest.fixture
def pen(built_for_review: Path, tmp_path: Path) -> Path:
    return copy_registry(built_for_review, tmp_path)


def phantom(root: Path, *args: str, check: bool = True):
    return run(root, "phantom", *args, check=check)


@pytest.mark.slow
def test_each_sampled_row_is_shown_beside_its_nearest_seed_row(pen: Path) -> None:
    import numpy as np

    from registry.quality._encoding import encode, squared_distances
    from registry.quality.fidelity import column_kinds
    from registry.seeds import load_seed

    session = Registry(pen).review("pen@1.0.0")
    rows = session.review.rows
    assert len(rows) == 3  # 5% of 60
    recipe = Registry(pen).load_recipe("pen")
    assert recipe.seed is not None
    train = load_seed(recipe.seed, root=pen, random_seed=recipe.random_seed).train
    kinds = column_kinds(train)
    _, (encoded_train, encoded_sample) = encode(train, [session.synthetic[list(kinds)]], kinds)
    for position, row in enumerate(rows):
        to_all = np.sqrt(
            squared_distances(
                encoded_sample, np.full(len(train), position), encoded_train, np.arange(len(train))
            )
        )
        assert row.distance == pytest.approx(to_all.min(), abs=1e-6)  # no real row is nearer
        assert row.nearest_real is not None and to_all[row.nearest_real] == to_all.min()
        shown = session.real.iloc[position]  # the nearest real row, as the review shows it
        assert shown.to_dict() == train.iloc[row.nearest_real].to_dict()


@pytest.mark.slow
def test_release_waits_for_the_review_and_its_accept_share(pen: Path) -> None:
    refused = phantom(pen, "release", "pen", check=False)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "error: pen@1.0.0 needs a human review before release (review.min_accept 0.6), and "
        "reviews/pen@1.0.0.yaml does not exist; run 'phantom review pen@1.0.0'"
    )
    listed = phantom(pen, "review", "pen@1.0.0", "--list").stdout
    assert "0 of 3 sampled rows (5%) reviewed" in listed

    unknown = phantom(pen, "review", "pen@1.0.0", "--accept", "4", check=False)
    assert unknown.stderr.startswith("error: pen@1.0.0 has no sampled row 4; expected 1 to 3")
    phantom(pen, "review", "pen@1.0.0", "--accept", "1", "--reject", "2,3", "--comment", "odd")
    refused = phantom(pen, "release", "pen", check=False)
    assert "1 of 3 rows accepted (33%), below 60%" in refused.stderr

    phantom(pen, "review", "pen@1.0.0", "--accept", "2")
    stored = yaml.safe_load((pen / "reviews" / "pen@1.0.0.yaml").read_text())
    assert [r["decision"] for r in stored["rows"]] == ["accept", "accept", "reject"]
    assert [r["comment"] for r in stored["rows"]] == ["odd", "odd", "odd"]
    log = run(pen, "git", "log", "--format=%s", "--", "reviews/pen@1.0.0.yaml").stdout
    assert (
        log.splitlines()[0]
        == "review pen@1.0.0: 3 of 3 sampled rows (5%) reviewed, 2 accepted (67%)"
    )
    assert not run(pen, "git", "status", "--porcelain").stdout.strip()

    released = phantom(pen, "release", "pen")
    assert released.stdout.startswith("released pen@1.0.0")
    shown = phantom(pen, "show", "pen@1.0.0").stdout
    assert "review 3 of 3 sampled rows (5%) reviewed, 2 accepted (67%)" in shown

    phantom(pen, "review", "pen@1.0.0", "--reject", "1,2")  # second thoughts: publish waits
    with pytest.raises(PublishError, match=r"^pen@1\.0\.0 needs a human review before publish"):
        Registry(pen).publish("pen@1.0.0", "org/pen")  # refused before the Hub is asked


@pytest.mark.slow
def test_a_review_of_other_content_or_an_uncommitted_one_does_not_count(pen: Path) -> None:
    registry = Registry(pen)
    session = registry.review("pen@1.0.0")
    for number in (1, 2, 3):
        session.decide(number, "accept")
    recipe = registry.load_recipe("pen")
    with pytest.raises(ReleaseError, match=r"reviews/pen@1\.0\.0\.yaml is not committed"):
        registry.release("pen")
    session.commit()
    assert require_review(pen, recipe, pen / "data" / "pen", action="release") is not None
    path = pen / "reviews" / "pen@1.0.0.yaml"
    path.write_text(path.read_text().replace(session.review.content_hash, "sha256:" + "0" * 64))
    with pytest.raises(PublishError, match=r"reviewed other content \(sha256:0{12}…\)"):
        require_review(pen, recipe, pen / "data" / "pen", action="publish")


def test_review_names_a_bad_spec_or_row_in_one_line(registry_root: Path) -> None:
    bad = phantom(registry_root, "review", "pen", "--list", check=False)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: review 'pen': expected name@version")
    bad = phantom(registry_root, "review", "pen@1.0.0", "--accept", "x", check=False)
    assert bad.stderr.strip() == "error: row 'x': expected a sample row number, e.g. 3"
