"""Who runs the shards of a build: this process, or tasks on a Ray cluster.

A build is one function applied to a list of shards (:func:`registry.materialize.write_shard`);
an :class:`Executor` only decides where the calls run. Both executors give back the results in
the order of the shards, so the driver assembles the same build whichever ran it:

- :class:`LocalExecutor` calls it in a loop, in this process;
- :class:`RayExecutor` puts the function (and the fitted generator it carries) into Ray's object
  store once and runs one task per shard. A task whose worker dies is retried
  (``max_retries``): every shard is a pure function of the recipe's seed and its row range and
  is written under its name only when complete, so a retry writes the same bytes.

``executor(name)`` picks one by name (``local``, ``ray``), defaulting to the
``PHANTOM_EXECUTOR`` variable, then ``local``. Ray is an optional extra, imported only here and
only when a Ray build runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from importlib.util import find_spec
from typing import Any, Protocol, TypeVar

from registry.errors import ExecutorError, PhantomError

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("local", "ray")
ENV_EXECUTOR = "PHANTOM_EXECUTOR"
MAX_RETRIES = 3  # a Ray task whose worker dies runs again at most this many times


class Executor(Protocol):
    """Apply ``fn`` to every item; yield the results in the order of ``items``."""

    name: str

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]: ...


class LocalExecutor:
    """Run every call in this process, one after another."""

    name = "local"

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)


class RayExecutor:
    """Run every call as a Ray task (one CPU each) on the cluster at ``address``.

    ``address=None`` joins the Ray runtime this process already started, else the cluster
    ``RAY_ADDRESS`` names, else starts a local one for the build (and stops it afterwards).
    Workers must have Phantom and the same library versions installed: the bytes depend on them
    (the build checks this). Task errors that Phantom raised come back as themselves; a task
    still failing after ``max_retries`` becomes an :class:`ExecutorError`.
    """

    name = "ray"

    def __init__(self, address: str | None = None, *, max_retries: int = MAX_RETRIES) -> None:
        require_ray()
        self.address = address
        self.max_retries = max_retries

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        import ray

        started = self._connect(ray)
        try:
            function = ray.put(fn)  # once: every task reads the same copy
            task = ray.remote(num_cpus=1, max_retries=self.max_retries)(_call)
            pending = [task.remote(function, item) for item in items]
            for done, ref in enumerate(pending):
                try:
                    result = self._get(ray, ref)
                except BaseException:
                    for later in pending[done + 1 :]:  # a failed build stops what is queued
                        ray.cancel(later)
                    raise
                yield result
        finally:
            if started:
                ray.shutdown()

    def _connect(self, ray: Any) -> bool:
        """Join (or start) a runtime; True when this call started it."""
        if ray.is_initialized():
            return False
        try:
            ray.init(
                address=self.address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = self.address or os.environ.get("RAY_ADDRESS") or "a local Ray runtime"
            raise ExecutorError(f"cannot start or join {where}: {_first_line(exc)}") from exc
        return True

    def _get(self, ray: Any, ref: Any) -> Any:
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause
            if isinstance(cause, PhantomError):
                raise cause from exc
            raise
        except ray.exceptions.RayError as exc:
            raise ExecutorError(
                f"a Ray task failed after {self.max_retries} retries: {_first_line(exc)}"
            ) from exc


def _call(fn: Callable[[T], R], item: T) -> R:
    return fn(item)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def require_ray() -> None:
    """Raise :class:`ExecutorError` saying what to install when Ray is not installed."""
    if find_spec("ray") is None:
        raise ExecutorError(
            "--executor ray needs Ray; install it with pip install 'phantom-registry[ray]'"
        )


def executor(
    name: str | None = None, *, address: str | None = None, default: str = "local"
) -> Executor:
    """The executor called ``name`` (default: ``$PHANTOM_EXECUTOR``, else ``default``: the
    registry's ``phantom.yaml`` setting, else ``local``).

    Raises :class:`ExecutorError` for an unknown name or when Ray is not installed.
    """
    name = name or os.environ.get(ENV_EXECUTOR) or default
    if name == "local":
        return LocalExecutor()
    if name == "ray":
        return RayExecutor(address)
    raise ExecutorError(f"unknown executor {name!r}; expected one of {', '.join(EXECUTORS)}")


__all__ = [
    "ENV_EXECUTOR",
    "EXECUTORS",
    "Executor",
    "LocalExecutor",
    "RayExecutor",
    "executor",
    "require_ray",
]
