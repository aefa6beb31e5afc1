"""``kind: table``: one recipe section, four models. ``model`` picks the generator that does
the work (``argn``: TabularARGN, the default; ``copula``: Phantom's Gaussian copula; ``cart``:
Phantom's sequential CART; ``auto``: the best of the candidates on a validation split) and
:class:`TableGenerator` hands every protocol call to it, so the pipeline holds one generator of
kind ``table`` and never asks which model it is.

A saved model (``path:``) says which model wrote it (``model/phantom.json``); ``model: auto``
samples whichever it is, any other model must match it.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from registry.errors import RecipeError
from registry.generators._base import BaseGenerator, BuildContext
from registry.recipes import TabularArgnGenerator as TableConfig

MODELS = {
    "argn": "registry.generators.argn:ArgnGenerator",
    "copula": "registry.generators.copula_strata:StratifiedCopula",
    "cart": "registry.generators.cart:CartGenerator",
    "auto": "registry.generators.auto:AutoGenerator",
}
SAVED_INFO = "phantom.json"


def model_class(model: str) -> type[BaseGenerator]:
    module, _, name = MODELS[model].partition(":")
    return getattr(importlib.import_module(module), name)


def saved_model(folder: Path) -> str:
    """The model a saved ``model/`` folder holds (TabularARGN's notes predate the key)."""
    try:
        info = json.loads((folder / SAVED_INFO).read_text())
    except (OSError, ValueError):
        return "argn"  # TabularARGN's own loader says what is missing
    return str(info.get("model", "argn")) if isinstance(info, dict) else "argn"


class DelegatingGenerator(BaseGenerator):
    """A generator whose fitted model is another generator (:attr:`delegate`): sampling,
    saving and what the pipeline asks go to it."""

    @property
    def delegate(self) -> BaseGenerator:
        raise NotImplementedError

    @property
    def batch_rows(self) -> int:  # type: ignore[override]
        return self.delegate.batch_rows

    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        return self.delegate.sample_batch(index, rows)

    def save(self, folder: Path) -> bool:
        return self.delegate.save(folder)

    def library_versions(self) -> dict[str, str]:
        return self.delegate.library_versions()

    def privacy_guarantee(self) -> dict[str, Any] | None:
        return self.delegate.privacy_guarantee()


class TableGenerator(DelegatingGenerator):
    """The ``kind: table`` generator: the model ``config.model`` names does the work."""

    Config = TableConfig

    def __init__(
        self, config: TableConfig, *, random_seed: int, context: BuildContext | None = None
    ) -> None:
        super().__init__(config, random_seed=random_seed, context=context)
        self.model: BaseGenerator = model_class(config.model)(
            config, random_seed=random_seed, context=self.context
        )

    @property
    def delegate(self) -> BaseGenerator:
        return self.model

    def fit(self, train: pd.DataFrame | None) -> None:
        if self.config.path is not None:
            self._load_saved(self.context.locate(self.config.path), train)
            return
        self.model.fit(train)

    def _load_saved(self, folder: Path, train: pd.DataFrame | None) -> None:
        saved = saved_model(folder)
        if saved not in MODELS or saved == "auto":
            raise RecipeError(f"generator.path: {folder} holds an unknown model {saved!r}")
        if self.config.model not in ("auto", saved):
            raise RecipeError(
                f"generator.model: the saved model is {saved!r}, the recipe says "
                f"{self.config.model!r}; make them the same (or model: auto)"
            )
        config = self.config.model_copy(update={"model": saved})
        self.model = model_class(saved)(config, random_seed=self.random_seed, context=self.context)
        self.model._load_saved(folder, train)

    def model_selection(self) -> dict[str, Any] | None:
        return self.model.model_selection()


__all__ = ["MODELS", "DelegatingGenerator", "TableGenerator", "model_class", "saved_model"]
