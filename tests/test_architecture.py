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
