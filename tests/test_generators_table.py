"""`kind: table` (registry/generators/table.py): one recipe section, the model picks who works.

The models themselves have their own tests: test_generators_argn.py (TabularARGN),
test_generators_copula.py (Phantom's copula), test_generators_cart.py (sequential CART),
test_generators_auto.py (model: auto).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.errors import RecipeError
from registry.generators import generator_class
from registry.generators.argn import ArgnGenerator
from registry.generators.auto import AutoGenerator
from registry.generators.cart import CartGenerator
from registry.generators.copula_strata import StratifiedCopula
from registry.generators.table import TableGenerator, saved_model
from registry.recipes import TabularArgnGenerator as TableConfig


@pytest.mark.parametrize(
    ("model", "cls", "label"),
    [
        ("argn", ArgnGenerator, "table/TabularARGN-M"),
        ("copula", StratifiedCopula, "table/copula"),
        ("cart", CartGenerator, "table/cart"),
        ("auto", AutoGenerator, "table/auto"),
    ],
)
def test_table_generator_hands_the_work_to_the_model_the_recipe_names(
    model: str, cls: type, label: str
) -> None:
    config = TableConfig(kind="table", model=model)
    generator = generator_class("table")(config, random_seed=0)

    assert isinstance(generator, TableGenerator)
    assert type(generator.model) is cls
    assert config.label == label
    assert generator.model_selection() is None  # nothing chosen before fitting


def test_table_generator_batch_rows_are_the_models() -> None:
    argn = TableGenerator(TableConfig(kind="table"), random_seed=0)
    copula = TableGenerator(TableConfig(kind="table", model="copula"), random_seed=0)

    assert argn.batch_rows == ArgnGenerator.batch_rows
    assert copula.batch_rows == StratifiedCopula.batch_rows


def test_saved_model_reads_which_model_wrote_a_folder(tmp_path: Path) -> None:
    (tmp_path / "phantom.json").write_text(json.dumps({"kind": "table", "model": "copula"}))
    assert saved_model(tmp_path) == "copula"
    (tmp_path / "phantom.json").write_text(json.dumps({"kind": "table", "model_size": "S"}))
    assert saved_model(tmp_path) == "argn"  # TabularARGN models saved before the key


def test_table_generator_refuses_a_saved_model_of_no_known_kind(tmp_path: Path) -> None:
    (tmp_path / "phantom.json").write_text(json.dumps({"kind": "table", "model": "gan"}))
    generator = TableGenerator(TableConfig(kind="table", path=str(tmp_path)), random_seed=0)

    with pytest.raises(RecipeError, match=r"generator\.path: .* holds an unknown model 'gan'"):
        generator.fit(None)
