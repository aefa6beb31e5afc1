"""What depends on other rows, recomputed after every change to the ``versions`` table.

Per dataset: each version's semver ``ordinal``, ``is_latest`` (the newest stable release, or
the newest prerelease when there is no stable one) and ``previous_version``; each
``registry:`` seed's exact parent version (by the seed's content hash, else by its spec); and
the whole ``datasets`` table, joining releases with the workspace's recipes and data.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

from registry.catalog._rows import dicts, insert
from registry.errors import PhantomError
from registry.versions import SemVer, Version, resolve

if TYPE_CHECKING:
    import duckdb


def derive(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute what depends on other rows: ordinals, latest, lineage parents, datasets."""
    versions = dicts(
        con.execute(
            "SELECT tag, name, version, content_hash, rev, created, description, license, "
            "generator FROM versions"
        )
    )
    by_name: dict[str, list[dict[str, Any]]] = {}
    for row in versions:
        row["semver"] = SemVer.parse(row["version"])
        by_name.setdefault(row["name"], []).append(row)
    updates = []
    for rows in by_name.values():
        rows.sort(key=lambda r: r["semver"])
        stable = [r for r in rows if not r["semver"].prerelease] or rows
        latest = stable[-1]["tag"]
        for index, row in enumerate(rows):
            updates.append(
                {
                    "tag": row["tag"],
                    "ordinal": index + 1,
                    "is_latest": row["tag"] == latest,
                    "previous_version": rows[index - 1]["version"] if index else None,
                }
            )
    if updates:
        import pyarrow as pa

        con.register("_derived", pa.Table.from_pylist(updates))
        con.execute(
            "UPDATE versions SET ordinal = d.ordinal, is_latest = d.is_latest, "
            "previous_version = d.previous_version FROM _derived d WHERE versions.tag = d.tag"
        )
        con.unregister("_derived")
    _derive_lineage(con, by_name)
    _derive_datasets(con, by_name)


def _derive_lineage(
    con: duckdb.DuckDBPyConnection, by_name: dict[str, list[dict[str, Any]]]
) -> None:
    released = [
        Version(r["name"], r["version"], r["content_hash"] or "", rev=r["rev"] or "")
        for rows in by_name.values()
        for r in rows
    ]
    by_hash = {v.content_hash: v for v in released if v.content_hash}
    links = con.execute(
        "SELECT tag, source, seed_sha256 FROM lineage WHERE parent_kind = 'version'"
    ).fetchall()
    updates = []
    for tag, source, seed_sha in links:
        parent = by_hash.get(seed_sha) if seed_sha else None
        if parent is None:
            with contextlib.suppress(PhantomError):
                parent = resolve(source.removeprefix("registry:"), released)
        updates.append(
            {
                "tag": tag,
                "parent_version": parent.version if parent else None,
                "parent_tag": parent.tag if parent else None,
            }
        )
    if updates:
        import pyarrow as pa

        con.register("_parents", pa.Table.from_pylist(updates))
        con.execute(
            "UPDATE lineage SET parent_version = p.parent_version, parent_tag = p.parent_tag "
            "FROM _parents p WHERE lineage.tag = p.tag"
        )
        con.unregister("_parents")


def _derive_datasets(
    con: duckdb.DuckDBPyConnection, by_name: dict[str, list[dict[str, Any]]]
) -> None:
    workspace: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, name, data in con.execute("SELECT kind, name, data FROM _workspace").fetchall():
        workspace.setdefault(name, {})[kind] = json.loads(data or "{}")
    hashes = {r["content_hash"]: r["tag"] for rows in by_name.values() for r in rows}
    rows = []
    for name in sorted(set(by_name) | set(workspace)):
        released = by_name.get(name, [])
        stable = [r for r in released if not r["semver"].prerelease] or released
        latest = stable[-1] if stable else None
        recipe = workspace.get(name, {}).get("recipe")
        manifest = workspace.get(name, {}).get("manifest")
        content = (manifest or {}).get("content_hash")
        rows.append(
            {
                "name": name,
                "description": (recipe or {}).get("description")
                or (latest["description"] if latest else None),
                "license": (recipe or {}).get("license") or (latest["license"] if latest else None),
                "generator": (recipe or {}).get("generator")
                or (latest["generator"] if latest else None),
                "latest": latest["version"] if latest else None,
                "latest_created": latest["created"] if latest else None,
                "releases": len(released),
                "first_released": min(
                    (r["created"] for r in released if r["created"]), default=None
                ),
                "recipe_version": recipe["version"] if recipe else None,
                "workspace_rows": (manifest or {}).get("rows"),
                "workspace_content_hash": content,
                "workspace_status": None
                if manifest is None
                else ("released" if content in hashes else "unreleased"),
            }
        )
    con.execute("DELETE FROM datasets")
    insert(con, "datasets", rows)


__all__ = ["derive"]
