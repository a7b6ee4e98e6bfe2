"""Bot replicas as real operating-system processes: `python -m bot` in webhook mode, each with
its own web port, sharing one database, one Redis and one metrics directory. Their logs go to
files; `tail` shows the end of them when a test fails."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import PROJECT_ROOT, Settings
from services.metrics import MULTIPROCESS_DIR_VARIABLE

# Variables a replica must not inherit from the test's own environment: every setting (the
# test gives each replica exactly its own) and the metrics directory.
_SETTING_VARIABLES = {name.upper() for name in Settings.model_fields} | {MULTIPROCESS_DIR_VARIABLE}


def replica_environment(values: Mapping[str, object]) -> dict[str, str]:
    """The test process's environment without any setting, plus `values` (upper-cased names)."""
    environment = {
        name: value for name, value in os.environ.items() if name.upper() not in _SETTING_VARIABLES
    }
    environment["PYTHONPATH"] = str(PROJECT_ROOT)
    environment["PYTHONUNBUFFERED"] = "1"
    environment.update({name.upper(): str(value) for name, value in values.items()})
    return environment


class BotProcess:
    """One `python -m bot` replica. Started in a directory of its own (no `.env` there)."""

    def __init__(self, name: str, environment: dict[str, str], directory: Path) -> None:
        self.name = name
        self.environment = environment
        self.port = int(environment["WEB_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / f"{name}.log"
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                env=self.environment,
                cwd=self.directory,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def wait_healthy(self, timeout: float = 45.0) -> dict[str, Any]:
        """/healthz's report once it answers 200 (the web server starts before the webhook is
        set, so the webhook is checked separately)."""
        deadline = time.monotonic() + timeout
        last: object = None
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if not self.running:
                    raise AssertionError(f"{self.name} exited early:\n{self.tail()}")
                try:
                    async with http.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return dict(await response.json())
                        last = response.status
                except aiohttp.ClientError as error:
                    last = error
                await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name} not healthy ({last!r}):\n{self.tail()}")

    async def wait_logged(self, message_part: str, timeout: float = 45.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(message_part in entry["message"] for entry in self.log_entries()):
                return
            if not self.running:
                raise AssertionError(f"{self.name} exited early:\n{self.tail()}")
            await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name} never logged {message_part!r}:\n{self.tail()}")

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, as an orchestrator stops a replica; SIGKILL if it hangs. The exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode

    def log_entries(self) -> list[dict[str, Any]]:
        """The JSON log's records (lines that are not JSON, such as a crash's, left out)."""
        entries = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    continue
        return entries

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return f"({self.name}: no log)"
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return (
            f"--- {self.name} (pid {self.process.pid if self.process else '-'}), last lines:\n"
            + ("\n".join(text))
        )
