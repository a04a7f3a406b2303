"""Extract the request-body schemas the send tests validate against from OpenAI's OpenAPI spec.

The full spec (3 MB) lives outside the repository; this keeps `tests/data/openapi-subset.json`
(CreateResponse, CreateChatCompletionRequest and every schema they reference), so CI validates
the same way wherever the repository is cloned. The spec is MIT-licensed (github.com/openai/
openai-openapi). Run: .venv/bin/python tests/tools/openapi_subset.py PATH/TO/openapi.yaml
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOTS = ("CreateResponse", "CreateChatCompletionRequest")
OUT = Path(__file__).resolve().parent.parent / "data" / "openapi-subset.json"


def refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs(value)
    return found


def main() -> None:
    source = Path(sys.argv[1])
    raw = source.read_bytes()
    spec = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    schemas = spec["components"]["schemas"]
    keep: set[str] = set()
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name not in keep:
            keep.add(name)
            todo += sorted(refs(schemas[name]) - keep)
    subset = {
        "source": "github.com/openai/openai-openapi openapi.yaml (MIT license)",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "openapi": spec["openapi"],
        "info": {"version": spec["info"]["version"]},
        "components": {"schemas": {name: schemas[name] for name in sorted(keep)}},
    }
    OUT.write_text(json.dumps(subset, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(keep)} schemas -> {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
