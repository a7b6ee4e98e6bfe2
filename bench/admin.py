"""The admin console on a big database: `python -m bench admin [--users N] [--answers N]`.

A throwaway PostgreSQL (and Redis), migrated to head with the product catalogue seeded, is
filled in bulk (asyncpg's binary COPY) from `random.Random(19)`:

- `--users` users (default 100,000) who joined over the last 180 days, each last seen some time
  after joining; each has a credit account;
- interview sessions of 60 % of them until there are `--answers` answers (default 1,000,000):
  track (80 %) and tailored (8 %) interviews of 5-8 questions, a follow-up after ~30 % of the
  questions, and practice drills of one question (12 %); answers by text (60 %), voice (30 %)
  or skipped (10 %), with texts, evaluations and plans the size the bot writes; sessions finished
  (70 %), abandoned (20 %) or, when recent, still active;
- orders and payments of ~7 % of those users (Stars and roubles, each product), ~3 % of them
  refunded.

Then `VACUUM ANALYZE` (what autovacuum does to tables that filled up) and:

- **the service alone**: `services.console.stats.collect_stats` (every query of /stats) in a
  fresh session, and `render_chart`, medians of `SERVICE_RUNS` after a warm-up;
- **end to end**: the real bot (polling the in-process Telegram emulator, PostgreSQL and Redis,
  every module on) with an admin group; an owner sends a command and the clock runs until the
  bot's first answer arrives in the emulator (for /stats also until the chart's photo). `--runs`
  runs each (default 30) after 2 warm-ups, interleaved: `/health` (the baseline, the same
  console path with two pings: the ratios are against it), `/stats`, `/user <id>` of a user
  with interviews and payments (skipped, and said so, while /user does not answer yet).

Printed: the seeding time and row counts, a table (p50 and p99 in ms, p50 as a multiple of the
baseline's) and the verdict of issue 19: /stats answers in under a second at p99. Exit 0 when
it does, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bot.migrate import upgrade
from services.console.stats import ChartLabels, collect_stats, render_chart
from services.database import create_engine, create_session_factory
from services.payments.seeding import seed_products_database
from tests.e2e.admin_chat import AdminChat, bot_with_admin_group
from tests.e2e.harness import HarnessFactory
from tests.servers import ThrowawayPostgres, ThrowawayRedis

USERS = 100_000
ANSWERS = 1_000_000
RUNS = 30
WARM_UPS = 2
SERVICE_RUNS = 10
BAR_SECONDS = 1.0
ANSWER_TIMEOUT = 30.0
HISTORY = timedelta(days=180)
INTERVIEWING_USERS = 0.6
PAYING_USERS = 0.07  # of the users with interviews
REFUNDED = 0.03
FIRST_USER_ID = 500_000_001
LABELS = ChartLabels(
    title="Last 30 days", new_users="new users", started="interviews started",
    completed="interviews completed",
)  # fmt: skip

# Texts the size the bot stores: a question of the bank, an answer of a few sentences, the
# evaluator's JSON, a voice answer's delivery metrics and a plan's question snapshot.
QUESTION = (
    "Explain how a hash map resolves collisions, and what happens to lookups when the load "
    "factor grows. When would you pick a tree map instead?"
)
ANSWER_WORDS = " ".join(
    (
        "the map keeps buckets in an array and each key is hashed to a bucket; collisions go",
        "to a chain or to the next free slot, and past a load factor the array is doubled and",
        "every entry is rehashed so lookups stay constant on average; a tree map keeps keys",
        "ordered",
    )
).split(" ")
EVALUATION = {
    "overall": 6.5,
    "criteria": {"correctness": 7, "completeness": 6, "clarity": 7, "depth": 5},
    "key_points": [
        {"point": "hashing to buckets", "covered": True},
        {"point": "collision chains or open addressing", "covered": True},
        {"point": "resizing and rehashing", "covered": True},
        {"point": "ordered iteration of a tree map", "covered": False},
    ],
    "strengths": ["Clear description of buckets and collisions."],
    "improvements": [
        "Say what the worst case is and how Java 8 turns long chains into trees.",
        "Compare the memory overhead of the two structures.",
    ],
    "follow_up": {"kind": "missed_point", "point": "ordered iteration of a tree map"},
    "feedback": "A solid answer: the mechanics are right; the trade-offs need more depth.",
}
SPEECH = {
    "duration_s": 48.2, "speech_s": 41.7, "words": 112, "wpm": 161.2, "fillers_total": 4,
    "fillers_per_min": 5.0, "top_fillers": [["um", 3], ["like", 1]], "long_pauses": 1,
    "longest_pause_s": 2.4, "pace": "ok", "tip": "fewer_fillers",
}  # fmt: skip
PLANNED_QUESTION = {
    "question_id": "backend-middle-data-structures-007",
    "text": QUESTION,
    "key_points": [
        "Keys are hashed to buckets of an array",
        "Collisions: chaining or open addressing",
        "Resizing past the load factor rehashes every entry",
        "A tree map keeps keys ordered, O(log n) operations",
    ],
    "reference_answer": " ".join(ANSWER_WORDS * 2),
    "skills": ["data-structures", "complexity"],
    "kind": "technical",
    "topic": "data-structures",
}
SKILLS = json.dumps(PLANNED_QUESTION["skills"])
SPEECH_JSON = json.dumps(SPEECH)

USER_COLUMNS = (
    "telegram_id", "username", "first_name", "last_name", "language", "start_source",
    "is_blocked", "voice_questions", "created_at", "last_seen_at",
)  # fmt: skip
ACCOUNT_COLUMNS = ("user_id", "interview_credits", "free_interviews_used", "updated_at")
SESSION_COLUMNS = (
    "id", "user_id", "mode", "specialization", "level", "topic", "language", "plan", "position",
    "status", "paid_with", "overall_score", "started_at", "finished_at",
)  # fmt: skip
ANSWER_COLUMNS = (
    "id", "session_id", "position", "is_follow_up", "question_id", "question_text",
    "answer_text", "source", "skills", "score", "evaluation", "speech", "created_at",
)  # fmt: skip
ORDER_COLUMNS = (
    "id", "user_id", "product_id", "currency", "amount", "method", "status", "payload",
    "created_at", "paid_at",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "id", "order_id", "user_id", "provider", "charge_id", "amount", "currency", "created_at",
    "refunded", "refunded_at",
)  # fmt: skip


@dataclass
class Generated:
    """What the seeding wrote, for the report and the /user runs."""

    users: int = 0
    sessions: int = 0
    answers: int = 0
    payments: int = 0
    refunds: int = 0
    seconds: float = 0.0
    busiest_user: int = 0  # a user with interviews and payments, for /user
    interviewers: list[int] = field(default_factory=list)


class Generator:
    """The rows, made lazily so that COPY streams them while the next ones are made."""

    def __init__(self, users: int, answers: int, now: datetime) -> None:
        self.rng = random.Random(19)
        self.now = now
        self.user_count = users
        self.answer_target = answers
        self.joined: list[datetime] = []
        self.seen: list[datetime] = []
        self.answer_texts = [self._answer_text() for _ in range(40)]
        self.evaluations = [
            json.dumps({**EVALUATION, "overall": score / 2}) for score in range(0, 21)
        ]
        self.plans = [json.dumps([PLANNED_QUESTION] * size) for size in range(0, 9)]
        self.sessions: list[tuple[Any, ...]] = []
        self.session_answers: list[int] = []

    def _answer_text(self) -> str:
        words = self.rng.randint(30, 90)
        return " ".join(self.rng.choice(ANSWER_WORDS) for _ in range(words)).capitalize() + "."

    def users(self) -> Iterator[tuple[Any, ...]]:
        rng, now = self.rng, self.now
        for number in range(self.user_count):
            joined = now - HISTORY * rng.random()
            seen = joined + (now - joined) * rng.random() ** 0.3
            self.joined.append(joined)
            self.seen.append(seen)
            user_id = FIRST_USER_ID + number
            yield (
                user_id, f"bench_user_{number}", f"User {number}", None,
                "ru" if rng.random() < 0.55 else "en", None, False, False, joined, seen,
            )  # fmt: skip

    def accounts(self) -> Iterator[tuple[Any, ...]]:
        for number in range(self.user_count):
            yield (FIRST_USER_ID + number, self.rng.randint(0, 3), 1, self.seen[number])

    def plan_sessions(self) -> int:
        """Chooses every session (and how many answers each has) up to the answer target."""
        rng, now = self.rng, self.now
        interviewers = list(range(self.user_count))
        rng.shuffle(interviewers)
        interviewers = interviewers[: max(1, round(self.user_count * INTERVIEWING_USERS))]
        self.interviewers = interviewers
        answers = 0
        while answers < self.answer_target:
            number = rng.choice(interviewers)
            joined = self.joined[number]
            started = joined + (now - joined) * rng.random()
            draw = rng.random()
            mode = "practice" if draw < 0.12 else "tailored" if draw < 0.20 else "track"
            questions = 1 if mode == "practice" else rng.randint(5, 8)
            turns = [
                (position, follow_up)
                for position in range(questions)
                for follow_up in ((False, True) if rng.random() < 0.3 else (False,))
            ]
            turns = turns[: self.answer_target - answers]
            answers += len(turns)
            ended = started + timedelta(minutes=3 * len(turns) + 2)
            draw = rng.random()
            if ended >= now or (draw < 0.1 and now - started < timedelta(hours=6)):
                status, finished, score = "active", None, None
            elif draw < 0.8:
                status, finished, score = "finished", ended, round(rng.uniform(2, 9.5), 1)
            else:
                status, finished, score = "abandoned", ended, None
            session_id = len(self.sessions) + 1
            self.sessions.append(
                (
                    session_id, FIRST_USER_ID + number, mode, "backend", "middle",
                    "data-structures", "en", self.plans[min(questions, 8)], questions,
                    status, "free", score, started, finished,
                )
            )  # fmt: skip
            self.session_answers.append(len(turns))
        return answers

    def answers(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        answer_id = 0
        for session, count in zip(self.sessions, self.session_answers, strict=True):
            session_id, started = session[0], session[12]
            follow_up = False
            position = 0
            for turn in range(count):
                answer_id += 1
                draw = rng.random()
                source = "text" if draw < 0.6 else "voice" if draw < 0.9 else "skipped"
                skipped = source == "skipped"
                score = None if skipped else rng.randint(0, 20)
                yield (
                    answer_id, session_id, position, follow_up,
                    PLANNED_QUESTION["question_id"], QUESTION,
                    "" if skipped else rng.choice(self.answer_texts), source, SKILLS,
                    None if score is None else score / 2,
                    None if score is None else self.evaluations[score],
                    SPEECH_JSON if source == "voice" else None,
                    started + timedelta(minutes=3 * turn + 2),
                )  # fmt: skip
                # The next turn: this question's follow-up now and then, else the next one.
                if not follow_up and not skipped and rng.random() < 0.3 and turn + 1 < count:
                    follow_up = True
                else:
                    follow_up = False
                    position += 1

    def payments(
        self, prices: dict[tuple[str, str], int]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rng, now = self.rng, self.now
        orders: list[tuple[Any, ...]] = []
        payments: list[tuple[Any, ...]] = []
        priced = sorted(prices)
        payers = rng.sample(self.interviewers, round(len(self.interviewers) * PAYING_USERS))
        for number in payers:
            for _ in range(1 if rng.random() < 0.8 else 2):
                product, currency = rng.choice(priced)
                amount = prices[product, currency]
                joined = self.joined[number]
                paid = joined + (now - joined) * rng.random()
                order_id = len(orders) + 1
                method = "stars" if currency == "XTR" else "yookassa_link"
                refunded = rng.random() < REFUNDED
                orders.append(
                    (
                        order_id, FIRST_USER_ID + number, product, currency, amount, method,
                        "refunded" if refunded else "paid", f"o{order_id}-bench", paid, paid,
                    )
                )  # fmt: skip
                payments.append(
                    (
                        order_id, order_id, FIRST_USER_ID + number,
                        "telegram_stars" if currency == "XTR" else "yookassa",
                        f"bench-charge-{order_id}", amount, currency, paid, refunded,
                        min(now, paid + timedelta(days=1)) if refunded else None,
                    )
                )  # fmt: skip
        return orders, payments


def _asyncpg_dsn(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def seed(database_url: str, users: int, answers: int, now: datetime) -> Generated:
    started = time.perf_counter()
    rows = Generator(users, answers, now)
    connection = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        prices = {
            (record["product_id"], record["currency"]): record["amount"]
            for record in await connection.fetch("SELECT product_id, currency, amount FROM prices")
        }
        await connection.copy_records_to_table("users", records=rows.users(), columns=USER_COLUMNS)
        await connection.copy_records_to_table(
            "credit_accounts", records=rows.accounts(), columns=ACCOUNT_COLUMNS
        )
        answer_count = rows.plan_sessions()
        await connection.copy_records_to_table(
            "interview_sessions", records=rows.sessions, columns=SESSION_COLUMNS
        )
        await connection.copy_records_to_table(
            "interview_answers", records=rows.answers(), columns=ANSWER_COLUMNS
        )
        orders, payments = rows.payments(prices)
        await connection.copy_records_to_table("orders", records=orders, columns=ORDER_COLUMNS)
        await connection.copy_records_to_table(
            "payments", records=payments, columns=PAYMENT_COLUMNS
        )
        # The ids were handed out here: the sequences follow, as if the rows came one by one.
        for table in ("interview_sessions", "interview_answers", "orders", "payments"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
    finally:
        await connection.close()
    payer_ids = {payment[2] for payment in payments}
    busiest = max(
        (session[1] for session in rows.sessions if session[1] in payer_ids),
        key=lambda user_id: user_id % 7919,  # any payer with interviews; deterministic
    )
    return Generated(
        users=users,
        sessions=len(rows.sessions),
        answers=answer_count,
        payments=len(payments),
        refunds=sum(1 for payment in payments if payment[8]),
        seconds=time.perf_counter() - started,
        busiest_user=busiest,
    )


async def vacuum_analyze(database_url: str) -> float:
    started = time.perf_counter()
    connection = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return time.perf_counter() - started


# --- Measuring ----------------------------------------------------------------------------------


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


@dataclass
class Timings:
    name: str
    seconds: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p99(self) -> float:
        return p99(self.seconds)


async def measure_service(database_url: str, now: datetime) -> tuple[Timings, Timings, str]:
    """`collect_stats` in a fresh session per run (the pool keeps the connection, as the
    bot's does), and the chart; medians after a warm-up."""
    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    queries = Timings("service: collect_stats (every query)")
    chart = Timings("service: render_chart")
    try:
        for attempt in range(SERVICE_RUNS + 1):
            async with factory() as session:
                started = time.perf_counter()
                stats = await collect_stats(session, now=now, include_marketplace=True)
                elapsed = time.perf_counter() - started
            if attempt:
                queries.seconds.append(elapsed)
        for attempt in range(4):
            started = time.perf_counter()
            png = render_chart(stats.daily, LABELS)
            if attempt:
                chart.seconds.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    chart.note = f"{len(png) // 1024} KiB PNG"
    month, every = stats.interviews_month, stats.interviews_all_time
    answers = stats.answers_month
    summary = (
        f"/stats says: {stats.users.total} users ({stats.users.new.month} new and"
        f" {stats.users.active.month} active in 30 days); interviews started {month.started}"
        f" in 30 days, {every.started} in all, {every.completed} completed; voice share"
        f" {answers.voice_share or 0:.1%} of {answers.answered} answered in 30 days; conversion"
        f" {stats.conversion.users_who_paid}/{stats.conversion.users_who_started}"
    )
    return queries, chart, summary


class Console:
    """The owner in the admin group, timing a command until the bot's answers arrive."""

    def __init__(self, admin_chat: AdminChat) -> None:
        self.admin_chat = admin_chat
        self.client = admin_chat.client

    async def ask(self, command: str, photo: bool = False, timeout: float = ANSWER_TIMEOUT
                  ) -> tuple[float, float | None]:  # fmt: skip
        """Seconds until the first bot message after the command (and, with `photo`, until
        the first photo); raises TimeoutError when none comes in `timeout`."""
        started = time.perf_counter()
        sent = await self.admin_chat.say(command)
        deadline = started + timeout
        first: float | None = None
        cursor = sent
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(command)
            listing = await self.client.messages(
                self.admin_chat.chat_id, after=cursor, wait=min(remaining, 5.0)
            )
            arrived = time.perf_counter() - started
            for message in listing:
                cursor = max(cursor, message["message_id"])
                if not message["from_bot"]:
                    continue
                if first is None:
                    first = arrived
                if not photo:
                    return first, None
                if (message.get("media") or {}).get("kind") == "photo":
                    return first, arrived


def print_table(rows: list[Timings], baseline: float) -> None:
    width = max(len(row.name) for row in rows)
    print(f"{'measured':<{width}}  {'p50 ms':>8}  {'p99 ms':>8}  {'p50 × baseline':>14}")
    for row in rows:
        ratio = row.p50 / baseline
        line = (
            f"{row.name:<{width}}  {row.p50 * 1000:8.1f}  {row.p99 * 1000:8.1f}  {ratio:14.1f}"
            f"  {row.note}"
        )
        print(line.rstrip())


async def measure_end_to_end(
    database_url: str, redis_url: str, user_id: int, runs: int
) -> list[Timings]:
    factory = HarnessFactory(database_url, redis_url)
    try:
        _, admin_chat = await bot_with_admin_group(factory, log_level="WARNING")
        console = Console(admin_chat)
        health = Timings("baseline: /health (first answer)")
        stats_text = Timings("/stats: the text")
        stats_chart = Timings("/stats: the chart's photo")
        user_card = Timings(f"/user {user_id}: first answer")
        for attempt in range(WARM_UPS + runs):
            seconds, _ = await console.ask("/health")
            text_seconds, chart_seconds = await console.ask("/stats", photo=True)
            card_seconds, _ = await console.ask(f"/user {user_id}")
            if attempt < WARM_UPS:
                continue
            health.seconds.append(seconds)
            stats_text.seconds.append(text_seconds)
            assert chart_seconds is not None
            stats_chart.seconds.append(chart_seconds)
            user_card.seconds.append(card_seconds)
        return [health, stats_text, stats_chart, user_card]
    finally:
        await factory.close_all()


async def run_async(users: int = USERS, answers: int = ANSWERS, runs: int = RUNS) -> int:
    postgres = ThrowawayPostgres().start()
    redis = ThrowawayRedis().start()
    try:
        database_url = postgres.create_database("bench_admin")
        await asyncio.to_thread(upgrade, database_url)
        await seed_products_database(database_url)
        now = datetime.now(UTC)
        print(f"seeding {users} users and {answers} interview answers on PostgreSQL…", flush=True)
        seeded = await seed(database_url, users, answers, now)
        vacuum_seconds = await vacuum_analyze(database_url)
        print(
            f"seeded {seeded.users} users, {seeded.sessions} interview sessions,"
            f" {seeded.answers} answers, {seeded.payments} payments ({seeded.refunds} refunded)"
            f" in {seeded.seconds:.1f} s; VACUUM ANALYZE {vacuum_seconds:.1f} s",
            flush=True,
        )
        queries, chart, summary = await measure_service(database_url, now)
        print(summary, flush=True)
        print(f"end to end: {runs} runs each after {WARM_UPS} warm-ups…", flush=True)
        rows = await measure_end_to_end(database_url, redis.url, seeded.busiest_user, runs)
    finally:
        redis.stop()
        postgres.stop()
    baseline = rows[0].p50
    print_table([*rows, queries, chart], baseline)
    stats_p99 = rows[1].p99
    passed = stats_p99 < BAR_SECONDS
    print(
        f"/stats p99 {stats_p99 * 1000:.0f} ms to the answer (< {BAR_SECONDS * 1000:.0f} ms:"
        f" {'yes' if passed else 'no'}); the chart follows at p99 {rows[2].p99 * 1000:.0f} ms"
    )
    return 0 if passed else 1


def run(users: int = USERS, answers: int = ANSWERS, runs: int = RUNS) -> int:
    return asyncio.run(run_async(users, answers, runs))
