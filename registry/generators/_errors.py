"""One-line errors from third-party engines (SDV, mostlyai-engine) whose exceptions share no
base class: each kind wraps its calls into the engine in :func:`engine_errors` once."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from registry.errors import GeneratorError, PhantomError


@contextmanager
def engine_errors(what: str) -> Iterator[None]:
    """Turn whatever the engine raises inside the block into a one-line GeneratorError
    starting with ``what`` (Phantom's own errors pass through); its warnings are silenced."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except PhantomError:
        raise
    except Exception as exc:  # the engines' errors share no base class; translate them once
        raise GeneratorError(f"{what}: {one_line(exc)}") from exc


def one_line(exc: BaseException) -> str:
    """``exc``'s message on one line, at most 300 characters (its type when it has none)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = " ".join(lines) if lines else type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
