"""Linked tables: a parent table and its child sequences, generated, stored, loaded, queried
and scored together (registry/linked.py, registry/linked_seeds.py,
registry/generators/linked.py, registry/quality/linked.py).

One tiny linked build (60 customers, 1-5 transactions each, 1 epoch of the small network)
is shared by the module: these tests check plumbing, keys and files, not quality.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from registry import Registry
from registry.errors import RecipeError, SeedError
from registry.recipes import parse_recipe
from tests.conftest import BIN, build_and_commit, run, write
from tests.conftest_hub import hub_fixture  # noqa: F401

LINKED_RECIPE = """\
name: {name}
version: 1.0.0
seed:
  tables:
    customers: {{source: recipes/seeds/shop/customers.csv, primary_key: id}}
    transactions:
      source: recipes/seeds/shop/transactions.csv
      foreign_key: {{column: customer_id, references: customers}}
  holdout: 0.2
generator: {{kind: table, model_size: S, max_epochs: 1}}
rows: 40
splits: {{train: 0.75, test: 0.25}}
random_seed: 5
quality: {{min_overall: 0, max_exact_copy_excess: 1}}
"""


def write_seed_tables(root: Path, *, customers: int = 60, seed: int = 0) -> None:
    """customers(id, age, segment, balance) and transactions(customer_id, amount, channel,
    hour) in recipes/seeds/shop/: premium customers buy more often and spend more, so the
    child rows depend on their parent. Ages, balances, amounts and hours are fine-grained, so
    a synthetic row equal to a seed row is rare and the version can be published (the Hub
    refuses exact copies)."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(["basic", "premium"], size=customers, p=[0.6, 0.4])
    parents = pd.DataFrame(
        {
            "id": np.arange(100, 100 + customers),
            "age": rng.uniform(18, 80, customers).round(3),
            "segment": segment,
            "balance": rng.lognormal(6, 1, customers).round(2),
        }
    )
    rows = []
    for cid, seg in zip(parents["id"], segment, strict=True):
        for _ in range(int(rng.integers(3, 6) if seg == "premium" else rng.integers(1, 3))):
            base = 80.0 if seg == "premium" else 20.0
            rows.append(
                {
                    "customer_id": cid,
                    "amount": round(float(rng.gamma(2.0, base / 2)), 4),
                    "channel": str(rng.choice(["web", "store"])),
                    "hour": round(float(rng.uniform(8, 20)), 4),
                }
            )
    seeds = root / "recipes" / "seeds" / "shop"
    seeds.mkdir(parents=True, exist_ok=True)
    parents.to_csv(seeds / "customers.csv", index=False)
    pd.DataFrame(rows).to_csv(seeds / "transactions.csv", index=False)


def make_linked(root: Path, name: str = "shop", **replace: str) -> Path:
    from registry import store
    from registry.recipes import load_recipe

    write_seed_tables(root)
    text = LINKED_RECIPE.format(name=name)
    for old, new in replace.items():
        text = text.replace(old, new)
    path = write(root / "recipes" / f"{name}.yaml", text)
    store.register_stage(root, load_recipe(path))
    return path


