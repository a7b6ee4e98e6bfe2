"""`python -m bench updates|evaluate|voice|payments|sender|broadcast|connectors|marketplace|sla|admin` —
see each benchmark's module docstring."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    commands = parser.add_subparsers(dest="name", required=True)
    updates = commands.add_parser(
        "updates", help="full stack vs a template stack vs a bare echo bot: throughput, latency"
    )
    updates.add_argument("--updates", type=int, default=8_000)
    updates.add_argument("--users", type=int, default=500)
    updates.add_argument(
        "--profile",
        choices=("echo", "template", "full"),
        help="cProfile that phase's drain and print its top functions",
    )
    updates.add_argument(
        "--phases",
        default="echo,template,full",
        help="comma-separated phases to run (the ratios need all three)",
    )
    commands.add_parser(
        "payments", help="YooKassa notifications/s through the webhook; double or lost credits"
    )
    commands.add_parser(
        "voice",
        help="voice answers: overhead per answer, offline real-time factor, /help under load",
    )
    commands.add_parser(
        "sender", help="the Telegram sender: rate vs the limits, lost/twice, interactive waits"
    )
    broadcast = commands.add_parser(
        "broadcast",
        help="a broadcast on one and two processes: rate vs the overall limit, once each, /start",
    )
    broadcast.add_argument("--recipients", type=int, default=500, help="users per broadcast")
    broadcast.add_argument("--starts", type=int, default=20, help="timed /start replies each")
    commands.add_parser(
        "evaluate", help="offline evaluations per second over the bank (and report building)"
    )
    connectors = commands.add_parser(
        "connectors",
        help="marketplace connectors: messages/s fetched, 429s at the marketplace's limit",
    )
    connectors.add_argument(
        "--quick",
        action="store_true",
        help="fewer messages, and Wildberries only at its limit scaled to 10 per 2 s",
    )
    marketplace = commands.add_parser(
        "marketplace",
        help="the marketplace desk under a burst: group rate, lost/twice, latency, sync rate",
    )
    marketplace.add_argument(
        "--quick", action="store_true", help="a smaller burst and light phase (~30 s)"
    )
    sla = commands.add_parser(
        "sla", help="the SLA report and open-chats list on a generated month, vs a table scan"
    )
    sla.add_argument("--chats", type=int, default=10_000, help="buyer chats of the month")
    admin = commands.add_parser(
        "admin", help="the admin console on 100,000 users and 1,000,000 answers: /stats, /user"
    )
    admin.add_argument("--users", type=int, default=100_000)
    admin.add_argument("--answers", type=int, default=1_000_000)
    admin.add_argument("--runs", type=int, default=30, help="timed runs of each command")
    intents = commands.add_parser(
        "intents", help="offline buyer-intent matcher: accuracy on the labelled set, mistakes"
    )
    intents.add_argument("--data", type=Path, default=None, help="a labelled .jsonl file")
    args = parser.parse_args(argv)

    if args.name == "updates":
        from bench.updates import run

        return asyncio.run(
            run(
                total_updates=args.updates,
                users=args.users,
                profile=args.profile,
                phases=tuple(args.phases.split(",")),
            )
        )
    if args.name == "payments":
        from bench.payments import run as run_payments

        return run_payments()
    if args.name == "voice":
        from bench.voice import run as run_voice

        return run_voice()
    if args.name == "sender":
        from bench.sender import run as run_sender

        return run_sender()
    if args.name == "broadcast":
        from bench.broadcast import run as run_broadcast

        return run_broadcast(recipients=args.recipients, starts=args.starts)
    if args.name == "connectors":
        from bench.connectors import run as run_connectors

        return run_connectors(quick=args.quick)
    if args.name == "marketplace":
        from bench.marketplace import run as run_marketplace

        return run_marketplace(quick=args.quick)
    if args.name == "sla":
        from bench.sla import run as run_sla

        return run_sla(chats=args.chats)
    if args.name == "admin":
        from bench.admin import run as run_admin

        return run_admin(users=args.users, answers=args.answers, runs=args.runs)
    if args.name == "intents":
        from bench.intents import run as run_intents

        return run_intents(args.data)
    if args.name == "evaluate":
        from bench.evaluate import run as run_evaluations
        from bench.report import BAR_SECONDS, measure_report

        evaluations_status = run_evaluations()
        report_seconds = measure_report()  # prints its own line
        return evaluations_status or (0 if report_seconds <= BAR_SECONDS else 1)
    return 2


if __name__ == "__main__":
    sys.exit(main())
