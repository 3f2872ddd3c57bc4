"""Records in and out as files: `pipeline import` and `pipeline export`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import click

from pipeline.cli.base import Context, fail, main, reports_errors
from pipeline.cli.collection import collecting_rarely
from pipeline.record_types import RECORD_TYPE_NAMES
from pipeline.services.identity.actors import SYSTEM

RECORD_TYPE = click.Choice(RECORD_TYPE_NAMES)


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--type", "record_type", type=RECORD_TYPE, help="Type of every record in the file.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "jsonl", "csv"]), help="Default: from the extension."
)
@click.option("--publiccode", is_flag=True, help="FILE is a publiccode.yml file: create or update a product.")
@click.option("--council", help="With --publiccode: GSS code or slug of the council that owns the product.")
@click.pass_obj
@reports_errors
def import_command(
    obj: Context, file: Path, record_type: str | None, fmt: str | None, publiccode: bool, council: str | None
) -> None:
    """Create or update records from a JSON, JSON Lines or CSV file: all of them, or none."""
    from pipeline.services.exchange.line_errors import read_file

    if publiccode:
        _import_publiccode(obj, file, council)
        return
    from pipeline.services.exchange.formats import format_for
    from pipeline.services.exchange.importing import import_records, read_import
    from pipeline.services.records.catalogue import KINDS

    record_type = record_type or _type_in_name(file.name)
    fmt = fmt or format_for(name=file.name)
    if record_type is None or fmt is None:
        fail("say what the file holds with --type (project, product, finding or code-link) and --format.")
    kind = KINDS[str(record_type)]
    max_rows = obj.settings.max_import_rows
    with collecting_rarely():
        data = read_file(file, obj.settings.max_import_bytes)
        checked = read_import(data, str(fmt), str(file), kind, max_rows=max_rows)
        with click.progressbar(
            length=len(checked.items), label=f"Importing {kind.name}s", file=sys.stderr
        ) as bar:
            result = import_records(obj.registry, SYSTEM, checked, progress=bar.update)
    click.echo(
        f"{result.records} {kind.name}s: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    )


def _type_in_name(name: str) -> str | None:
    """The record type a file name such as pipeline-projects.csv names, if exactly one."""
    found = {t for t in ("project", "product", "finding", "code-link") if t in name.lower().replace("_", "-")}
    return found.pop() if len(found) == 1 else None


def _import_publiccode(obj: Context, file: Path, council: str | None) -> None:
    from pipeline.services.exchange.line_errors import read_file
    from pipeline.services.exchange.publiccode import import_publiccode

    if not council:
        fail("name the council that owns the product with --council (GSS code or slug).")
    data = read_file(file, obj.settings.max_import_bytes)
    result = import_publiccode(obj.registry, SYSTEM, data, council=str(council), source=str(file))
    click.echo(f"Product {result.outcome}: {result.product.title} ({result.product.html_url})")
    for name in result.unknown_users:
        click.echo(f"Not a council here, so not recorded as a user: {name}", err=True)


@main.command("export")
@click.option("--type", "record_type", type=RECORD_TYPE, required=True, help="Type of record to export.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
@click.option("-q", "--query", default="", help="Only records matching these search words.")
@click.option("--council", multiple=True, help="Only records of this council (GSS code or slug); repeatable.")
@click.option("--tag", multiple=True, help="Only records with this tag; repeatable.")
@click.option("--service-area", multiple=True, help="Only records in this service area; repeatable.")
@click.option(
    "--lgsl", multiple=True, type=int, help="Only records with this LGSL service number; repeatable."
)
@click.pass_obj
@reports_errors
def export_command(
    obj: Context,
    record_type: str,
    fmt: str,
    output: Path | None,
    query: str,
    council: tuple[str, ...],
    tag: tuple[str, ...],
    service_area: tuple[str, ...],
    lgsl: tuple[int, ...],
) -> None:
    """Write every record of a type (or a search's results) as JSON Lines or CSV, streaming."""
    from pipeline.services.discovery.search import SearchRequest
    from pipeline.services.exchange.exporting import export_records
    from pipeline.services.records.catalogue import KINDS

    given = {
        "council": list(council),
        "tag": list(tag),
        "service_area": list(service_area),
        "lgsl": [str(code) for code in lgsl],
    }
    filters = {name: values for name, values in given.items() if values}
    export = export_records(obj.registry, KINDS[record_type], fmt, SearchRequest(q=query, filters=filters))
    if output is None:
        _write_all(sys.stdout.buffer, export.chunks)
        return
    with output.open("wb") as sink:
        _write_all(sink, export.chunks)
    click.echo(f"Wrote {output} (the change log was at {export.change_seq}).", err=True)


def _write_all(sink: BinaryIO, chunks: Iterator[bytes]) -> None:
    for chunk in chunks:
        sink.write(chunk)
    sink.flush()
