"""`python -m bot run` as an operator runs it: what it logs at start, and a clean stop.

The bot runs as its own process in its own process group, on the embedded sandbox, so that
Ctrl-C reaches it the way a terminal sends it: to the whole group, the offline speech
workers included.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.servers import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


class BotProcess:
    def __init__(self, database_url: str) -> None:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"BOT_TOKEN", "REDIS_URL", "GROQ_API_KEY", "OPENAI_API_KEY"}
        }
        env.update(
            DATABASE_URL=database_url,
            SANDBOX_PORT=str(free_port()),
            WEB_PORT=str(free_port()),
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None:
                self._reader.join(5)
                if text in self.output:
                    return
                raise AssertionError(f"the bot exited before {text!r}:\n{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} within {timeout} s:\n{self.output}")
            time.sleep(0.05)

    def signal_group(self, signum: int) -> None:
        os.killpg(self.process.pid, signum)

    def signal_bot(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait_exit(self, timeout: float = 30.0) -> int:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            raise AssertionError(
                f"the bot did not stop within {timeout} s:\n{self.output}"
            ) from None
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.signal_group(signal.SIGKILL)
            self.process.wait(10)


def assert_stopped_cleanly(bot: BotProcess, code: int) -> None:
    assert code == 0, bot.output
    assert "Traceback" not in bot.output, bot.output
    assert " ERROR " not in bot.output, bot.output
    assert bot.lines[-1].endswith("bot.runner: stopped"), bot.output


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_start_logs_the_module_tree_and_a_stop_right_after_start_is_clean(
    migrated_database_url: str, stop: str
) -> None:
    bot = BotProcess(migrated_database_url)
    try:
        bot.wait_for("Run polling")
        # Right after start: the offline speech workers are still starting (about 2 s).
        if stop == "ctrl-c":
            bot.signal_group(signal.SIGINT)  # a terminal sends it to the whole group
        else:
            bot.signal_bot(signal.SIGTERM)  # a supervisor sends it to the bot
        code = bot.wait_exit()
    finally:
        bot.kill()
    assert_stopped_cleanly(bot, code)
    tree = bot.output[bot.output.index("modules:") :]
    assert "├── interview" in tree
    assert "│   ├── web: POST /webhooks/yookassa" in tree
    assert "│   ├── commands: /buy /balance /paysupport" in tree
    assert "│   └── admin group's commands: /price" in tree
    assert (
        "admin group's commands: /stats /user /broadcast /bank /sellers /health /audit /admins"
        in tree
    )


def test_sigterm_while_starting_stops_what_had_started(migrated_database_url: str) -> None:
    bot = BotProcess(migrated_database_url)
    try:
        bot.wait_for("running against the built-in Telegram sandbox")
        bot.signal_bot(signal.SIGTERM)  # before polling has taken the signals over
        code = bot.wait_exit()
    finally:
        bot.kill()
    assert_stopped_cleanly(bot, code)
    assert "Start polling" not in bot.output
