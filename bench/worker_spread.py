"""How `pipeline serve --workers N` spreads new connections over its workers.

    .venv/bin/python bench/worker_spread.py [--workers 2] [--trials 50]

Serves an empty registry in a temporary folder, then, for 4 and for 16 connections, opens
that many connections at once (as a load generator does) `--trials` times, and counts from
/proc (Linux) how many each worker holds. Reports how often every connection landed on one
worker, and the average share of the busiest worker.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search_bench import free_port, machine, wait_for  # noqa: E402

from tests.connections import connections_per_worker, open_at_once  # noqa: E402

PIPELINE = [sys.executable, "-m", "pipeline.cli"]


def trial(server: int, port: int, count: int) -> list[int]:
    connections = open_at_once(port, count)
    try:
        return sorted(connections_per_worker(server, port).values(), reverse=True)
    finally:
        for connection in connections:
            connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--trials", type=int, default=50)
    args = parser.parse_args()
    print(f"Machine: {machine()}\nWorkers: {args.workers}; trials: {args.trials}\n")
    print("| connections | trials with every connection on one worker | busiest worker's share, mean |")
    print("| ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PIPELINE_DATA_DIR": folder, "PIPELINE_LOG_LEVEL": "WARNING"}
        env.pop("PIPELINE_DATABASE_URL", None)
        subprocess.run([*PIPELINE, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
        port = free_port()
        command = [*PIPELINE, "serve", "--port", str(port), "--workers", str(args.workers)]
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            wait_for(f"http://127.0.0.1:{port}")
            for count in (4, 16):
                spreads = [trial(server.pid, port, count) for _ in range(args.trials)]
                lopsided = sum(1 for held in spreads if held[0] == count)
                busiest = sum(held[0] / count for held in spreads) / len(spreads)
                print(f"| {count} | {lopsided} of {args.trials} | {busiest:.0%} |")
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
