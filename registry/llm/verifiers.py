"""Deterministic checks of a row, no model: regular expressions, JSON schemas, and numeric
answers compared exactly with sympy.

The sympy check never evaluates Python: the expected value is a template rendered over the
row into an arithmetic expression (``{{ a }} * {{ b }} + 3/4``), parsed with :mod:`ast` and
folded into exact sympy numbers (integers, rationals, ``+ - * / **``, parentheses, unary
minus; anything else is refused). The answer is the *final* number of the checked text: the
part after the last ``####`` if there is one (the GSM8K convention), else the last
``\\boxed{...}``, else the last number in the text; it may be an integer, a decimal, a
fraction ``3/4`` or have thousands separators. They must be equal as exact rationals:
``0.75`` equals ``3/4``, ``1.0`` equals ``1``, ``0.333`` does not equal ``1/3``.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from typing import Any

from registry.errors import RecipeError

_NUMBER = r"-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*-?\d+(?:\.\d+)?)?"
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_LAST_NUMBER = re.compile(_NUMBER)
MAX_POWER = 1000  # a bound on exponents, so ``9**9**9`` cannot hang a build


def check_regex(pattern: str, *, where: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise RecipeError(f"{where}: not a valid regular expression: {exc}") from exc


def regex_passes(pattern: str, text: Any) -> bool:
    """``pattern`` is found in ``text`` (``re.search``)."""
    return isinstance(text, str) and _regex(pattern).search(text) is not None


@lru_cache(maxsize=64)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def final_answer(text: Any) -> str | None:
    """The final number of ``text`` as written (see the module docstring), or ``None``."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return repr(text)
    if not isinstance(text, str):
        return None
    if "####" in text:
        text = text.rsplit("####", 1)[1]
    boxed = _BOXED.findall(text)
    if boxed:
        text = boxed[-1]
    numbers = _LAST_NUMBER.findall(text)
    return numbers[-1] if numbers else None


def exact_value(expression: str) -> Any:
    """The exact sympy value of an arithmetic expression; raises ``ValueError`` otherwise."""
    import sympy

    try:
        tree = ast.parse(expression.replace(",", "").strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not arithmetic: {expression!r}") from exc
    return _fold(tree.body, sympy)


def _fold(node: ast.AST, sympy: Any) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise ValueError("booleans are not numbers here")
        return (
            sympy.Rational(repr(node.value))
            if isinstance(node.value, float)
            else (sympy.Integer(node.value))
        )
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _fold(node.operand, sympy)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = _fold(node.left, sympy), _fold(node.right, sympy)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            if right == 0:
                raise ValueError("division by zero")
            return left / right
        if isinstance(node.op, ast.Pow):
            if not right.is_Integer or abs(int(right)) > MAX_POWER:
                raise ValueError("powers must be integers up to 1000")
            return left**right
    raise ValueError(f"{ast.dump(node)[:40]} is not arithmetic (numbers, + - * / **, parentheses)")


def answer_matches(text: Any, expected: str) -> bool:
    """The final number of ``text`` equals the exact value of ``expected``."""
    answer = final_answer(text)
    if answer is None:
        return False
    try:
        return bool(exact_value(answer) == exact_value(expected))
    except ValueError:
        return False


__all__ = [
    "answer_matches",
    "check_regex",
    "exact_value",
    "final_answer",
    "regex_passes",
]
