"""`phantom` commands: thin shells over Registry, one error line and exit 2 on bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from unittest import mock

import pytest
from typer.testing import CliRunner

from registry.cli import app
from registry.core import Registry
from tests.conftest import write

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def fake_materialize(registry_root: Path, monkeypatch: pytest.MonkeyPatch) -> mock.Mock:
    """``Registry.materialize`` replaced by a mock that reports a 400-row build of txns."""
    fake = mock.Mock()
    fake.return_value.path = registry_root / "data" / "txns"
    fake.return_value.manifest = {"rows": 400}
    fake.return_value.content_hash = "sha256:" + "0" * 64
    fake.return_value.quality = {"fidelity": None}
    monkeypatch.setattr(Registry, "materialize", fake)
    return fake


def test_materialize_calls_registry_materialize_once(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = make_sampler_recipe("txns")
    fake = fake_materialize(registry_root, monkeypatch)
    result = invoke("materialize", str(recipe))
    assert result.exit_code == 0, result.output
    fake.assert_called_once_with(recipe, progress=mock.ANY, executor=None, address=None)
    assert "wrote data/txns: 400 rows" in result.stdout


def test_materialize_passes_executor_and_address_to_registry(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = make_sampler_recipe("txns")
    fake = fake_materialize(registry_root, monkeypatch)
    result = invoke(
        "materialize", str(recipe), "--executor", "ray", "--address", "ray://head:10001"
    )
    assert result.exit_code == 0, result.output
    fake.assert_called_once_with(
        recipe, progress=mock.ANY, executor="ray", address="ray://head:10001"
    )


def test_materialize_with_ray_missing_says_what_to_install_and_exits_2(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.executors

    recipe = make_sampler_recipe("txns")
    monkeypatch.setattr(registry.executors, "find_spec", lambda name: None)
    result = runner.invoke(app, ["materialize", str(recipe), "--executor", "ray"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --executor ray needs Ray; install it with pip install 'phantom-registry[ray]'"
    )
    assert not (registry_root / "data" / "txns").exists()


def test_materialize_with_an_unknown_executor_exits_2(
    registry_root: Path, make_sampler_recipe
) -> None:
    result = runner.invoke(
        app, ["materialize", str(make_sampler_recipe("txns")), "--executor", "dask"]
    )
    assert result.exit_code == 2
    assert "error: unknown executor 'dask'; expected one of local, ray" in result.stderr


def test_release_calls_registry_release_once(
    registry_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.versions import Version

    fake = mock.Mock(return_value=Version("txns", "1.0.0", "sha256:" + "1" * 64))
    monkeypatch.setattr(Registry, "release", fake)
    monkeypatch.chdir(registry_root)
    result = invoke("release", "txns")
    assert result.exit_code == 0
    fake.assert_called_once_with("txns")
    assert "released txns@1.0.0" in result.stdout


def test_init_makes_a_working_registry_in_an_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    result = invoke("init", str(target), "--remote", str(tmp_path / "remote"))
    assert result.exit_code == 0, result.output
    for path in ["recipes", "cards", "dvc.yaml", "params.yaml", ".dvc/config", ".git"]:
        assert (target / path).exists(), path
    assert "__pycache__/" in (target / ".dvcignore").read_text().splitlines()
    assert str(tmp_path / "remote") in (target / ".dvc" / "config").read_text()


def test_new_then_validate_then_schema(registry_root: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(registry_root)
    assert invoke("new", "fraud", "--kind", "sampler").exit_code == 0
    assert invoke("new", "wine", "--kind", "sdv").exit_code == 0
    assert invoke("new", "credit", "--kind", "table").exit_code == 0
    result = invoke("validate")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["ok", "credit@0.1.0", "ok", "fraud@0.1.0", "ok", "wine@0.1.0"]
    schema = json.loads(invoke("schema").stdout)
    assert schema["title"] == "Recipe"


def test_new_without_kind_scaffolds_a_real_table_with_model_auto(
    registry_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(registry_root)
    result = invoke("new", "credit")

    assert result.exit_code == 0, result.output
    recipe = Registry(registry_root).load_recipe(registry_root / "recipes" / "credit.yaml")
    assert (recipe.generator.kind, recipe.generator.model) == ("table", "auto")
    assert recipe.generator.budget == "90s" and recipe.generator.value_protection
    text = (registry_root / "recipes" / "credit.yaml").read_text()
    for option in ("model_size", "max_epochs", "max_training_time", "sampling_temperature"):
        assert f"\n  {option}: " in text, option
    for option in ("conditions", "rebalancing", "privacy", "candidates"):
        assert f"\n  # {option}: " in text, option


def the_error_line(stderr: str) -> str:
    """Progress lines may come first; the error is exactly one line, the last one."""
    lines = stderr.strip().splitlines()
    assert [line for line in lines if line.startswith("error:")] == lines[-1:], stderr
    assert "Traceback" not in stderr
    return lines[-1]


BAD_RECIPES = {
    "wrong type": ("rows: 400", "rows: lots", r"rows: Input should be a valid integer"),
    "typo field": ("random_seed: 3", "random_sed: 3", r"random_sed: unknown field"),
    "unknown kind": (
        "kind: sampler",
        "kind: gan",
        r"generator.kind: expected one of .*\(got 'gan'\)",
    ),
    "bad version": ("version: 1.0.0", "version: one", r"version: expected a semantic version"),
    "rows zero": ("rows: 400", "rows: 0", r"rows: Input should be greater than 0"),
    "unknown column": ("amount > 90", "amnt > 90", r"generator\.columns\[4\] \(is_fraud\)"),
    "broken yaml": ("splits: {", "splits: [", r"txns\.yaml: line \d+"),
    "unknown column in sql": (
        "CASE WHEN amount > 90",
        "nope_col * 2 + CASE WHEN amount > 90",
        r'\(is_fraud\)\.sql: Referenced column "nope_col" not found; '
        r"expected one of id, merchant, amount, hour$",
    ),
    "subquery in sql": (
        "CASE WHEN amount > 90 AND hour < 5 THEN 1 ELSE 0 END",
        "(SELECT 1 FROM duckdb_settings() LIMIT 1)",
        r"\(is_fraud\)\.sql: a subquery, which a row-wise expression cannot use",
    ),
    "window in sql": (
        "CASE WHEN amount > 90",
        "CASE WHEN amount > 2 * avg(amount) OVER ()",
        r"\(is_fraud\)\.sql: avg\(\) OVER \(\.\.\.\) is a window function, .* "
        r"\(id, merchant, amount, hour\)$",
    ),
    "file access": (
        "CASE WHEN amount > 90",
        "CASE WHEN (SELECT count(*) FROM read_csv('/etc/passwd')) > 0 AND amount > 90",
        r"generator\.columns\[4\]",
    ),
}


@pytest.mark.parametrize("command", ["validate", "materialize"])
@pytest.mark.parametrize("case", sorted(BAD_RECIPES))
def test_bad_recipe_prints_one_line_exits_2_and_writes_nothing(
    registry_root: Path, make_sampler_recipe, monkeypatch: pytest.MonkeyPatch, command, case
) -> None:
    old, new, expected = BAD_RECIPES[case]
    recipe = make_sampler_recipe("txns")
    assert old in recipe.read_text()
    recipe.write_text(recipe.read_text().replace(old, new))
    monkeypatch.chdir(registry_root)
    result = invoke(command, "recipes/txns.yaml")
    assert result.exit_code == 2
    line = the_error_line(result.stderr)
    assert line.startswith("error: recipes/txns.yaml: ")
    assert re.search(expected, line), line
    assert "Traceback" not in result.output
    assert not (registry_root / "data").exists()
    assert not (registry_root / "cards" / "txns.md").exists()


SDV_RECIPE = """\
name: pen
version: 1.0.0
seed: {{source: {source}}}
generator: {{kind: sdv, model: gaussian_copula}}
rows: 50
target: {target}
"""


@pytest.mark.parametrize("command", ["validate", "materialize"])
@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("recipes/seeds/missing.csv", "species", r"seed.*missing\.csv"),
        ("../outside.csv", "species", r"outside"),
        ("recipes/seeds/pen.csv", "kind", r"target: column 'kind' is not in the seed"),
    ],
)
def test_bad_seed_prints_one_line_exits_2_and_writes_nothing(
    registry_root: Path, monkeypatch: pytest.MonkeyPatch, command, source, target, expected
) -> None:
    (registry_root.parent / "outside.csv").write_text("species,x\na,1\n")
    write(registry_root / "recipes/seeds/pen.csv", "species,x\na,1\nb,2\na,3\nb,4\n")
    write(registry_root / "recipes/pen.yaml", SDV_RECIPE.format(source=source, target=target))
    monkeypatch.chdir(registry_root)
    result = invoke(command, "recipes/pen.yaml")
    assert result.exit_code == 2, result.output
    line = the_error_line(result.stderr)
    assert line.startswith("error: recipes/pen.yaml: ")
    assert re.search(expected, line), line
    assert not (registry_root / "data").exists()


def test_debug_flag_adds_the_traceback(registry_root: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(registry_root)
    result = invoke("--debug", "validate", "recipes/nope.yaml")
    assert result.exit_code == 2
    assert (
        "Traceback" in result.stderr
        and "error: recipes/nope.yaml: no such recipe file" in result.stderr
    )


def test_outside_a_registry_commands_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("ls")
    assert result.exit_code == 2
    assert "no registry in" in result.stderr and "phantom init" in result.stderr


@pytest.mark.slow
def test_ls_and_show_list_released_versions(
    registry_with_two_versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(registry_with_two_versions)
    listing = invoke("ls")
    assert listing.exit_code == 0
    row = next(line for line in listing.stdout.splitlines() if line.startswith("txns"))
    assert row.split()[:5] == ["txns", "1.1.0", "2", "1.1.0", "sampler"]
    versions = invoke("show", "txns")
    assert [line.split()[0] for line in versions.stdout.splitlines()[3:]] == ["1.0.0", "1.1.0"]
    one = invoke("show", "txns@^1.0")
    assert one.exit_code == 0
    assert one.stdout.startswith("txns@1.1.0  sha256:")
    assert "rows 400" in one.stdout
    missing = invoke("show", "txns@2.0.0")
    assert missing.exit_code == 2
    assert "no version of 'txns' matches 'txns@2.0.0'; released: 1.0.0, 1.1.0" in missing.stderr
