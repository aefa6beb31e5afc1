"""The ``sampler`` generator: typed columns drawn with numpy, plus SQL expression columns.

A sampler recipe declares its columns instead of a seed (see ``SamplerGenerator`` in
:mod:`registry.recipes`). :class:`ColumnSampler` draws every column for all rows at once, with
no Python call per row:

- Randomness: each column has its own ``numpy.random.Generator`` per batch, seeded from the
  recipe's ``random_seed``, a hash of the column's *name* and the batch index. The same seed
  gives the same frame, and adding, removing, reordering or re-parameterising one column
  leaves the others unchanged. Sampling keeps no state: batch ``i`` is the same whoever makes
  it, whenever.
- ``uuid``: version-4 formatted strings built from 16 random bytes of the column's stream.
- ``category``: weighted choice (weights normalised; a list means equal weights, so a value
  listed twice is twice as likely); Python ``str`` values in an ``object`` column.
- ``uniform``: float in ``[low, high)``; with ``dtype: int``, ``int64`` in
  ``[ceil(low), floor(high)]``, both ends included.
- ``gaussian``: ``float64``; ``dtype: int`` rounds half to even into ``int64``.
- ``lognormal``: ``float64``; ``mean`` and ``sigma`` are those of the underlying normal.
- ``poisson``: ``int64``. ``bernoulli``: ``bool``.
- ``datetime``: ``datetime64[us]``, uniform between ``start`` and ``end`` with both ends
  included; whole seconds unless an end has a fractional second (then microseconds). A date
  without a time means midnight, so ``end: 2025-12-31`` stops at 2025-12-31 00:00:00.
  Timezone-aware bounds give a UTC-aware column.
- ``faker``: text composed from Faker's word lists for the locale (see :class:`_FakerWords`).
- ``expression``: DuckDB SQL over the columns declared before it (see :func:`evaluate_expression`).

Every column has a parquet and Hugging Face ``datasets`` friendly dtype: numpy numbers,
bools, ``datetime64[us]``, ``object`` columns holding only ``str``, or what DuckDB returns for
an expression (nullable ``Int32``/``boolean`` where the SQL yields NULLs).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import math
import re
import string
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from registry.errors import GeneratorError, RecipeError
from registry.generators._base import BaseGenerator, BuildContext
from registry.recipes import (
    BernoulliColumn,
    CategoryColumn,
    DatetimeColumn,
    ExpressionColumn,
    FakerColumn,
    GaussianColumn,
    LognormalColumn,
    PoissonColumn,
    SamplerColumn,
    SamplerGenerator,
    UniformColumn,
    UuidColumn,
)

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

SQL_PROBE_ROWS = 64  # rows `phantom validate` samples to run every expression once


class ColumnSampler(BaseGenerator):
    """Sample the columns a ``sampler`` recipe declares; implements ``Generator``."""

    Config = SamplerGenerator

    def __init__(
        self, config: SamplerGenerator, *, random_seed: int, context: BuildContext | None = None
    ) -> None:
        super().__init__(config, random_seed=random_seed, context=context)
        self._duckdb: duckdb.DuckDBPyConnection | None = None
        self._checked: set[str] = set()  # expression columns whose SQL passed the checks
        # Catch what needs no data up front, so a bad recipe fails before any work.
        for index, column in enumerate(config.columns):
            if isinstance(column, UniformColumn) and column.dtype == "int":
                _integer_bounds(column, _path(index, column))
            elif isinstance(column, FakerColumn):
                path = _path(index, column)
                words = _faker_words(_faker_locale(column.locale, path))
                if not words.supports(column.field):
                    raise RecipeError(
                        f"{path}.field: Faker locale {words.locale} has no {column.field}; "
                        "pick another locale or field"
                    )

    @classmethod
    def check(cls, recipe: Any, *, context: BuildContext) -> None:
        """Run every expression once over a few rows, so bad SQL fails ``phantom validate``."""
        cls(recipe.generator, random_seed=recipe.random_seed).sample_batch(
            0, min(recipe.rows, SQL_PROBE_ROWS)
        )

    def fit(self, train: pd.DataFrame | None) -> None:
        """Nothing to learn: a sampler's columns are declared, and ``train`` is ignored."""
        return None

    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        """Batch ``index`` of ``rows`` rows, the columns in declaration order.

        A pure function of ``random_seed``, ``index`` and ``rows``. Raises :class:`RecipeError`
        naming the column when an expression is not valid SQL over the earlier columns, reads a
        file, is not deterministic, or does not yield exactly one value per row.
        """
        if rows < 0:
            raise GeneratorError(f"cannot sample {rows} rows; expected rows >= 0")
        data: dict[str, Any] = {}
        declared = [column.name for column in self.config.columns]
        for position, column in enumerate(self.config.columns):
            path = _path(position, column)
            if isinstance(column, ExpressionColumn):
                data[column.name] = evaluate_expression(
                    self._connection(),
                    column,
                    data,
                    rows=rows,
                    path=path,
                    declared=declared,
                    check=column.name not in self._checked,
                )
                self._checked.add(column.name)
            else:
                rng = _column_rng(self.random_seed, column.name, index)
                data[column.name] = _draw(column, rows, rng, path=path)
        return pd.DataFrame(data, index=pd.RangeIndex(rows))

    def __getstate__(self) -> dict[str, Any]:
        """Pickles without its DuckDB connection; the copy opens its own when it needs one."""
        return {**super().__getstate__(), "_duckdb": None}

    def _connection(self) -> duckdb.DuckDBPyConnection:
        """One sandboxed DuckDB connection for every batch of this generator (setting one up
        costs about as much as evaluating a 100k-row batch). One thread: results come back in
        row order."""
        if self._duckdb is None:
            from registry._duckdb import sandboxed_connection

            self._duckdb = sandboxed_connection(threads=1)
        return self._duckdb

    def library_versions(self) -> dict[str, str]:
        """The versions of numpy (draws), DuckDB (expressions) and Faker (word lists)."""
        return {
            "numpy": np.__version__,
            "duckdb": metadata.version("duckdb"),
            "faker": metadata.version("faker"),
        }


