"""Exact and near-duplicate rows, found in row order as rows are accepted.

Exact: the normalized text (lower case, whitespace collapsed) of the checked columns is
hashed; a repeat is a duplicate. Near: MinHash (``datasketch``, ``num_perm`` permutations,
a fixed seed so every process agrees) over word ``shingle``-grams, indexed in an LSH at the
Jaccard threshold ``near``; a row is a duplicate when an LSH candidate's estimated Jaccard
similarity is at least ``near``. Rows are offered in slot order, so which of two duplicates
is kept (the first) never depends on timing.

One :class:`Deduplicator` lives for one batch (``LLM_BATCH_ROWS`` rows): rows of different
batches are never compared. Comparing with earlier batches would make batch ``i`` depend on
every batch before it, so shards could no longer be sampled in parallel or alone; the card
says that duplicates across batches are not removed (and the version's near-duplicate rate
measures them).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

_SPACE = re.compile(r"\s+")
MINHASH_SEED = 1  # datasketch's default; fixed, so hashes agree between processes


def _normalized(texts: Sequence[Any]) -> str:
    return "\x1f".join(_SPACE.sub(" ", str(t)).strip().lower() for t in texts)


class Deduplicator:
    """Remember accepted rows; say whether a new one repeats one of them."""

    def __init__(self, *, near: float | None, shingle: int, num_perm: int) -> None:
        self.near, self.shingle, self.num_perm = near, shingle, num_perm
        self._exact: set[str] = set()
        self._lsh: Any = None
        self._hashes: dict[str, Any] = {}
        self._permutations: Any = None
        self._scheme: str | None = None
        if near is not None:
            from datasketch import MinHash, MinHashLSH

            self._lsh = MinHashLSH(threshold=near, num_perm=num_perm)
            # Drawn once: making them is most of the cost of a MinHash of a short text.
            first = MinHash(num_perm=num_perm, seed=MINHASH_SEED)
            self._permutations, self._scheme = first.permutations, first.scheme

    def _minhash(self, text: str) -> Any:
        from datasketch import MinHash

        words = text.split()
        grams = {
            " ".join(words[i : i + self.shingle])
            for i in range(max(1, len(words) - self.shingle + 1))
        }
        minhash = MinHash(
            num_perm=self.num_perm,
            seed=MINHASH_SEED,
            permutations=self._permutations,
            scheme=self._scheme,
        )
        minhash.update_batch([g.encode("utf-8") for g in grams])
        return minhash

    def check(self, texts: Sequence[Any]) -> str | None:
        """``"exact"`` or ``"near"`` when the row repeats an accepted one, else ``None``
        (and the row is remembered as accepted)."""
        text = _normalized(texts)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in self._exact:
            return "exact"
        minhash = None
        if self._lsh is not None:
            minhash = self._minhash(text)
            for other in self._lsh.query(minhash):
                if minhash.jaccard(self._hashes[other]) >= self.near:
                    return "near"
        self._exact.add(digest)
        if minhash is not None:
            self._lsh.insert(digest, minhash)
            self._hashes[digest] = minhash
        return None


__all__ = ["Deduplicator"]
