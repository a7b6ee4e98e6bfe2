"""Serving a fake API on 127.0.0.1 at a free port, the same way for every fake."""

from __future__ import annotations

from aiohttp import web


async def serve(app: web.Application, host: str) -> tuple[web.AppRunner, int]:
    """Starts `app` on `host` at a free port; returns the runner (for `cleanup()`) and the port.

    Handlers whose client went away are cancelled, so a scripted hang ends with the client's
    timeout instead of holding the server open.
    """
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, host, 0).start()
    return runner, runner.addresses[0][1]
