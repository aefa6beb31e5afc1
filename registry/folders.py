"""Dataset folders on disk: checking one against its manifest, and replacing one atomically.

A manifest lists every file with its sha256. The content hash covers ``files``: the rows,
card, scores and recipe, which a build reproduces bit for bit. A saved model (``model/``) is
listed apart in ``model_files``: verified like the rest, but outside the content hash, since
some libraries' saved models (SDV's pickles) differ from run to run while sampling the same.

Every writer of a dataset folder (materialize, pull, fetch) builds the new content in a staged
folder beside the destination and swaps it in with :func:`staged_folder`, so a failed or
killed writer leaves the previous content where it was. Every reader checks a folder with
:func:`verify_folder` before trusting it, and finds its parquet shards by split with
:func:`version_shards`. This module sits below the ``Registry`` facade and
imports nothing above it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry._hashing import content_hash, sha256_file
from registry._paths import user_cache_dir
from registry.errors import DatasetNotFound, IntegrityError

if TYPE_CHECKING:
    import datasets

    from registry.versions import Version

MANIFEST = "manifest.json"
#: The manifest's signature (``ssh-keygen -Y sign``), beside it; outside the content hash.
SIGNATURE = "manifest.json.sig"
_SHARD = re.compile(r"^data/(?P<split>.+)-\d{5}-of-\d{5}\.parquet$")


def manifest_files(manifest: dict[str, Any]) -> dict[str, str]:
    """Every file a manifest vouches for (relative path -> sha256): the content-hashed files
    and the saved model's files (``model_files``, verified but outside the content hash)."""
    return {**manifest["files"], **manifest.get("model_files", {})}


def manifest_hash(folder: Path) -> str | None:
    """The content hash a folder's manifest records, or ``None`` when it has no readable one."""
    try:
        return json.loads((folder / MANIFEST).read_text())["content_hash"]
    except (OSError, ValueError, KeyError):
        return None


def verify_folder(folder: Path, *, expected: str | None = None) -> dict[str, Any]:
    """Check every file of a dataset folder against its manifest; returns the manifest.

    Raises :class:`IntegrityError` naming the first file that is missing, extra or changed,
    or when the content hash differs from ``expected`` (the hash a tag or pin recorded).
    """
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise IntegrityError(
            f"{folder}: no readable {MANIFEST}; rebuild it with 'dvc repro'"
        ) from exc
    recorded = manifest_files(manifest)
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    } - {SIGNATURE}
    for extra in sorted(present - set(recorded)):
        raise IntegrityError(f"{folder / extra} is not in the manifest; remove it or rebuild")
    for relpath, digest in recorded.items():
        path = folder / relpath
        if not path.is_file():
            raise IntegrityError(f"{path} is missing; the manifest lists it")
        if sha256_file(path) != digest:
            raise IntegrityError(f"{path} does not match its sha256 in the manifest")
    actual = content_hash(manifest["files"])
    if actual != manifest["content_hash"]:
        raise IntegrityError(f"{folder / MANIFEST}: content hash does not match its file list")
    if expected is not None and actual != expected:
        raise IntegrityError(f"{folder}: content is {actual[:19]}…, expected {expected[:19]}…")
    return manifest


def cached_version_dir(version: Version) -> Path:
    """Where a fetched copy of ``version`` lives in the user cache (it may not exist yet)."""
    digest = version.content_hash.removeprefix("sha256:")[:16] or "unknown"
    return user_cache_dir() / "versions" / f"{version.tag}-{digest}"


def load_folder(folder: Path, *, table: str | None = None) -> datasets.DatasetDict:
    """Open a verified dataset folder with ``datasets.load_dataset``, exactly as users can;
    ``table`` names the config of one table of a linked-tables version."""
    import datasets

    if table is None:
        return datasets.load_dataset(os.fspath(folder))
    tables = version_tables(folder)
    if table not in tables:
        raise DatasetNotFound(
            f"{folder.name} has no table {table!r}; expected one of "
            + (", ".join(tables) or "none (it is one table: leave table out)")
        )
    return datasets.load_dataset(os.fspath(folder), name=table)


