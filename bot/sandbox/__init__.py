"""Telegram emulator ("sandbox"): a stateful fake Bot API server plus a chat page and a
control API for tests. See :class:`TelegramEmulator` and :class:`SandboxClient`."""

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import TelegramEmulator

__all__ = ["SandboxClient", "TelegramEmulator"]