@pytest.fixture(scope="module")
def linked_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with the tiny linked recipe built and released as shop@1.0.0."""
    home = tmp_path_factory.mktemp("linked")
    root = home / "registry"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("XDG_DATA_HOME", str(home / "data"))
        env.setenv("XDG_CACHE_HOME", str(home / "cache"))
        env.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        Registry.init(root, remote=home / "remote")
        make_linked(root)
        build_and_commit(root, "shop 1.0.0")  # dvc repro: the stage runs phantom materialize
        Registry(root).release("shop")
    return root


def read_table(root: Path, table: str) -> pd.DataFrame:
    files = sorted((root / "data" / "shop" / "data" / table).glob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


# --- recipes ----------------------------------------------------------------------------------


def recipe_with_tables(tables: dict, **fields) -> dict:
    return {
        "name": "x",
        "version": "1.0.0",
        "seed": {"tables": tables},
        "generator": {"kind": "table"},
        "rows": 10,
        **fields,
    }


PARENT = {"source": "c.csv", "primary_key": "id"}


def test_linked_recipe_names_its_parent_and_child() -> None:
    child = {"source": "t.csv", "foreign_key": {"column": "cid", "references": "customers"}}
    recipe = parse_recipe(recipe_with_tables({"customers": PARENT, "transactions": child}))
    assert recipe.seed.table_names == ("customers", "transactions")


@pytest.mark.parametrize(
    ("tables", "fields", "message"),
    [
        (
            {
                "customers": PARENT,
                "tx": {"source": "t.csv", "foreign_key": {"column": "c", "references": "custs"}},
            },
            {},
            "tables.tx.foreign_key.references: 'custs' is not another table; expected one of "
            "customers",
        ),
        ({"customers": PARENT}, {}, "expected two tables"),
        (
            {
                "customers": PARENT,
                "tx": {
                    "source": "t.csv",
                    "foreign_key": {"column": "c", "references": "customers"},
                },
            },
            {"generator": {"kind": "sdv"}},
            "seed.tables: a sdv generator makes one table; linked tables are generated by "
            "kind: table",
        ),
        (
            {
                "train": PARENT,
                "tx": {"source": "t.csv", "foreign_key": {"column": "c", "references": "train"}},
            },
            {},
            "'train' is also a split name",
        ),
    ],
)
def test_linked_recipe_refuses_bad_tables_in_one_line(tables, fields, message) -> None:
    with pytest.raises(RecipeError) as info:
        parse_recipe(recipe_with_tables(tables, **fields), source="recipes/x.yaml")
    assert message in str(info.value)
    assert str(info.value).startswith("recipes/x.yaml: ")
    assert "\n" not in str(info.value)


def test_validate_names_a_missing_key_column(registry_root: Path) -> None:
    path = make_linked(registry_root, **{"column: customer_id": "column: client"})
    with pytest.raises(SeedError) as info:
        Registry(registry_root).validate([path])
    assert str(info.value) == (
        f"{path}: seed.tables.transactions.foreign_key.column: 'client' is not a column of "
        "recipes/seeds/shop/transactions.csv; expected one of customer_id, amount, channel, hour"
    )


def test_cli_refuses_a_child_row_without_parent_with_exit_2(registry_root: Path) -> None:
    path = make_linked(registry_root)
    seeds = registry_root / "recipes" / "seeds" / "shop"
    orphan = pd.read_csv(seeds / "transactions.csv")
    orphan.loc[0, "customer_id"] = 999
    orphan.to_csv(seeds / "transactions.csv", index=False)
    result = run(registry_root, "phantom", "materialize", str(path), check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1:] == [
        f"error: {path}: seed.tables.transactions.foreign_key: 1 row(s) of "
        "recipes/seeds/shop/transactions.csv reference no customers row (e.g. customer_id=999); "
        "expected every customer_id to be a customers.id"
    ]
    assert not (registry_root / "data" / "shop").exists()


def test_linked_seed_holds_out_parents_with_all_their_children(registry_root: Path) -> None:
    from registry.linked_seeds import load_linked_seed
    from registry.recipes import load_recipe

    recipe = load_recipe(make_linked(registry_root))
    seed = load_linked_seed(recipe, root=registry_root)
    assert len(seed.parent.holdout) == 12  # 20% of 60 customers
    assert set(seed.child.holdout["customer_id"]) <= set(seed.parent.holdout["id"])
    assert set(seed.child.train["customer_id"]) <= set(seed.parent.train["id"])
    assert len(seed.child.train) + len(seed.child.holdout) == len(
        pd.read_csv(registry_root / "recipes" / "seeds" / "shop" / "transactions.csv")
    )


# --- the build --------------------------------------------------------------------------------


@pytest.mark.slow
def test_linked_build_writes_one_folder_per_table_with_coherent_keys(linked_registry: Path) -> None:
    customers, transactions = (
        read_table(linked_registry, "customers"),
        read_table(linked_registry, "transactions"),
    )
    assert list(customers.columns) == ["id", "age", "segment", "balance"]
    assert list(transactions.columns) == ["customer_id", "amount", "channel", "hour"]
    assert len(customers) == 40 and customers["id"].is_unique
    assert len(transactions) > 0
    assert set(transactions["customer_id"]) <= set(customers["id"])
    folder = linked_registry / "data" / "shop" / "data"
    for split in ("train", "test"):  # a customer and its transactions share a split
        parents = pd.read_parquet(folder / "customers" / f"{split}-00000-of-00001.parquet")
        children = pd.read_parquet(folder / "transactions" / f"{split}-00000-of-00001.parquet")
        assert set(children["customer_id"]) <= set(parents["id"])
    manifest = json.loads((linked_registry / "data" / "shop" / "manifest.json").read_text())
    assert manifest["linked"]["foreign_key"] == {"column": "customer_id", "references": "customers"}
    assert manifest["tables"]["transactions"]["rows"] == len(transactions)


@pytest.mark.slow
def test_linked_card_declares_one_config_per_table(linked_registry: Path) -> None:
    import yaml

    card = (linked_registry / "data" / "shop" / "README.md").read_text()
    meta = yaml.safe_load(card.split("---")[1])
    assert [c["config_name"] for c in meta["configs"]] == ["customers", "transactions"]
    assert meta["configs"][1]["data_files"] == [
        {"split": "train", "path": "data/transactions/train-*"},
        {"split": "test", "path": "data/transactions/test-*"},
    ]
    assert "## Linked tables" in card


@pytest.mark.slow
def test_both_tables_load_with_registry_and_datasets(linked_registry: Path) -> None:
    import datasets

    import registry

    transactions = registry.load("shop@1.0.0", repo=linked_registry, table="transactions")
    assert transactions["train"].column_names == ["customer_id", "amount", "channel", "hour"]
    customers = registry.load("shop@1.0.0/customers", repo=linked_registry)
    assert customers["train"].num_rows + customers["test"].num_rows == 40
    direct = datasets.load_dataset(str(linked_registry / "data" / "shop"), name="transactions")
    assert direct["test"].num_rows == transactions["test"].num_rows
    with pytest.raises(
        LookupError, match="has no table 'orders'; expected one of customers, transactions"
    ):
        registry.load("shop@1.0.0/orders", repo=linked_registry)


@pytest.mark.slow
def test_both_tables_are_sql_views_that_join(linked_registry: Path) -> None:
    registry = Registry(linked_registry)
    rows = registry.sql(
        'SELECT count(*) AS n, count(c.id) AS matched FROM "shop@1.0.0/transactions" t '
        'LEFT JOIN "shop@1.0.0/customers" c ON t.customer_id = c.id'
    ).fetchall()
    assert rows[0][0] > 0 and rows[0][0] == rows[0][1]
    test_rows = registry.sql('SELECT DISTINCT split FROM "shop@1.0.0/customers/test"').fetchall()
    assert test_rows == [("test",)]
    result = run(linked_registry, "phantom", "sql", 'SELECT * FROM "shop@1.0.0"', check=False)
    assert result.returncode == 2
    assert '"shop@1.0.0/customers", "shop@1.0.0/transactions"' in result.stderr


@pytest.mark.slow
def test_linked_scores_cover_each_table_sequences_and_coherence(linked_registry: Path) -> None:
    quality = json.loads((linked_registry / "data" / "shop" / "quality.json").read_text())
    assert set(quality["tables"]) == {"customers", "transactions"}
    assert quality["tables"]["transactions"]["areas"]["fidelity"]["score"] >= 0
    linked = quality["linked"]
    assert linked["referential_integrity"]["orphans"] == 0
    assert linked["referential_integrity"]["share"] == 1.0
    assert linked["sequence_lengths"]["real"]["parents"] == 48
    assert 0.0 <= linked["sequence_lengths"]["score"] <= 1.0
    assert linked["coherence"]["pairs"]  # segment / age against the child aggregates
    assert "sequence lengths" in quality["areas"]["fidelity"]["summary"]


@pytest.mark.slow
def test_linked_build_repeats_its_content_hash(linked_registry: Path, tmp_path: Path) -> None:
    import shutil

    first = json.loads((linked_registry / "data" / "shop" / "manifest.json").read_text())
    root = tmp_path / "again"
    Registry.init(root, remote=tmp_path / "remote")
    shutil.copytree(
        linked_registry / "recipes" / "seeds", root / "recipes" / "seeds", dirs_exist_ok=True
    )
    shutil.copy(linked_registry / "recipes" / "shop.yaml", root / "recipes" / "shop.yaml")
    result = Registry(root).materialize(root / "recipes" / "shop.yaml")
    assert result.content_hash == first["content_hash"]


# --- scores on their own ----------------------------------------------------------------------


def test_linked_scores_see_children_that_ignore_their_parent() -> None:
    from registry.quality.linked import linked_scores

    rng = np.random.default_rng(1)
    parents = pd.DataFrame({"id": range(200), "segment": rng.choice(["a", "b"], 200)})
    counts = np.where(parents["segment"] == "a", 1, 5)
    children = pd.DataFrame(
        {
            "pid": np.repeat(parents["id"], counts),
            "amount": np.repeat(np.where(parents["segment"] == "a", 10.0, 90.0), counts)
            + rng.normal(0, 1, counts.sum()),
        }
    )
    shuffled = children.assign(pid=rng.permutation(children["pid"].to_numpy()))
    keys = ("id", "pid")
    faithful = linked_scores((parents, children), (parents, children), keys=keys)
    careless = linked_scores((parents, children), (parents, shuffled), keys=keys)
    assert faithful["coherence"]["score"] == pytest.approx(1.0)
    assert faithful["sequence_lengths"]["score"] == pytest.approx(1.0)
    assert careless["coherence"]["score"] < faithful["coherence"]["score"] - 0.3


def test_coherence_bins_both_sides_alike_so_a_modal_sequence_length_scores_high() -> None:
    from registry.quality.linked import linked_scores

    rng = np.random.default_rng(2)
    parents = pd.DataFrame({"id": range(200), "segment": rng.choice(["a", "b"], 200)})
    real_counts = np.where(rng.random(200) < 0.9, 20, rng.integers(1, 20, 200))  # most: 20

    def children(counts: np.ndarray) -> pd.DataFrame:
        level = np.where(parents["segment"] == "a", 10.0, 90.0)
        return pd.DataFrame(
            {
                "pid": np.repeat(parents["id"], counts),
                "amount": np.repeat(level, counts) + rng.normal(0, 1, counts.sum()),
            }
        )

    modal = linked_scores(  # every synthetic parent has the most common length, 20
        (parents, children(real_counts)), (parents, children(np.full(200, 20))), keys=("id", "pid")
    )
    assert modal["coherence"]["score"] > 0.8  # one bin on each side: the same bin


# --- DVC ------------------------------------------------------------------------------------


def stage_dependencies(root: Path, name: str) -> list[str]:
    """The dependencies DVC itself resolves for ``materialize@<name>`` (the recipe, as a
    params file, and its seed)."""
    from dvc.repo import Repo

    with Repo(os.fspath(root)) as repo:
        (stage,) = repo.stage.collect(f"{root / 'dvc.yaml'}:materialize@{name}")
        return [dep.def_path for dep in stage.deps]


def test_stages_depend_on_their_local_seed_files(registry_root: Path, make_penguins_recipe):
    from registry import store
    from registry.recipes import load_recipe

    make_linked(registry_root)
    store.register_stage(
        registry_root, load_recipe(make_penguins_recipe("generator: {kind: sdv}\nrows: 10\n"))
    )

    assert "recipes/seeds/shop" in stage_dependencies(registry_root, "shop")
    assert "recipes/seeds/penguins.csv" in stage_dependencies(registry_root, "pen")


@pytest.mark.slow
def test_editing_a_linked_seed_file_makes_dvc_rebuild_the_version(
    linked_registry: Path, tmp_path: Path
) -> None:
    import shutil

    root = tmp_path / "registry"
    shutil.copytree(linked_registry, root, symlinks=True)
    assert "up to date" in run(root, "dvc", "status").stdout
    with (root / "recipes" / "seeds" / "shop" / "transactions.csv").open("a") as seed:
        seed.write("100,12.5,web,9.5\n")

    status = run(root, "dvc", "status").stdout
    assert "materialize@shop" in status
    assert "modified:" in status and "recipes/seeds/shop" in status


# --- publishing -------------------------------------------------------------------------------


@pytest.mark.slow
def test_linked_version_publishes_both_tables_and_models_and_pulls_verified(
    hub, linked_registry: Path, tmp_path: Path
) -> None:
    import datasets

    result = Registry(linked_registry).publish("shop@1.0.0", "org/shop")

    assert "model/transactions/ModelStore/model-data/model-weights.pt" in result.uploaded
    assert "model/transactions/ModelStore/ctx-stats/stats.json" in result.uploaded
    transactions = datasets.load_dataset("org/shop", name="transactions", revision="1.0.0")
    assert transactions["train"].column_names == ["customer_id", "amount", "channel", "hour"]
    assert transactions["train"].num_rows + transactions["test"].num_rows == len(
        read_table(linked_registry, "transactions")
    )
    other = Registry.init(tmp_path / "other", remote=tmp_path / "other-remote")
    pulled = other.pull("org/shop@1.0.0")
    assert (pulled.path / "model" / "customers" / "phantom.json").is_file()
    assert hub.unhandled == [] and hub.errors == []


# --- the TUI ----------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.slow
@pytest.mark.anyio
async def test_tui_shows_linked_scores_and_browses_the_parent_table(
    linked_registry: Path,
) -> None:
    from textual.widgets import DataTable, Static

    from tests.tui.pilot import open_version, settle, text_of
    from tui.app import PhantomApp

    quality = json.loads((linked_registry / "data" / "shop" / "quality.json").read_text())
    app = PhantomApp(registry=Registry(linked_registry))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_version(pilot, "shop@1.0.0")
        await pilot.press("4")
        await settle(pilot)
        areas = text_of(screen.query_one("#areas", Static))
        await pilot.press("2")  # the data tab browses the parent table (the default config)
        await settle(pilot)
        rows = screen.query_one("#rows", DataTable)
        columns = [str(c.label) for c in rows.columns.values()]

    customers = quality["tables"]["customers"]["overall"]
    assert f"customers {customers:.1f}" in areas
    assert f"sequences   {quality['linked']['sequence_lengths']['score']:.3f}" in areas
    assert f"coherence   {quality['linked']['coherence']['score']:.3f}" in areas
    assert "integrity   100.0%" in areas and "0 orphans" in areas
    assert columns == ["split", "id", "age", "segment", "balance"]