def version_tables(folder: Path) -> list[str]:
    """The tables of a linked-tables version folder (its manifest's ``tables``), parent
    first; empty for a one-table version."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return []
    return list(manifest.get("tables") or ())


def split_table_spec(spec: str, table: str | None = None) -> tuple[str, str | None]:
    """``name@1.0.0/<table>`` -> ``("name@1.0.0", "<table>")``; other specs as they are,
    with ``table``. Raises :class:`DatasetNotFound` when both name a table and differ."""
    head, sep, tail = spec.rpartition("/")
    if not sep or "@" not in head or "@" in tail:
        return spec, table
    if table is not None and table != tail:
        raise DatasetNotFound(f"{spec!r} names table {tail!r} but table={table!r}; pick one")
    return head, tail


@contextmanager
def staged_folder(dest: Path) -> Iterator[Path]:
    """Yield an empty folder beside ``dest``; swap it in for ``dest`` when the block succeeds.

    The swap is two renames (the old folder aside, the new one in), and whatever a killed
    swap left is undone the next time: a set-aside folder with no ``dest`` is put back, stale
    staging folders are removed. When the block raises, the staged folder is removed and
    ``dest`` is untouched.
    """
    made_parent = not dest.parent.exists()
    dest.parent.mkdir(parents=True, exist_ok=True)
    _recover(dest)
    staging = dest.parent / f".{dest.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        _swap_in(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if made_parent:
            with suppress(OSError):  # still empty: leave no trace of the failed writer
                dest.parent.rmdir()
        raise


def _set_aside(dest: Path) -> Path:
    return dest.parent / f".{dest.name}.previous"


def _recover(dest: Path) -> None:
    backup = _set_aside(dest)
    if backup.is_dir() and not dest.exists():
        os.replace(backup, dest)
    shutil.rmtree(backup, ignore_errors=True)
    for stale in dest.parent.glob(f".{dest.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _swap_in(staging: Path, dest: Path) -> None:
    backup = _set_aside(dest)
    if dest.exists():
        os.replace(dest, backup)
    os.replace(staging, dest)
    shutil.rmtree(backup, ignore_errors=True)


# --- reading a version folder -------------------------------------------------------------------


def version_shards(folder: Path) -> dict[str, list[Path]]:
    """The parquet shards of a version folder by split, in the manifest's split order."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        manifest = {}
    relpaths = sorted(manifest.get("files") or ()) or sorted(
        p.relative_to(folder).as_posix() for p in folder.glob("data/*.parquet")
    )
    shards: dict[str, list[Path]] = {split: [] for split in manifest.get("splits") or {}}
    for relpath in relpaths:
        match = _SHARD.match(relpath)
        if match:
            shards.setdefault(match.group("split"), []).append(folder / relpath)
    return {split: files for split, files in shards.items() if files}


def table_shards(
    ident: str,
    tag: str,
    shards: dict[str, list[Path]],
    tables: list[str],
    selector: str | None,
) -> dict[str, list[Path]]:
    """The shards by split of the table ``selector`` names (``<table>`` or ``<table>/<split>``)
    in a linked-tables version, whose ``shards`` are keyed ``<table>/<split>``. Raises
    :class:`DatasetNotFound` naming the tables (or splits) there are."""
    table, _sep, split = (selector or "").partition("/")
    if table not in tables:
        raise DatasetNotFound(
            f'"{ident}": {tag} is linked tables; name one: '
            + ", ".join(f'"{tag}/{name}"' for name in tables)
        )
    mine = {
        key.partition("/")[2]: files for key, files in shards.items() if key.startswith(f"{table}/")
    }
    if split:
        if split not in mine:
            raise DatasetNotFound(
                f'"{ident}": table {table} of {tag} has no split {split!r}; it has '
                + ", ".join(mine)
            )
        mine = {split: mine[split]}
    return mine


def fingerprint(folder: Path) -> str:
    """A digest of every file's path, size and mtime under ``folder`` ("" when it is gone)."""
    if not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(
                f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


__all__ = [
    "MANIFEST",
    "SIGNATURE",
    "cached_version_dir",
    "fingerprint",
    "load_folder",
    "manifest_files",
    "manifest_hash",
    "split_table_spec",
    "staged_folder",
    "table_shards",
    "verify_folder",
    "version_shards",
    "version_tables",
]
