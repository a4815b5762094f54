"""A gunicorn server started as the chart starts it (config/gunicorn.py's hooks), on the test
database, for the tests of what only real processes show (metrics, the garbage collector)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection
from prometheus_client.multiprocess import MultiProcessCollector


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_get(port: int, path: str, host: str = "127.0.0.1") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_for(port: int, process: subprocess.Popen[bytes], path: str = "/healthz") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.communicate()[0] if process.stdout is not None else b""
            raise AssertionError(f"exited with {process.returncode}: {output!r}")
        try:
            http_get(port, path)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answers on port {port}")


def process_environment(**extra: str) -> dict[str, str]:
    database = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        **extra,
    }


class Gunicorn:
    def __init__(self, directory: Path, *, workers: int = 2, **environment: str) -> None:
        self.port = free_port()
        self.metrics_port = free_port()
        self.directory = directory
        command = [
            *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
            *("--config=python:config.gunicorn", f"--bind=127.0.0.1:{self.port}"),
            *(f"--workers={workers}", "--threads=2", "--timeout=60"),
        ]
        env = process_environment(
            **{
                "METRICS_PORT": str(self.metrics_port),
                "METRICS_ADDRESS": "127.0.0.1",
                "PROMETHEUS_MULTIPROC_DIR": str(directory),
                **environment,
            }
        )
        # A file, not a pipe: nobody reads a pipe while requests run, and a full one blocks.
        self.log = directory.parent / "gunicorn.log"
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv
                command, env=env, stdout=output, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def exited(self) -> str:
        """What it logged, once it has exited by itself (a setting it refused at start)."""
        self.process.wait(timeout=60)
        return self.stop()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=30)
        return self.output()

    def worker_pids_with(self, name: str, **labels: str) -> set[int]:
        """The worker processes whose own file holds a non-zero value of this sample."""
        pids = set()
        for path in self.directory.glob("*.db"):
            for metric in MultiProcessCollector.merge([str(path)]):
                for sample in metric.samples:
                    if sample.name == name and sample.labels == labels and sample.value:
                        pids.add(int(path.stem.rsplit("_", 1)[1]))
        return pids
