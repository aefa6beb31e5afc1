"""The layers hold: shells on the facade, the facade on the library, no cycles (import-linter).

The contracts live in pyproject.toml under ``[tool.importlinter]``; each is checked on its
own, so a broken one is named by the test that fails and ``lint-imports`` prints the chain.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
    "lint-imports"
)
CONTRACTS = [
    contract["id"]
    for contract in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
]


def test_architecture_has_layers_acyclic_and_forbidden_contracts() -> None:
    assert {"layers", "acyclic", "no-ui-in-library"} <= set(CONTRACTS)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_import_contract_is_kept(contract: str) -> None:
    assert LINT_IMPORTS, "import-linter is a dev dependency; pip install -e '.[dev]'"
    result = subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--contract", contract],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout, not an installed copy
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[result.stdout.find("Broken contracts") :]


# --- the generator seam ------------------------------------------------------------------------

GENERATOR_CONFIGS = {
    "TabularArgnGenerator",
    "SdvGenerator",
    "SamplerGenerator",
    "DiffusionGenerator",
}


def _isinstance_targets(path: Path) -> set[str]:
    """Names passed as the class to ``isinstance`` anywhere in ``path``."""
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            names |= {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
    return names


def test_only_recipes_and_generators_ask_which_generator_config_they_hold() -> None:
    allowed = {ROOT / "registry" / "recipes.py", *(ROOT / "registry" / "generators").glob("*.py")}
    asking = {
        str(path.relative_to(ROOT)): sorted(_isinstance_targets(path) & GENERATOR_CONFIGS)
        for path in [*(ROOT / "registry").rglob("*.py"), *(ROOT / "tui").rglob("*.py")]
        if path not in allowed
    }
    assert {path: names for path, names in asking.items() if names} == {}


def test_every_generator_kind_has_tests() -> None:
    from registry.kinds import GENERATORS

    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    for kind, target in GENERATORS.items():
        class_name = target.partition(":")[2]
        assert f"kind: {kind}" in tests or f'"kind": "{kind}"' in tests, kind
        assert class_name in tests, class_name
