"""Serving, and keeping the search index: `pipeline serve`, `index` and `reindex`."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from contextlib import ExitStack
from typing import Any

import click

from pipeline.cli.base import Context, fail, main
from pipeline.companions import indexing_process, mailer_process, worker_process
from pipeline.config import Settings, load_settings
from pipeline.listeners import can_share_port, listening_sockets


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
        if final.workers > 1 and can_share_port():
            serve_with_workers(final.host, final.port, final.workers)
        else:
            uvicorn.run(host=final.host, port=final.port, workers=final.workers, **_app_options(settings))


def _app_options(settings: Settings) -> dict[str, Any]:
    """What every way of serving gives uvicorn: the workers' app, the log level, and no
    forwarded headers (the app reads them, from PIPELINE_TRUSTED_PROXIES only; uvicorn would
    believe any from loopback)."""
    return {"app": "pipeline.workers:app", "log_level": settings.log_level.lower(), "proxy_headers": False}


def serve_with_workers(host: str, port: int, workers: int) -> None:
    """Each worker its own process and its own socket on the port, until Ctrl+C or SIGTERM."""
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        with listening_sockets(host, port, workers) as sockets, ExitStack() as running:
            for number, listener in enumerate(sockets, start=1):
                running.enter_context(worker_process(number, listener, os.environ))
            while not stopping.wait(0.5):
                pass
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


@main.command("worker", hidden=True)
@click.option("--fd", type=int, required=True, help="The listening socket this worker inherited.")
@click.option("--server-pid", type=int, required=True, help="Stop when this parent process has gone.")
@click.pass_obj
def worker_command(obj: Context, fd: int, server_pid: int) -> None:
    """One of `pipeline serve`'s workers, answering on the listening socket it was handed."""
    import socket

    import uvicorn

    from pipeline.companions import parent_alive

    server = uvicorn.Server(uvicorn.Config(**_app_options(obj.settings)))

    def stop_when_orphaned() -> None:
        while parent_alive(server_pid) and not server.should_exit:
            time.sleep(1.0)
        server.should_exit = True

    threading.Thread(target=stop_when_orphaned, name="parent watch", daemon=True).start()
    server.run(sockets=[socket.socket(fileno=fd)])


@main.command("index")
@click.option("--follow", is_flag=True, help="Keep applying new changes until stopped (Ctrl+C).")
@click.option("--server-pid", type=int, hidden=True, help="Quiet; stop when this parent process has gone.")
@click.pass_obj
def index_command(obj: Context, follow: bool, server_pid: int | None) -> None:
    """Apply outstanding changes from the change log to the search index."""
    from pipeline.companions import parent_alive, stop_on_terminate

    search = obj.registry.search
    search.applies = True  # this command is the indexing process, whatever the servers do
    stopping = stop_on_terminate()
    while not stopping.is_set() and (server_pid is None or parent_alive(server_pid)):
        applied = search.bring_up_to_date()
        if (applied or not follow) and server_pid is None:
            click.echo(f"Applied {applied} changes; the index is at change {search.applied_seq()}.")
        if not follow:
            return
        stopping.wait(obj.settings.index_poll_seconds)


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
