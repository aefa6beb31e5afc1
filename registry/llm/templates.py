"""Prompt templates: Jinja in an immutable sandbox, checked before any row exists.

A recipe never executes Python, so templates run in
:class:`jinja2.sandbox.ImmutableSandboxedEnvironment` (no attribute access to Python
internals, no mutation of values, and the loader-less environment cannot read files or
reach the network) with ``StrictUndefined`` (a missing value is an error, not an empty
string). Two checks run when the recipe is checked: every variable a template reads must be a
column declared before it (``jinja2.meta.find_undeclared_variables``), and no name in it may
start with ``_`` (``{{ ''.__class__ }}`` is refused up front, not only when it runs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from registry.errors import GeneratorError, RecipeError


@lru_cache(maxsize=1)
def environment() -> Any:
    """The one sandboxed environment every template is compiled in."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def check_template(source: str, *, where: str, earlier: Sequence[str]) -> None:
    """Raise :class:`RecipeError` at ``where`` when ``source`` is not a template over the
    ``earlier`` columns: a syntax error, an unknown column, or a reach for Python internals."""
    from jinja2 import TemplateSyntaxError, meta, nodes

    env = environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise RecipeError(f"{where}: template line {exc.lineno}: {exc.message}") from exc
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name, nodes.Const)):
        name = getattr(node, "attr", None) or getattr(node, "name", None)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        if isinstance(node, nodes.Const):  # ``x|attr("__class__")`` names it as a string
            name = node.value if str(node.value).startswith("__") else None
        if isinstance(name, str) and name.startswith("_"):
            raise RecipeError(
                f"{where}: {name!r} reaches Python internals, which templates may not; "
                "use the columns' values only"
            )
    unknown = sorted(meta.find_undeclared_variables(tree) - set(earlier))
    if unknown:
        available = ", ".join(earlier) if earlier else "none (this is the first column)"
        raise RecipeError(
            f"{where}: the template names {unknown[0]!r}, which is not a column declared "
            f"before it; expected one of {available}"
        )


@lru_cache(maxsize=256)
def _compiled(source: str) -> Any:
    return environment().from_string(source)


def render(source: str, row: Mapping[str, Any], *, where: str) -> str:
    """``source`` rendered over one row; a sandbox refusal is a :class:`GeneratorError`."""
    from jinja2 import TemplateError

    try:
        return _compiled(source).render(**row)
    except TemplateError as exc:
        raise GeneratorError(f"{where}: the template failed: {exc}") from exc


__all__ = ["check_template", "environment", "render"]
