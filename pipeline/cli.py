"""The `pipeline` command: serve, migrate, seed, import and export, and manage API tokens."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click

from pipeline.config import Settings, SettingsError, load_settings
from pipeline.errors import DomainError, Invalid
from pipeline.indexing import IndexingProcess
from pipeline.logs import install_redaction
from pipeline.services.actors import SYSTEM
from pipeline.services.files import FileErrors
from pipeline.services.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Settings and a lazily opened registry, shared by the subcommands."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._registry: Registry | None = None

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = Registry(self.settings)
        return self._registry

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def reports_errors(command: F) -> F:
    """Turn the service's and the files' errors into a clear message and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except FileErrors as exc:
            for error in exc.errors:
                click.echo(str(error), err=True)
            fail(f"{len(exc.errors)} problem(s) found; nothing was written.")
        except Invalid as exc:
            for field_error in exc.errors:
                click.echo(f"{field_error.field}: {field_error.message}", err=True)
            fail("the input is not valid; nothing was written.")
        except DomainError as exc:
            fail(exc.detail)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Pipeline: the collaboration registry for UK councils."""
    install_redaction()
    try:
        ctx.obj = Context(load_settings())
    except SettingsError as exc:
        fail(str(exc))
    ctx.call_on_close(ctx.obj.close)


@main.command()
@click.option("--host", help="Interface to listen on (PIPELINE_HOST).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (PIPELINE_PORT).")
@click.option("--workers", type=click.IntRange(1, 64), help="Server processes (PIPELINE_WORKERS).")
@click.pass_obj
def serve(obj: Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web pages and the API."""
    import uvicorn

    from pipeline.storage.migrate import current_revision, head_revision

    settings = obj.settings
    engine = obj.registry.engine
    if current_revision(engine) != head_revision(engine):
        fail("the database is not up to date: run `pipeline db upgrade` first.")
    for name, value in (("HOST", host), ("PORT", port), ("WORKERS", workers)):
        if value is not None:
            os.environ[f"PIPELINE_{name}"] = str(value)
    final = load_settings()
    click.echo(f"Pipeline is serving on http://{final.host}:{final.port} (Ctrl+C to stop)")
    # One process applies the change log to the search index; the workers only read it.
    with IndexingProcess(os.environ):
        os.environ["PIPELINE_INDEX_IN_SERVER"] = "false"
        uvicorn.run(
            "pipeline.asgi:app",
            host=final.host,
            port=final.port,
            workers=final.workers,
            log_level=settings.log_level.lower(),
            # Forwarded headers are read by the app, from PIPELINE_TRUSTED_PROXIES only; uvicorn
            # would believe any from loopback.
            proxy_headers=False,
        )


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(obj: Context) -> None:
    """Create or migrate the database schema to the newest version."""
    from pipeline.storage.migrate import current_revision, upgrade

    upgrade(obj.registry.engine)
    click.echo(f"Database is at revision {current_revision(obj.registry.engine)}.")


@main.command("seed")
@click.option(
    "--dir",
    "seed_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder with councils.json, projects.json... (default: the bundled seed).",
)
@click.option("--force", is_flag=True, help="Seed even if the registry already has records.")
@click.option(
    "--synthetic",
    type=click.IntRange(1, 10_000_000),
    default=None,
    help="Instead, add this many deterministic synthetic records (for benchmarks).",
)
@click.pass_obj
@reports_errors
def seed_command(obj: Context, seed_dir: Path | None, force: bool, synthetic: int | None) -> None:
    """Load the demo councils and records (only into an empty registry unless --force)."""
    from pipeline.services.seed import SEED_DIR, seed

    if synthetic:
        from pipeline.services.synthetic import seed_synthetic

        with click.progressbar(length=synthetic, label="Adding synthetic records", file=sys.stderr) as bar:
            added = seed_synthetic(obj.registry, SYSTEM, synthetic, progress=bar.update)
        click.echo(f"Added {added} synthetic records.")
        return
    report = seed(obj.registry, SYSTEM, seed_dir or SEED_DIR, only_if_empty=not force)
    if report.skipped:
        click.echo("The registry already has records; seed data not loaded (use --force).")
        return
    counts = ", ".join(f"{n} {kind}s" for kind, n in report.records.items())
    click.echo(f"Seeded {report.councils} councils, {counts}.")


@main.group()
def councils() -> None:
    """Councils and other public bodies."""


