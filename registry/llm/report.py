"""What the batches of a build counted, put together wherever they ran.

Each batch reports (:class:`BatchCounts`, a plain JSON-able dict on the way back from a Ray
task): rows made and row attempts, per check how many rows it saw and rejected, judge
scores, requests with their tokens, and how many were answered by a model (``calls``) or by
the cache (``cached``), plus the cache keys it used. A batch can be sampled twice in one
build (batch 0 fixes the schema on the driver, then a Ray task samples it again; a batch cut
by a shard edge is sampled by both shards' tasks): everything but ``calls``/``cached`` is the
same every time, so :func:`merge` keeps one report per batch, the one that made the most
calls (the repeat found them cached). Two Ray tasks sampling a batch cut by a shard edge at
the same moment may both pay for some of its requests before either is cached; ``calls``
then counts one of them (a batch edge per shard edge: rare with shards of many batches).

:func:`summarize` splits the result: ``quality`` holds what a rebuild reproduces exactly
(rejection rates, judge score distributions, tokens of the responses used) and goes into
quality.json and the card; ``usage`` adds what differs between a fresh and a cached build
(calls made, cache hits) and goes into the manifest only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

BatchCounts = dict[str, Any]


def empty_counts() -> BatchCounts:
    return {
        "rows": 0,
        "attempts": 0,
        "checks": {},
        "judges": {},
        "requests": 0,
        "calls": 0,
        "cached": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "keys": [],
    }


def count_check(counts: BatchCounts, check: str, *, rejected: bool) -> None:
    tried, failed = counts["checks"].get(check, (0, 0))
    counts["checks"][check] = (tried + 1, failed + int(rejected))


def merge(reports: Iterable[tuple[int, BatchCounts]]) -> dict[int, BatchCounts]:
    """One report per batch index: of repeats, the one that made the most calls."""
    merged: dict[int, BatchCounts] = {}
    for index, report in reports:
        if not report:
            continue
        kept = merged.get(index)
        if kept is None or report["calls"] > kept["calls"]:
            merged[index] = report
    return merged


def summarize(batches: Mapping[int, BatchCounts]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(quality, usage)`` of a build from its batches' reports (see the module docstring)."""
    total = empty_counts()
    checks: dict[str, list[int]] = {}
    judges: dict[str, dict[str, int]] = {}
    for index in sorted(batches):
        report = batches[index]
        for key in ("rows", "attempts", "requests", "calls", "cached"):
            total[key] += report[key]
        for key in ("prompt_tokens", "completion_tokens"):
            total[key] += report[key]
        for name, (tried, rejected) in report["checks"].items():
            pair = checks.setdefault(name, [0, 0])
            pair[0] += tried
            pair[1] += rejected
        for name, scores in report["judges"].items():
            into = judges.setdefault(name, {})
            for score, count in scores.items():
                into[score] = into.get(score, 0) + count
    quality = {
        "rows": total["rows"],
        "attempts": total["attempts"],
        "first_try_share": round(total["rows"] / total["attempts"], 4)
        if total["attempts"]
        else None,
        "requests": total["requests"],
        "prompt_tokens": total["prompt_tokens"],
        "completion_tokens": total["completion_tokens"],
        "checks": {
            name: {
                "tried": tried,
                "rejected": rejected,
                "rejection_rate": round(rejected / tried, 4) if tried else 0.0,
            }
            for name, (tried, rejected) in sorted(checks.items())
        },
        "judges": {name: _distribution(scores) for name, scores in sorted(judges.items())},
    }
    usage = {
        "requests": total["requests"],
        "calls": total["calls"],
        "cached": total["cached"],
        "prompt_tokens": total["prompt_tokens"],
        "completion_tokens": total["completion_tokens"],
    }
    return quality, usage


def _distribution(scores: Mapping[str, int]) -> dict[str, Any]:
    ordered = dict(sorted(scores.items(), key=lambda item: float(item[0])))
    count = sum(ordered.values())
    mean = sum(float(s) * n for s, n in ordered.items()) / count if count else None
    return {"scores": ordered, "count": count, "mean": None if mean is None else round(mean, 4)}


def generation_lines(generation: Mapping[str, Any] | None) -> list[str]:
    """A few lines for a shell (the TUI's quality tab) from quality.json's ``generation``:
    rows and attempts, requests and tokens, each check's rejection rate, each judge's score
    distribution. Empty when there is no such section."""
    if not generation:
        return []
    share = generation.get("first_try_share")
    lines = [
        f"generation: {generation['rows']:,} rows from {generation['attempts']:,} row attempts"
        + (f" ({share:.0%} accepted)" if share is not None else "")
        + f"; {generation['requests']:,} model requests, {generation['prompt_tokens']:,} prompt"
        f" + {generation['completion_tokens']:,} completion tokens"
    ]
    checks = generation.get("checks") or {}
    if checks:
        lines.append(
            "rejected by check: "
            + " · ".join(
                f"{name} {c['rejection_rate']:.0%} ({c['rejected']:,}/{c['tried']:,})"
                for name, c in checks.items()
            )
        )
    for name, judge in (generation.get("judges") or {}).items():
        scores = "  ".join(f"{score}: {count:,}" for score, count in judge["scores"].items())
        lines.append(f"judge {name}: mean {judge['mean']} of {judge['count']:,}  ({scores})")
    return lines


def used_keys(batches: Mapping[int, BatchCounts]) -> list[str]:
    return sorted({key for report in batches.values() for key in report["keys"]})


__all__ = [
    "BatchCounts",
    "count_check",
    "empty_counts",
    "generation_lines",
    "merge",
    "summarize",
    "used_keys",
]
