"""Command line: `python -m bot [run|migrate|seed|evaluate|grant|transcribe]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from bot.cli import (
    add_evaluate_parser,
    add_grant_parser,
    add_seed_parser,
    configure_tool_logging,
    run_evaluate,
    run_grant,
    run_seed,
)
from bot.config import get_settings
from bot.speech_cli import add_transcribe_parser, run_transcribe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="EasyFlow bot")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the bot (default)")
    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    add_seed_parser(commands)
    add_evaluate_parser(commands)
    add_grant_parser(commands)
    add_transcribe_parser(commands)
    args = parser.parse_args(argv)

    settings = get_settings()
    # The interview tools need neither aiogram nor the runner, whose imports take seconds.
    if args.command == "seed":
        configure_tool_logging(settings.log_level)
        return run_seed(settings)
    if args.command == "evaluate":
        configure_tool_logging(settings.log_level)
        return run_evaluate(args, settings)
    if args.command == "grant":
        configure_tool_logging(settings.log_level)
        return run_grant(args, settings)
    if args.command == "transcribe":
        configure_tool_logging(settings.log_level)
        return run_transcribe(args, settings)

    from bot.logs import configure_logging
    from bot.web import webhook_secret

    secrets = settings.secret_values()
    if settings.bot_token is not None:  # the webhook's secret, derived when not set
        secrets.append(webhook_secret(settings, settings.bot_token.get_secret_value()))
    configure_logging(settings.log_level, settings.log_format, secrets)
    if args.command == "migrate":
        from bot.migrate import upgrade

        upgrade(settings.effective_database_url, args.revision)
        print(f"database is at revision {args.revision}")
        return 0

    from bot.runner import run

    # Ctrl-C or SIGTERM during start-up: what had started was stopped in order; not an error.
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        asyncio.run(run(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
