"""What a release tag holds, as catalog rows: its recipe, card, scores and ``dvc.lock`` entry.

Everything is read from git objects at the tag's commit (one ``git cat-file --batch`` for all
new tags), never from a checkout, and parsed loosely: a tag made by an older Phantom, or a
file a person edited, gives NULLs in the catalog instead of an error. Parsing is pure
(:func:`parse_tag`, :func:`parse_card`, :func:`lock_entry`) so it is tested without git.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from registry._git import cat_files
from registry.errors import PhantomError
from registry.store import STAGE
from registry.tags import TagRef
from registry.versions import SemVer, VersionSpec

_HF_TO_ARROW = {"float64": "double", "float32": "float", "float16": "halffloat"}
_SEED_SHA = re.compile(r"\|\s*seed sha256\s*\|\s*`?(sha256:[0-9a-f]+)`?")
_DEPTH = re.compile(r"\|\s*generation depth\s*\|\s*(\d+)\s*\|")


def read_tag_records(git_dir: Path, refs: Sequence[TagRef]) -> list[dict[str, Any]]:
    """Read the recipe, card, scores and DVC lock entry of each tag; returns catalog rows."""
    paths = ("recipes/{}.yaml", "cards/{}.md", "cards/{}.quality.json", "dvc.lock")
    objects = [f"{ref.rev}:{path.format(ref.name)}" for ref in refs for path in paths]
    blobs = cat_files(git_dir, objects)
    records = []
    for ref in refs:
        recipe, card, quality, lock = (next(blobs) for _ in paths)
        records.append(parse_tag(ref, recipe=recipe, card=card, quality=quality, lock=lock))
    for _rest in blobs:  # drain: closes the process
        pass
    return records


def read_card(git_dir: Path, rev: str, name: str) -> tuple[dict[str, Any], str]:
    """The front matter and body of ``cards/<name>.md`` at ``rev`` (({}, "") when it has none)."""
    raw = next(iter(cat_files(git_dir, [f"{rev}:cards/{name}.md"])), None)
    return parse_card(raw.decode(errors="replace")) if raw else ({}, "")


def _yaml_load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError:
        return None


def _default_config(info: Any) -> Any:
    """``dataset_info`` of a card with one config per table (a list): the first (default)."""
    return info[0] if isinstance(info, list) and info else info


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def score_number(value: Any) -> float | None:
    """A finite score read loosely from quality JSON (a number, or a mapping with ``score``)."""
    if isinstance(value, dict):
        value = value.get("score")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def as_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def parse_card(text: str) -> tuple[dict[str, Any], str]:
    """A card's front matter (a dict) and its body."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        return {}, text
    return _mapping(_yaml_load(text[3:end])), text[end + 4 :]


def lock_entry(text: str, name: str) -> dict[str, Any]:
    """The ``data/<name>`` out of stage ``materialize@<name>`` in a ``dvc.lock`` text.

    Cuts the stage's ``outs`` block out of the text before parsing it, so a lock with many
    stages (each holding its whole recipe as params) is not parsed whole for every tag; falls
    back to parsing the whole file when the layout is not the one DVC writes.
    """
    target = f"data/{name}"
    outs: Any = None
    stage = re.search(rf"(?m)^  {re.escape(STAGE)}@{re.escape(name)}:\n", text)
    if stage is not None:
        end = re.compile(r"(?m)^ {0,2}\S").search(text, stage.end())
        block = text[stage.end() : end.start() if end else len(text)]
        begin = re.search(r"(?m)^    outs:\n", block)
        if begin is not None:
            stop = re.compile(r"(?m)^ {0,4}[^\s-]").search(block, begin.end())
            outs = _mapping(
                _yaml_load(block[begin.start() : stop.start() if stop else len(block)])
            ).get("outs")
    if outs is None:
        stages = _mapping(_mapping(_yaml_load(text)).get("stages"))
        outs = _mapping(stages.get(f"{STAGE}@{name}")).get("outs")
    for out in outs or ():
        if isinstance(out, dict) and out.get("path") == target:
            return out
    return {}


