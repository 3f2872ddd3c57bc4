"""Generate the published data standard: JSON Schemas (2020-12) from the msgspec structs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec

from pipeline.schemas.councils import CouncilOut
from pipeline.schemas.records import (
    CodeLinkIn,
    CodeLinkOut,
    FindingIn,
    FindingOut,
    ProductIn,
    ProductOut,
    ProjectIn,
    ProjectOut,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# What the standard publishes: each record as the registry serves it, and as a council submits it.
PUBLISHED: dict[str, type[msgspec.Struct]] = {
    "council": CouncilOut,
    "project": ProjectOut,
    "project-input": ProjectIn,
    "product": ProductOut,
    "product-input": ProductIn,
    "finding": FindingOut,
    "finding-input": FindingIn,
    "code-link": CodeLinkOut,
    "code-link-input": CodeLinkIn,
}


def schema_for(name: str) -> dict[str, Any]:
    """One self-contained schema; `$id` is relative so it resolves wherever the files are served."""
    struct = PUBLISHED[name]
    generated = msgspec.json.schema(struct, ref_template="#/$defs/{name}")
    defs = generated.get("$defs", {})
    root = defs.pop(generated["$ref"].rsplit("/", 1)[-1])
    if struct.__struct_config__.forbid_unknown_fields:
        for definition in [root, *defs.values()]:
            if definition.get("type") == "object":
                definition["additionalProperties"] = False
    document = {"$schema": DIALECT, "$id": f"{name}.schema.json", **root}
    if defs:
        document["$defs"] = defs
    return document


def render(name: str) -> bytes:
    return msgspec.json.format(msgspec.json.encode(schema_for(name)), indent=2) + b"\n"


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in PUBLISHED:
        path = folder / f"{name}.schema.json"
        path.write_bytes(render(name))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")):
        print(path)
