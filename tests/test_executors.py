"""Executors decide who runs a build's shards; picking one by name or by PHANTOM_EXECUTOR."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from registry.errors import ExecutorError
from registry.executors import LocalExecutor, RayExecutor, executor


def test_local_executor_runs_in_this_process_in_item_order() -> None:
    calls: list[int] = []

    def square(item: int) -> int:
        calls.append(item)
        return item * item

    assert list(LocalExecutor().map(square, [3, 1, 2])) == [9, 1, 4]
    assert calls == [3, 1, 2]


def test_executor_defaults_to_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PHANTOM_EXECUTOR", raising=False)
    assert executor().name == "local"


def test_executor_follows_phantom_executor_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHANTOM_EXECUTOR", "ray")
    chosen = executor(address="ray://head:10001")
    assert isinstance(chosen, RayExecutor) and chosen.address == "ray://head:10001"
    assert executor("local").name == "local"  # a name given outright wins


def test_executor_rejects_an_unknown_name_in_one_line() -> None:
    with pytest.raises(
        ExecutorError, match=r"^unknown executor 'dask'; expected one of local, ray$"
    ):
        executor("dask")


# `phantom` in a Python where `import ray` fails, as after `pip install phantom-registry`
# without the [ray] extra (a None in sys.modules is how Python marks a module unimportable).
WITHOUT_RAY = (
    "import sys; sys.modules['ray'] = None; from registry.cli import main; "
    "sys.argv = ['phantom', *sys.argv[1:]]; main()"
)


def phantom_without_ray(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_RAY, *args], cwd=root, capture_output=True, text=True
    )


@pytest.mark.slow
def test_executor_ray_without_ray_installed_says_what_to_install(
    registry_root: Path, make_sampler_recipe
) -> None:
    recipe = make_sampler_recipe("txns", rows=200)

    refused = phantom_without_ray(registry_root, "materialize", str(recipe), "--executor", "ray")

    assert refused.returncode == 2
    assert refused.stderr.splitlines()[-1] == (
        "error: --executor ray needs Ray; install it with pip install 'phantom-registry[ray]'"
    )
    assert not (registry_root / "data" / "txns").exists()
    local = phantom_without_ray(registry_root, "materialize", str(recipe))  # works unchanged
    assert local.returncode == 0, local.stderr
    assert (registry_root / "data" / "txns" / "manifest.json").exists()
