"""Every model response, stored under the hash of the request that produced it.

The key is the sha256 of the canonical JSON of ``(model, parameters, messages, seed,
response format)``: the endpoint's model name (not its URL or key, so the same model served
elsewhere hits the same entries), every sampling parameter, the full rendered prompt and the
per-request seed Phantom derives from the recipe's. A rebuild of an unchanged recipe asks
only for keys it has, so it makes no calls; a killed build finds the responses it already
paid for.

Entries are one JSON file each, ``<dir>/<key[:2]>/<key>.json``, written to a temporary name
beside it and renamed into place, so concurrent writers (threads, Ray workers on one disk)
never leave half an entry and the last identical write wins. Lookups go through a list of
folders: the writable working cache first (``.phantom/llm-cache`` of the registry), then
read-only copies (the ``model/llm-cache`` a released version carries, pulled from the DVC
remote). :func:`copy_entries` puts the entries a build used beside its data, where DVC
tracks them and ``phantom release`` pushes them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

CACHE_FOLDER = "llm-cache"  # in the working cache root and in a version's model/ folder


def request_key(request: dict[str, Any]) -> str:
    """The hex sha256 of a request's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry(folder: Path, key: str) -> Path:
    return folder / key[:2] / f"{key}.json"


class ResponseCache:
    """Look responses up in ``folders`` (the first is written to)."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = [Path(f) for f in folders]

    def get(self, key: str) -> dict[str, Any] | None:
        for folder in self.folders:
            path = _entry(folder, key)
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue
            except ValueError:  # a torn file from another tool: treat as absent
                continue
        return None

    def put(self, key: str, record: dict[str, Any]) -> None:
        path = _entry(self.folders[0], key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{id(record)}.partial")
        partial.write_text(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
        os.replace(partial, path)

    def path_of(self, key: str) -> Path | None:
        for folder in self.folders:
            path = _entry(folder, key)
            if path.is_file():
                return path
        return None


def copy_entries(cache: ResponseCache, keys: Iterable[str], destination: Path) -> int:
    """Copy the entries of ``keys`` into ``destination`` (same layout); returns how many."""
    copied = 0
    for key in sorted(set(keys)):
        source = cache.path_of(key)
        if source is None:
            continue
        target = _entry(destination, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied += 1
    return copied


__all__ = ["CACHE_FOLDER", "ResponseCache", "copy_entries", "request_key"]
