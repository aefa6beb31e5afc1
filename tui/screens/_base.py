"""What every Phantom screen shares: the injected registry, and safe hand-over from workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.screen import Screen
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from registry.core import Registry


class PhantomScreen(Screen[None]):
    """A screen that reads the registry in thread workers and shows what they found."""

    @property
    def registry(self) -> Registry:
        return self.app.registry  # type: ignore[attr-defined,no-any-return]

    def deliver(self, callback: Callable[..., Any], *args: Any) -> None:
        """From a worker thread: run ``callback(*args)`` on the UI thread, unless the worker was
        cancelled (a newer load replaced it) or this screen was closed in the meantime."""
        if get_current_worker().is_cancelled or not self.app.is_running:
            return

        def run() -> None:
            if self.is_attached:
                callback(*args)

        self.app.call_from_thread(run)
