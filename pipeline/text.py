"""Plain-text helpers that every layer may use: they know nothing of records or storage."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

MAX_SLUG = 80


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: "Bins & Waste (Alpha)" -> "bins-waste-alpha"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = "-".join(words)[:MAX_SLUG].strip("-")
    return slug or "record"


def long_date(value: date | datetime | None) -> str:
    """'22 November 2026', the GOV.UK style for dates."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"
