"""Turn a publiccode.yml file (https://yml.publiccode.tools) into a product.

The file names the software; the importing council is the product's owner. Re-importing the
same file (matched by its repository URL, kept as the product's external id) updates the
product. Organisations in `usedBy` that are councils here become its users; the others are
reported back, not dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml
from sqlmodel import Session, select

from pipeline.errors import FieldError, Invalid
from pipeline.schemas.exchange import PubliccodeResult
from pipeline.schemas.records import ProductIn
from pipeline.services.context import Registry, Scope
from pipeline.services.councils.directory import find_council
from pipeline.services.exchange.line_errors import FileErrors, LineError
from pipeline.services.identity.actors import Actor, require_writer
from pipeline.services.records.batches import upsert_in
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.validation import convert_input_all
from pipeline.services.untrusted import MAX_DEPTH, MAX_YAML_NODES
from pipeline.storage.models import Council

REQUIRED = ("publiccodeYmlVersion", "name", "url", "developmentStatus", "description", "legal", "maintenance")
LANGUAGES = ("en-GB", "en", "en-US")
SOFTWARE_KINDS = {
    "standalone/web": "service",
    "standalone/backend": "platform",
    "library": "component",
    "addon": "component",
    "configurationFiles": "tool",
}
# Where each product field comes from in publiccode.yml, to name the key a problem is in.
SOURCES = {
    "title": "name",
    "summary": "description.{lang}.shortDescription",
    "licence": "legal.license",
    "repository_url": "url",
    "website_url": "landingURL",
    "documentation_url": "description.{lang}.documentation",
    "development_status": "developmentStatus",
    "maintenance": "maintenance.type",
    "kind": "softwareType",
    "is_based_on": "isBasedOn",
    "tags": "categories",
    "external_id": "url",
}
MAX_USERS = 500  # organisations read from usedBy
MAX_NAME = 200  # characters of an organisation's name kept (and reported back)
_COUNCIL_SUFFIX = re.compile(r"\s+council$", re.IGNORECASE)


@dataclass
class Publiccode:
    """A parsed file: its values, and the line of every key (by dotted path)."""

    values: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)
    language: str = "en"

    def line(self, path: str) -> int:
        path = path.format(lang=self.language)
        while path and path not in self.lines:
            path = path.rpartition(".")[0]
        return self.lines.get(path, 1)

    def get(self, path: str) -> Any:
        value: Any = self.values
        for key in path.format(lang=self.language).split("."):
            value = value.get(key) if isinstance(value, dict) else None
        return value


def read_publiccode(data: bytes, source: str) -> Publiccode:
    """The file's values, or every problem of form it has (not YAML, not a mapping, keys missing)."""
    try:
        node, values = _load_bounded(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FileErrors([LineError(source, 1, "", "The file is not UTF-8 text.")]) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise FileErrors([LineError(source, line, "", f"Not valid YAML: {exc.problem}.")]) from None
    except yaml.YAMLError as exc:
        raise FileErrors([LineError(source, 1, "", f"Not valid YAML: {exc}.")]) from None
    if not isinstance(values, dict):
        raise FileErrors([LineError(source, 1, "", "A publiccode.yml file is a mapping of keys to values.")])
    parsed = Publiccode(values, _key_lines(node))
    parsed.language = _language(parsed.values.get("description"))
    _check_required(parsed, source)
    return parsed


class BoundedLoader(yaml.SafeLoader):
    """YAML's safe loader refusing aliases and bounding the document, all while composing it.

    An alias lets 800 bytes stand for billions of nodes ("billion laughs"); a publiccode.yml
    has no need of one, so the first `*alias` ends the parse, before anything walks the tree.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.nodes = 0
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._refuse("aliases (*name) are not allowed in publiccode.yml")
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            self._refuse(f"the file holds more than {MAX_YAML_NODES:,} values")
        if self.depth >= MAX_DEPTH:
            self._refuse(f"the file is nested more than {MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _refuse(self, problem: str) -> NoReturn:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        raise yaml.composer.ComposerError(None, None, problem, mark)


def _load_bounded(text: str) -> tuple[Any, Any]:
    """The file's node tree (for key lines) and its values, from one bounded parse."""
    loader = BoundedLoader(text)
    try:
        node = loader.get_single_node()
        values = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, values


def _key_lines(node: Any, prefix: str = "") -> dict[str, int]:
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}{key.value}"
            lines[path] = key.start_mark.line + 1
            lines |= _key_lines(value, f"{path}.")
    return lines


