"""`python -m bot.sandbox [--host H] [--port P]`: the Telegram emulator on its own, no bot.

Used by benchmarks (so the emulator's work does not share the bot's process) and handy for
pointing any Bot API client at it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from bot.sandbox.server import TelegramEmulator


async def serve(host: str, port: int, spec_path: Path | None) -> None:
    emulator = TelegramEmulator(spec_path=spec_path)
    url = await emulator.start(host, port)
    print(f"Telegram emulator at {url}/ (Bot API at {url}/bot<token>/<method>)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--spec", type=Path, default=None, help="Bot API spec (api.json)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.spec))


if __name__ == "__main__":
    main()
