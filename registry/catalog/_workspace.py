"""The workspace side of the ``datasets`` table: recipes and built data in a checkout.

A refresh ``stat``s ``recipes/*.yaml`` and ``data/*/manifest.json`` (:func:`workspace_files`)
and re-reads only those whose size or mtime moved (:func:`read_workspace_file`), so an
unchanged workspace costs a few ``stat`` calls.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from registry.catalog._parse import as_int
from registry.errors import PhantomError
from registry.folders import MANIFEST


def workspace_files(root: Path) -> dict[str, tuple[int, int]]:
    files: dict[str, tuple[int, int]] = {}
    candidates = [*(root / "recipes").glob("*.yaml"), *(root / "data").glob(f"*/{MANIFEST}")]
    for path in candidates:
        try:
            stat = path.stat()
        except OSError:
            continue
        files[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return files


def read_workspace_file(root: Path, relpath: str, stat: tuple[int, int]) -> dict[str, Any]:
    path = root / relpath
    if relpath.startswith("recipes/"):
        kind, name = "recipe", path.stem
        data = _workspace_recipe(path)
    else:
        kind, name = "manifest", path.parent.name
        try:
            manifest = json.loads(path.read_text())
            data = {
                "rows": as_int(manifest.get("rows")),
                "content_hash": manifest.get("content_hash"),
            }
        except (OSError, ValueError):
            data = {}
    return {
        "path": relpath,
        "kind": kind,
        "name": name,
        "mtime_ns": stat[0],
        "size": stat[1],
        "data": json.dumps(data),
    }


def _workspace_recipe(path: Path) -> dict[str, Any]:
    from registry.recipes import load_recipe

    try:
        recipe = load_recipe(path)
    except PhantomError:
        return {"version": "?", "generator": "?"}
    return {
        "version": recipe.version,
        "generator": recipe.generator.label,
        "description": recipe.description,
        "license": recipe.license,
    }


__all__ = ["read_workspace_file", "workspace_files"]
