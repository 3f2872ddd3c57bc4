"""Index documents made from records' logged state: pure functions, no database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pipeline.record_types import RECORD_TYPES
from pipeline.text import slugify


def owner_slug(record_type: str, data: Mapping[str, Any]) -> str:
    return str(data[RECORD_TYPES[record_type].owner_field]["slug"])


def council_slugs(record_type: str, data: Mapping[str, Any]) -> list[str]:
    """The owner first, then every council taking part."""
    slugs = [owner_slug(record_type, data)]
    for entry in data.get(RECORD_TYPES[record_type].participants_field or "", []) or []:
        ref = entry.get("council", entry)
        slugs.append(str(ref["slug"]))
    return list(dict.fromkeys(slugs))


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value or "")


def document_for(record_type: str, data: Mapping[str, Any], regions: Mapping[str, str]) -> dict[str, Any]:
    """The index document of one record, from its state as the change log stores it."""
    councils = council_slugs(record_type, data)
    content = "\n".join(_text(data.get(name)) for name in RECORD_TYPES[record_type].content_fields)
    return {
        "id": data["id"],
        "slug": data["slug"],
        "type": record_type,
        "title": data["title"],
        "content": content.strip(),
        "owner": councils[0],
        "council": ",".join(councils),
        "phase": data.get("phase") or "",
        "service_area": ",".join(data.get("service_areas", [])),
        "lgsl": ",".join(str(code) for code in data.get("lgsl", []) or []),
        "tag": ",".join(data.get("tags", [])),
        "region": ",".join(dict.fromkeys(regions[c] for c in councils if regions.get(c))),
        "updated": datetime.fromisoformat(str(data["updated_at"])).replace(tzinfo=None),
        **_confirmed(data),
        "title_sort": data["title"].lower(),
        "version": int(data["version"]),
    }


def _confirmed(data: Mapping[str, Any]) -> dict[str, datetime]:
    """When a record was last confirmed as active, for those that are confirmed (projects)."""
    confirmed = data.get("last_confirmed_at")
    if not confirmed:
        return {}
    return {"confirmed": datetime.fromisoformat(str(confirmed)).astimezone(UTC).replace(tzinfo=None)}


def region_slug(region: str) -> str:
    return slugify(region) if region else ""
