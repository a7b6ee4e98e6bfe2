"""`python -m sandbox [--host H] [--port P] [--rate-limit-scale K | --no-rate-limits]`: the
Telegram emulator (with the YooKassa, Ozon and Wildberries emulators) on its own, no bot. Telegram's sending limits are
enforced unless switched off.

Used by benchmarks (so the emulator's work does not share the bot's process) and handy for
pointing any Bot API client at it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from sandbox.server import TELEGRAM_RATE_LIMITS, TelegramEmulator
from sandbox.telegram.limits import RateLimits


async def serve(
    host: str,
    port: int,
    spec_path: Path | None,
    yookassa_notification_url: str | None = None,
    rate_limits: RateLimits | None = TELEGRAM_RATE_LIMITS,
) -> None:
    emulator = TelegramEmulator(spec_path=spec_path, rate_limits=rate_limits)
    emulator.yookassa.set_notification_url(yookassa_notification_url)
    url = await emulator.start(host, port)
    print(f"Telegram emulator at {url}/ (Bot API at {url}/bot<token>/<method>)", flush=True)
    print(
        f"YooKassa emulator at {emulator.yookassa_api_url} (shop id "
        f"{emulator.yookassa.shop_id!r}, secret key {emulator.yookassa.secret_key!r}; "
        f"notifications to {yookassa_notification_url or 'nowhere yet'})",
        flush=True,
    )
    for marketplace in emulator.marketplaces:
        print(
            f"{marketplace.title} emulator at {marketplace.api_url(url)} "
            f"(demo credentials {marketplace.demo_credentials()}; buyer control at "
            f"{url}/sandbox/api/{marketplace.key}/chats/<chat_id>/messages)",
            flush=True,
        )
    limits = emulator.rate_limits
    print(
        "Rate limits: "
        + (
            "off"
            if limits is None
            else f"private chat {limits.private_chat.limit}/{limits.private_chat.period:g}s, "
            f"group {limits.group_chat.limit}/{limits.group_chat.period:g}s, "
            f"overall {limits.overall.limit}/{limits.overall.period:g}s"
        ),
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
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument(
        "--rate-limit-scale",
        type=float,
        default=None,
        metavar="FACTOR",
        help="Telegram's sending limits with every period divided by FACTOR (default 1)",
    )
    limits.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="no Telegram sending limits (the marketplace emulators keep theirs: PUT "
        "/sandbox/api/{ozon|wb}/limits)",
    )
    args = parser.parse_args()
    rate_limits = None if args.no_rate_limits else TELEGRAM_RATE_LIMITS
    if args.rate_limit_scale is not None:
        if args.rate_limit_scale <= 0:
            parser.error("--rate-limit-scale must be positive")
        rate_limits = TELEGRAM_RATE_LIMITS.scaled(args.rate_limit_scale)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(args.host, args.port, args.spec, args.yookassa_notification_url, rate_limits)
        )


if __name__ == "__main__":
    main()
