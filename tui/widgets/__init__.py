"""Reusable widgets of the Phantom TUI. Each posts messages up and takes data as attributes."""

from __future__ import annotations

from tui.widgets.not_local import NotLocal
from tui.widgets.tables import DatasetTable, VersionTable

__all__ = ["DatasetTable", "NotLocal", "VersionTable"]
