"""Structured output: a JSON schema in the recipe, the model's answer parsed and checked.

A schema must be an object schema with ``properties`` (checked against its own metaschema
when the recipe is checked). Its top-level properties become columns ``<column>_<property>``
(flattened: plain SQL identifiers that DuckDB, Jinja and dataset viewers all read), typed by
the property's JSON type so every batch has the same Arrow types: ``string`` -> text,
``integer`` -> int64, ``number`` -> float64, ``boolean`` -> bool; arrays and objects are kept
as their JSON text. The column itself holds the answer's JSON (compact, keys sorted).
"""

from __future__ import annotations

import json
import re
from typing import Any

from registry.errors import RecipeError

_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def check_schema(schema: dict[str, Any], *, where: str) -> None:
    """Raise :class:`RecipeError` when ``schema`` is not a valid JSON schema of an object."""
    from jsonschema import SchemaError
    from jsonschema.validators import validator_for

    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        raise RecipeError(f"{where}: not a valid JSON schema: {exc.message}") from exc
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise RecipeError(
            f"{where}: expected an object schema with properties (type: object), whose "
            "properties become columns"
        )


def parse_json(text: str) -> Any:
    """The JSON value of a model's answer (a ```json fence around it is allowed); raises
    ``ValueError`` when there is none."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    return json.loads(fenced.group(1) if fenced else stripped)


def schema_errors(value: Any, schema: dict[str, Any]) -> str | None:
    """The first way ``value`` breaks ``schema``, or ``None`` when it fits."""
    from jsonschema.validators import validator_for

    validator = validator_for(schema)(schema)
    error = next(iter(validator.iter_errors(value)), None)
    return None if error is None else error.message


def flatten(name: str, value: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``{<name>_<property>: value}`` for every top-level property, typed by the schema."""
    flat: dict[str, Any] = {}
    for field, spec in schema.get("properties", {}).items():
        item = value.get(field)
        kind = spec.get("type") if isinstance(spec, dict) else None
        if item is None:
            flat[f"{name}_{field}"] = None
        elif kind == "integer":
            flat[f"{name}_{field}"] = int(item)
        elif kind == "number":
            flat[f"{name}_{field}"] = float(item)
        elif kind == "boolean":
            flat[f"{name}_{field}"] = bool(item)
        elif kind == "string":
            flat[f"{name}_{field}"] = str(item)
        else:
            flat[f"{name}_{field}"] = json.dumps(item, sort_keys=True, ensure_ascii=False)
    return flat


def field_dtypes(name: str, schema: dict[str, Any]) -> dict[str, str]:
    """The pandas dtype of each flattened column (nullable, so absent values stay null)."""
    kinds = {"integer": "Int64", "number": "Float64", "boolean": "boolean"}
    return {
        f"{name}_{field}": kinds.get(spec.get("type") if isinstance(spec, dict) else "", "object")
        for field, spec in schema.get("properties", {}).items()
    }


def response_format(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The ``response_format`` asking an endpoint for JSON that fits ``schema``."""
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


__all__ = [
    "check_schema",
    "field_dtypes",
    "flatten",
    "parse_json",
    "response_format",
    "schema_errors",
]
