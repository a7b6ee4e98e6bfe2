"""Command line: `python -m bot [run|migrate]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from bot.config import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="EasyFlow bot")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the bot (default)")
    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    args = parser.parse_args(argv)

    settings = get_settings()
    from bot.runner import configure_logging

    configure_logging(settings.log_level)
    if args.command == "migrate":
        from bot.migrate import upgrade

        upgrade(settings.effective_database_url, args.revision)
        print(f"database is at revision {args.revision}")
        return 0

    from bot.runner import run

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
