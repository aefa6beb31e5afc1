"""Streaming rows into Hugging Face style parquet shards, split by row position.

A build's rows arrive batch by batch, in order. Row ``g`` (its position in the whole build)
belongs to the split whose range holds it: the splits take consecutive ranges in the order
the recipe lists them, sized by share with largest-remainder rounding, so the assignment is
fixed before any row exists and needs no memory. Generators' rows are exchangeable (each
batch is shuffled or i.i.d.), so a range is as good a random split as any.

Each split is cut into ``<split>-0000i-of-0000n.parquet`` shards of at most 1M rows and
~128 MB (estimated from the first batch's Arrow size per row), written with one parquet
writer open at a time: memory holds one batch, never the dataset.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

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


def split_frame(frame: pd.DataFrame, shares: dict[str, float]) -> dict[str, pd.DataFrame]:
    """Cut an in-memory sample into splits exactly as a streamed build does."""
    splits, start = {}, 0
    for name, count in split_counts(len(frame), shares).items():
        splits[name] = frame.iloc[start : start + count].reset_index(drop=True)
        start += count
    return splits


class ShardWriter:
    """Write batches of rows, in build order, into the shards of their splits.

    ``to_arrow(frame, schema)`` turns a batch into an Arrow table; the first batch's schema is
    handed to every later one so all shards share it. Call :meth:`close` once for the
    per-split ``rows``, ``bytes`` and ``files``.
    """

    def __init__(
        self,
        folder: Path,
        counts: dict[str, int],
        to_arrow: Callable[[pd.DataFrame, pa.Schema | None], pa.Table],
    ) -> None:
        self.folder = folder
        self.counts = counts
        self.to_arrow = to_arrow
        self.schema: pa.Schema | None = None
        self._per_shard = MAX_SHARD_ROWS
        self._position = 0
        self._open: tuple[str, int, pq.ParquetWriter] | None = None
        self._files: dict[str, list[str]] = {name: [] for name in counts}
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, frame: pd.DataFrame) -> None:
        """Append the next ``len(frame)`` rows of the build."""
        table = self.to_arrow(frame, self.schema)
        if self.schema is None:
            self.schema = table.schema
            bytes_per_row = max(1, table.nbytes // max(1, table.num_rows))
            self._per_shard = max(1, min(MAX_SHARD_ROWS, MAX_SHARD_BYTES // bytes_per_row))
        offset = 0
        while offset < table.num_rows:
            split, index, room = self._locate(self._position)
            take = min(room, table.num_rows - offset)
            self._writer(split, index).write_table(table.slice(offset, take))
            offset += take
            self._position += take

    def close(self) -> dict[str, dict[str, Any]]:
        """Finish the last shard (and an empty one for any split with no rows)."""
        import pyarrow.parquet as pq

        self._finish_open()
        written: dict[str, dict[str, Any]] = {}
        for split, rows in self.counts.items():
            if rows == 0:
                assert self.schema is not None
                name = f"{split}-00000-of-00001.parquet"
                pq.write_table(self.schema.empty_table(), self.folder / name, compression="zstd")
                self._files[split] = [name]
            files = self._files[split]
            written[split] = {
                "rows": rows,
                "bytes": sum((self.folder / f).stat().st_size for f in files),
                "files": files,
            }
        return written

    # --- where row g goes -------------------------------------------------------------------

    def _locate(self, position: int) -> tuple[str, int, int]:
        """``(split, shard index, rows left in that shard)`` for the row at ``position``."""
        start = 0
        for split, rows in self.counts.items():
            if position < start + rows:
                within = position - start
                index = within // self._per_shard
                shard_end = min(rows, (index + 1) * self._per_shard)
                return split, index, shard_end - within
            start += rows
        raise ValueError(f"row {position} is past the {start} rows the build plans")

    def _writer(self, split: str, index: int) -> pq.ParquetWriter:
        import pyarrow.parquet as pq

        if self._open is not None and self._open[:2] == (split, index):
            return self._open[2]
        self._finish_open()
        count = max(1, -(-self.counts[split] // self._per_shard))
        name = f"{split}-{index:05d}-of-{count:05d}.parquet"
        writer = pq.ParquetWriter(self.folder / name, self.schema, compression="zstd")
        self._files[split].append(name)
        self._open = (split, index, writer)
        return writer

    def _finish_open(self) -> None:
        if self._open is not None:
            self._open[2].close()
            self._open = None


__all__ = ["MAX_SHARD_BYTES", "MAX_SHARD_ROWS", "ShardWriter", "split_counts", "split_frame"]
