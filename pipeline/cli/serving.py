"""Serving, and keeping the search index: `pipeline serve`, `index` and `reindex`."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from pipeline.cli.base import Context, fail, main
from pipeline.companions import indexing_process, mailer_process
from pipeline.config import load_settings


@main.command()
@click.option("--host", help="Interface to listen on (PIPELINE_HOST).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (PIPELINE_PORT).")
@click.option("--workers", type=click.IntRange(1, 64), help="Server processes (PIPELINE_WORKERS).")
@click.pass_obj
def serve(obj: Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web pages and the API."""
    import uvicorn

    from pipeline.services.database import database_is_current

    settings = obj.settings
    if not database_is_current(obj.registry):
        fail("the database is not up to date: run `pipeline db upgrade` first.")
    given: dict[str, Any] = {"host": host, "port": port, "workers": workers}
    final = load_settings(None, **{name: value for name, value in given.items() if value is not None})
    click.echo(f"Pipeline is serving on http://{final.host}:{final.port} (Ctrl+C to stop)")
    # One process applies the change log to the search index; the workers (pipeline.workers)
    # only read it. Another delivers the outbox. Nothing is written back into this process's
    # environment.
    with indexing_process(os.environ), mailer_process(os.environ):
        uvicorn.run(
            "pipeline.workers:app",
            host=final.host,
            port=final.port,
            workers=final.workers,
            log_level=settings.log_level.lower(),
            # Forwarded headers are read by the app, from PIPELINE_TRUSTED_PROXIES only; uvicorn
            # would believe any from loopback.
            proxy_headers=False,
        )


@main.command("index")
@click.option("--follow", is_flag=True, help="Keep applying new changes until stopped (Ctrl+C).")
@click.option("--server-pid", type=int, hidden=True, help="Quiet; stop when this parent process has gone.")
@click.pass_obj
def index_command(obj: Context, follow: bool, server_pid: int | None) -> None:
    """Apply outstanding changes from the change log to the search index."""
    import signal
    import time

    from pipeline.companions import parent_alive

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
