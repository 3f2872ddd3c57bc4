"""The database and what fills it first: `pipeline db`, `seed` and `councils import`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.base import Context, fail, main, reports_errors
from pipeline.services.identity.actors import SYSTEM


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(obj: Context) -> None:
    """Create or migrate the database schema to the newest version."""
    from pipeline.services.database import upgrade_database

    click.echo(f"Database is at revision {upgrade_database(obj.registry)}.")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does, in a few words.")
@click.pass_obj
def db_revision(obj: Context, message: str) -> None:
    """Write a migration for what the models changed (the database must be up to date)."""
    from pipeline.services.database import database_is_current, write_migration

    if not database_is_current(obj.registry):
        fail("the database is not up to date: run `pipeline db upgrade` first.")
    click.echo(f"Wrote {write_migration(obj.registry, message)}; read it before committing it.")


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
    from pipeline.demo.seed import SEED_DIR, seed

    if synthetic:
        from pipeline.demo.synthetic import seed_synthetic

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
    from pipeline.services.exchange.council_list import import_councils, read_council_csv

    items = read_council_csv(file)
    with click.progressbar(length=len(items), label="Importing councils", file=sys.stderr) as bar:
        report = import_councils(obj.registry, SYSTEM, items, progress=bar.update)
    click.echo(
        f"{len(items)} rows: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )
