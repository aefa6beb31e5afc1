"""The catalog: every released version of every dataset as DuckDB tables, and SQL over them.

Tables (what ``phantom sql`` and :meth:`Catalog.query` see):

``datasets``   one row per dataset with a recipe or a release: description, license,
               generator, latest release, release count, the workspace recipe's version and
               the workspace data's rows, content hash and status.
``versions``   one row per release tag ``name@version``: tag, tag object, commit (``rev``),
               ``created`` (tagger date, UTC), content hash, semver ``ordinal`` and
               ``is_latest``, ``previous_version``, rows, ``bytes`` (the whole version folder,
               as DVC stores it), ``parquet_bytes``, ``files``, ``dvc_md5`` (DVC's content
               address of ``data/<name>``), ``splits`` (map split -> rows), generator (kind and
               model), seed source and sha256, random seed, generation depth, license,
               description, scores (``quality_overall`` 0-100, ``fidelity`` 0-1, ``areas`` map,
               ``gates_passed``), and ``quality``/``recipe`` as JSON text.
``columns``    per version and column: position, ``column_name``, ``type`` (Arrow), ``null_share``,
               ``fidelity`` (the column's shape score) and ``scores`` (map section -> score).
``splits``     per version and split: rows and parquet bytes.
``lineage``    per version with a seed: ``parent_kind`` ``'version'`` (a ``registry:`` seed,
               resolved to the exact parent version by the seed's content hash) or ``'seed'``.

Where it comes from. Everything is read from git, never from a checkout of a tag: the release
tags (:mod:`registry.tags`, the same reader ``resolve`` uses) and, at each tag's commit,
``recipes/<name>.yaml``, ``cards/<name>.md`` (its front matter lists the columns with their
types and the splits with rows and bytes), ``cards/<name>.quality.json`` and the
``materialize@<name>`` stage of ``dvc.lock`` (md5, size and file count of the data out), all
through ``git cat-file --batch``. Manifests live in the DVC-tracked data, so they are read
only when a version's data is fetched for a query; that is also when a version's
``null_share`` is filled in (from the parquet footers) and its column types are replaced by
the manifest's. Until then ``null_share`` is NULL.

One module per job:

:mod:`._parse`      what a tag holds (recipe, card, scores, lock entry) -> catalog rows
:mod:`._workspace`  the checkout's recipes and built data, for the ``datasets`` table
:mod:`.cache`       the DuckDB cache file: schema, incremental refresh, per-process state
:mod:`._derive`     ordinals, latest, lineage parents and ``datasets``, after each change
:mod:`.sandbox`     read-only user SQL and the version views it names
:mod:`.export`      query results as a page of rows, csv, json or parquet
:mod:`._catalog`    :class:`Catalog`, the handle that ties them together
"""

from __future__ import annotations

from registry._paths import CATALOG_FILE
from registry.catalog._catalog import Catalog
from registry.catalog._parse import lock_entry, parse_card, parse_tag, read_card, score_number
from registry.catalog.cache import RefreshResult
from registry.catalog.export import FORMATS, export, result_rows
from registry.catalog.sandbox import check_read_only, one_line, quoted_identifiers

__all__ = [
    "CATALOG_FILE",
    "FORMATS",
    "Catalog",
    "RefreshResult",
    "check_read_only",
    "export",
    "lock_entry",
    "one_line",
    "parse_card",
    "parse_tag",
    "quoted_identifiers",
    "read_card",
    "result_rows",
    "score_number",
]
