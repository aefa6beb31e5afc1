"""The ``llm`` generator: rows whose text columns language models write, grade and a
deterministic check verifies, made again until they pass.

A row is built column by column in declaration order (see ``LlmGenerator`` in
:mod:`registry.recipes` for the recipe side):

- sampler columns come from the sampler's own code (:class:`ColumnSampler`, over the sampler
  columns only), seed columns from one seed row drawn with replacement;
- ``llm``: the sandboxed Jinja ``prompt`` (and ``system_prompt``) rendered over the row is
  sent to the model the column names (:mod:`registry.llm.clients`); with ``output_schema``
  the answer must be JSON fitting it, and its properties become columns ``<name>_<field>``;
- ``judge``: the model grades ``column`` against ``rubric`` and answers a score in ``scale``
  and a reason (``<name>``, ``<name>_reason``); under ``min_score`` the row is rejected;
- ``verify``: a DuckDB SQL expression over the row (the sampler's expression checks and
  sandbox), a regex or a JSON schema over ``column``, or an exact sympy comparison of
  ``column``'s final number with an expected arithmetic template (:mod:`registry.llm.verifiers`).

A row that fails a check (or an answer that does not fit its schema, or that repeats an
accepted row: :mod:`registry.llm.dedup`, within the batch) is made again from scratch as
attempt ``a + 1``: new sampler values (the sampler's batch ``index + a * 2**32``), a new seed
row and new request seeds. After ``max_attempts`` tries of one row the build fails, naming
the check that rejected it last.

Purity and the cache: every request carries a ``seed`` derived from ``batch_seed(random_seed,
index)``, the row's slot, its attempt and the column, and is answered from the response cache
(:mod:`registry.llm.cache`) when it was ever answered before. Given the cache, batch ``index``
is a pure function of ``(random_seed, index)``: a rebuild of an unchanged recipe makes no
calls and writes the same bytes, a killed build resumes where it was, and shards can be made
by Ray tasks (which share the registry's working cache on disk). What a batch counted
(requests, calls, tokens, rejections per check, judge scores) is kept per batch index and
travels back with the shard that sampled it (:meth:`batch_report`), so the figures are the
same whichever process made the batch (:mod:`registry.llm.report`).

Requests of one column are sent concurrently, at most the model's ``concurrency`` at a time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from registry.errors import GeneratorError, RecipeError
from registry.generators._base import (
    MODEL_FOLDER,
    BaseGenerator,
    BuildContext,
    GenerationSummary,
    batch_seed,
)
from registry.generators.samplers import ColumnSampler, evaluate_expression
from registry.llm import report as counting
from registry.llm import schema as schemas
from registry.llm import templates, verifiers
from registry.llm.cache import CACHE_FOLDER, PACK_FILE, ResponseCache, request_key, write_pack
from registry.llm.clients import ChatClient, Reply, make_client
from registry.recipes import (
    LLM_BATCH_ROWS,
    ExpressionColumn,
    JudgeColumn,
    LlmColumn,
    SamplerGenerator,
    SeedColumn,
    VerifyColumn,
)
from registry.recipes import LlmGenerator as LlmConfig

ATTEMPT_STRIDE = 2**32  # attempt a of batch i draws sampler values from "batch" i + a * stride
WORKING_CACHE = Path(".phantom") / CACHE_FOLDER
JUDGE_SYSTEM = "You grade text strictly against a rubric and answer only with JSON."


class LlmGenerator(BaseGenerator):
    """Make rows with language models; implements ``Generator`` (see the module docstring)."""

    Config = LlmConfig
    batch_rows = LLM_BATCH_ROWS

    def __init__(
        self, config: LlmConfig, *, random_seed: int, context: BuildContext | None = None
    ) -> None:
        super().__init__(config, random_seed=random_seed, context=context)
        self._sampled = [c for c in config.columns if _is_sampler_column(c)]
        self._sampler = (
            ColumnSampler(
                SamplerGenerator(kind="sampler", columns=self._sampled), random_seed=random_seed
            )
            if self._sampled
            else None
        )
        self._check_columns()
        self._train: pd.DataFrame | None = None
        self._working = Path.cwd() / WORKING_CACHE  # fit() puts it in the registry
        self._packs: list[Path] = []
        self._model_folders: dict[str, Path] = {}
        self._clients: dict[str, ChatClient] = {}
        self._client_lock = threading.Lock()
        self._duckdb: Any = None
        self._checked_sql: set[str] = set()
        self._reports: dict[int, counting.BatchCounts] = {}
        self._used: list[str] = []

    # --- checks ---------------------------------------------------------------------------

    @classmethod
    def check(cls, recipe: Any, *, context: BuildContext) -> None:
        """Templates, schemas, regexes and column references (in ``__init__``), and the SQL
        of expression and verify columns, parsed against the columns before them."""
        generator = cls(recipe.generator, random_seed=recipe.random_seed, context=context)
        if generator._sampler is not None:
            ColumnSampler.check(
                recipe.model_copy(update={"generator": generator._sampler.config}),
                context=context,
            )
        from registry._duckdb import sandboxed_connection
        from registry.generators.samplers import _check_expression

        con = sandboxed_connection(threads=1)
        earlier: list[str] = []
        for position, column in enumerate(recipe.generator.columns):
            if isinstance(column, VerifyColumn) and column.sql:
                where = f"{_path(position, column)}.sql"
                _check_expression(con, column.sql, where, earlier, name=column.name)
            earlier.extend(_names(column))

    def _check_columns(self) -> None:
        earlier: list[str] = []
        for position, column in enumerate(self.config.columns):
            path = _path(position, column)
            if isinstance(column, LlmColumn):
                templates.check_template(column.prompt, where=f"{path}.prompt", earlier=earlier)
                if column.system_prompt:
                    templates.check_template(
                        column.system_prompt, where=f"{path}.system_prompt", earlier=earlier
                    )
                if column.output_schema is not None:
                    schemas.check_schema(column.output_schema, where=f"{path}.output_schema")
            elif isinstance(column, JudgeColumn):
                _known(column.column, f"{path}.column", earlier)
                templates.check_template(column.rubric, where=f"{path}.rubric", earlier=earlier)
            elif isinstance(column, VerifyColumn):
                if column.column is not None:
                    _known(column.column, f"{path}.column", earlier)
                if column.regex is not None:
                    verifiers.check_regex(column.regex, where=f"{path}.regex")
                if column.json_schema is not None:
                    _check_any_schema(column.json_schema, where=f"{path}.json_schema")
                if column.sympy is not None:
                    templates.check_template(column.sympy, where=f"{path}.sympy", earlier=earlier)
            earlier.extend(_names(column))
        if self.config.dedup is not None:
            for name in self.config.dedup.columns or []:
                _known(name, "generator.dedup.columns", earlier)

    # --- fitting ----------------------------------------------------------------------------

    def fit(self, train: pd.DataFrame | None) -> None:
        """Keep the seed columns the recipe names; find the caches and local model folders.

        Responses are looked up in the registry's working cache (``.phantom/llm-cache``,
        where new ones are written), then in the pack (``model/llm-responses.sqlite``) of
        every version built in ``data/`` and of every version fetched into the user cache
        (``phantom pull``, ``registry.load``), and of every released version of this dataset,
        fetched here from the DVC cache or remote when missing: a fresh clone (where ``dvc
        repro -f`` deletes ``data/<name>`` before building) rebuilds a released version, or a
        new version sharing its requests, without the calls."""
        sources = [c.source for c in self.config.columns if isinstance(c, SeedColumn)]
        if sources:
            if train is None or len(train) == 0:
                raise GeneratorError("seed columns need seed rows; the seed's train part is empty")
            self._train = train[list(dict.fromkeys(sources))].reset_index(drop=True)
        from registry._paths import user_cache_dir

        root = self.context.root
        self._working = (
            root / WORKING_CACHE if root is not None else user_cache_dir() / CACHE_FOLDER
        )
        saved = f"*/{MODEL_FOLDER}/{PACK_FILE}"
        built = sorted((root / "data").glob(saved)) if root is not None else []
        fetched = sorted((user_cache_dir() / "versions").glob(saved))  # pulled versions
        released = [folder / MODEL_FOLDER / PACK_FILE for folder in self.context.released()]
        self._packs = list(dict.fromkeys([*built, *fetched, *released]))
        if any(spec.provider == "openai" for spec in self.config.models.values()):
            import openai  # noqa: F401 - loaded here, not on the first request of a batch
        if self.config.dedup is not None and self.config.dedup.near is not None:
            import datasketch  # noqa: F401 - likewise (it loads scipy)
        for alias, spec in self.config.models.items():
            if spec.provider == "transformers":
                assert spec.path is not None
                self._model_folders[alias] = (
                    Path(spec.path)
                    if Path(spec.path).is_absolute()
                    else self.context.locate(spec.path)
                )

    def __getstate__(self) -> dict[str, Any]:
        """Ships without clients or a DuckDB connection: each process opens its own."""
        return {**super().__getstate__(), "_clients": {}, "_client_lock": None, "_duckdb": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._client_lock = threading.Lock()

    # --- sampling ---------------------------------------------------------------------------

    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        """Batch ``index``: ``rows`` rows that passed every filter (see the module docstring).

        Raises :class:`GeneratorError` when a row fails ``max_attempts`` times or a model
        cannot be reached after its retries."""
        if rows < 0:
            raise GeneratorError(f"cannot sample {rows} rows; expected rows >= 0")
        counts = counting.empty_counts()
        counts["rows"] = rows
        attempts = [0] * rows
        accepted: dict[int, dict[str, Any]] = {}
        last_reason: dict[int, str] = {}
        dedup = self._deduplicator()
        pending = list(range(rows))
        while pending:
            counts["attempts"] += len(pending)
            alive = self._base_rows(index, pending, attempts, rows)
            for position, column in enumerate(self.config.columns):
                if not alive or _is_sampler_column(column) or isinstance(column, SeedColumn):
                    continue
                failed = self._fill(column, position, alive, index, attempts, counts)
                for slot, reason in failed.items():
                    del alive[slot]
                    last_reason[slot] = reason
            for slot in sorted(alive):
                repeat = dedup.check(self._dedup_texts(alive[slot])) if dedup else None
                if dedup is not None:
                    counting.count_check(counts, "dedup", rejected=repeat is not None)
                if repeat is None:
                    accepted[slot] = alive[slot]
                else:
                    last_reason[slot] = f"dedup ({repeat} duplicate)"
            pending = [slot for slot in pending if slot not in accepted]
            for slot in pending:
                attempts[slot] += 1
                if attempts[slot] >= self.config.max_attempts:
                    raise GeneratorError(
                        f"row {slot} of batch {index} failed {attempts[slot]} attempts "
                        f"(max_attempts); the last was rejected by {last_reason.get(slot)}; "
                        "loosen that check or raise generator.max_attempts"
                    )
        self._reports[index] = counts
        return self._frame([accepted[slot] for slot in range(rows)])

    def batch_report(self, index: int) -> dict[str, Any]:
        return self._reports.get(index, {})

    @functools.lru_cache(maxsize=4)  # noqa: B019 - a few batch seeds, on a long-lived generator
    def _batch_seed(self, index: int) -> int:
        return batch_seed(self.random_seed, index)

    def _base_rows(
        self, index: int, slots: list[int], attempts: list[int], rows: int
    ) -> dict[int, dict[str, Any]]:
        """Sampler and seed values of each pending slot, drawn for its attempt."""
        frames: dict[int, pd.DataFrame] = {}
        picks: dict[int, np.ndarray] = {}
        base: dict[int, dict[str, Any]] = {}
        for slot in slots:
            attempt = attempts[slot]
            row: dict[str, Any] = {}
            if self._sampler is not None:
                if attempt not in frames:
                    frames[attempt] = self._sampler.sample_batch(
                        index + attempt * ATTEMPT_STRIDE, rows
                    )
                row.update(frames[attempt].iloc[slot].to_dict())
            if self._train is not None:
                if attempt not in picks:
                    rng = np.random.default_rng(
                        batch_seed(self.random_seed, index + attempt * ATTEMPT_STRIDE)
                    )
                    picks[attempt] = rng.integers(0, len(self._train), size=rows)
                seed_row = self._train.iloc[int(picks[attempt][slot])]
                for column in self.config.columns:
                    if isinstance(column, SeedColumn):
                        row[column.name] = seed_row[column.source]
            base[slot] = row
        return base

    def _fill(
        self,
        column: Any,
        position: int,
        alive: dict[int, dict[str, Any]],
        index: int,
        attempts: list[int],
        counts: counting.BatchCounts,
    ) -> dict[int, str]:
        """Add ``column`` to every alive row; returns the rows it rejected, with why."""
        path = _path(position, column)
        if isinstance(column, VerifyColumn):
            return self._verify(column, path, alive, counts)
        slots = sorted(alive)
        requests = [self._request(column, path, alive[s], index, s, attempts[s]) for s in slots]
        replies = self._answer_all(column.model, requests, counts)
        failed: dict[int, str] = {}
        for slot, reply in zip(slots, replies, strict=True):
            row = alive[slot]
            if isinstance(column, LlmColumn):
                reason = _take_llm(column, row, reply.text)
                if column.output_schema is not None:
                    counting.count_check(counts, f"{column.name}.schema", rejected=bool(reason))
            else:
                reason = _take_judgement(column, row, reply.text, counts)
            if reason:
                failed[slot] = reason
        return failed

    def _request(
        self, column: Any, path: str, row: Mapping[str, Any], index: int, slot: int, attempt: int
    ) -> dict[str, Any]:
        spec = self.config.models[column.model]
        messages = []
        if isinstance(column, LlmColumn):
            if column.system_prompt:
                text = templates.render(column.system_prompt, row, where=f"{path}.system_prompt")
                messages.append({"role": "system", "content": text})
            prompt = templates.render(column.prompt, row, where=f"{path}.prompt")
            messages.append({"role": "user", "content": prompt})
            response_format = (
                schemas.response_format(column.name, column.output_schema)
                if column.output_schema is not None
                else None
            )
        else:
            messages.append({"role": "system", "content": column.system_prompt or JUDGE_SYSTEM})
            messages.append({"role": "user", "content": _judge_prompt(column, path, row)})
            response_format = schemas.response_format(column.name, _judge_schema(column))
        request: dict[str, Any] = {
            "model": spec.model or f"transformers:{spec.path}",
            "messages": messages,
            "seed": _request_seed(self._batch_seed(index), slot, attempt, column.name),
            **column.params,
        }
        if response_format is not None and spec.provider == "openai":
            request["response_format"] = response_format
        return request

    def _answer_all(
        self, alias: str, requests: list[dict[str, Any]], counts: counting.BatchCounts
    ) -> list[Reply]:
        """Answer ``requests`` from the cache, or from the model (at most its concurrency at
        once) storing each answer as it comes, so a build killed here keeps what it paid for."""

        def answer(request: dict[str, Any]) -> tuple[str, Reply, bool]:
            key = request_key(request)
            record = cache.get(key)
            if record is not None:
                return key, Reply.from_record(record["reply"]), True
            reply = self._client(alias).complete(request)
            cache.put(key, {"request": request, "reply": reply.as_record()})
            return key, reply, False

        spec = self.config.models[alias]
        concurrency = spec.concurrency if spec.provider == "openai" else 1
        workers = max(1, min(len(requests), concurrency))
        with (
            ResponseCache(self._working, self._packs) as cache,
            ThreadPoolExecutor(workers) as pool,
        ):
            results = list(pool.map(answer, requests))
        replies = []
        for key, reply, cached in results:
            counts["requests"] += 1
            counts["cached" if cached else "calls"] += 1
            counts["prompt_tokens"] += reply.prompt_tokens
            counts["completion_tokens"] += reply.completion_tokens
            counts["keys"].append(key)
            replies.append(reply)
        return replies

    def _client(self, alias: str) -> ChatClient:
        with self._client_lock:
            if alias not in self._clients:
                spec = self.config.models[alias]
                self._clients[alias] = make_client(
                    spec, alias=alias, folder=self._model_folders.get(alias)
                )
            return self._clients[alias]

    def _verify(
        self,
        column: VerifyColumn,
        path: str,
        alive: dict[int, dict[str, Any]],
        counts: counting.BatchCounts,
    ) -> dict[int, str]:
        slots = sorted(alive)
        if column.sql is not None:
            passed = self._verify_sql(column, path, [alive[s] for s in slots])
        else:
            passed = [_verify_row(column, path, alive[s]) for s in slots]
        failed: dict[int, str] = {}
        for slot, ok in zip(slots, passed, strict=True):
            alive[slot][column.name] = ok
            counting.count_check(counts, column.name, rejected=not ok)
            if not ok and column.filter:
                failed[slot] = f"verify column {column.name!r}"
        return failed

    def _verify_sql(
        self, column: VerifyColumn, path: str, rows: list[dict[str, Any]]
    ) -> list[bool]:
        if self._duckdb is None:
            from registry._duckdb import sandboxed_connection

            self._duckdb = sandboxed_connection(threads=1)
        names = [n for n in rows[0] if n != column.name]
        data = {name: pd.Series([row[name] for row in rows]) for name in names}
        values = evaluate_expression(
            self._duckdb,
            ExpressionColumn(name=column.name, type="expression", sql=str(column.sql)),
            data,
            rows=len(rows),
            path=path,
            declared=self.config.output_names(),
            check=column.name not in self._checked_sql,
        )
        self._checked_sql.add(column.name)
        return [bool(v) if not pd.isna(v) else False for v in values]

    # --- de-duplication and the frame -------------------------------------------------------

    def _deduplicator(self) -> Any:
        if self.config.dedup is None:
            return None
        from registry.llm.dedup import Deduplicator

        dedup = self.config.dedup
        return Deduplicator(near=dedup.near, shingle=dedup.shingle, num_perm=dedup.num_perm)

    def _dedup_texts(self, row: Mapping[str, Any]) -> list[Any]:
        dedup = self.config.dedup
        assert dedup is not None
        names = dedup.columns or [c.name for c in self.config.columns if isinstance(c, LlmColumn)]
        return [row.get(name) for name in names]

    def _frame(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        names = self.config.output_names()
        frame = pd.DataFrame(rows, columns=names, index=pd.RangeIndex(len(rows)))
        for column in self.config.columns:
            if isinstance(column, LlmColumn):
                frame[column.name] = frame[column.name].astype(object)
                for name, dtype in schemas.field_dtypes(
                    column.name, column.output_schema or {}
                ).items():
                    frame[name] = frame[name].astype(dtype)
            elif isinstance(column, JudgeColumn):
                frame[column.name] = frame[column.name].astype("float64")
            elif isinstance(column, VerifyColumn):
                frame[column.name] = frame[column.name].astype(bool)
        if self._sampler is not None:
            types = self._sampler.sample_batch(0, 1).dtypes
            for column in self._sampled:
                if len(frame):
                    frame[column.name] = frame[column.name].astype(types[column.name])
        if self._train is not None:
            for column in self.config.columns:
                if isinstance(column, SeedColumn) and len(frame):
                    frame[column.name] = frame[column.name].astype(self._train[column.source].dtype)
        return frame

    # --- after the build --------------------------------------------------------------------

    def gather(self, reports: list[tuple[int, dict[str, Any]]]) -> GenerationSummary:
        """The build's figures from its batches' reports (one kept per batch:
        :func:`registry.llm.report.merge`); remembers the cache keys the build used so that
        :meth:`save` can put them beside the data."""
        batches = counting.merge(reports)
        quality, usage = counting.summarize(batches)
        self._used = counting.used_keys(batches)
        return GenerationSummary(quality=quality, usage=usage)

    def save(self, folder: Path) -> bool:
        """The responses this build used, as one pack ``model/llm-responses.sqlite`` (DVC
        tracks and pushes it with the version; outside the content hash, like every saved
        model)."""
        if not self._used:
            return False
        with ResponseCache(self._working, self._packs) as cache:
            return write_pack(cache, self._used, folder / MODEL_FOLDER / PACK_FILE) > 0

    def library_versions(self) -> dict[str, str]:
        """Libraries that decide the rows besides the models: templates, checks, dedup."""
        names = ["jinja2", "jsonschema", "sympy", "datasketch", "duckdb"]
        return {name: metadata.version(name) for name in names}


# --- columns ------------------------------------------------------------------------------


def _is_sampler_column(column: Any) -> bool:
    return not isinstance(column, SeedColumn | LlmColumn | JudgeColumn | VerifyColumn)


def _names(column: Any) -> list[str]:
    return column.output_names() if hasattr(column, "output_names") else [column.name]


def _path(position: int, column: Any) -> str:
    return f"generator.columns[{position}] ({column.name})"


def _known(name: str, where: str, earlier: list[str]) -> None:
    if name not in earlier:
        available = ", ".join(earlier) if earlier else "none (this is the first column)"
        raise RecipeError(
            f"{where}: {name!r} is not a column declared before it; expected one of {available}"
        )


def _check_any_schema(schema: dict[str, Any], *, where: str) -> None:
    from jsonschema import SchemaError
    from jsonschema.validators import validator_for

    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        raise RecipeError(f"{where}: not a valid JSON schema: {exc.message}") from exc


def _request_seed(batch: int, slot: int, attempt: int, column: str) -> int:
    """The ``seed`` of one request: from the batch's seed (``batch_seed(random_seed, index)``),
    the row's slot and attempt, and the column (a non-negative 31-bit integer, which every
    endpoint accepts)."""
    text = f"{batch}:{slot}:{attempt}:{column}"
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "little") & 0x7FFFFFFF


def _take_llm(column: LlmColumn, row: dict[str, Any], text: str) -> str | None:
    """Put a model's answer into ``row``; the reason it was rejected, or ``None``."""
    if column.output_schema is None:
        row[column.name] = text
        return None
    try:
        value = schemas.parse_json(text)
    except ValueError:
        return f"{column.name}.schema (the answer is not JSON)"
    problem = schemas.schema_errors(value, column.output_schema)
    if problem is not None:
        return f"{column.name}.schema ({problem[:80]})"
    row[column.name] = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    row.update(schemas.flatten(column.name, value, column.output_schema))
    return None


