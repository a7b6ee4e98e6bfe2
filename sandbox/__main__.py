"""`python -m sandbox [--host H] [--port P]`: the Telegram emulator (and the YooKassa
emulator) on its own, no bot.

Used by benchmarks (so the emulator's work does not share the bot's process) and handy for
pointing any Bot API client at it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from sandbox.server import TelegramEmulator


async def serve(
    host: str, port: int, spec_path: Path | None, yookassa_notification_url: str | None = None
) -> None:
    emulator = TelegramEmulator(spec_path=spec_path)
    emulator.yookassa.set_notification_url(yookassa_notification_url)
    url = await emulator.start(host, port)
    print(f"Telegram emulator at {url}/ (Bot API at {url}/bot<token>/<method>)", flush=True)
    print(
        f"YooKassa emulator at {emulator.yookassa_api_url} (shop id "
        f"{emulator.yookassa.shop_id!r}, secret key {emulator.yookassa.secret_key!r}; "
        f"notifications to {yookassa_notification_url or 'nowhere yet'})",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--spec", type=Path, default=None, help="Bot API spec (api.json)")
    parser.add_argument(
        "--yookassa-notification-url",
        default=None,
        help="where the YooKassa emulator sends notifications, e.g. "
        "http://127.0.0.1:8081/webhooks/yookassa",
    )
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.spec, args.yookassa_notification_url))


if __name__ == "__main__":
    main()
