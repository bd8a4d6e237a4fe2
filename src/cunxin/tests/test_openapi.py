"""The OpenAPI schema served at /api/ describes what the server accepts.

A client (or a fuzzer) learns from it which operations exist, what each takes and within which
bounds. Two models of the same name used to share one entry (the records team entry was
documented with the volunteering team's fields), and nothing said how long a note may be.
"""

from __future__ import annotations

import typing
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from cunxin.api import api
from cunxin.conftest import World, login

# String formats that bound themselves.
_SELF_BOUNDED_FORMATS = {"date", "date-time", "uuid", "binary", "time"}


def _schema() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="/api")


def _operations() -> Iterator[Any]:
    for bound in api._get_bound_routers():
        for view in bound.path_operations.values():
            yield from view.operations


def _models_in(annotation: Any, seen: set[type]) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation, seen)
    for arg in typing.get_args(annotation):
        yield from _models_in(arg, seen)


def test_every_operation_has_a_unique_operation_id(world: World) -> None:
    ids = [
        operation["operationId"]
        for path in _schema()["paths"].values()
        for operation in path.values()
    ]
    assert len(ids) > 100
    assert [name for name, n in Counter(ids).items() if n > 1] == []


def test_every_schema_name_belongs_to_one_model(world: World) -> None:
    seen: set[type] = set()
    for operation in _operations():
        for model in [*operation.models, *(operation.response_models or {}).values()]:
            list(_models_in(model, seen))
    owners: dict[str, set[str]] = defaultdict(set)
    for model in seen:
        if model.__module__.startswith("ninja."):
            continue  # ninja's own wrappers of parameters and responses, never a component
        owners[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    assert {name: sorted(o) for name, o in owners.items() if len(o) > 1} == {}


def test_the_team_entry_is_documented_with_its_own_fields(world: World) -> None:
    schema = _schema()
    body = schema["paths"]["/api/records/records/team"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = set(schema["components"]["schemas"][ref]["properties"])
    assert {"client_id", "resident_ids", "item_code", "behaviour_date"} <= fields
    volunteering = schema["paths"]["/api/volunteering/teams"]["post"]["requestBody"]
    ref = volunteering["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "village_code" in schema["components"]["schemas"][ref]["properties"]


def _unbounded(node: Any, components: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Every place in an input schema where a string, number or list has no upper bound."""
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _unbounded(components[name], components, f"{where}→{name}", {*seen, name})
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for i, option in enumerate(node.get(key, [])):
            found += _unbounded(option, components, f"{where}[{i}]", seen)
    kind = node.get("type")
    bounded_by_choice = "enum" in node or "const" in node
    self_bounded = bounded_by_choice or node.get("format") in _SELF_BOUNDED_FORMATS
    if kind == "string" and not self_bounded and "maxLength" not in node:
        found.append(f"{where}: string without maxLength")
    numeric = kind in ("integer", "number") and not bounded_by_choice
    if numeric and ("maximum" not in node or "minimum" not in node):
        found.append(f"{where}: {kind} without minimum/maximum")
    if kind == "array":
        if "maxItems" not in node:
            found.append(f"{where}: list without maxItems")
        found += _unbounded(node.get("items"), components, f"{where}[]", seen)
    if kind == "object" or "properties" in node:
        for name, prop in node.get("properties", {}).items():
            found += _unbounded(prop, components, f"{where}.{name}", seen)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            if "maxProperties" not in node:
                found.append(f"{where}: object without maxProperties")
            found += _unbounded(extra, components, f"{where}{{}}", seen)
    return found


def test_every_input_the_api_takes_is_bounded(world: World) -> None:
    schema = _schema()
    components = schema["components"]["schemas"]
    found: list[str] = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            name = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                found += _unbounded(
                    parameter["schema"], components, f"{name} ?{parameter['name']}", set()
                )
            for content in operation.get("requestBody", {}).get("content", {}).values():
                found += _unbounded(content["schema"], components, f"{name} body", set())
    assert found == [], "\n".join(found)


def test_the_schema_is_served_to_a_logged_in_user(world: World) -> None:
    served = login(world.villager_a).get("/api/openapi.json").json()
    assert served["paths"].keys() == _schema()["paths"].keys()
