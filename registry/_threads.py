"""How many threads Phantom's numeric libraries get: one rule for torch, OpenMP, BLAS and ours.

On a loaded 2-core machine OpenMP threads spin-wait for each other: 2 threads ran 10x slower
than 1, and a wine CTGAN took 49 s with 2 torch threads against 21 s with 1. So an explicit
``OMP_NUM_THREADS`` (tests and CI set 1) always wins; otherwise a share of the usable cores,
at least 1 and at most a cap that the caller's workload gains nothing beyond.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def thread_count(
    *, cap: int, share_of_cores: float = 0.5, environ: Mapping[str, str] | None = None
) -> int:
    """``OMP_NUM_THREADS`` when set to a positive integer, else ``share_of_cores`` of the
    usable cores, between 1 and ``cap``."""
    environ = os.environ if environ is None else environ
    value = environ.get("OMP_NUM_THREADS", "").strip()
    if value.isdigit() and int(value) >= 1:
        return int(value)
    return max(1, min(cap, int(usable_cores() * share_of_cores)))