def _language(description: Any) -> str:
    if not isinstance(description, dict) or not description:
        return "en"
    return next((lang for lang in LANGUAGES if lang in description), str(next(iter(description))))


def _check_required(parsed: Publiccode, source: str) -> None:
    missing = [key for key in REQUIRED if key not in parsed.values]
    missing += [
        path
        for path in ("description.{lang}.shortDescription", "legal.license", "maintenance.type")
        if path.split(".")[0] not in missing and not parsed.get(path)
    ]
    if missing:
        errors = [
            LineError(source, parsed.line(p), p.format(lang=parsed.language), "This key is required.")
            for p in missing
        ]
        raise FileErrors(errors)


def product_fields(parsed: Publiccode, council: str, users: list[str]) -> dict[str, Any]:
    """The product's input fields from the file (still unvalidated)."""
    wanted = {name: parsed.get(path) for name, path in SOURCES.items()}
    wanted["title"] = parsed.get("description.{lang}.localisedName") or wanted["title"]
    wanted["kind"] = SOFTWARE_KINDS.get(str(wanted["kind"]), "tool") if wanted["kind"] else None
    based_on = wanted["is_based_on"]
    wanted["is_based_on"] = [based_on] if isinstance(based_on, str) else based_on
    values = {name: value for name, value in wanted.items() if value not in (None, "", [])}
    return {**values, "council": council, "used_by": users}


def import_publiccode(
    registry: Registry, actor: Actor, data: bytes, *, council: str, source: str = "publiccode.yml"
) -> PubliccodeResult:
    """Create or update the product a publiccode.yml file describes, owned by `council`."""
    require_writer(actor)
    parsed = read_publiccode(data, source)
    kind = KINDS["product"]
    with registry.writing() as session:
        users, unknown = _councils_named(session, parsed.get("usedBy"))
        scope = Scope(session, registry.urls)
        try:
            product = convert_input_all(product_fields(parsed, council, users), ProductIn)
            out, outcome = upsert_in(scope, actor, kind, product)
        except Invalid as exc:
            _raise_at_keys(exc.errors, parsed, source)
    registry.written(scope.last_seq)
    return PubliccodeResult(outcome=outcome, product=out, unknown_users=unknown)  # type: ignore[arg-type]


def _raise_at_keys(errors: list[FieldError], parsed: Publiccode, source: str) -> NoReturn:
    """Problems with the product's fields, named by the publiccode.yml keys they came from."""
    if any(e.field.split(".")[0].split("[")[0] not in SOURCES for e in errors):
        raise Invalid(errors)
    raise FileErrors(
        [
            LineError(
                source, parsed.line(SOURCES[name]), SOURCES[name].format(lang=parsed.language), e.message
            )
            for e in errors
            for name in [e.field.split(".")[0].split("[")[0]]
        ]
    )


def _councils_named(session: Session, names: Any) -> tuple[list[str], list[str]]:
    """Councils here for the names in usedBy (as GSS codes), and the names that are not councils."""
    if not isinstance(names, list):
        return [], []
    by_name: dict[str, Council] = {}
    for known in session.exec(select(Council)):
        for name in (known.name, known.short_name, *known.alt_names):
            by_name.setdefault(name.lower(), known)
    found: list[str] = []
    unknown: list[str] = []
    for name in names[:MAX_USERS]:
        if not isinstance(name, str):
            continue  # usedBy lists organisation names; anything else names no one
        council = _named(session, by_name, name.strip()[:MAX_NAME])
        if council is None:
            unknown.append(name[:MAX_NAME])
        else:
            found.append(council.gss_code or council.slug)
    return list(dict.fromkeys(found)), unknown


def _named(session: Session, by_name: dict[str, Council], name: str) -> Council | None:
    """A council by its name ("Hackney Council" too), else by GSS code or slug."""
    plain = _COUNCIL_SUFFIX.sub("", name).lower()
    return by_name.get(plain) or by_name.get(name.lower()) or find_council(session, name)
