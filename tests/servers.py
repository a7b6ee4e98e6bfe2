"""Throwaway PostgreSQL and Redis servers for tests and benchmarks, started on free loopback ports.

PostgreSQL refuses to run as root, so as root the cluster is owned by and run as the
`postgres` system user (present wherever the PostgreSQL packages are installed).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.telegram.limits import RateLimits, Window


async def serve_locally(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serves `app` on a free loopback port; its runner (to clean up) and base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _find_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise RuntimeError(f"{name} not found: install PostgreSQL server binaries (see Makefile)")


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="easyflow-pg-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "run"
        self._as_postgres_user = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = list(args)
        if self._as_postgres_user:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> ThrowawayPostgres:
        self.socket_dir.mkdir(parents=True)
        if self._as_postgres_user:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self._run(
            _find_binary("initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            "easyflow",
            "-A",
            "trust",
            "-E",
            "UTF8",
        )
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            _find_binary("pg_ctl"), "-D", str(self.data_dir), "-o", options,
            "-l", str(self.root / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip
        return self

    def create_database(self, name: str) -> str:
        self._run(
            _find_binary("createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "easyflow",
            name,
        )
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://easyflow@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(_find_binary("pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class ThrowawayRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> ThrowawayRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found: `make test` installs it with apt")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def sending_settings(limits: RateLimits, margin_seconds: float | None = None) -> dict[str, Any]:
    """Settings that give the bot these sending limits (the windows the emulator enforces)."""
    settings: dict[str, Any] = {}
    for prefix, window in (
        ("telegram_private_chat", limits.private_chat),
        ("telegram_group", limits.group_chat),
        ("telegram_overall", limits.overall),
    ):
        settings[f"{prefix}_limit"] = window.limit
        settings[f"{prefix}_period_seconds"] = window.period
    if margin_seconds is not None:
        settings["telegram_limit_margin_seconds"] = margin_seconds
    return settings


# Settings: sending limits far above anything a test or bench sends (their emulators' limits
# are off too), where Telegram's limits are not the subject.
UNTHROTTLED_SENDING = sending_settings(RateLimits(*[Window(10_000, 1.0)] * 3))
