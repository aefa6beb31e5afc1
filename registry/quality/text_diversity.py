"""How varied a set of texts is: distinct n-grams, near-duplicates, embedding spread.

- **distinct-n** (Li et al., 2016): distinct word n-grams over all n-grams of the set, for
  n = 1, 2, 3 (words as :func:`registry.quality.text_memorization.words` splits them). It
  falls as a set grows, so real and synthetic figures are computed on the same number of
  texts.
- **Near-duplicate rate**: the share of texts with at least one other text whose word
  3-gram shingles (:data:`SHINGLE_WORDS`; a shorter text is one shingle) have a Jaccard
  similarity of at least :data:`NEAR_DUPLICATE_JACCARD`, estimated with MinHash
  (``datasketch``, :data:`PERMUTATIONS` permutations, seed 1) and found with its LSH index.
  Texts with the same signature are duplicates of each other without a query. Exact
  duplicates count; a text equal to another up to case and punctuation is an exact one.
- **Embedding diversity**: the mean cosine distance between two different texts' sentence
  embeddings (unit vectors, so it is ``1 - (|sum e|^2 - n) / (n (n - 1))``, O(n)).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from importlib import metadata

import numpy as np

from registry.quality.text_memorization import words

DISTINCT_N = (1, 2, 3)
SHINGLE_WORDS = 3
NEAR_DUPLICATE_JACCARD = 0.8
PERMUTATIONS = 128


def distinct_n(texts: Sequence[str], n: int) -> float | None:
    """Distinct word n-grams over all word n-grams in ``texts``; None when there are none."""
    total = 0
    seen: set[tuple[str, ...]] = set()
    for text in texts:
        tokens = words(text)
        grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        total += len(grams)
        seen.update(grams)
    return round(len(seen) / total, 4) if total else None


def minhash_unavailable() -> str | None:
    """Why near-duplicates cannot be measured here (``datasketch`` is missing), or None."""
    try:
        metadata.version("datasketch")
    except metadata.PackageNotFoundError:
        return "datasketch is not installed; install phantom-registry[text] for near-duplicates"
    return None


def near_duplicate_rate(texts: Sequence[str]) -> float | None:
    """The share of ``texts`` that near-duplicate another one (see the module docstring)."""
    if len(texts) < 2:
        return None
    from datasketch import MinHash, MinHashLSH

    signatures = MinHash.bulk((_shingles(text) for text in texts), num_perm=PERMUTATIONS, seed=1)
    groups: dict[bytes, list[int]] = defaultdict(list)
    for row, signature in enumerate(signatures):
        groups[signature.hashvalues.tobytes()].append(row)
    near = np.zeros(len(texts), dtype=bool)
    index = MinHashLSH(threshold=NEAR_DUPLICATE_JACCARD, num_perm=PERMUTATIONS)
    firsts = [rows[0] for rows in groups.values()]
    with index.insertion_session() as session:
        for row in firsts:
            session.insert(row, signatures[row], check_duplication=False)
    for rows in groups.values():
        if len(rows) > 1:
            near[rows] = True
            continue
        signature = signatures[rows[0]]
        if any(
            other != rows[0] and signature.jaccard(signatures[other]) >= NEAR_DUPLICATE_JACCARD
            for other in index.query(signature)
        ):
            near[rows[0]] = True
    return round(float(near.mean()), 4)


def embedding_diversity(embeddings: np.ndarray) -> float | None:
    """Mean cosine distance between two different rows of unit-length ``embeddings``."""
    n = len(embeddings)
    if n < 2:
        return None
    total = embeddings.sum(axis=0)
    mean_similarity = (float(total @ total) - n) / (n * (n - 1))
    return round(1.0 - mean_similarity, 4)


def _shingles(text: str) -> list[bytes]:
    tokens = words(text)
    if len(tokens) <= SHINGLE_WORDS:
        return [" ".join(tokens).encode()]
    return [
        " ".join(tokens[i : i + SHINGLE_WORDS]).encode()
        for i in range(len(tokens) - SHINGLE_WORDS + 1)
    ]
