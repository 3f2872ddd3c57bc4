"""A real server in its own process, for the browser tests and the screenshots."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = str(Path(sys.executable).with_name("pipeline"))
# A first start on a fresh clone compiles every module; on a busy two-core machine that has
# taken more than 30 seconds.
STARTUP_SECONDS = 90


def process_running(pid: int) -> bool:
    """Whether process `pid` is running (a zombie has finished: only its exit status is left)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    def __init__(
        self, data_dir: Path, database_url: str, env: dict[str, str] | None = None, port: int | None = None
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PIPELINE_DATA_DIR": str(data_dir),
            "PIPELINE_DATABASE_URL": database_url,
            "PIPELINE_PUBLIC_URL": self.url,
            "PIPELINE_PORT": str(self.port),
            "PIPELINE_LOG_LEVEL": "WARNING",
            **(env or {}),
        }

    def run(self, *args: str) -> None:
        subprocess.run([PIPELINE, *args], env=self.env, check=True, capture_output=True, cwd=ROOT)

    def last_email_to(self, address: str) -> str:
        lines = (self.data_dir / "mailbox.jsonl").read_text().splitlines()
        bodies = [json.loads(line)["body"] for line in lines if json.loads(line)["to"] == address]
        assert bodies, f"no email to {address}"
        body: str = bodies[-1]
        return body


@contextmanager
def live_server(
    data_dir: Path, database_url: str = "", env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[LiveServer]:
    """Migrate, seed the demo data and serve it (on `port` if given); stopped (and waited for) on exit."""
    server = LiveServer(data_dir, database_url or f"sqlite:///{data_dir / 'pipeline.db'}", env, port)
    server.run("db", "upgrade")
    server.run("seed")
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [PIPELINE, "serve"], env=server.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    try:
        _wait_until_up(server.url, process)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/status", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start within {seconds:.0f} seconds")


def chromium_path() -> str:
    """Debian's Chromium, installed on first use if the machine lacks it."""
    found = shutil.which("chromium")
    if found is None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"], check=True, capture_output=True, env=env
        )
        found = shutil.which("chromium")
    assert found is not None, "Chromium could not be installed"
    return found


def serve_process(
    database_url: str,
    data_dir: Path,
    port: int,
    env: dict[str, str] | None = None,
    log_name: str = "server.log",
) -> subprocess.Popen[bytes]:
    """`pipeline serve` on `port` over a database and a data folder, its own process group,
    once it answers; its output goes to `log_name` in the data folder."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = {
        **os.environ,
        "PIPELINE_DATABASE_URL": database_url,
        "PIPELINE_DATA_DIR": str(data_dir),
        "PIPELINE_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    with (data_dir / log_name).open("a") as log:  # the child keeps its copy
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=settings,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", process)
    except RuntimeError:
        process.kill()
        process.wait(timeout=30)
        raise
    return process
