"""The sampler generator (registry/generators/samplers.py) and the DuckDB sandbox it runs in.

Distribution checks draw 20,000 rows; tolerances are several standard errors wide, and the
seeds are fixed, so they do not flake.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from registry._duckdb import sandboxed_connection
from registry.errors import RecipeError
from registry.generators import Generator, generator_class, make_generator
from registry.generators.samplers import ColumnSampler
from registry.recipes import FAKER_FIELDS, SamplerGenerator

N = 20_000

DESIGN_COLUMNS: list[dict[str, Any]] = [
    {"name": "id", "type": "uuid"},
    {
        "name": "merchant",
        "type": "category",
        "values": {"grocery": 0.5, "travel": 0.2, "online": 0.3},
    },
    {"name": "amount", "type": "lognormal", "mean": 3.5, "sigma": 1.0},
    {"name": "hour", "type": "uniform", "low": 0, "high": 23, "dtype": "int"},
    {"name": "ts", "type": "datetime", "start": "2025-01-01", "end": "2025-12-31"},
    {"name": "n_items", "type": "poisson", "lam": 2.0},
    {"name": "score", "type": "gaussian", "mean": 0, "std": 1},
    {"name": "returning", "type": "bernoulli", "p": 0.3},
    {
        "name": "is_fraud",
        "type": "expression",
        "sql": "CASE WHEN amount > 900 AND hour < 5 THEN 1 ELSE 0 END",
    },
]

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def make_config(*columns: dict[str, Any]) -> SamplerGenerator:
    return SamplerGenerator.model_validate({"kind": "sampler", "columns": list(columns)})


def make_sampler(*columns: dict[str, Any], random_seed: int = 7) -> ColumnSampler:
    return ColumnSampler(make_config(*columns), random_seed=random_seed)


def sample(*columns: dict[str, Any], rows: int = N, random_seed: int = 7) -> pd.DataFrame:
    return make_sampler(*columns, random_seed=random_seed).sample(rows)


@pytest.fixture(scope="module")
def design_frame() -> pd.DataFrame:
    """N rows of the DESIGN.md example recipe."""
    return sample(*DESIGN_COLUMNS)


# --- the protocol ----------------------------------------------------------------------------


def test_sampler_is_the_registered_generator_for_kind_sampler():
    assert generator_class("sampler") is ColumnSampler
    generator = make_generator(make_config(*DESIGN_COLUMNS), random_seed=1)
    assert isinstance(generator, ColumnSampler)
    assert isinstance(generator, Generator)


def test_sampler_fit_ignores_its_argument():
    sampler = make_sampler(*DESIGN_COLUMNS)
    sampler.fit(None)
    sampler.fit(pd.DataFrame({"x": [1, 2]}))
    assert len(sampler.sample(3)) == 3


def test_sampler_library_versions_name_numpy_duckdb_and_faker():
    versions = make_sampler(*DESIGN_COLUMNS).library_versions()
    assert versions["numpy"] == np.__version__
    assert versions["duckdb"] == duckdb.__version__
    assert set(versions) == {"numpy", "duckdb", "faker"}


# --- shape, dtypes, determinism --------------------------------------------------------------


def test_sampler_returns_declared_columns_in_order_with_plain_dtypes(design_frame):
    assert list(design_frame.columns) == [c["name"] for c in DESIGN_COLUMNS]
    assert len(design_frame) == N
    assert isinstance(design_frame.index, pd.RangeIndex)
    assert {name: str(dtype) for name, dtype in design_frame.dtypes.items()} == {
        "id": "object",
        "merchant": "object",
        "amount": "float64",
        "hour": "int64",
        "ts": "datetime64[us]",
        "n_items": "int64",
        "score": "float64",
        "returning": "bool",
        "is_fraud": "int32",
    }


def test_sampler_samples_a_single_row():
    frame = sample(*DESIGN_COLUMNS, rows=1)
    assert frame.shape == (1, len(DESIGN_COLUMNS))


def test_sampler_same_seed_gives_identical_frames():
    first = sample(*DESIGN_COLUMNS, rows=500, random_seed=11)
    second = sample(*DESIGN_COLUMNS, rows=500, random_seed=11)
    pd.testing.assert_frame_equal(first, second)


def test_sampler_sample_twice_gives_the_same_frame():
    sampler = make_sampler(*DESIGN_COLUMNS)
    pd.testing.assert_frame_equal(sampler.sample(200), sampler.sample(200))


def test_sampler_other_seed_gives_other_values():
    first = sample(*DESIGN_COLUMNS, rows=500, random_seed=1)
    second = sample(*DESIGN_COLUMNS, rows=500, random_seed=2)
    for name in ("id", "amount", "ts", "score"):
        assert not first[name].equals(second[name]), name


def test_sampler_columns_have_independent_streams():
    base = sample(*DESIGN_COLUMNS, rows=1000)
    changed = [dict(c) for c in DESIGN_COLUMNS]
    changed[1]["values"] = {"grocery": 0.1, "travel": 0.9}  # re-parameterise merchant
    changed.insert(0, {"name": "extra", "type": "gaussian"})  # add a column first
    changed[3], changed[4] = changed[4], changed[3]  # swap amount and hour
    other = sample(*changed, rows=1000)
    for name in ("id", "amount", "hour", "ts", "n_items", "score", "returning", "is_fraud"):
        pd.testing.assert_series_equal(base[name], other[name])
    assert not base["merchant"].equals(other["merchant"])


def test_sampler_frame_round_trips_through_parquet(tmp_path: Path):
    frame = sample(
        *DESIGN_COLUMNS,
        {"name": "who", "type": "faker", "field": "name"},
        {"name": "label", "type": "expression", "sql": "merchant || '/' || who"},
        rows=300,
    )
    path = tmp_path / "frame.parquet"
    frame.to_parquet(path)
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame)


# --- typed columns -----------------------------------------------------------------------------


def test_uuid_column_holds_unique_version_4_strings(design_frame):
    ids = design_frame["id"]
    assert ids.map(type).eq(str).all()
    assert ids.str.fullmatch(UUID4).all()
    assert ids.is_unique
    assert uuid.UUID(ids[0]).version == 4


def test_category_column_follows_its_weights(design_frame):
    shares = design_frame["merchant"].value_counts(normalize=True)
    assert set(shares.index) == {"grocery", "travel", "online"}
    for value, weight in {"grocery": 0.5, "travel": 0.2, "online": 0.3}.items():
        assert shares[value] == pytest.approx(weight, abs=0.02)


def test_category_weights_are_normalized_and_a_list_means_equal_weights():
    frame = sample(
        {"name": "weighted", "type": "category", "values": {"a": 3, "b": 1, "never": 0}},
        {"name": "listed", "type": "category", "values": ["x", "y", "z", "w"]},
    )
    weighted = frame["weighted"].value_counts(normalize=True)
    assert set(weighted.index) == {"a", "b"}
    assert weighted["a"] == pytest.approx(0.75, abs=0.02)
    listed = frame["listed"].value_counts(normalize=True)
    assert listed.to_dict() == pytest.approx(dict.fromkeys("xyzw", 0.25), abs=0.02)
    assert frame["listed"].dtype == object


def test_uniform_float_column_lies_in_low_high():
    values = sample({"name": "x", "type": "uniform", "low": -2.0, "high": 6.0})["x"]
    assert values.dtype == np.float64
    assert values.min() >= -2.0
    assert values.max() < 6.0
    assert values.mean() == pytest.approx(2.0, abs=0.1)


def test_uniform_int_column_includes_both_ends(design_frame):
    hours = design_frame["hour"]
    assert hours.dtype == np.int64
    assert set(hours.unique()) == set(range(24))
    assert hours.value_counts(normalize=True).max() < 1 / 24 + 0.02


def test_uniform_int_column_rounds_fractional_bounds_inward():
    values = sample({"name": "x", "type": "uniform", "low": 0.5, "high": 3.5, "dtype": "int"})
    assert set(values["x"].unique()) == {1, 2, 3}


def test_uniform_int_column_without_an_integer_in_range_is_a_recipe_error():
    config = make_config({"name": "x", "type": "uniform", "low": 0.2, "high": 0.8, "dtype": "int"})
    with pytest.raises(RecipeError, match=r"generator\.columns\[0\] \(x\): no integer lies"):
        ColumnSampler(config, random_seed=0)


def test_gaussian_column_has_its_mean_and_std(design_frame):
    score = design_frame["score"]
    assert score.mean() == pytest.approx(0.0, abs=0.05)
    assert score.std() == pytest.approx(1.0, abs=0.05)


def test_gaussian_int_column_rounds_to_int64():
    values = sample({"name": "x", "type": "gaussian", "mean": 50, "std": 4, "dtype": "int"})["x"]
    assert values.dtype == np.int64
    assert values.mean() == pytest.approx(50, abs=0.2)
    assert values.std() == pytest.approx(np.sqrt(16 + 1 / 12), abs=0.2)  # rounding adds 1/12


def test_lognormal_column_takes_the_underlying_normals_parameters(design_frame):
    logs = np.log(design_frame["amount"])
    assert (design_frame["amount"] > 0).all()
    assert logs.mean() == pytest.approx(3.5, abs=0.05)
    assert logs.std() == pytest.approx(1.0, abs=0.05)


def test_poisson_column_is_int64_with_mean_and_variance_lam(design_frame):
    items = design_frame["n_items"]
    assert items.dtype == np.int64
    assert items.min() >= 0
    assert items.mean() == pytest.approx(2.0, abs=0.05)
    assert items.var() == pytest.approx(2.0, abs=0.1)


def test_bernoulli_column_is_bool_with_share_p(design_frame):
    assert design_frame["returning"].dtype == bool
    assert design_frame["returning"].mean() == pytest.approx(0.3, abs=0.02)


def test_bernoulli_column_with_p_0_or_1_is_constant():
    frame = sample(
        {"name": "never", "type": "bernoulli", "p": 0},
        {"name": "always", "type": "bernoulli", "p": 1},
        rows=100,
    )
    assert not frame["never"].any()
    assert frame["always"].all()


def test_datetime_column_is_uniform_between_start_and_end_inclusive(design_frame):
    ts = design_frame["ts"]
    start, end = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    assert ts.dtype == "datetime64[us]"
    assert ts.min() >= start
    assert ts.max() <= end
    assert (ts.dt.microsecond == 0).all()  # whole seconds
    months = ts.dt.month.value_counts(normalize=True).sort_index()
    assert months[1] == pytest.approx(31 / 364, abs=0.01)
    assert (ts - start).mean() / (end - start) == pytest.approx(0.5, abs=0.01)


def test_datetime_column_with_equal_ends_is_constant_and_reaches_its_end():
    frame = sample(
        {
            "name": "same",
            "type": "datetime",
            "start": "2025-03-01T12:00",
            "end": "2025-03-01T12:00",
        },
        {
            "name": "short",
            "type": "datetime",
            "start": "2025-03-01T00:00:00",
            "end": "2025-03-01T00:00:02",
        },
        rows=200,
    )
    assert (frame["same"] == pd.Timestamp("2025-03-01 12:00")).all()
    assert set(frame["short"].dt.second) == {0, 1, 2}


def test_datetime_column_with_aware_bounds_is_utc():
    frame = sample(
        {
            "name": "ts",
            "type": "datetime",
            "start": "2025-01-01T00:00:00+02:00",
            "end": "2025-01-02T00:00:00+02:00",
        },
        rows=500,
    )
    ts = frame["ts"]
    assert str(ts.dtype) == "datetime64[us, UTC]"
    assert ts.min() >= pd.Timestamp("2024-12-31T22:00:00Z")
    assert ts.max() <= pd.Timestamp("2025-01-01T22:00:00Z")


# --- faker columns -----------------------------------------------------------------------------


def faker_frame(locale: str = "en_US", rows: int = 2000, random_seed: int = 7) -> pd.DataFrame:
    columns = [{"name": f, "type": "faker", "field": f, "locale": locale} for f in FAKER_FIELDS]
    return sample(*columns, rows=rows, random_seed=random_seed)


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR", "ja_JP", "pt_BR", "cs_CZ"])
def test_faker_columns_give_nonempty_strings_in_every_field(locale: str):
    frame = faker_frame(locale)
    for field in FAKER_FIELDS:
        values = frame[field]
        assert values.dtype == object, field
        assert values.map(type).eq(str).all(), field
        assert values.str.len().gt(0).mean() > 0.99, field
        assert values.nunique() > 10, field


def test_faker_names_come_from_fakers_word_lists():
    from faker.providers.person.en_US import Provider as Person

    frame = faker_frame()
    assert set(frame["first_name"]) <= set(Person.first_names)
    assert set(frame["last_name"]) <= set(Person.last_names)
    first_words = frame["name"].str.split(" ").str[0]
    known = set(Person.first_names) | set(Person.prefixes_female) | set(Person.prefixes_male)
    assert first_words.isin(known).all()


def test_faker_common_names_are_more_frequent_than_rare_ones():
    from faker.providers.person.en_US import Provider as Person

    counts = faker_frame(rows=N)["last_name"].value_counts()
    weights = Person.last_names
    assert counts.get("Smith", 0) > 10 * counts.get("Zimmerman", 1)
    assert weights["Smith"] > 10 * weights["Zimmerman"]


def test_faker_emails_phones_and_postcodes_look_right():
    from faker.providers.internet.en_US import Provider as Internet

    frame = faker_frame()
    assert frame["email"].str.fullmatch(r"[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]+").all()
    assert frame["email"].str.split("@").str[1].isin(Internet.free_email_domains).all()
    assert frame["phone_number"].str.count(r"\d").ge(10).all()
    assert frame["postcode"].str.fullmatch(r"\d{5}(-\d{4})?").all()
    assert frame["street_address"].str.match(r"\d{3,5} ").all()
    assert not frame["phone_number"].str.contains(r"[#%$!@?{}]").any()


def test_faker_columns_are_deterministic_and_seed_dependent():
    pd.testing.assert_frame_equal(faker_frame(rows=300), faker_frame(rows=300))
    assert not faker_frame(rows=300)["name"].equals(faker_frame(rows=300, random_seed=8)["name"])


def test_faker_column_does_not_depend_on_fields_drawn_before_it():
    from registry.generators.samplers import _faker_words

    column = {"name": "street", "type": "faker", "field": "street_address", "locale": "cs_CZ"}
    _faker_words.cache_clear()
    alone = sample(column, rows=500)
    _faker_words.cache_clear()
    others = [
        {"name": f"other_{f}", "type": "faker", "field": f, "locale": "cs_CZ"}
        for f in ("city", "name", "company")
    ]
    after_others = sample(*others, column, rows=500)
    pd.testing.assert_series_equal(alone["street"], after_others["street"])


def test_faker_accepts_a_dashed_locale():
    frame = sample({"name": "city", "type": "faker", "field": "city", "locale": "de-DE"}, rows=50)
    assert frame["city"].str.len().gt(0).all()


def test_faker_unknown_locale_is_a_recipe_error_naming_column_and_locale():
    config = make_config(
        {"name": "id", "type": "uuid"},
        {"name": "who", "type": "faker", "field": "name", "locale": "en_XX"},
    )
    with pytest.raises(RecipeError, match=r"generator\.columns\[1\] \(who\)\.locale: .*'en_XX'"):
        ColumnSampler(config, random_seed=0)


def test_faker_field_missing_from_the_locale_is_a_recipe_error():
    config = make_config(
        {"name": "tel", "type": "faker", "field": "phone_number", "locale": "en_PH"}
    )
    with pytest.raises(RecipeError, match=r"columns\[0\] \(tel\)\.field: .*en_PH has no phone"):
        ColumnSampler(config, random_seed=0)


# --- expression columns ------------------------------------------------------------------------


def test_expression_column_matches_the_same_rule_in_pandas(design_frame):
    expected = ((design_frame["amount"] > 900) & (design_frame["hour"] < 5)).astype("int32")
    pd.testing.assert_series_equal(design_frame["is_fraud"], expected, check_names=False)
    assert 0 < design_frame["is_fraud"].sum() < N * 0.05


def test_expression_columns_can_use_earlier_expressions():
    frame = sample(
        {"name": "amount", "type": "lognormal", "mean": 1, "sigma": 0.5},
        {"name": "merchant", "type": "category", "values": ["a", "b", "c"]},
        {"name": "ratio", "type": "expression", "sql": "amount / 2.5"},
        {"name": "big", "type": "expression", "sql": "ratio > 1"},
        {
            "name": "label",
            "type": "expression",
            "sql": "upper(merchant) || '-' || CAST(big AS INT)",
        },
        rows=5000,
    )
    np.testing.assert_allclose(frame["ratio"], frame["amount"] / 2.5)
    pd.testing.assert_series_equal(frame["big"], frame["ratio"] > 1, check_names=False)
    expected = frame["merchant"].str.upper() + "-" + frame["big"].astype(int).astype(str)
    assert frame["label"].tolist() == expected.tolist()


def test_expression_case_arithmetic_string_list_and_lambda_functions_work():
    frame = sample(
        {"name": "amount", "type": "lognormal", "mean": 1, "sigma": 0.5},
        {"name": "merchant", "type": "category", "values": ["grocery", "travel"]},
        {"name": "hour", "type": "uniform", "low": 0, "high": 23, "dtype": "int"},
        {
            "name": "band",
            "type": "expression",
            "sql": "CASE WHEN amount > 3 THEN 'high' WHEN amount > 1 THEN 'mid' ELSE 'low' END",
        },
        {"name": "cents", "type": "expression", "sql": "CAST(round(amount * 100) AS BIGINT) % 7"},
        {
            "name": "code",
            "type": "expression",
            "sql": "left(upper(merchant), 3) || lpad(hour::VARCHAR, 2, '0')",
        },
        {
            "name": "total",
            "type": "expression",
            "sql": "list_sum(list_transform([amount, hour], lambda v: v * 2))",
        },
        {"name": "night", "type": "expression", "sql": "if(hour < 6, 'night', nullif('day', ''))"},
        rows=500,
    )
    amount, hour = frame["amount"], frame["hour"]
    band = np.where(amount > 3, "high", np.where(amount > 1, "mid", "low"))
    assert frame["band"].tolist() == band.tolist()
    assert frame["cents"].tolist() == (np.round(amount * 100).astype(int) % 7).tolist()
    code = frame["merchant"].str.upper().str[:3] + hour.astype(str).str.zfill(2)
    assert frame["code"].tolist() == code.tolist()
    np.testing.assert_allclose(frame["total"], 2 * amount + 2 * hour)
    assert frame["night"].tolist() == np.where(hour < 6, "night", "day").tolist()


def test_expression_gives_the_same_values_when_rows_come_in_batches():
    from registry.generators.samplers import evaluate_expression
    from registry.recipes import ExpressionColumn

    whole = sample(*DESIGN_COLUMNS, rows=1000)
    column = ExpressionColumn.model_validate(DESIGN_COLUMNS[-1])
    earlier = [c["name"] for c in DESIGN_COLUMNS[:-1]]
    with sandboxed_connection(threads=1) as con:
        parts = [
            evaluate_expression(
                con,
                column,
                {name: whole[name].iloc[rows].to_numpy() for name in earlier},
                rows=len(range(1000)[rows]),
                path="generator.columns[8] (is_fraud)",
                declared=[*earlier, column.name],
            )
            for rows in (slice(0, 300), slice(300, 1000))
        ]
    assert pd.concat(parts, ignore_index=True).tolist() == whole["is_fraud"].tolist()


def test_expression_column_with_nulls_gets_a_nullable_dtype():
    frame = sample(
        {"name": "x", "type": "uniform", "low": 0, "high": 1},
        {"name": "flag", "type": "expression", "sql": "CASE WHEN x > 0.5 THEN 1 END"},
        rows=400,
    )
    assert str(frame["flag"].dtype) == "Int32"
    assert frame["flag"].isna().sum() == (frame["x"] <= 0.5).sum()


def test_expression_column_returning_uuids_gives_strings():
    frame = sample(
        {"name": "id", "type": "uuid"},
        {"name": "same", "type": "expression", "sql": "CAST(id AS UUID)"},
        rows=50,
    )
    assert frame["same"].tolist() == frame["id"].tolist()


def expression_error(sql: str) -> str:
    config = make_config(
        {"name": "id", "type": "uuid"},
        {"name": "merchant", "type": "category", "values": ["a", "b"]},
        {"name": "amount", "type": "lognormal"},
        {"name": "is_fraud", "type": "expression", "sql": sql},
        {"name": "later", "type": "gaussian"},
    )
    with pytest.raises(RecipeError) as info:
        ColumnSampler(config, random_seed=0).sample(10)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("generator.columns[3] (is_fraud).sql: ")
    return message.removeprefix("generator.columns[3] (is_fraud).sql: ")


def test_expression_unknown_column_names_the_columns_it_may_use():
    assert expression_error("CASE WHEN amout > 900 THEN 1 ELSE 0 END") == (
        'Referenced column "amout" not found; expected one of id, merchant, amount'
    )


def test_expression_later_column_says_to_move_it_up():
    message = expression_error("later * 2")
    assert message.startswith('Referenced column "later" not found; expected one of id, ')
    assert "'later' is declared after this column" in message


def test_expression_own_column_is_refused():
    assert "cannot use its own column" in expression_error("is_fraud + 1")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CASE WHEN amount > THEN 1 END", r"^Parser Error: syntax error"),
        ("amount, merchant", r"returns 2 columns"),
        ("amount FROM frame", r"not a query"),
        ("amount WHERE amount > 1", r"not a query"),
        ("amount LIMIT 1", r"not a query"),
        ("1; SELECT 2", r"got 2 statements"),
        ("1; DROP TABLE frame", r"expected one SQL expression"),
        ("amount AS x", r"drop the alias 'x'"),
        ("*", r"^name the columns instead of \* or COLUMNS\(\.\.\.\); expected one of id, "),
        ("COLUMNS('am.*') * 2", r"^name the columns instead of \*"),
        ("CAST(merchant AS INTEGER)", r"^Conversion Error"),
    ],
)
def test_expression_errors_are_one_line_recipe_errors(sql: str, expected: str):
    assert re.search(expected, expression_error(sql))


@pytest.mark.parametrize(
    "sql",
    [
        "random()",
        "amount * RANDOM()",
        "gen_random_uuid()",
        "uuid()",
        "setseed(0.5)",
        "now()",
        "current_date",
        "ago(INTERVAL 1 DAY)",  # a macro over current_timestamp
    ],
)
def test_expression_nondeterministic_sql_is_refused(sql: str):
    message = expression_error(sql)
    assert "every build" in message


@pytest.mark.parametrize(
    "sql",
    [
        "(SELECT count(*) FROM read_csv('/etc/passwd'))",
        "(SELECT max(content) FROM read_text('/etc/passwd'))",
        "(SELECT count(*) FROM read_parquet('https://example.com/x.parquet'))",
        "(SELECT count(*) FROM '/etc/passwd')",
    ],
)
def test_expression_cannot_read_files_or_the_network(sql: str):
    assert expression_error(sql).startswith("a subquery, which a row-wise expression cannot use")


def test_expression_may_use_a_column_named_like_a_clock_keyword():
    frame = sample(
        {"name": "current_date", "type": "datetime", "start": "2025-01-01", "end": "2025-01-31"},
        {"name": "day", "type": "expression", "sql": "day(current_date)"},
        rows=100,
    )
    assert frame["day"].tolist() == frame["current_date"].dt.day.tolist()


def test_expression_may_raise_with_error_for_impossible_rows():
    message = expression_error("CASE WHEN amount > 0 THEN error('amount is positive') END")
    assert message.endswith("amount is positive")
    frame = sample(
        {"name": "amount", "type": "lognormal"},
        {"name": "ok", "type": "expression", "sql": "CASE WHEN amount < 0 THEN error('no') END"},
        rows=50,
    )
    assert frame["ok"].isna().all()


def test_expression_column_may_come_first_and_be_constant():
    frame = sample(
        {"name": "one", "type": "expression", "sql": "1"},
        {"name": "x", "type": "gaussian"},
        rows=7,
    )
    assert frame["one"].tolist() == [1] * 7


@pytest.mark.parametrize(
    ("sql", "refused"),
    [
        ("(SELECT 1 FROM duckdb_settings() LIMIT 1)", "a subquery"),
        ("amount = (SELECT max(amount) FROM frame)", "a subquery"),
        ("merchant IN (SELECT 'a')", "a subquery"),
        ("EXISTS (SELECT 1)", "a subquery"),
        ("unnest([amount, amount])", "unnest() is a table function"),
        ("avg(amount)", "avg() is an aggregate"),
        ("count(*)", "count(*) is an aggregate"),
        ("geomean(amount)", "geomean() is an aggregate"),  # a macro over exp(avg(ln(x)))
        ("amount / avg(amount) OVER ()", "avg() OVER (...) is a window function"),
        ("row_number() OVER (ORDER BY amount)", "row_number() OVER (...) is a window function"),
        ("lag(amount)", "lag() is a window function"),
    ],
)
def test_expression_over_more_than_its_own_row_is_refused(sql: str, refused: str):
    assert expression_error(sql) == (
        f"{refused}, which a row-wise expression cannot use (rows are sampled in batches); "
        "expected SQL over the earlier columns of the same row (id, merchant, amount)"
    )


def test_expression_unknown_column_is_named_before_anything_else():
    message = expression_error("nope_col * 2 + CASE WHEN amount > 1 THEN 1 ELSE 0 END")
    assert message == 'Referenced column "nope_col" not found; expected one of id, merchant, amount'


# --- the sandbox ---------------------------------------------------------------------------------


@pytest.fixture
def sandbox():
    con = sandboxed_connection(threads=1)
    yield con
    con.close()


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM 'https://example.com/data.csv'",
        "COPY (SELECT 1 AS x) TO '{tmp}/out.csv'",
        "ATTACH '{tmp}/other.duckdb' AS other",
        "EXPORT DATABASE '{tmp}/export'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET lock_configuration = false",
        "SET autoload_known_extensions = true",
        "SET allowed_directories = ['/']",
        "SET threads = 8",
        "CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'k', SECRET 'v')",
    ],
)
def test_sandbox_refuses_files_network_extensions_and_settings(sandbox, tmp_path, statement):
    with pytest.raises(duckdb.Error):
        sandbox.execute(statement.format(tmp=tmp_path)).fetchall()
    assert list(tmp_path.iterdir()) == []


def test_sandbox_does_not_see_python_variables(sandbox):
    secret_frame = pd.DataFrame({"x": [1]})  # noqa: F841 - what a replacement scan would find
    with pytest.raises(duckdb.CatalogException):
        sandbox.execute("SELECT * FROM secret_frame").fetchall()


def test_sandbox_reads_data_registered_from_python(sandbox):
    sandbox.register("frame", pd.DataFrame({"x": [1, 2, 3]}))
    assert sandbox.execute("SELECT sum(x) FROM frame").fetchall() == [(6,)]


def test_sandbox_settings_are_locked_as_documented(sandbox):
    settings = dict(
        sandbox.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ("
            "'enable_external_access', 'lock_configuration', 'autoload_known_extensions', "
            "'autoinstall_known_extensions', 'threads')"
        ).fetchall()
    )
    assert settings == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "autoload_known_extensions": "false",
        "autoinstall_known_extensions": "false",
        "threads": "1",
    }


def test_sandbox_allowed_directories_open_only_those(tmp_path: Path):
    allowed, other = tmp_path / "allowed", tmp_path / "other"
    for folder in (allowed, other):
        folder.mkdir()
        pd.DataFrame({"x": [1, 2]}).to_parquet(folder / "x.parquet")
    con = sandboxed_connection(allowed_directories=[allowed])
    try:
        assert con.execute(f"SELECT sum(x) FROM '{allowed}/x.parquet'").fetchall() == [(3,)]
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"SELECT * FROM '{other}/x.parquet'").fetchall()
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"SELECT * FROM '{allowed}/../other/x.parquet'").fetchall()
    finally:
        con.close()


def test_sandbox_default_thread_count_is_small_and_positive():
    con = sandboxed_connection()
    try:
        (threads,) = con.execute("SELECT current_setting('threads')").fetchall()[0]
        assert 1 <= int(threads) <= 4
    finally:
        con.close()


def test_datetime_bounds_accept_dates():
    frame = sample(
        {
            "name": "d",
            "type": "datetime",
            "start": dt.date(2024, 2, 1),
            "end": dt.date(2024, 2, 29),
        },
        rows=1000,
    )
    assert frame["d"].min() >= pd.Timestamp("2024-02-01")
    assert frame["d"].max() <= pd.Timestamp("2024-02-29")