# --- randomness ---------------------------------------------------------------------------


def _column_rng(random_seed: int, name: str, batch: int) -> np.random.Generator:
    """The column's own stream in one batch: the recipe seed, 128 bits of a hash of the column
    name, and the batch index."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    words = [int(w) for w in np.frombuffer(digest, dtype="<u4")]
    return np.random.default_rng(np.random.SeedSequence([random_seed, *words, batch]))


def _path(index: int, column: SamplerColumn) -> str:
    return f"generator.columns[{index}] ({column.name})"


# --- typed columns ------------------------------------------------------------------------


def _draw(column: SamplerColumn, rows: int, rng: np.random.Generator, *, path: str) -> Any:
    if isinstance(column, UuidColumn):
        return _uuid4_strings(rows, rng)
    if isinstance(column, CategoryColumn):
        return _category(column, rows, rng)
    if isinstance(column, UniformColumn):
        if column.dtype == "int":
            low, high = _integer_bounds(column, path)
            return rng.integers(low, high, size=rows, endpoint=True, dtype=np.int64)
        return rng.uniform(column.low, column.high, size=rows)
    if isinstance(column, GaussianColumn):
        values = rng.normal(column.mean, column.std, size=rows)
        return np.rint(values).astype(np.int64) if column.dtype == "int" else values
    if isinstance(column, LognormalColumn):
        return rng.lognormal(column.mean, column.sigma, size=rows)
    if isinstance(column, PoissonColumn):
        return rng.poisson(column.lam, size=rows).astype(np.int64)
    if isinstance(column, BernoulliColumn):
        return rng.random(rows) < column.p
    if isinstance(column, DatetimeColumn):
        return _datetimes(column, rows, rng)
    if isinstance(column, FakerColumn):
        words = _faker_words(_faker_locale(column.locale, path))
        return words.field(column.field, rows, rng).to_numpy(zero_copy_only=False)
    raise GeneratorError(f"{path}: no sampler for column type {column.type!r}")  # pragma: no cover


def _uuid4_strings(rows: int, rng: np.random.Generator) -> np.ndarray:
    """Lower-case RFC 4122 version-4 strings; 122 random bits a row, no ``uuid.uuid4()``."""
    import pyarrow as pa

    raw = np.frombuffer(rng.bytes(16 * rows), dtype=np.uint8).reshape(rows, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hex_digits = _HEX_PAIRS[raw].view(np.uint8).reshape(rows, 32)
    text = np.full((rows, 36), ord("-"), dtype=np.uint8)
    for (start, stop), at in zip(_UUID_GROUPS, _UUID_OFFSETS, strict=True):
        text[:, at : at + stop - start] = hex_digits[:, start:stop]
    offsets = np.arange(0, 36 * (rows + 1), 36, dtype=np.int64)
    strings = pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(text))
    return strings.to_numpy(zero_copy_only=False)


# Each byte value as its two lower-case hex digits, packed into one uint16 (memory order).
_HEX_PAIRS = np.frombuffer(
    b"".join(f"{byte:02x}".encode("ascii") for byte in range(256)), dtype=np.uint16
)
_UUID_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
_UUID_OFFSETS = (0, 9, 14, 19, 24)


def _category(column: CategoryColumn, rows: int, rng: np.random.Generator) -> np.ndarray:
    if isinstance(column.values, Mapping):
        labels = np.array(list(column.values), dtype=object)
        weights = np.array(list(column.values.values()), dtype=np.float64)
        return labels[rng.choice(len(labels), size=rows, p=weights / weights.sum())]
    labels = np.array(column.values, dtype=object)
    return labels[rng.integers(0, len(labels), size=rows)]


def _integer_bounds(column: UniformColumn, path: str) -> tuple[int, int]:
    low, high = math.ceil(column.low), math.floor(column.high)
    if low > high:
        raise RecipeError(
            f"{path}: no integer lies between low={column.low:g} and high={column.high:g}; "
            "widen the range or use dtype: float"
        )
    return low, high


def _datetimes(column: DatetimeColumn, rows: int, rng: np.random.Generator) -> Any:
    start, end = column.start, column.end
    aware = start.tzinfo is not None
    if aware:  # the model only lets both be aware (or both naive) through
        start = start.astimezone(dt.UTC).replace(tzinfo=None)
        end = end.astimezone(dt.UTC).replace(tzinfo=None)
    first = int(np.datetime64(start, "us").astype(np.int64))
    last = int(np.datetime64(end, "us").astype(np.int64))
    step = 1_000_000 if start.microsecond == 0 and end.microsecond == 0 else 1
    ticks = rng.integers(-(-first // step), last // step, size=rows, endpoint=True)
    values = (ticks * step).astype("datetime64[us]")
    if aware:
        return pd.DatetimeIndex(values).tz_localize("UTC").array
    return values


# --- faker columns -------------------------------------------------------------------------


def _faker_locale(locale: str, path: str) -> str:
    """Faker's name for ``locale`` (``en-US`` and ``en_US`` both work), or a RecipeError."""
    from faker.config import AVAILABLE_LOCALES

    normalized = locale.replace("-", "_")
    if normalized in AVAILABLE_LOCALES:
        return normalized
    close = difflib.get_close_matches(normalized, AVAILABLE_LOCALES, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else "e.g. en_US, de_DE, fr_FR, ja_JP"
    raise RecipeError(f"{path}.locale: unknown Faker locale {locale!r}; {hint}")


@lru_cache(maxsize=32)
def _faker_words(locale: str) -> _FakerWords:
    return _FakerWords(locale)


class _FakerWords:
    """Draw Faker fields for many rows at once from a locale's word lists and formats.

    Faker builds one value per call: pick a format such as ``"{{first_name}} {{last_name}}"``
    and fill each ``{{token}}``, where a token is a word from a list (``first_names``,
    ``street_suffixes``, ``countries``...) or another format. This class does the same for a
    whole column: it picks the format of every row with numpy, fills each token for all the rows
    of that format with one draw, and joins the pieces with Arrow string kernels. A token is
    found, in this order, as:

    1. a word list on the provider that owns the token's method: the plural of one part of the
       token's name (``first_name`` -> ``first_names``, ``prefix_male`` -> ``prefixes_male``,
       ``city`` -> ``cities``); an ``OrderedDict`` of weights is honoured;
    2. a format list: ``<token>_formats``, or ``formats`` for ``name``, ``company`` and
       ``phone_number``; ``#`` ``%`` ``$`` ``!`` ``@`` ``?`` in a format's literal text are filled
       as Faker's ``bothify`` fills them (digits, non-zero digits, digits above 2, optional
       digits, letters);
    3. otherwise (a method with custom logic, such as ``year`` or ``area_code``), a pool of
       1,000 values from calling the Faker method with a fixed seed per locale and token,
       from which rows draw uniformly. The pool is a vocabulary and never depends on the
       recipe's seed, so rows still come only from the column's numpy stream.

    Fields composed beyond that: ``email`` is a Faker ``user_name`` (its ``user_name_formats``
    filled with ASCII-folded, lower-cased words, keeping ``[a-z0-9._-]``) + ``@`` + one of the
    locale's ``free_email_domains``; ``postcode`` is upper-cased as Faker does. Methods whose
    logic goes beyond lists and formats (en_US draws a postcode from a number range, for
    example) are approximated by their formats: the values look right, their frequencies may
    differ from Faker's.
    """

    POOL_SIZE = 1000
    _MAIN_FORMATS: Mapping[str, str] = {
        "name": "formats",
        "company": "formats",
        "phone_number": "formats",
    }

    def __init__(self, locale: str) -> None:
        import faker

        self.locale = locale
        self.faker = faker.Faker(locale)
        self.generator = self.faker.factories[0]
        self._roots: dict[tuple[str, bool], _Source] = {}
        self._pools: dict[tuple[str, bool], _Words] = {}
        # Instances are shared (one per locale); resolution seeds and calls Faker, so one
        # thread at a time. Drawing only reads the resolved sources.
        self._lock = threading.RLock()

    def supports(self, field: str) -> bool:
        """Whether this locale's Faker has ``field`` (en_PH, for one, has no phone_number)."""
        tokens = ("user_name", "free_email_domain") if field == "email" else (field,)
        return all(callable(getattr(self.generator, token, None)) for token in tokens)

    def field(self, field: str, rows: int, rng: np.random.Generator) -> pa.Array:
        """``rows`` values of one ``FakerColumn.field``, as an Arrow string array."""
        import pyarrow.compute as pc

        if field == "email":
            user = self.draw("user_name", rows, rng, slug=True)
            domain = self.draw("free_email_domain", rows, rng, slug=True)
            return _join([user, "@", domain], rows)
        values = self.draw(field, rows, rng)
        return pc.utf8_upper(values) if field == "postcode" else values

    def draw(self, token: str, rows: int, rng: np.random.Generator, *, slug: bool = False) -> Any:
        """``rows`` values of ``token``; ``slug`` folds words to lower-case ASCII (user names)."""
        key = (token, slug)
        with self._lock:
            if key not in self._roots:
                # A fresh memo per field: where formats refer back to each other, the cut falls
                # in the same place whichever fields were drawn before in this process.
                self._roots[key] = self._resolve(token, slug, memo={}, stack=set())
            source = self._roots[key]
        return source.draw(rows, rng)

    # -- resolution --------------------------------------------------------------------------

    def _resolve(
        self,
        token: str,
        slug: bool,
        *,
        memo: dict[tuple[str, bool], _Source],
        stack: set[tuple[str, bool]],
    ) -> _Source:
        key = (token, slug)
        if key in memo:
            return memo[key]
        if key in stack:  # a format that refers back to itself: use Faker's own values
            return self._pool(token, slug)
        stack.add(key)
        try:
            source = self._find(token, slug, memo=memo, stack=stack)
        finally:
            stack.discard(key)
        memo[key] = source
        return source

    def _find(
        self,
        token: str,
        slug: bool,
        *,
        memo: dict[tuple[str, bool], _Source],
        stack: set[tuple[str, bool]],
    ) -> _Source:
        method = getattr(self.generator, token, None)
        if not callable(method):
            raise GeneratorError(
                f"Faker locale {self.locale} has no {token!r}; pick another locale or field"
            )
        provider = getattr(method, "__self__", None)
        for name in _plurals(token):
            words = _word_list(_data_for(provider, token, name))
            if words is not None:
                values, weights = words
                return _Words(self._fold(values) if slug else values, weights)
        formats_name = self._MAIN_FORMATS.get(token, f"{token}_formats")
        formats = _format_list(_data_for(provider, token, formats_name))
        if formats is None:
            return self._pool(token, slug)
        patterns, weights = formats
        parsed = []
        for pattern in patterns:
            pieces: list[_Piece] = []
            for part in _TOKEN_SPLIT.split(pattern):
                match = _TOKEN.fullmatch(part)
                if match:
                    inner = self._resolve(match.group(1), slug, memo=memo, stack=stack)
                    pieces.append(_TokenPiece(inner))
                elif part:
                    pieces.extend(_literal_pieces(part, slug))
            parsed.append(pieces)
        return _Formats(parsed, weights)

    def _pool(self, token: str, slug: bool) -> _Words:
        """``POOL_SIZE`` values from Faker itself, seeded by locale and token only."""
        key = (token, slug)
        if key not in self._pools:
            method = getattr(self.generator, token)
            self.generator.seed_instance(zlib.crc32(f"{self.locale}:{token}".encode()))
            values = [str(method()) for _ in range(self.POOL_SIZE)]
            self._pools[key] = _Words(self._fold(values) if slug else values, None)
        return self._pools[key]

    def _fold(self, values: Sequence[str]) -> list[str]:
        """Faker's ASCII folding for user names, lower-cased, keeping ``[a-z0-9._-]``."""
        internet = getattr(self.generator, "user_name", None)
        to_ascii = getattr(getattr(internet, "__self__", None), "_to_ascii", None)
        if to_ascii is None:  # pragma: no cover - older or newer Faker without the helper
            from faker.decode import unidecode as to_ascii
        return [_NOT_SLUG.sub("", to_ascii(value).lower()) for value in values]


_PLACEHOLDERS = re.compile(r"([#%$]+|[!@?])")
_NOT_SLUG = re.compile(r"[^a-z0-9._-]+")
_TOKEN = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_TOKEN_SPLIT = re.compile(r"(\{\{\s*\w+\s*\}\})")


def _data_for(provider: Any, method: str, attribute: str) -> Any:
    """``provider.attribute`` when ``method`` can be using it, else None.

    A locale that overrides the method below the class that defines the attribute has logic
    of its own (ja_JP's ``street_address`` ignores the generic street formats), so the
    attribute says nothing about its values.
    """
    mro = type(provider).__mro__
    method_owner = next((c for c in mro if method in vars(c)), None)
    data_owner = next((c for c in mro if attribute in vars(c)), None)
    if data_owner is None or method_owner is None:
        return None
    if method_owner is not data_owner and issubclass(method_owner, data_owner):
        return None
    return getattr(provider, attribute)


def _plurals(token: str) -> Iterator[str]:
    parts = token.split("_")
    for i in reversed(range(len(parts))):
        word = parts[i]
        forms = [word + "s", word + "es"]
        if word.endswith("y"):
            forms.append(word[:-1] + "ies")
        for form in forms:
            yield "_".join([*parts[:i], form, *parts[i + 1 :]])


def _word_list(value: Any) -> tuple[list[str], np.ndarray | None] | None:
    """A provider attribute as (words, weights) when it is a non-empty list of strings."""
    if isinstance(value, Mapping):
        if value and all(isinstance(k, str) for k in value):
            weights = list(value.values())
            if all(isinstance(w, int | float) and not isinstance(w, bool) for w in weights):
                return list(value), _normalized(weights)
        return None
    if isinstance(value, list | tuple | type({}.keys())) and value:
        items = list(value)
        if all(isinstance(item, str) for item in items):
            return items, None
    return None


def _format_list(value: Any) -> tuple[list[str], np.ndarray | None] | None:
    if isinstance(value, str):
        return [value], None
    return _word_list(value)


def _normalized(weights: Sequence[float]) -> np.ndarray | None:
    array = np.asarray(weights, dtype=np.float64)
    total = array.sum()
    if not np.isfinite(total) or total <= 0 or (array < 0).any():
        return None
    return array / total


class _Source:
    def draw(self, rows: int, rng: np.random.Generator) -> pa.Array:
        raise NotImplementedError


class _Words(_Source):
    """Words drawn with replacement, uniformly or by weight."""

    def __init__(self, values: Sequence[str], weights: np.ndarray | None) -> None:
        import pyarrow as pa

        self.values = pa.array(list(values), type=pa.large_string())
        self.weights = weights

    def draw(self, rows: int, rng: np.random.Generator) -> pa.Array:
        return self.values.take(_choose(len(self.values), self.weights, rows, rng))


class _Formats(_Source):
    """A format picked per row, each filled for all of its rows at once."""

    def __init__(self, formats: list[list[_Piece]], weights: np.ndarray | None) -> None:
        self.formats = formats
        self.weights = weights

    def draw(self, rows: int, rng: np.random.Generator) -> pa.Array:
        import pyarrow as pa

        if len(self.formats) == 1:
            return _fill(self.formats[0], rows, rng)
        which = _choose(len(self.formats), self.weights, rows, rng)
        # A stable sort of small integers is a radix sort in numpy: linear, and fast.
        order = np.argsort(which.astype(np.uint16), kind="stable")
        counts = np.bincount(which, minlength=len(self.formats))
        chunks = [
            _fill(pieces, int(count), rng)
            for pieces, count in zip(self.formats, counts, strict=True)
            if count
        ]
        grouped = pa.concat_arrays(chunks)  # rows grouped by format, in row order within each
        position = np.empty(rows, dtype=np.int64)
        position[order] = np.arange(rows)
        return grouped.take(position)


def _choose(k: int, weights: np.ndarray | None, rows: int, rng: np.random.Generator) -> np.ndarray:
    if weights is None:
        return rng.integers(0, k, size=rows)
    return rng.choice(k, size=rows, p=weights)


def _fill(pieces: list[_Piece], rows: int, rng: np.random.Generator) -> pa.Array:
    return _join([piece.draw(rows, rng) for piece in pieces], rows)


def _join(parts: Sequence[pa.Array | str], rows: int) -> pa.Array:
    """Concatenate string arrays and literal strings row by row into one large_string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not any(isinstance(part, pa.Array) for part in parts):  # a format with no placeholder
        return pa.repeat(pa.scalar("".join(parts), type=pa.large_string()), rows)
    if len(parts) == 1:
        return parts[0]
    separator = pa.scalar("", type=pa.large_string())
    typed = [
        pa.scalar(part, type=pa.large_string()) if isinstance(part, str) else part for part in parts
    ]
    return pc.binary_join_element_wise(*typed, separator)


class _Piece:
    def draw(self, rows: int, rng: np.random.Generator) -> pa.Array | str:
        raise NotImplementedError


class _Literal(_Piece):
    def __init__(self, text: str) -> None:
        self.text = text

    def draw(self, rows: int, rng: np.random.Generator) -> str:
        return self.text


class _Digits(_Piece):
    """A run of ``#`` (0-9), ``%`` (1-9) and ``$`` (2-9), drawn as integers and zero-padded.

    Consecutive ``#`` take one draw (``###`` is one integer below 1000); ``%`` and ``$`` one
    draw each. Runs longer than 18 characters are split to stay within int64.
    """

    def __init__(self, run: str) -> None:
        self.chunks = [run[i : i + 18] for i in range(0, len(run), 18)]

    def draw(self, rows: int, rng: np.random.Generator) -> pa.Array:
        import pyarrow as pa
        import pyarrow.compute as pc

        parts = []
        for chunk in self.chunks:
            number = np.zeros(rows, dtype=np.int64)
            for match in _DIGIT_GROUPS.finditer(chunk):
                group = match.group()
                if group[0] == "#":
                    number = number * 10 ** len(group) + rng.integers(0, 10 ** len(group), rows)
                else:
                    number = number * 10 + rng.integers(_LOWEST_DIGIT[group], 10, rows)
            text = pc.cast(pa.array(number), pa.large_string())
            parts.append(pc.utf8_lpad(text, width=len(chunk), padding="0"))
        return _join(parts, rows)


_DIGIT_GROUPS = re.compile(r"#+|[%$]")
_LOWEST_DIGIT = {"%": 1, "$": 2}


class _Choice(_Piece):
    """One character placeholder: ``?`` (a letter), ``!``/``@`` (a digit or nothing)."""

    def __init__(self, symbol: str, slug: bool) -> None:
        if symbol == "?":
            letters = string.ascii_lowercase if slug else string.ascii_letters
            self.words = _Words(list(letters), None)
        else:  # Faker: half the time nothing, else a digit (1-9 for '@')
            digits = "0123456789" if symbol == "!" else "123456789"
            self.words = _Words(["", *digits], _normalized([len(digits), *[1] * len(digits)]))

    def draw(self, rows: int, rng: np.random.Generator) -> pa.Array:
        return self.words.draw(rows, rng)


class _TokenPiece(_Piece):
    def __init__(self, source: _Source) -> None:
        self.source = source

    def draw(self, rows: int, rng: np.random.Generator) -> pa.Array:
        return self.source.draw(rows, rng)


def _literal_pieces(text: str, slug: bool) -> list[_Piece]:
    pieces: list[_Piece] = []
    for part in _PLACEHOLDERS.split(text):
        if not part:
            continue
        if part[0] in "#%$":
            pieces.append(_Digits(part))
        elif part in ("!", "@", "?"):
            pieces.append(_Choice(part, slug))
        else:
            pieces.append(_Literal(_NOT_SLUG.sub("", part.lower()) if slug else part))
    return pieces


# --- expression columns --------------------------------------------------------------------


def evaluate_expression(
    con: duckdb.DuckDBPyConnection,
    column: ExpressionColumn,
    data: Mapping[str, Any],
    *,
    rows: int,
    path: str,
    declared: Sequence[str],
    check: bool = True,
) -> Any:
    """Evaluate ``column.sql`` over the earlier columns, one value per row, in row order.

    The SQL must be one row-wise expression: each value is computed from the earlier columns
    of the same row only, so a column comes out the same whether its rows are sampled at once
    or in batches. Refused, with a :class:`RecipeError` naming the column, before anything
    runs: a query (``FROM``, ``WHERE``, alias or second column), a column that is not declared
    before this one, a subquery, a table function (``range()``, ``unnest()``), an aggregate
    (``avg(amount)``), a window (``... OVER ()``), and a function whose result changes between
    runs (``random()``, ``uuid()``, ``now()``, ``nextval()``...): a column that needs noise
    should sample it in a typed column and use that. Built-in macros are checked through
    their definitions. It runs on a sandboxed connection (no files, network or extensions).
    ``check=False`` skips the checks for SQL that already passed them (later batches).
    """
    import duckdb

    where = f"{path}.sql"
    sql = column.sql.strip().rstrip(";").strip()
    earlier = list(data)
    if check:
        _check_expression(con, sql, where, earlier, declared=declared, name=column.name)

    # A first column has no earlier ones to read: it runs over ``range(rows)`` instead, whose
    # one column the check above keeps the SQL from naming.
    source = "frame" if earlier else f"range({int(rows)})"
    if earlier:
        con.register("frame", pd.DataFrame(dict(data), index=pd.RangeIndex(rows), copy=False))
    try:
        relation = con.sql(_select(sql, column.name, source=source))
        if len(relation.columns) != 1:
            raise RecipeError(
                f"{where}: returns {len(relation.columns)} columns; write one expression"
            )
        if str(relation.types[0]) == "UUID":  # keep uuids as text, like uuid columns
            relation = con.sql(_select(sql, column.name, source=source, cast="VARCHAR"))
        result = relation.df()
    except duckdb.Error as exc:
        message = _duckdb_message(exc, earlier, declared, column.name)
        raise RecipeError(f"{where}: {message}") from exc
    finally:
        if earlier:
            con.unregister("frame")
    if len(result) != rows:  # pragma: no cover - the checks above leave one value a row
        raise _not_row_wise(where, f"returned {len(result)} rows for {rows}", earlier)
    return result.iloc[:, 0].reset_index(drop=True)


def _select(sql: str, name: str, *, source: str, cast: str | None = None) -> str:
    # The expression sits on lines of its own, so a trailing ``--`` comment ends there. A
    # projection of one scan keeps the frame's row order (DuckDB preserves insertion order).
    value = f"(\n{sql}\n)"
    if cast is not None:
        value = f"CAST({value} AS {cast})"
    return f'SELECT {value} AS "{name}" FROM {source}'


def _check_expression(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    where: str,
    earlier: Sequence[str],
    *,
    declared: Sequence[str] = (),
    name: str = "",
) -> None:
    """Refuse SQL that is not one row-wise, deterministic expression, using DuckDB's parser."""
    expression = _parse_expression(con, sql, where)
    functions = _function_catalog(con)
    lambda_parameters = {
        str(ref).lower()
        for node in _walk(expression)
        if node.get("class") == "LAMBDA"
        for item in _walk(node.get("lhs"))
        if item.get("class") == "COLUMN_REF"
        for ref in item.get("column_names", [])[:1]
    }
    columns = {column.lower() for column in earlier}
    # Unknown columns first: a typo is the likeliest mistake, and the names that do exist are
    # the most useful answer.
    for node in _walk(expression):
        if node.get("class") == "SUBQUERY":  # its columns are those of the tables it reads
            raise _not_row_wise(where, "a subquery", earlier)
        if node.get("class") == "STAR":
            available = ", ".join(earlier) if earlier else "none (this is the first column)"
            raise RecipeError(
                f"{where}: name the columns instead of * or COLUMNS(...); expected one of "
                f"{available}"
            )
        refs = node.get("column_names") if node.get("class") == "COLUMN_REF" else None
        if not isinstance(refs, list) or len(refs) != 1:
            continue  # ``struct.field`` and ``frame.column`` are left to DuckDB's binder
        ref = str(refs[0])
        if ref.lower() in columns | lambda_parameters | _CLOCK_KEYWORDS:
            continue
        raise RecipeError(f"{where}: {_unknown_column_message(ref, earlier, declared, name)}")
    for node, shown in _expanded(con, expression, functions):
        refusal = _refusal(node, shown, functions, columns)
        if refusal is not None:
            what, rowwise = refusal
            if rowwise:
                raise _not_row_wise(where, what, earlier)
            raise RecipeError(
                f"{where}: {what} gives different values on every build; draw the randomness "
                "in a typed column (uniform, bernoulli...) and use that column instead"
            )


def _parse_expression(con: duckdb.DuckDBPyConnection, sql: str, where: str) -> dict[str, Any]:
    """DuckDB's parse tree of ``SELECT <sql>``'s one expression; refuses anything else."""
    rows = con.execute("SELECT json_serialize_sql(?)", [f"SELECT {sql}"]).fetchall()
    tree = json.loads(rows[0][0]) if rows else {"error": True}
    if tree.get("error"):
        if tree.get("error_type") == "parser":
            raise RecipeError(f"{where}: Parser Error: {tree.get('error_message', 'invalid SQL')}")
        raise RecipeError(
            f"{where}: expected one SQL expression over the earlier columns, not a statement"
        )
    statements = tree.get("statements", [])
    if len(statements) != 1:
        raise RecipeError(f"{where}: expected one SQL expression, got {len(statements)} statements")
    node = statements[0].get("node", {})
    select_list = node.get("select_list", [])
    is_plain_select = (
        node.get("type") == "SELECT_NODE"
        and not node.get("modifiers")
        and not node.get("cte_map", {}).get("map")
        and node.get("from_table", {}).get("type") == "EMPTY"
        and not node.get("group_expressions")
        and not node.get("group_sets")
        and all(node.get(key) is None for key in ("where_clause", "having", "qualify", "sample"))
    )
    if not is_plain_select:
        raise RecipeError(
            f"{where}: expected one SQL expression over the earlier columns, not a query "
            "(no FROM, WHERE, GROUP BY, ORDER BY or LIMIT)"
        )
    if len(select_list) != 1:
        raise RecipeError(f"{where}: returns {len(select_list)} columns; write one expression")
    if select_list[0].get("alias"):
        raise RecipeError(
            f"{where}: drop the alias {select_list[0]['alias']!r}; the column is named by name"
        )
    return select_list[0]


def _refusal(
    node: dict[str, Any], shown: str | None, functions: _Functions, columns: set[str]
) -> tuple[str, bool] | None:
    """What is wrong with one parse-tree node, and whether it is a row-wise problem.

    ``shown`` names the function the recipe wrote when ``node`` comes from inside a built-in
    macro's definition (``weighted_avg()`` hides ``sum()``).
    """
    kind = node.get("class")
    if kind == "SUBQUERY" or node.get("type") == "SELECT_NODE":
        return f"{shown + ' holds a subquery' if shown else 'a subquery'}", True
    table = node.get("function") if node.get("type") == "TABLE_FUNCTION" else None
    call = node.get("function_name")
    if isinstance(table, dict):
        call, kind = table.get("function_name"), "TABLE"
    if not isinstance(call, str):
        if kind == "COLUMN_REF":  # current_date and friends parse as column references
            refs = node.get("column_names") or []
            keyword = str(refs[0]).lower() if len(refs) == 1 else ""
            if keyword in _CLOCK_KEYWORDS and keyword not in columns:
                return shown or keyword, False
        return None
    lower = call.lower()
    label = shown or ("count(*)" if lower == "count_star" else f"{call}()")
    if kind == "WINDOW":
        return f"{label if shown else label + ' OVER (...)'} is a window function", True
    if kind == "TABLE" or (lower in functions.table and lower not in functions.scalar):
        return f"{label} is a table function", True
    if lower in functions.aggregate and lower not in functions.scalar:
        return f"{label} is an aggregate", True
    if lower in functions.window:
        return f"{label} is a window function", True
    if lower in functions.volatile:
        return label, False
    return None


def _not_row_wise(where: str, what: str, earlier: Sequence[str]) -> RecipeError:
    available = ", ".join(earlier) if earlier else "none, this is the first column"
    return RecipeError(
        f"{where}: {what}, which a row-wise expression cannot use (rows are sampled in "
        f"batches); expected SQL over the earlier columns of the same row ({available})"
    )


def _unknown_column_message(
    wanted: str, earlier: Sequence[str], declared: Sequence[str], name: str
) -> str:
    available = ", ".join(earlier) if earlier else "none (this is the first column)"
    message = f'Referenced column "{wanted}" not found; expected one of {available}'
    later = [d for d in declared if d.lower() == wanted.lower() and d not in earlier]
    if later and later[0].lower() == name.lower():
        message += "; an expression cannot use its own column"
    elif later:
        message += f"; {later[0]!r} is declared after this column, so move it up"
    return message


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _expanded(
    con: duckdb.DuckDBPyConnection, expression: dict[str, Any], functions: _Functions
) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every node of ``expression`` and of the built-in macros it calls, transitively.

    Yields ``(node, shown)``: ``shown`` is ``"macro()"`` for nodes inside a macro the recipe
    called, so a refusal names what the recipe wrote.
    """
    seen: set[str] = set()
    pending: list[tuple[Any, str | None]] = [(expression, None)]
    while pending:
        tree, shown = pending.pop()
        for node in _walk(tree):
            yield node, shown
            call = node.get("function_name")
            lower = call.lower() if isinstance(call, str) else ""
            if lower in functions.macros and lower not in seen:
                seen.add(lower)
                for definition in functions.macros[lower]:
                    pending.append((_macro_tree(con, definition), shown or f"{call}()"))


def _macro_tree(con: duckdb.DuckDBPyConnection, definition: str) -> Any:
    rows = con.execute("SELECT json_serialize_sql(?)", [f"SELECT {definition}"]).fetchall()
    tree = json.loads(rows[0][0]) if rows else {}
    return [s.get("node", {}).get("select_list", []) for s in tree.get("statements", [])]


class _Functions:
    """DuckDB's function catalog, by lower-case name: what may run row by row and what not."""

    def __init__(self, rows: Sequence[tuple[str, str, str | None, str | None]]) -> None:
        kinds: dict[str, set[str]] = {}
        stabilities: dict[str, set[str]] = {}
        self.macros: dict[str, list[str]] = {}
        for name, kind, stability, definition in rows:
            kinds.setdefault(name, set()).add(kind)
            if stability is not None:
                stabilities.setdefault(name, set()).add(stability)
            if kind == "macro" and definition:
                self.macros.setdefault(name, []).append(definition)

        def having(*wanted: str) -> frozenset[str]:
            return frozenset(n for n, k in kinds.items() if k & set(wanted))

        self.scalar = having("scalar", "macro")
        self.aggregate = having("aggregate")
        self.window = having("window")
        self.table = having("table", "table_macro")
        # Volatile when no overload is CONSISTENT: an operator such as ``+`` stays usable even
        # if an extension adds a time-zone dependent overload of it.
        unsettled = frozenset(n for n, s in stabilities.items() if "CONSISTENT" not in s)
        self.volatile = (unsettled | _ALWAYS_VOLATILE | _CLOCK_KEYWORDS) - _SETTLED


def _function_catalog(con: duckdb.DuckDBPyConnection) -> _Functions:
    """The catalog of built-in functions, read once per process (it is the same every time)."""
    global _FUNCTIONS
    if _FUNCTIONS is None:
        rows = con.execute(
            "SELECT DISTINCT lower(function_name), function_type, stability, macro_definition "
            "FROM duckdb_functions() WHERE internal"
        ).fetchall()
        _FUNCTIONS = _Functions(rows)
    return _FUNCTIONS


def _volatile_functions(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Functions whose result is not fixed by their arguments (random(), now(), nextval()...)."""
    return _function_catalog(con).volatile


_FUNCTIONS: _Functions | None = None
_CLOCK_KEYWORDS = frozenset(
    {"current_date", "current_time", "current_timestamp", "localtime", "localtimestamp"}
)
_ALWAYS_VOLATILE = frozenset(
    {"random", "setseed", "uuid", "uuidv4", "uuidv7", "gen_random_uuid", "now", "nextval"}
)
# Not CONSISTENT to DuckDB, but fixed within one sandboxed build: allowed.
_SETTLED = frozenset(
    {
        "error",
        "current_setting",
        "current_database",
        "current_catalog",
        "current_schema",
        "current_schemas",
        "in_search_path",
    }
)
_MISSING_COLUMN = re.compile(r'Referenced column "([^"]+)" not found')
_OWN_COLUMN = re.compile(r'Column "[^"]+" referenced that exists in the SELECT clause')


def _duckdb_message(exc: Exception, earlier: list[str], declared: Sequence[str], name: str) -> str:
    """DuckDB's first line, or a clearer one for the mistakes recipes make most."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    missing = _MISSING_COLUMN.search(first)
    if missing:
        return _unknown_column_message(missing.group(1), earlier, declared, name)
    if _OWN_COLUMN.search(first):
        return f'Referenced column "{name}" is this column; an expression cannot use its own column'
    return first
