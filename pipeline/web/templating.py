"""The one Jinja environment: autoescaping, strict about names, GOV.UK Frontend macros loaded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
)
from markupsafe import Markup, escape

from pipeline import lgsl
from pipeline.services.untrusted import CONTROL_CHARACTERS
from pipeline.text import long_date
from pipeline.vocab import SERVICE_AREA_LABELS

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "web" / "templates"

# Page-level options of GOV.UK Frontend's template.html that Pipeline does not use.
GOVUK_TEMPLATE_OPTIONS = (
    "htmlClasses",
    "pageTitleLang",
    "opengraphImageUrl",
    "assetUrl",
    "bodyClasses",
    "bodyAttributes",
    "headerClasses",
    "headerAttributes",
    "containerClasses",
    "containerAttributes",
    "mainClasses",
    "mainLang",
    "mainAttributes",
    "footerClasses",
    "footerAttributes",
    "serviceName",
    "serviceUrl",
    "themeColor",
    "assetPath",
    "htmlLang",
    "cspNonce",
)


class MacroParamsUndefined(ChainableUndefined):
    """Strict for names and object attributes; lenient for keys missing from a dict.

    A misspelt variable or attribute in a Pipeline template raises. GOV.UK Frontend's macros
    test optional keys of their `params` dicts (`{% if params.classes %}`) and `caller`, which
    must be falsy when not given.
    """

    __slots__ = ()

    def _check(self) -> None:
        # `caller` is undefined in a macro not invoked with {% call %}; GOV.UK's macros test it.
        if not isinstance(self._undefined_obj, dict) and self._undefined_name != "caller":
            self._fail_with_undefined_error()

    def __str__(self) -> str:
        self._check()
        return ""

    def __html__(self) -> str:
        self._check()
        return ""

    def __bool__(self) -> bool:
        self._check()
        return False

    def __iter__(self) -> Iterator[Any]:
        self._check()
        return iter(())

    def __len__(self) -> int:
        self._check()
        return 0

    def __eq__(self, other: object) -> bool:
        self._check()
        return type(self) is type(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = ChainableUndefined.__hash__


def date_and_time(value: datetime | None) -> str:
    """'22 November 2026 at 5:07am (UTC)'."""
    if value is None:
        return ""
    value = value.astimezone(UTC)
    hour = value.hour % 12 or 12
    return f"{long_date(value)} at {hour}:{value:%M}{'am' if value.hour < 12 else 'pm'} (UTC)"


def label(value: str | None) -> str:
    """A vocabulary value as people read it: 'childrens-services' -> "Children's services"."""
    if not value:
        return ""
    return SERVICE_AREA_LABELS.get(value) or value.replace("-", " ").capitalize()


def paragraphs(text: str | None) -> Markup:
    """Plain text as GOV.UK body paragraphs, split on blank lines; everything escaped."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("").join(
        Markup('<p class="govuk-body">{}</p>').format(
            Markup("<br>").join(escape(line) for line in b.split("\n"))
        )
        for b in blocks
    )


def as_choice(option: tuple[str, str], current: Any) -> dict[str, Any]:
    """A (value, text) option as a GOV.UK radios or checkboxes item, checked if chosen."""
    value, text = option
    chosen = value in current if isinstance(current, list | tuple | set) else value == current
    return {"value": value, "text": text, "checked": chosen}


def printable(value: Any) -> Any:
    """Every value a template prints, with control characters shown as U+FFFD.

    They make an HTML document ill-formed; input refuses them, but a form redisplays what was
    typed, and older data may hold some.
    """
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        shown = CONTROL_CHARACTERS.sub("\ufffd", value)
        return Markup(shown) if isinstance(value, Markup) else shown  # noqa: S704 (was Markup already)
    return value


def make_environment(templates: Path = TEMPLATES) -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(templates),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        undefined=MacroParamsUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=printable,
    )
    env.globals.update(dict.fromkeys(GOVUK_TEMPLATE_OPTIONS))
    # GOV.UK Frontend's macros compare values with the names `undefined` and `null` (not given).
    env.globals["undefined"] = MacroParamsUndefined(obj={}, name="undefined")
    env.globals["null"] = None
    env.filters.update(
        long_date=long_date,
        date_and_time=date_and_time,
        label=label,
        lgsl_label=lgsl.label_of,
        paragraphs=paragraphs,
        as_choice=as_choice,
    )
    return env
