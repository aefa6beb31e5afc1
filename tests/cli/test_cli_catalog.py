"""`phantom sql`, `phantom diff` and `phantom ls` over the catalog."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from unittest import mock

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from registry.cli import app
from registry.core import Registry
from registry.diff import Change, VersionDiff
from tests.test_catalog import released_registry  # noqa: F401 - the shared fixture

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def a_relation() -> duckdb.DuckDBPyRelation:
    return duckdb.connect().sql(
        "SELECT * FROM (VALUES ('txns', '1.0.0', 400, 97.9), ('txns', '1.1.0', 400, NULL)) "
        "AS t(name, version, rows, quality_overall)"
    )


@pytest.fixture
def fake_sql(registry_root: Path, monkeypatch: pytest.MonkeyPatch) -> mock.Mock:
    fake = mock.Mock(side_effect=lambda query: a_relation())
    monkeypatch.setattr(Registry, "sql", fake)
    monkeypatch.chdir(registry_root)
    return fake


def test_sql_calls_registry_sql_once_and_prints_a_table(fake_sql: mock.Mock):
    query = "SELECT name, version, rows, quality_overall FROM versions ORDER BY created DESC"
    result = invoke("sql", query)
    assert result.exit_code == 0, result.output
    fake_sql.assert_called_once_with(query)
    assert result.stdout.splitlines() == [
        "name  version  rows  quality_overall",
        "txns  1.0.0    400   97.9",
        "txns  1.1.0    400   NULL",
    ]


def test_sql_table_stops_at_the_limit(fake_sql: mock.Mock):
    result = invoke("sql", "SELECT 1", "--limit", "1")
    assert len(result.stdout.splitlines()) == 2
    assert "first 1 rows" in result.stderr


def test_sql_prints_csv_and_json(fake_sql: mock.Mock):
    as_csv = invoke("sql", "SELECT 1", "--format", "csv")
    parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert parsed[0] == {
        "name": "txns",
        "version": "1.0.0",
        "rows": "400",
        "quality_overall": "97.9",
    }
    as_json = json.loads(invoke("sql", "SELECT 1", "-f", "json").stdout)
    assert as_json[1] == {"name": "txns", "version": "1.1.0", "rows": 400, "quality_overall": None}


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_sql_writes_a_file_given_output(fake_sql: mock.Mock, tmp_path: Path, fmt: str):
    target = tmp_path / f"out.{fmt}"
    result = invoke("sql", "SELECT 1", "-o", str(target))  # the format follows the suffix
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    if fmt == "parquet":
        assert pq.read_table(target).num_rows == 2
    else:
        assert "1.1.0" in target.read_text()


def test_sql_parquet_needs_a_file(fake_sql: mock.Mock):
    result = invoke("sql", "SELECT 1", "--format", "parquet")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: parquet output needs a file; add -o FILE.parquet"


@pytest.mark.parametrize(
    "query",
    ["COPY versions TO 'x.csv'", "ATTACH 'x.db'", "INSTALL httpfs", "SET threads = 1", "SELEC 1"],
)
def test_sql_error_prints_one_line_and_exits_2(
    registry_root: Path, monkeypatch: pytest.MonkeyPatch, query: str
):
    monkeypatch.chdir(registry_root)
    result = invoke("sql", query)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr
    assert not (registry_root / "x.csv").exists() and not (registry_root / "x.db").exists()


def test_diff_calls_registry_diff_once(registry_root: Path, monkeypatch: pytest.MonkeyPatch):
    made = VersionDiff("d@1.0.0", "d@1.1.0", False, params=[Change("rows", 100, 200)])
    fake = mock.Mock(return_value=made)
    monkeypatch.setattr(Registry, "diff", fake)
    monkeypatch.chdir(registry_root)
    result = invoke("diff", "d@1.0.0", "d@^1.1")
    assert result.exit_code == 0, result.output
    fake.assert_called_once_with("d@1.0.0", "d@^1.1")
    assert "  rows: 100 -> 200" in result.stdout
    as_json = json.loads(invoke("diff", "d@1.0.0", "d@^1.1", "--json").stdout)
    assert as_json["params"] == [{"key": "rows", "old": 100, "new": 200}]


@pytest.mark.slow
def test_sql_diff_and_ls_end_to_end(
    released_registry: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.chdir(released_registry)
    listing = invoke(
        "sql", "SELECT name, version, rows, quality_overall FROM versions ORDER BY created DESC"
    )
    assert listing.exit_code == 0, listing.output
    assert [line.split()[:3] for line in listing.stdout.splitlines()[1:]] == [
        ["txns", "2.0.0", "400"],
        ["txns", "1.1.0", "400"],
        ["txns", "1.0.0", "400"],
    ]
    counts = invoke("sql", 'SELECT split, count(*) AS n FROM "txns@1.0.0" GROUP BY 1 ORDER BY 1')
    assert counts.stdout.split() == ["split", "n", "test", "80", "train", "320"]
    missing = invoke("sql", 'SELECT * FROM "txns@9.0.0"')
    assert missing.exit_code == 2
    assert missing.stderr.strip().startswith("error: no version of 'txns' matches 'txns@9.0.0'")
    diff = invoke("diff", "txns@1.0.0", "txns@1.1.0")
    assert diff.exit_code == 0, diff.output
    assert "generator.columns[amount].mean: 3.5 -> 4.5" in diff.stdout
    ls = invoke("ls")
    row = next(line for line in ls.stdout.splitlines() if line.startswith("txns"))
    assert row.split() == ["txns", "2.0.0", "3", "2.0.0", "sampler", "400"]
