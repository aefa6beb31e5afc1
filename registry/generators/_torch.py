"""torch's two pieces of global state, threads and random generators, set for one block.

Every torch-backed generator (SDV's neural synthesizers, diffusion) trains inside
:func:`seeded` and :func:`limited_threads`, so runs are repeatable and a busy 2-core machine
is not slowed down by spinning OpenMP threads. Neither imports torch: they act on it only
if it is already loaded.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np

from registry._threads import thread_count

MAX_TORCH_THREADS = 4


def torch_thread_count(environ: Mapping[str, str] | None = None) -> int:
    """Threads for torch and BLAS (see :mod:`registry._threads`; at most 4: the small networks
    here gain nothing beyond). The count can change the neural models' low-order bits, so it
    is recorded with the library versions."""
    return thread_count(cap=MAX_TORCH_THREADS, environ=environ)


@contextmanager
def limited_threads() -> Iterator[None]:
    """Run the block with :func:`torch_thread_count` threads for torch, BLAS and OpenMP.

    torch's intra-op count is set and restored; NumPy/SciPy BLAS and OpenMP pools (used by
    rdt's and scikit-learn's mixture models) are capped with threadpoolctl.
    """
    count = torch_thread_count()
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(count)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # a scikit-learn dependency, so normally present
        limits: Any = nullcontext()
    else:
        limits = threadpool_limits(limits=count)
    try:
        with limits:
            yield
    finally:
        if torch is not None and before is not None:
            torch.set_num_threads(before)


@contextmanager
def seeded(random_seed: int) -> Iterator[None]:
    """Seed Python's, NumPy's and (if loaded) torch's global generators; restore them after."""
    torch = sys.modules.get("torch")
    py_state = random.getstate()
    np_state = np.random.get_state()
    torch_state = torch.get_rng_state() if torch is not None else None
    random.seed(random_seed)
    np.random.seed(random_seed % 2**32)
    if torch is not None:
        torch.manual_seed(random_seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        if torch is not None and torch_state is not None:
            torch.set_rng_state(torch_state)


def resolve_device(device: str) -> str:
    """``cpu`` or ``cuda`` for a recipe's ``device``: ``auto`` is cuda when torch sees a GPU.

    CPU is the deterministic default; ``cuda`` where torch finds none is refused with one line
    rather than silently falling back (the bytes would differ from what the recipe says).
    """
    if device == "cpu":
        return "cpu"
    import torch

    available = torch.cuda.is_available()
    if device == "auto":
        return "cuda" if available else "cpu"
    if not available:
        from registry.errors import RecipeError

        raise RecipeError(
            "generator.device: cuda was asked for but torch sees no GPU; use device: auto or cpu"
        )
    return "cuda"
