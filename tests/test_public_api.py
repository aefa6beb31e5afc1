"""The public surface: an exact __all__, and imports that stay light."""

from __future__ import annotations

import subprocess
import sys

import registry
from registry import generators


def test_all_is_exact() -> None:
    import inspect

    for name in registry.__all__:
        assert hasattr(registry, name), name
    stray = {
        name
        for name in dir(registry)
        if not name.startswith("_")
        and name not in registry.__all__
        and not inspect.ismodule(getattr(registry, name))
    }
    assert stray == {"annotations", "TYPE_CHECKING"}


def test_import_registry_and_cli_leave_heavy_libraries_unloaded() -> None:
    code = (
        "import sys, registry, registry.cli; "
        "heavy = {'torch', 'sdv', 'datasets', 'duckdb', 'dvc', 'pandas', 'sklearn', 'diffusers', "
        "'ray'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_generator_kind_has_a_test_module() -> None:
    from pathlib import Path

    tests = {p.stem for p in Path(__file__).parent.glob("test_generators_*.py")}
    modules = {target.split(":")[0].rsplit(".", 1)[1] for target in generators.GENERATORS.values()}
    assert {f"test_generators_{m}" for m in modules} <= tests