@councils.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
@reports_errors
def councils_import(obj: Context, file: Path) -> None:
    """Create or update councils from a mySociety UK local-authority CSV file."""
    from pipeline.services.council_import import import_councils, read_council_csv

    items = read_council_csv(file)
    with click.progressbar(length=len(items), label="Importing councils", file=sys.stderr) as bar:
        report = import_councils(obj.registry, SYSTEM, items, progress=bar.update)
    click.echo(
        f"{len(items)} rows: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


RECORD_TYPE = click.Choice(["project", "product", "finding", "code-link"])


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
    from pipeline.services.files import read_file

    if publiccode:
        _import_publiccode(obj, file, council)
        return
    from pipeline.services.catalogue import KINDS
    from pipeline.services.record_files import format_for
    from pipeline.services.record_import import import_records, read_import

    record_type = record_type or _type_in_name(file.name)
    fmt = fmt or format_for(name=file.name)
    if record_type is None or fmt is None:
        fail("say what the file holds with --type (project, product, finding or code-link) and --format.")
    kind = KINDS[str(record_type)]
    max_rows = obj.settings.max_import_rows
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
    from pipeline.services.files import read_file
    from pipeline.services.publiccode import import_publiccode

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
) -> None:
    """Write every record of a type (or a search's results) as JSON Lines or CSV, streaming."""
    from pipeline.services.catalogue import KINDS
    from pipeline.services.record_export import export_records
    from pipeline.services.search import SearchRequest

    given = {"council": list(council), "tag": list(tag), "service_area": list(service_area)}
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


@main.command("index")
@click.option("--follow", is_flag=True, help="Keep applying new changes until stopped (Ctrl+C).")
@click.option("--server-pid", type=int, hidden=True, help="Quiet; stop when this parent process has gone.")
@click.pass_obj
def index_command(obj: Context, follow: bool, server_pid: int | None) -> None:
    """Apply outstanding changes from the change log to the search index."""
    import signal
    import time

    from pipeline.indexing import parent_alive

    search = obj.registry.search
    search.applies = True  # this command is the indexing process, whatever the servers do
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while server_pid is None or parent_alive(server_pid):
        applied = search.bring_up_to_date()
        if (applied or not follow) and server_pid is None:
            click.echo(f"Applied {applied} changes; the index is at change {search.applied_seq()}.")
        if not follow:
            return
        time.sleep(obj.settings.index_poll_seconds)


@main.command("reindex")
@click.pass_obj
def reindex_command(obj: Context) -> None:
    """Rebuild the search index from the database into a new folder, then swap it in."""
    with click.progressbar(length=0, label="Indexing records", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        count = obj.registry.search.rebuild(progress)
    click.echo(f"Indexed {count} records; the index is at change {obj.registry.search.applied_seq()}.")


@main.group()
def tokens() -> None:
    """API tokens for councils' systems and administrators."""


@tokens.command("create")
@click.option("--council", help="GSS code or slug of the council the token may write for.")
@click.option("--admin", is_flag=True, help="A site administrator's token: may write anything.")
@click.option("--expires", default=None, help="Lifetime such as 90d, 12h, 2w or never.")
@click.option("--name", default="", help="What the token is for, e.g. 'intranet sync'.")
@click.pass_obj
@reports_errors
def tokens_create(obj: Context, council: str | None, admin: bool, expires: str | None, name: str) -> None:
    """Create a token. The secret is printed once, alone on the last line."""
    from datetime import timedelta

    from pipeline.services.tokens import create_token, parse_duration

    if admin == bool(council):
        fail("give either --council CODE or --admin.")
    lifetime = parse_duration(expires) if expires else timedelta(days=obj.settings.token_default_days)
    created = create_token(obj.registry, SYSTEM, council=council, admin=admin, lifetime=lifetime, name=name)
    details = created.details
    scope = "admin" if details.is_admin else f"council {details.council}"
    expiry = details.expires_at.isoformat() if details.expires_at else "never"
    click.echo(f"Token {details.id} for {scope}, expires {expiry}. Store it now: it is not shown again.")
    click.echo(created.token)


@tokens.command("list")
@click.pass_obj
@reports_errors
def tokens_list(obj: Context) -> None:
    """List tokens (never their secrets)."""
    from pipeline.services.tokens import list_tokens

    for token in list_tokens(obj.registry, SYSTEM):
        scope = "admin" if token.is_admin else token.council
        state = "revoked" if token.revoked_at else "active"
        expiry = token.expires_at.date().isoformat() if token.expires_at else "never"
        click.echo(f"{token.id}  {token.prefix}…  {scope}  {state}  expires {expiry}  {token.name}")


@tokens.command("revoke")
@click.argument("token_id")
@click.pass_obj
@reports_errors
def tokens_revoke(obj: Context, token_id: str) -> None:
    """Revoke a token by its id; it stops working at once."""
    from pipeline.services.tokens import revoke_token

    token = revoke_token(obj.registry, SYSTEM, token_id)
    click.echo(f"Token {token.id} revoked.")


@main.group()
def users() -> None:
    """People who sign in to the web pages."""


@users.command("make-admin")
@click.argument("email")
@click.pass_obj
@reports_errors
def users_make_admin(obj: Context, email: str) -> None:
    """Make the person with this email address a site administrator (they may change anything)."""
    from pipeline.services.people import make_admin

    user = make_admin(obj.registry, SYSTEM, email)
    member = f", a member of {user.council_name}" if user.council_name else ""
    click.echo(f"{user.email} is now a site administrator{member}.")


if __name__ == "__main__":
    main()
