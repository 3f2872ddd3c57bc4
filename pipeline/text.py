"""Plain-text helpers that every layer may use: they know nothing of records or storage."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG = 80


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: "Bins & Waste (Alpha)" -> "bins-waste-alpha"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = "-".join(words)[:MAX_SLUG].strip("-")
    return slug or "record"
