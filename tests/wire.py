"""Check request bodies against the official OpenAPI spec.

The spec is read from $BRIEFPACK_OPENAPI_SPEC, else shared/openapi/openapi.yaml beside the
repository, else the committed subset tests/data/openapi-subset.json (the request-body schemas and
everything they reference, extracted by tests/tools/openapi_subset.py), so CI validates wherever
the repository is cloned.

jsonschema validates: OpenAPI 3.1 schemas are JSON Schema 2020-12, so Draft202012Validator reads
them as they are. Two quirks of the spec are handled here: it has no
`additionalProperties: false` (so a misspelt key would pass; we also check keys against the
schema's properties), and `nullable` is ignored under 3.1 (the SDK omits unset fields anyway).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent


SUBSET = ROOT / "tests" / "data" / "openapi-subset.json"


def spec_path() -> Path:
    """$BRIEFPACK_OPENAPI_SPEC, else the full spec beside the repository, else the subset."""
    explicit = os.environ.get("BRIEFPACK_OPENAPI_SPEC")
    candidates = [Path(explicit)] if explicit else []
    candidates += [p / "shared" / "openapi" / "openapi.yaml" for p in ROOT.parents]
    return next((p for p in candidates if p.is_file()), SUBSET)


@cache
def _spec() -> dict[str, Any]:
    path = spec_path()
    if path.suffix == ".json":
        return dict(json.loads(path.read_text(encoding="utf-8")))
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        return dict(yaml.load(handle, Loader=loader))


@cache
def _validator(schema: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource = Resource.from_contents(_spec(), default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openai", resource)
    return Draft202012Validator(
        {"$ref": f"urn:openai#/components/schemas/{schema}"}, registry=registry
    )


def allowed_keys(schema: str) -> set[str]:
    """Top-level property names of a schema, through its allOf parts and their $refs."""
    schemas = _spec()["components"]["schemas"]
    keys: set[str] = set()
    todo = [schemas[schema]]
    while todo:
        node = todo.pop()
        if "$ref" in node:
            todo.append(schemas[node["$ref"].rsplit("/", 1)[1]])
            continue
        keys.update(node.get("properties", {}))
        todo.extend(node.get("allOf", []))
    return keys


def errors(body: Any, schema: str) -> list[str]:
    """Every way `body` breaks `schema` (empty when valid), unknown top-level keys included."""
    found = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator(schema).iter_errors(body)
    ]
    found += [f"unknown key {k!r}" for k in sorted(set(body) - allowed_keys(schema))]
    return found