def parse_tag(
    ref: TagRef,
    *,
    recipe: bytes | None,
    card: bytes | None,
    quality: bytes | None,
    lock: bytes | None,
) -> dict[str, Any]:
    """One tag's catalog rows: ``versions`` (the dict) plus ``columns``/``splits``/``lineage``."""
    recipe_data = _mapping(_yaml_load(recipe.decode())) if recipe else {}
    meta, body = parse_card(card.decode()) if card else ({}, "")
    try:
        scores = _mapping(json.loads(quality)) if quality else {}
    except ValueError:
        scores = {}
    out = lock_entry(lock.decode(), ref.name) if lock else {}

    generator = _mapping(recipe_data.get("generator"))
    kind = generator.get("kind")
    model = generator.get("model")
    seed = _mapping(recipe_data.get("seed"))
    info = _mapping(_default_config(meta.get("dataset_info")))
    split_rows = [
        (str(s.get("name")), as_int(s.get("num_examples")), as_int(s.get("num_bytes")))
        for s in info.get("splits") or ()
        if isinstance(s, dict)
    ]
    fidelity = _mapping(scores.get("fidelity"))
    areas = {
        str(k): v
        for k, value in _mapping(scores.get("areas")).items()
        if (v := score_number(value)) is not None
    }
    gates = [g for g in scores.get("gates") or () if isinstance(g, dict) and "passed" in g]
    seed_sha = (m.group(1) if (m := _SEED_SHA.search(body)) else None) if seed else None
    depth = as_int(scores.get("generation_depth"))
    if depth is None and (m := _DEPTH.search(body)):
        depth = int(m.group(1))
    rows = sum(r for _, r, _ in split_rows if r is not None) if split_rows else None
    if rows is None:
        rows = as_int(scores.get("rows")) or as_int(recipe_data.get("rows"))
    md5 = out.get("md5")

    version = {
        "name": ref.name,
        "version": ref.version,
        "tag": ref.tag,
        "tag_object": ref.tag_object,
        "rev": ref.rev,
        "created": ref.created,
        "content_hash": ref.content_hash,
        "prerelease": bool(SemVer.parse(ref.version).prerelease),
        "description": recipe_data.get("description"),
        "license": recipe_data.get("license") or meta.get("license"),
        "generator": f"{kind}/{model}" if kind and model else kind,  # as generator.label
        "generator_kind": kind,
        "generator_model": model,
        "seed_source": seed.get("source"),
        "seed_sha256": seed_sha,
        "random_seed": as_int(recipe_data.get("random_seed")),
        "generation_depth": depth,
        "rows": rows,
        "bytes": as_int(out.get("size")) or as_int(info.get("dataset_size")),
        "parquet_bytes": as_int(info.get("dataset_size")),
        "files": as_int(out.get("nfiles")),
        "dvc_md5": str(md5) if md5 else None,
        "splits": [(name, r) for name, r, _ in split_rows],
        "quality_overall": score_number(scores.get("overall")),
        "fidelity": score_number(fidelity.get("score")),
        "areas": list(areas.items()),
        "gates_passed": all(bool(g["passed"]) for g in gates) if gates else None,
        "quality": json.dumps(scores, sort_keys=True) if scores else None,
        "recipe": json.dumps(recipe_data, sort_keys=True, default=str) if recipe_data else None,
    }
    per_column = _column_scores(scores)
    columns = [
        {
            "name": ref.name,
            "version": ref.version,
            "tag": ref.tag,
            "position": position,
            "column_name": str(feature.get("name")),
            "type": _arrow_type(feature),
            "null_share": None,
            "fidelity": per_column.get("fidelity", {}).get(str(feature.get("name"))),
            "scores": [
                (section, values[str(feature.get("name"))])
                for section, values in per_column.items()
                if str(feature.get("name")) in values
            ],
        }
        for position, feature in enumerate(
            f for f in info.get("features") or () if isinstance(f, dict)
        )
    ]
    splits = [
        {
            "name": ref.name,
            "version": ref.version,
            "tag": ref.tag,
            "split": s,
            "rows": r,
            "bytes": b,
        }
        for s, r, b in split_rows
    ]
    lineage = []
    source = seed.get("source")
    if source:
        parent_name = None
        if str(source).startswith("registry:"):
            with contextlib.suppress(PhantomError):
                parent_name = VersionSpec.parse(str(source).removeprefix("registry:")).name
        lineage.append(
            {
                "name": ref.name,
                "version": ref.version,
                "tag": ref.tag,
                "parent_kind": "version" if parent_name else "seed",
                "source": str(source),
                "parent_name": parent_name,
                "parent_version": None,
                "parent_tag": None,
                "seed_sha256": seed_sha,
                "generation_depth": depth,
            }
        )
    return {"versions": version, "columns": columns, "splits": splits, "lineage": lineage}


def _arrow_type(feature: dict[str, Any]) -> str | None:
    dtype = feature.get("dtype")
    if dtype is None:
        return None
    return _HF_TO_ARROW.get(str(dtype), str(dtype))


def _column_scores(scores: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per section (fidelity, conformance, ...), the per-column scores it lists."""
    found: dict[str, dict[str, float]] = {}
    for section, value in scores.items():
        columns = _mapping(value).get("columns") if isinstance(value, dict) else None
        if not isinstance(columns, dict):
            continue
        numbers = {str(k): n for k, v in columns.items() if (n := score_number(v)) is not None}
        if numbers:
            found[str(section)] = numbers
    return found


__all__ = [
    "as_int",
    "lock_entry",
    "parse_card",
    "parse_tag",
    "read_card",
    "read_tag_records",
    "score_number",
]
