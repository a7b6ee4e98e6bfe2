"""The emulators of the outside systems, one subpackage each (`telegram`, `yookassa`), served
together by :class:`TelegramEmulator` on one port: what `make run` talks to without
configuration and what the end-to-end tests drive through :class:`SandboxClient`."""

from sandbox.client import SandboxClient
from sandbox.server import TelegramEmulator

__all__ = ["SandboxClient", "TelegramEmulator"]
