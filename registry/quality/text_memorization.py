"""Memorization of seed text: exact copies and the longest word n-gram shared with the seed.

Texts are compared as word sequences: :func:`words` lowercases and keeps the runs of letters
and digits (``\\w+``), so punctuation and case do not hide a copy. An exact copy is a text
whose word sequence equals a seed text's (an empty text copies nothing). The longest shared
n-gram of a text is the most consecutive words it has in common with any one seed text.

It is found without comparing texts pair by pair: every seed n-gram of a length ``L`` is
hashed (a polynomial rolling hash over word ids, mod 2^64, so a collision is ~1e-19 per
pair), and a text shares an ``L``-gram when one of its own ``L``-gram hashes is in that set.
Sharing is monotone in ``L`` (a shared 8-gram holds a shared 7-gram), so each text's length
is found by a binary search; the searches run in lock-step, and in each step the texts that
test the same ``L`` are checked together, with one sorted array of seed hashes per ``L``.
Cost: O(seed words) per distinct ``L`` tested (a few dozen for ordinary text) plus
O(text words x log(longest text)); memory is one array of seed hashes at a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

WORD = re.compile(r"\w+")
SHARED_WORDS = (5, 10, 20)  # rows sharing at least this many consecutive words are counted
FLAG_EXCESS = 0.02  # share beyond the natural rate that flags memorization
FLAGGED = 20  # synthetic row numbers listed, at most
_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd: a bijection mod 2^64


class TextMemorization(BaseModel):
    """Copies of seed texts in one synthetic text column, against the natural rate (the same
    figures for real holdout texts, which no generator saw)."""

    model_config = ConfigDict(frozen=True)

    exact_copies: int
    exact_copy_share: float
    natural_copy_share: float | None
    longest_shared_ngram: int
    median_shared_ngram: float
    natural_longest_shared_ngram: int | None
    rows_sharing: dict[str, int]  # "10": rows sharing >= 10 consecutive words with a seed text
    natural_sharing_share: dict[str, float] | None
    flagged: bool  # copies (or rows sharing >= 20 words) beyond the natural rate + 2 points
    flagged_rows: list[int]


def words(text: str) -> list[str]:
    """The lowercased words of ``text`` (runs of ``\\w``), as copies are compared."""
    return WORD.findall(text.casefold())


def memorization(
    synthetic: Sequence[str], seed: Sequence[str], holdout: Sequence[str] | None = None
) -> TextMemorization:
    """Exact copies of ``seed`` texts in ``synthetic`` and their longest shared word n-grams,
    with ``holdout`` (real texts the generator never saw) giving the natural rates."""
    synthetic_words = [words(t) for t in synthetic]
    seed_words = [words(t) for t in seed]
    copies, longest = _copies_and_longest(synthetic_words, seed_words)
    natural_copy = natural_longest = natural_sharing = None
    if holdout is not None and len(holdout):
        held_copies, held_longest = _copies_and_longest([words(t) for t in holdout], seed_words)
        natural_copy = round(float(held_copies.mean()), 4)
        natural_longest = int(held_longest.max())
        natural_sharing = {
            str(n): round(float((held_longest >= n).mean()), 4) for n in SHARED_WORDS
        }
    rows = max(1, len(synthetic_words))
    copy_share = float(copies.sum()) / rows
    long_share = float((longest >= SHARED_WORDS[-1]).sum()) / rows
    flagged = copy_share > (natural_copy or 0.0) + FLAG_EXCESS or long_share > (
        (natural_sharing or {}).get(str(SHARED_WORDS[-1]), 0.0) + FLAG_EXCESS
    )
    flagged_rows = np.flatnonzero(copies | (longest >= SHARED_WORDS[-1]))[:FLAGGED]
    return TextMemorization(
        exact_copies=int(copies.sum()),
        exact_copy_share=round(copy_share, 4),
        natural_copy_share=natural_copy,
        longest_shared_ngram=int(longest.max()) if len(longest) else 0,
        median_shared_ngram=float(np.median(longest)) if len(longest) else 0.0,
        natural_longest_shared_ngram=natural_longest,
        rows_sharing={str(n): int((longest >= n).sum()) for n in SHARED_WORDS},
        natural_sharing_share=natural_sharing,
        flagged=bool(flagged),
        flagged_rows=[int(i) for i in flagged_rows],
    )


def _copies_and_longest(
    texts: list[list[str]], seed: list[list[str]]
) -> tuple[np.ndarray, np.ndarray]:
    seed_texts = {tuple(t) for t in seed if t}
    copies = np.array([bool(t) and tuple(t) in seed_texts for t in texts], dtype=bool)
    return copies, longest_shared_ngrams(texts, seed)


def longest_shared_ngrams(texts: list[list[str]], seed: list[list[str]]) -> np.ndarray:
    """For each word list in ``texts``, the most consecutive words it shares with any one
    word list of ``seed`` (0 when it shares none; see the module docstring)."""
    vocabulary: dict[str, int] = {}
    seed_index = _Indexed(seed, vocabulary)
    index = _Indexed(texts, vocabulary)
    lo = np.zeros(len(texts), dtype=np.int64)  # shares an lo-gram (0: trivially)
    hi = np.minimum(index.lengths, seed_index.lengths.max(initial=0)) + 1  # shares no hi-gram
    while True:
        active = np.flatnonzero(lo + 1 < hi)
        if not len(active):
            return lo
        middle = (lo[active] + hi[active]) // 2
        for length in np.unique(middle):
            rows = active[middle == length]
            shared = index.shares(rows, int(length), seed_index.hashes(int(length)))
            lo[rows[shared]] = length
            hi[rows[~shared]] = length


class _Indexed:
    """Word lists as one array of word ids with prefix hashes, to hash any window fast."""

    def __init__(self, texts: list[list[str]], vocabulary: dict[str, int]) -> None:
        self.lengths = np.array([len(t) for t in texts], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)
        ids = np.fromiter(
            (vocabulary.setdefault(w, len(vocabulary) + 1) for t in texts for w in t),
            dtype=np.uint64,
            count=int(self.lengths.sum()),
        )
        self.prefix = _prefix_hashes(ids)

    def window_hashes(self, positions: np.ndarray, length: int) -> np.ndarray:
        power = np.uint64(pow(int(_BASE), length, 2**64))
        with np.errstate(over="ignore"):
            return self.prefix[positions + length] - self.prefix[positions] * power

    def hashes(self, length: int) -> np.ndarray:
        """Sorted hashes of every ``length``-word window of every text."""
        rows = np.flatnonzero(self.lengths >= length)
        return np.sort(self.window_hashes(self._windows(rows, length)[0], length))

    def shares(self, rows: np.ndarray, length: int, seed_hashes: np.ndarray) -> np.ndarray:
        """Whether each of ``rows`` has a ``length``-word window among ``seed_hashes``."""
        positions, owner = self._windows(rows, length)
        hashes = self.window_hashes(positions, length)
        found = np.zeros(len(hashes), dtype=bool)
        if len(seed_hashes):
            at = np.searchsorted(seed_hashes, hashes).clip(max=len(seed_hashes) - 1)
            found = seed_hashes[at] == hashes
        return np.bincount(owner, weights=found, minlength=len(rows)) > 0

    def _windows(self, rows: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
        """Start positions of every ``length``-window of ``rows``, and which row each is in."""
        counts = np.maximum(self.lengths[rows] - length + 1, 0)
        owner = np.repeat(np.arange(len(rows)), counts)
        first = np.repeat(self.starts[rows], counts)
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return first + offsets, owner


def _prefix_hashes(ids: np.ndarray) -> np.ndarray:
    """``P[i] = sum(ids[j] * B^(i-1-j) for j < i)`` mod 2^64 for every prefix, vectorized:
    ``P[i] = B^i * sum(ids[j] * B^-(j+1))`` with B's inverse mod 2^64 (B is odd)."""
    n = len(ids)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    if n == 0:
        return prefix
    inverse = np.uint64(pow(int(_BASE), -1, 2**64))
    with np.errstate(over="ignore"):
        powers = _powers(_BASE, n + 1)  # B^0 .. B^n
        inverse_powers = _powers(inverse, n + 1)  # B^0 .. B^-n
        prefix[1:] = np.cumsum(ids * inverse_powers[1:], dtype=np.uint64) * powers[1:]
    return prefix


def _powers(base: np.uint64, count: int) -> np.ndarray:
    """``base^0 .. base^(count-1)`` mod 2^64, by repeated doubling of a running product."""
    powers = np.ones(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        filled, factor = 1, base
        while filled < count:
            take = min(filled, count - filled)
            powers[filled : filled + take] = powers[:take] * factor
            filled += take
            factor = factor * factor
    return powers
