"""The catalog: versions, columns, splits and lineage from git; SQL over version data."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

import registry
from registry import Registry, catalog
from registry.catalog import Catalog, lock_entry, parse_tag, quoted_identifiers
from registry.errors import CatalogError, DatasetNotFound
from registry.tags import TagRef
from tests.conftest import BIN, SAMPLER_RECIPE, build_and_commit, run

# --- a registry with three real releases, built once per test session --------------------------

CHANNEL = "    - {name: channel, type: category, values: {web: 0.7, app: 0.3}}\n"
_BUILT: dict[str, Path] = {}


def released_registry_at(factory: pytest.TempPathFactory) -> Path:
    """txns@1.0.0, txns@1.1.0 (amount mean 3.5 -> 4.5) and txns@2.0.0 (+ a channel column).

    Built once per session (three `dvc repro` runs) and shared: tests only read it. Each test
    still gets its own user cache, so fetches of old versions happen per test.
    """
    if "root" in _BUILT:
        return _BUILT["root"]
    from registry import store
    from registry.recipes import load_recipe

    base = factory.mktemp("catalog-registry")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(base / "data-home"))
        patch.setenv("XDG_CACHE_HOME", str(base / "cache-home"))
        patch.setenv("DVC_NO_ANALYTICS", "1")
        patch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        root = base / "registry"
        Registry.init(root, remote=base / "remote")
        recipe = root / "recipes" / "txns.yaml"
        for version, mean, extra in [
            ("1.0.0", 3.5, ""),
            ("1.1.0", 4.5, ""),
            ("2.0.0", 4.5, CHANNEL),
        ]:
            text = SAMPLER_RECIPE.format(name="txns", version=version, rows=400, mean=mean)
            recipe.write_text(
                text.replace("    - name: is_fraud\n", extra + "    - name: is_fraud\n")
            )
            store.register_stage(root, load_recipe(recipe))
            build_and_commit(root, f"txns {version}")
            Registry(root).release("txns")
    _BUILT["root"] = root
    return root


@pytest.fixture(scope="module")
def released_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return released_registry_at(tmp_path_factory)


def rows(relation: duckdb.DuckDBPyRelation) -> list[tuple[Any, ...]]:
    return relation.fetchall()


def git_show(root: Path, obj: str) -> str:
    return run(root, "git", "show", obj).stdout


# --- a git repo with synthetic release tags, made in milliseconds -----------------------------


def tag_synthetic(
    root: Path,
    name: str,
    version: str,
    *,
    seed: str | None = None,
    seed_sha: str | None = None,
    quality: dict[str, Any] | None = None,
) -> str:
    """Commit what a release of ``name@version`` keeps in git, tag it; returns its content hash."""
    if not (root / ".git").exists():
        root.mkdir(parents=True, exist_ok=True)
        run(root, "git", "init", "-q", "-b", "main")
    recipe: dict[str, Any] = {"name": name, "version": version, "license": "mit"}
    if seed:
        recipe["seed"] = {"source": seed, "holdout": 0.2}
    recipe["generator"] = {"kind": "sdv", "model": "ctgan"}
    recipe["rows"] = 100
    front = {
        "license": "mit",
        "dataset_info": {
            "features": [{"name": "x", "dtype": "float64"}, {"name": "label", "dtype": "string"}],
            "splits": [{"name": "train", "num_bytes": 900, "num_examples": 100}],
            "dataset_size": 900,
        },
    }
    body = "| generation depth | 1 |\n" if seed_sha else "| generation depth | 0 |\n"
    if seed_sha:
        body += f"| seed sha256 | `{seed_sha}` |\n"
    lock_path = root / "dvc.lock"
    lock = yaml.safe_load(lock_path.read_text()) if lock_path.exists() else {"schema": "2.0"}
    lock.setdefault("stages", {})[f"materialize@{name}"] = {
        "cmd": f"phantom materialize recipes/{name}.yaml",
        "params": {f"recipes/{name}.yaml": recipe},
        "outs": [
            {"path": f"cards/{name}.md", "hash": "md5", "md5": "0" * 32, "size": 10},
            {
                "path": f"data/{name}",
                "hash": "md5",
                "md5": "f" * 32 + ".dir",
                "size": 4321,
                "nfiles": 6,
            },
        ],
    }
    files = {
        f"recipes/{name}.yaml": yaml.safe_dump(recipe),
        f"cards/{name}.md": f"---\n{yaml.safe_dump(front)}---\n\n# {name}\n\n{body}",
        f"cards/{name}.quality.json": json.dumps(quality or {"overall": 71.5}),
        "dvc.lock": yaml.safe_dump(lock, sort_keys=False),
    }
    for relpath, text in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text)
    run(root, "git", "add", "-A")
    run(root, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", name)
    content = "sha256:" + (name + version).encode().hex().ljust(64, "0")[:64]
    message = f"phantom release {name}@{version}\n\ncontent: {content}\n"
    run(
        root,
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "tag",
        "-a",
        f"{name}@{version}",
        "-m",
        message,
    )
    return content


# --- catalog contents -----------------------------------------------------------------------


@pytest.mark.slow
def test_catalog_versions_hold_git_facts_scores_and_dvc_address(released_registry: Path):
    root = released_registry
    with Catalog() as cat:
        cat.refresh(root, workspace=root)
        found = cat.query(
            "SELECT version, tag, rev, content_hash, rows, splits, generator_kind, license, "
            "quality_overall, dvc_md5, files, is_latest, previous_version, ordinal, "
            "generation_depth, created FROM versions ORDER BY ordinal"
        ).df()
    released = {v.version: v for v in Registry(root).versions("txns")}
    assert found["version"].tolist() == ["1.0.0", "1.1.0", "2.0.0"]
    for record in found.to_dict("records"):
        version = released[record["version"]]
        assert record["tag"] == version.tag
        assert record["rev"] == run(root, "git", "rev-list", "-n", "1", version.tag).stdout.strip()
        assert record["content_hash"] == version.content_hash
        quality = json.loads(git_show(root, f"{version.tag}:cards/txns.quality.json"))
        assert record["quality_overall"] == quality["overall"]
        lock = yaml.safe_load(git_show(root, f"{version.tag}:dvc.lock"))
        out = next(
            o for o in lock["stages"]["materialize@txns"]["outs"] if o["path"] == "data/txns"
        )
        assert record["dvc_md5"] == out["md5"] and record["files"] == out["nfiles"]
    assert found["rows"].tolist() == [400, 400, 400]
    assert found["splits"][0] == {"train": 320, "test": 80}
    assert set(found["generator_kind"]) == {"sampler"} and set(found["license"]) == {"cc0-1.0"}
    assert found["is_latest"].tolist() == [False, False, True]
    assert found["previous_version"].tolist()[1:] == ["1.0.0", "1.1.0"]
    assert found["generation_depth"].tolist() == [0, 0, 0]
    assert found["created"].is_monotonic_increasing


def test_catalog_latest_versions_give_each_datasets_newest_release(released_registry: Path):
    root = released_registry
    with Catalog() as cat:
        cat.refresh(root, workspace=root)
        latest = cat.latest_versions()
        newest = cat.query("SELECT * FROM versions WHERE version = '2.0.0'").df()
    assert list(latest) == ["txns"]
    assert latest["txns"]["tag"] == "txns@2.0.0"
    assert latest["txns"]["rows"] == 400
    assert latest["txns"]["quality_overall"] == newest["quality_overall"].item()
    assert latest["txns"]["generation_depth"] == 0


@pytest.mark.slow
def test_catalog_columns_splits_and_datasets_come_from_committed_files(released_registry: Path):
    root = released_registry
    with Catalog() as cat:
        cat.refresh(root, workspace=root)
        columns = rows(
            cat.query(
                "SELECT version, column_name, type, null_share FROM columns "
                "WHERE column_name IN ('amount', 'channel') ORDER BY version, column_name"
            )
        )
        splits = rows(cat.query("SELECT split, rows FROM splits WHERE version = '2.0.0'"))
        (dataset,) = cat.datasets()
    assert columns == [
        ("1.0.0", "amount", "double", None),
        ("1.1.0", "amount", "double", None),
        ("2.0.0", "amount", "double", None),
        ("2.0.0", "channel", "string", None),
    ]
    assert sorted(splits) == [("test", 80), ("train", 320)]
    assert dataset["name"] == "txns" and dataset["latest"] == "2.0.0"
    assert dataset["releases"] == 3 and dataset["recipe_version"] == "2.0.0"
    assert dataset["workspace_rows"] == 400 and dataset["workspace_status"] == "released"


def test_catalog_links_registry_seeds_to_their_parent_version(tmp_path: Path):
    parent_hash = tag_synthetic(tmp_path, "parent", "1.0.0")
    tag_synthetic(tmp_path, "parent", "1.1.0")
    tag_synthetic(tmp_path, "child", "1.0.0", seed="registry:parent@^1.0", seed_sha=parent_hash)
    tag_synthetic(tmp_path, "wine-synth", "0.1.0", seed="sklearn:wine")
    with Catalog() as cat:
        cat.refresh(tmp_path)
        lineage = rows(
            cat.query(
                "SELECT name, parent_kind, source, parent_name, parent_version, generation_depth "
                "FROM lineage ORDER BY name"
            )
        )
        (child,) = rows(
            cat.query("SELECT seed_source, seed_sha256 FROM versions WHERE name = 'child'")
        )
    # Pinned by content hash, not by re-resolving the range (which now picks 1.1.0).
    assert lineage == [
        ("child", "version", "registry:parent@^1.0", "parent", "1.0.0", 1),
        ("wine-synth", "seed", "sklearn:wine", None, None, 0),
    ]
    assert child == ("registry:parent@^1.0", parent_hash)


def test_catalog_reads_quality_json_of_any_format(tmp_path: Path):
    old_format = {"format": 1, "rows": 100, "fidelity": {"score": 0.91, "columns": {"x": 0.8}}}
    new_format = {
        "format": 2,
        "overall": 83.2,
        "areas": {"fidelity": {"score": 88.0, "verdict": "good"}, "privacy": 70},
        "fidelity": {"score": 0.88, "columns": {"x": {"score": 0.7, "metric": "KSComplement"}}},
        "gates": [{"gate": "min_overall", "passed": True}, {"gate": "max_dcr", "passed": False}],
    }
    tag_synthetic(tmp_path, "a", "1.0.0", quality=old_format)
    tag_synthetic(tmp_path, "a", "2.0.0", quality=new_format)
    tag_synthetic(tmp_path, "a", "3.0.0", quality=["not", "a", "report"])  # type: ignore[arg-type]
    with Catalog() as cat:
        cat.refresh(tmp_path)
        found = rows(
            cat.query(
                "SELECT v.version, quality_overall, v.fidelity, areas, gates_passed, c.fidelity "
                "FROM versions v JOIN columns c USING (tag) WHERE c.column_name = 'x' "
                "ORDER BY v.version"
            )
        )
    assert found == [
        ("1.0.0", None, 0.91, {}, None, 0.8),
        ("2.0.0", 83.2, 0.88, {"fidelity": 88.0, "privacy": 70.0}, False, 0.7),
        ("3.0.0", None, None, {}, None, None),
    ]


def test_refresh_reads_only_new_or_moved_tags_and_drops_deleted_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    repo = tmp_path / "repo"
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        tag_synthetic(repo, "a", version)
    read: list[list[str]] = []
    original = catalog.cache.read_tag_records

    def spy(git_dir: Path, refs: list[TagRef]) -> list[dict[str, Any]]:
        read.append([ref.tag for ref in refs])
        return original(git_dir, refs)

    monkeypatch.setattr(catalog.cache, "read_tag_records", spy)
    cache = tmp_path / "catalog.duckdb"
    assert Catalog(cache).refresh(repo) == catalog.RefreshResult(added=3)
    assert not Catalog(cache).refresh(repo).changed
    catalog.cache.forget()  # a new process: compares with the cache file, reads no tag
    assert not Catalog(cache).refresh(repo).changed
    tag_synthetic(repo, "a", "1.3.0")
    run(repo, "git", "tag", "-d", "a@1.0.0")
    run(
        repo,
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "tag",
        "-f",
        "-a",
        "a@1.1.0",
        "-m",
        "moved\n\ncontent: sha256:" + "e" * 64,
    )
    assert Catalog(cache).refresh(repo) == catalog.RefreshResult(added=2, removed=1)
    assert read == [["a@1.0.0", "a@1.1.0", "a@1.2.0"], ["a@1.1.0", "a@1.3.0"]]
    with Catalog(cache) as cat:
        found = rows(cat.query("SELECT version, content_hash, is_latest FROM versions ORDER BY 1"))
    assert [(v, latest) for v, _, latest in found] == [
        ("1.1.0", False),
        ("1.2.0", False),
        ("1.3.0", True),
    ]
    assert found[0][1] == "sha256:" + "e" * 64


def test_deleting_the_cache_loses_nothing(tmp_path: Path):
    repo = tmp_path / "repo"
    tag_synthetic(repo, "a", "1.0.0")
    tag_synthetic(repo, "b", "0.1.0", seed="registry:a@1.0.0")
    cache = tmp_path / "cache" / "catalog.duckdb"
    Catalog(cache).refresh(repo)
    before = {name: table.to_pylist() for name, table in Catalog(cache).tables().items()}
    cache.unlink()
    catalog.cache.forget()
    assert Catalog(cache).refresh(repo) == catalog.RefreshResult(added=2)
    after = {name: table.to_pylist() for name, table in Catalog(cache).tables().items()}
    assert after == before


def test_a_cache_that_is_not_a_database_is_rebuilt(tmp_path: Path):
    repo = tmp_path / "repo"
    tag_synthetic(repo, "a", "1.0.0")
    cache = tmp_path / "catalog.duckdb"
    cache.write_text("not a database")
    assert Catalog(cache).refresh(repo) == catalog.RefreshResult(added=1)


def test_lock_entry_reads_the_data_out_of_its_stage_only():
    lock = yaml.safe_dump(
        {
            "schema": "2.0",
            "stages": {
                f"materialize@{name}": {
                    "cmd": "x",
                    "params": {"recipes/x.yaml": {"generator": {"columns": [{"name": "a"}]}}},
                    "outs": [
                        {"path": f"cards/{name}.md", "md5": "1" * 32},
                        {"path": f"data/{name}", "md5": f"{n}.dir", "size": n, "nfiles": 2},
                    ],
                }
                for n, name in enumerate(["alpha", "beta", "gamma"])
            },
        },
        sort_keys=False,
    )
    assert lock_entry(lock, "beta") == {"path": "data/beta", "md5": "1.dir", "size": 1, "nfiles": 2}
    assert lock_entry(lock, "delta") == {}


def test_parse_tag_survives_missing_files():
    ref = TagRef("a@1.0.0", "a", "1.0.0", "1" * 40, "2" * 40, None, "")
    record = parse_tag(ref, recipe=None, card=b"no front matter", quality=b"{bad", lock=None)
    assert record["versions"]["rows"] is None and record["columns"] == []


def test_quoted_identifiers_skips_strings_and_comments():
    sql = (
        'SELECT "x""y", \'"no@1.0.0"\' FROM "a@1.0.0" JOIN "b@^1/train" USING (id) '
        '-- "c@1.0.0"\nWHERE "a@1.0.0".x > 0'
    )
    assert quoted_identifiers(sql) == ['x"y', "a@1.0.0", "b@^1/train"]


# --- SQL over version data ------------------------------------------------------------------


@pytest.mark.slow
def test_sql_version_view_holds_every_split_with_a_split_column(released_registry: Path):
    reg = Registry(released_registry)
    counts = rows(reg.sql('SELECT split, count(*) FROM "txns@1.0.0" GROUP BY 1 ORDER BY 1'))
    train = rows(reg.sql('SELECT count(*), min(split), max(split) FROM "txns@1.0.0/train"'))
    assert counts == [("test", 80), ("train", 320)]
    assert train == [(320, "train", "train")]


@pytest.mark.slow
def test_sql_resolves_ranges_and_bare_names_and_joins_versions(released_registry: Path):
    reg = Registry(released_registry)
    ((mean_range, mean_exact),) = rows(
        reg.sql(
            'SELECT (SELECT avg(amount) FROM "txns@^1.0"), (SELECT avg(amount) FROM "txns@1.1.0")'
        )
    )
    assert mean_range == mean_exact  # ^1.0 is 1.1.0, the newest 1.x
    latest_columns = reg.sql("SELECT * FROM txns").columns
    assert "channel" in latest_columns and latest_columns[-1] == "split"
    joined = rows(
        reg.sql(
            "SELECT count(*), count(*) FILTER (WHERE a.amount <> b.amount) "
            'FROM "txns@1.0.0" a JOIN "txns@1.1.0" b USING (id, split)'
        )
    )
    union = rows(
        reg.sql('SELECT count(*) FROM (FROM "txns@1.0.0" UNION ALL BY NAME FROM "txns@2.0.0")')
    )
    assert joined == [(400, 400)]  # same seed, same ids; the amount distribution moved
    assert union == [(800,)]


@pytest.mark.slow
def test_sql_reads_old_versions_in_a_second_clone_without_touching_any_workspace(
    released_registry: Path, tmp_path: Path
):
    root = released_registry
    watched = sorted((root / "data" / "txns").rglob("*"))
    before = {p: p.stat().st_mtime_ns for p in watched}
    clone = tmp_path / "clone"
    run(tmp_path, "git", "clone", "-q", str(root), str(clone))

    found = rows(
        registry.sql(
            "SELECT a.split, count(*), avg(a.amount) < avg(b.amount) "
            'FROM "txns@1.0.0" a JOIN "txns@1.1.0" b USING (id, split) GROUP BY 1 ORDER BY 1',
            repo=clone,
        )
    )
    assert found == [("test", 80, True), ("train", 320, True)]
    assert not (clone / "data" / "txns").exists()  # read from the DVC remote, not checked out
    assert run(clone, "git", "status", "--porcelain").stdout == ""
    assert run(clone, "git", "rev-parse", "--abbrev-ref", "HEAD").stdout.strip() == "main"
    assert {p: p.stat().st_mtime_ns for p in watched} == before
    assert (clone / ".phantom" / "catalog.duckdb").is_file()


@pytest.mark.slow
def test_sql_returns_a_duckdb_relation_and_records_null_shares(released_registry: Path):
    reg = Registry(released_registry)
    relation = reg.sql("SELECT * FROM \"txns@1.0.0\" WHERE split = 'test'")
    assert isinstance(relation, duckdb.DuckDBPyRelation)
    assert len(relation.df()) == 80 and relation.arrow().read_all().num_rows == 80
    shares = rows(
        reg.sql("SELECT column_name, null_share FROM columns WHERE tag = 'txns@1.0.0' ORDER BY 1")
    )
    assert shares and all(share == 0.0 for _, share in shares)


@pytest.mark.slow
def test_sql_over_a_version_never_released_names_what_exists(released_registry: Path):
    with pytest.raises(DatasetNotFound, match=r"released: 1\.0\.0, 1\.1\.0, 2\.0\.0"):
        Registry(released_registry).sql('SELECT * FROM "txns@3.0.0"')
    with pytest.raises(CatalogError, match=r"has no split 'validation'; it has train, test"):
        Registry(released_registry).sql('SELECT * FROM "txns@1.0.0/validation"')


@pytest.mark.slow
@pytest.mark.parametrize(
    "statement",
    [
        "COPY (SELECT 1) TO '{data}/evil.parquet'",
        "COPY versions TO '{data}/versions.csv'",
        "ATTACH '{root}/.phantom/catalog.duckdb' AS rw",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "CREATE TABLE t AS SELECT 1",
        'SELECT 1; DROP VIEW "txns@1.0.0"',
        "EXPORT DATABASE '{data}'",
        "EXPLAIN ANALYZE COPY (SELECT 1) TO '{data}/x.csv'",
    ],
)
def test_sql_cannot_write_into_the_registry(released_registry: Path, statement: str):
    root = released_registry
    data = root / "data" / "txns" / "data"
    reg = Registry(root)
    reg.sql('SELECT count(*) FROM "txns@2.0.0"').fetchall()  # the workspace folder is readable
    before = sorted(p.name for p in data.iterdir())
    with pytest.raises(CatalogError) as caught:
        reg.sql(statement.format(data=data, root=root)).fetchall()
    message = str(caught.value)
    assert "\n" not in message and "read-only" in message
    assert sorted(p.name for p in data.iterdir()) == before


def test_sql_can_read_no_file_but_version_data(tmp_path: Path):
    (tmp_path / "secret.csv").write_text("a\n1\n")
    with Catalog() as cat, pytest.raises(CatalogError, match="Permission Error") as caught:
        cat.query(f"SELECT * FROM read_csv('{tmp_path / 'secret.csv'}')").fetchall()
    assert "\n" not in str(caught.value)


def test_sql_errors_are_one_line(tmp_path: Path):
    with Catalog() as cat:
        for bad in ["SELEC 1", "SELECT nope FROM versions", "SELECT * FROM versoins"]:
            with pytest.raises(CatalogError) as caught:
                cat.query(bad)
            assert "\n" not in str(caught.value) and "LINE 1" not in str(caught.value)


@pytest.mark.slow
def test_registry_catalog_is_cached_in_dot_phantom_which_git_ignores(released_registry: Path):
    Registry(released_registry).catalog()
    assert (released_registry / ".phantom" / "catalog.duckdb").is_file()
    ignored = subprocess.run(
        ["git", "check-ignore", ".phantom/catalog.duckdb"], cwd=released_registry, check=False
    )
    assert ignored.returncode == 0


def test_export_writes_maps_and_timestamps_as_text(tmp_path: Path):
    tag_synthetic(tmp_path, "a", "1.0.0")
    with Catalog() as cat:
        cat.refresh(tmp_path)
        relation = cat.query("SELECT tag, splits, created FROM versions")
        as_csv = catalog.export(relation, "csv")
        as_json = json.loads(catalog.export(relation, "json"))
    header, line = as_csv.splitlines()
    assert header == "tag,splits,created"
    assert line.startswith('a@1.0.0,"{""train"": 100}",20')
    assert as_json[0]["splits"] == {"train": 100} and as_json[0]["created"].startswith("20")


@pytest.mark.slow
def test_registry_sql_reads_a_registry_by_git_url(released_registry: Path):
    found = registry.sql("SELECT count(*) FROM versions", repo=f"file://{released_registry}")
    assert found.fetchall() == [(3,)]
