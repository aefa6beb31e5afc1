"""Executors decide who runs a build's shards; picking one by name or by PHANTOM_EXECUTOR."""

from __future__ import annotations

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
