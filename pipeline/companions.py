"""The processes `pipeline serve` runs beside its workers, each restarted if it stops.

- The indexing process applies the change log to the search index (a Whoosh commit,
  sometimes a merge of segments). That is CPU work: inside a worker it would compete with
  requests for that process's interpreter lock; in its own process the operating system shares
  the cores fairly, and the workers only read.
- The mailer delivers the outbox, so no request waits on a mail server.
- With several workers, each worker is one too, answering on the listening socket it is
  handed (`pipeline.listeners`).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from types import TracebackType

log = logging.getLogger("pipeline.search")
RESTART_DELAY_SECONDS = 1.0
STOP_TIMEOUT_SECONDS = 10.0


def child_command(*command: str) -> list[str]:
    """A `pipeline` command that ends by itself if this process ends without stopping it (killed)."""
    return [sys.executable, "-m", "pipeline.cli", *command, "--server-pid", str(os.getpid())]


def companion_command(*command: str) -> list[str]:
    """Quiet, and following the database until stopped."""
    return child_command(*command, "--follow")


def indexer_command() -> list[str]:
    return companion_command("index")


def mailer_command() -> list[str]:
    return companion_command("mail", "send")


class CompanionProcess:
    """Runs `command` until stopped; if it exits meanwhile, starts it again."""

    def __init__(
        self, name: str, command: list[str], env: Mapping[str, str], pass_fds: tuple[int, ...] = ()
    ) -> None:
        self.name = name
        self._command = command
        self._env = dict(env)
        self._pass_fds = pass_fds
        self._stopping = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._watcher = threading.Thread(target=self._keep_running, name=name, daemon=True)

    def __enter__(self) -> CompanionProcess:
        self._start()
        self._watcher.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def _start(self) -> None:
        with self._lock:
            if not self._stopping.is_set():
                self._process = subprocess.Popen(  # noqa: S603 (a fixed command)
                    self._command, env=self._env, pass_fds=self._pass_fds
                )

    def _keep_running(self) -> None:
        while not self._stopping.is_set():
            process = self._process
            status = process.wait() if process else None
            if self._stopping.wait(RESTART_DELAY_SECONDS):
                return
            log.warning("the %s stopped (status %s); starting it again", self.name, status)
            self._start()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stop_on_terminate() -> threading.Event:
    """Make SIGTERM end this command, and return the event it sets.

    The handler raises SystemExit, which ends the command at once; but a signal that arrives
    while a finalizer runs (SQLAlchemy's, on garbage collection) raises it there, where Python
    only prints it and carries on. The command's loop checks the event too, so it ends then.
    """
    stopping = threading.Event()

    def terminate(_signum: int, _frame: object) -> None:
        stopping.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, terminate)
    return stopping


def parent_alive(parent: int) -> bool:
    """Whether `parent` is still this process's parent (if it has gone, this one was orphaned)."""
    return os.getppid() == parent


def indexing_process(env: Mapping[str, str]) -> CompanionProcess:
    return CompanionProcess("indexing process", indexer_command(), env)


def mailer_process(env: Mapping[str, str]) -> CompanionProcess:
    return CompanionProcess("mailer", mailer_command(), env)


# glibc gives each thread that allocates its own heap ("arena"), up to eight per core, and
# memory freed in one is not reused by another. A worker answers on a pool of threads, so its
# memory grows with them; two arenas keep the peak per worker at 100,000 records about 40 MB
# lower under the load benchmark (docs/performance.md), at no measured cost in throughput.
# An operator's own MALLOC_ARENA_MAX wins; other C libraries ignore it.
WORKER_MALLOC_ARENAS = "2"


def worker_process(number: int, listener: socket.socket, env: Mapping[str, str]) -> CompanionProcess:
    """A server worker answering on `listener`, which it inherits."""
    fd = listener.fileno()
    worker_env = {"MALLOC_ARENA_MAX": WORKER_MALLOC_ARENAS, **env}
    command = child_command("worker", "--fd", str(fd))
    return CompanionProcess(f"worker {number}", command, worker_env, pass_fds=(fd,))
