"""sha256 of files and of a whole dataset, the identities that pins and manifests use."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def sha256_bytes(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def content_hash(file_hashes: Mapping[str, str]) -> str:
    """The hash of a dataset: sha256 over its sorted ``relpath<TAB>sha256`` lines.

    Only the files that are the data and its description take part; the manifest itself (which
    records git revisions and this hash) does not, so re-materializing the same content at a
    later commit keeps the same hash.
    """
    lines = "".join(f"{path}\t{digest}\n" for path, digest in sorted(file_hashes.items()))
    return sha256_bytes(lines.encode())