def _judge_schema(column: JudgeColumn) -> dict[str, Any]:
    low, high = column.scale
    return {
        "type": "object",
        "properties": {
            "score": {"type": "number", "minimum": low, "maximum": high},
            "reason": {"type": "string"},
        },
        "required": ["score", "reason"],
    }


def _judge_prompt(column: JudgeColumn, path: str, row: Mapping[str, Any]) -> str:
    rubric = templates.render(column.rubric, row, where=f"{path}.rubric")
    low, high = column.scale
    return (
        f"Rubric:\n{rubric}\n\nText to grade:\n{row[column.column]}\n\n"
        f'Answer with JSON only: {{"score": <a number from {low} to {high}>, '
        '"reason": "<one sentence>"}'
    )


def _take_judgement(
    column: JudgeColumn, row: dict[str, Any], text: str, counts: counting.BatchCounts
) -> str | None:
    try:
        value = schemas.parse_json(text)
    except ValueError:
        value = None
    problem = (
        "the answer is not JSON"
        if value is None
        else schemas.schema_errors(value, _judge_schema(column))
    )
    counting.count_check(counts, f"{column.name}.schema", rejected=problem is not None)
    if problem is not None:
        return f"{column.name}.schema ({problem[:80]})"
    score = float(value["score"])
    shown = f"{score:g}"
    scores = counts["judges"].setdefault(column.name, {})
    scores[shown] = scores.get(shown, 0) + 1
    row[column.name] = score
    row[f"{column.name}_reason"] = str(value["reason"])
    if column.min_score is not None:
        low = score < column.min_score
        counting.count_check(counts, column.name, rejected=low)
        if low:
            return f"judge column {column.name!r} (score {shown} < {column.min_score:g})"
    return None


def _verify_row(column: VerifyColumn, path: str, row: Mapping[str, Any]) -> bool:
    value = row.get(str(column.column))
    if column.regex is not None:
        return verifiers.regex_passes(column.regex, value)
    if column.json_schema is not None:
        try:
            parsed = schemas.parse_json(value) if isinstance(value, str) else value
        except ValueError:
            return False
        return schemas.schema_errors(parsed, column.json_schema) is None
    expected = templates.render(str(column.sympy), row, where=f"{path}.sympy")
    return verifiers.answer_matches(value, expected)


__all__ = ["LlmGenerator"]
