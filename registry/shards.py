"""Streaming rows into Hugging Face style parquet shards, split by row position.

A build's rows arrive batch by batch, in order. Row ``g`` (its position in the whole build)
belongs to the split whose range holds it: the splits take consecutive ranges in the order
the recipe lists them, sized by share with largest-remainder rounding, so the assignment is
fixed before any row exists and needs no memory. Generators' rows are exchangeable (each
batch is shuffled or i.i.d.), so a range is as good a random split as any.

Each split is cut into ``<split>-0000i-of-0000n.parquet`` shards of at most 1M rows and
~128 MB (estimated from the first batch's Arrow size per row): :func:`plan_shards` fixes every
shard's row range up front, so each shard can be written on its own, by any process
(:func:`write_shard`, one row group per batch slice): memory holds one batch, never the
dataset, and a local build and a Ray build write the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

MAX_SHARD_ROWS = 1_000_000
MAX_SHARD_BYTES = 128 * 1024 * 1024


def split_counts(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Rows per split: ``share * total`` rounded by largest remainder, adding up to ``total``."""
    exact = {name: share * total for name, share in shares.items()}
    counts = {name: int(value) for name, value in exact.items()}
    leftover = total - sum(counts.values())
    for name in sorted(exact, key=lambda n: exact[n] - counts[n], reverse=True)[:leftover]:
        counts[name] += 1
    return counts


@dataclass(frozen=True)
class Shard:
    """One parquet file of a build: rows ``start``..``stop`` of the build (positions in the
    whole build, across splits), all of split ``split``. A split with no rows still gets one
    empty shard, so every split has a file and the schema."""

    split: str
    file: str
    start: int
    stop: int

    @property
    def rows(self) -> int:
        return self.stop - self.start


def shard_rows(first: pa.Table) -> int:
    """Rows per shard: at most ``MAX_SHARD_ROWS`` and about ``MAX_SHARD_BYTES``, estimated
    from the Arrow size per row of the build's first batch."""
    bytes_per_row = max(1, first.nbytes // max(1, first.num_rows))
    return max(1, min(MAX_SHARD_ROWS, MAX_SHARD_BYTES // bytes_per_row))


def plan_shards(counts: dict[str, int], per_shard: int) -> list[Shard]:
    """Every shard of a build, in row order: each split's range cut into ``per_shard`` pieces
    named ``<split>-0000i-of-0000n.parquet``. Fixed before any row exists."""
    shards, start = [], 0
    for split, rows in counts.items():
        count = max(1, -(-rows // per_shard))
        for index in range(count):
            first = start + index * per_shard
            last = min(start + rows, first + per_shard)
            shards.append(Shard(split, f"{split}-{index:05d}-of-{count:05d}.parquet", first, last))
        start += rows
    return shards


def batch_slices(shard: Shard, batch_rows: int) -> Iterator[tuple[int, int, int]]:
    """``(batch index, first, stop)``: the part of each batch (rows ``first``..``stop`` of
    it) that falls in ``shard``, in order. A shard is whole batches plus a part of one at
    either end."""
    position = shard.start
    while position < shard.stop:
        index, first = divmod(position, batch_rows)
        stop = min(batch_rows, first + shard.stop - position)
        yield index, first, stop
        position += stop - first


def write_shard(path: Path, schema: pa.Schema, tables: Iterable[pa.Table]) -> tuple[int, str]:
    """Write ``tables`` (slices of batches, in order) as the parquet file ``path``: one row
    group per slice, zstd, the build's ``schema``. The same rows in the same slices give the
    same bytes whichever process writes them. Written beside ``path`` and renamed, so a
    killed writer leaves no half file under the shard's name. Returns its size in bytes and
    its sha256 (read back while it is still in the page cache, where it was written)."""
    import pyarrow.parquet as pq

    from registry._hashing import sha256_file

    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
        wrote = False
        for table in tables:
            writer.write_table(table)
            wrote = True
        if not wrote:
            writer.write_table(schema.empty_table())
    os.replace(partial, path)
    return path.stat().st_size, sha256_file(path)


__all__ = [
    "MAX_SHARD_BYTES",
    "MAX_SHARD_ROWS",
    "Shard",
    "batch_slices",
    "plan_shards",
    "shard_rows",
    "split_counts",
    "write_shard",
]
