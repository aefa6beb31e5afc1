"""Every model response, stored under the hash of the request that produced it.

The key is the sha256 of the canonical JSON of ``(model, parameters, messages, seed,
response format)``: the endpoint's model name (not its URL or key, so the same model served
elsewhere hits the same entries), every sampling parameter, the full rendered prompt and the
per-request seed Phantom derives from the recipe's. A rebuild of an unchanged recipe asks
only for keys it has, so it makes no calls; a killed build finds the responses it already
paid for.

Two stores, looked up in order:

- the working cache (``.phantom/llm-cache`` of the registry): one JSON file per response,
  ``<dir>/<key[:2]>/<key>.json``, written to a temporary name beside it and renamed into
  place, so concurrent writers (threads, Ray workers on one disk) never leave half an entry
  and the last identical write wins; it is where a running build writes;
- packs: the responses a build used, put beside its data by :func:`write_pack` as one SQLite
  file (``model/llm-responses.sqlite``, a table of key -> record in key order) which DVC
  tracks and ``phantom release`` pushes. One file, whatever the number of responses, so
  neither DVC nor the manifest lists millions of entries; read-only, opened per lookup
  batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

CACHE_FOLDER = "llm-cache"  # the working cache, under .phantom/
PACK_FILE = "llm-responses.sqlite"  # the responses of one build, in its model/ folder


def request_key(request: dict[str, Any]) -> str:
    """The hex sha256 of a request's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry(folder: Path, key: str) -> Path:
    return folder / key[:2] / f"{key}.json"


class ResponseCache:
    """Look responses up in the working ``folder`` (written to), then in read-only ``packs``.

    Safe to share between threads; use it as a context manager to close the packs."""

    def __init__(self, folder: Path, packs: Sequence[Path] = ()) -> None:
        self.folder = Path(folder)
        self.packs = [Path(p) for p in packs]
        self._connections: list[sqlite3.Connection] | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        for connection in self._connections or []:
            connection.close()
        self._connections = None

    def _packs(self) -> list[sqlite3.Connection]:
        if self._connections is None:
            self._connections = [
                sqlite3.connect(f"file:{pack}?mode=ro", uri=True, check_same_thread=False)
                for pack in self.packs
                if pack.is_file()
            ]
        return self._connections

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(_entry(self.folder, key).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):  # absent, or torn by another tool
            pass
        with self._lock:
            for connection in self._packs():
                row = connection.execute(
                    "SELECT record FROM responses WHERE key = ?", (key,)
                ).fetchone()
                if row is not None:
                    return json.loads(row[0])
        return None

    def put(self, key: str, record: dict[str, Any]) -> None:
        path = _entry(self.folder, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        partial.write_text(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
        os.replace(partial, path)


def write_pack(cache: ResponseCache, keys: Iterable[str], path: Path) -> int:
    """Write the records of ``keys`` (those the cache holds) as the pack ``path``, in key
    order; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    written = 0
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, record TEXT NOT NULL)")
        for key in sorted(set(keys)):
            record = cache.get(key)
            if record is None:
                continue
            text = json.dumps(record, sort_keys=True, ensure_ascii=False)
            connection.execute("INSERT INTO responses VALUES (?, ?)", (key, text))
            written += 1
    connection.close()
    return written


def pack_size(path: Path) -> int:
    """How many responses a pack holds."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        count = connection.execute("SELECT count(*) FROM responses").fetchone()[0]
    connection.close()
    return int(count)


__all__ = [
    "CACHE_FOLDER",
    "PACK_FILE",
    "ResponseCache",
    "pack_size",
    "request_key",
    "write_pack",
]
