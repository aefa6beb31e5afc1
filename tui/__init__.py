"""``phantom tui``: a Textual app to browse a registry's datasets, versions, cards, scores and
data, compare versions and run SQL. The library does the reading (:mod:`registry.browse`);
this package only lays it out.
"""

from __future__ import annotations

from tui.app import PhantomApp

__all__ = ["PhantomApp"]
