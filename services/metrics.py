"""Every Prometheus metric the platform exports, in one place (served at `/metrics`).

Two kinds:

- **Events** (counters and histograms below): each process counts what it did. With
  `PROMETHEUS_MULTIPROC_DIR` set in the environment (several processes on one host, or replicas
  sharing a volume), each process writes its values to a file there and `/metrics` sums every
  process's files, so any replica answers for all of them.
- **State** read from the database at scrape time (a seller's sync lag, the outbox backlog, a
  broadcast's progress): the same from every process, whichever process did the work. Modules
  hand those in as `StateReader`s (see `bot.registration`); they are rendered by
  `render_state`.

Label values are bounded sets (a Bot API method, an update type, a handler's name, a payment
method), never a user's id or a text.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "easyflow"


# No underscore: the multiprocess collector splits file names on it.
_HOST = socket.gethostname().replace("_", "-")


def _process_identifier() -> str:
    """Files are named by process; replicas in containers all run as pid 1, so the host name
    (a container's id) goes in too. Called on every write (to notice a fork): kept cheap."""
    return f"{_HOST}-{os.getpid()}"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


if (_directory := multiprocess_dir()) is not None:
    # A directory that is not there would fail every write, and with it every update.
    os.makedirs(_directory, exist_ok=True)
    values.ValueClass = values.MultiProcessValue(_process_identifier)

# Seconds: a handler that answers from memory (~1 ms) up to an LLM call (~tens of seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

# --------------------------------------------------------------------------- updates
UPDATES = Counter(
    f"{PREFIX}_updates_total",
    "Updates handled, by update type and the handler that took them ('none' when none did).",
    ["type", "handler"],
)
UPDATE_SECONDS = Histogram(
    f"{PREFIX}_update_handling_seconds",
    "Time from an update's arrival in the dispatcher to its handler's end (all middlewares).",
    ["type", "handler"],
    buckets=LATENCY_BUCKETS,
)
UNHANDLED_ERRORS = Counter(
    f"{PREFIX}_unhandled_errors_total",
    "Exceptions a handler raised that reached the dispatcher (the user got the error text).",
    ["type", "handler", "error"],
)

# --------------------------------------------------------------------------- Bot API
BOT_API_CALLS = Counter(
    f"{PREFIX}_bot_api_calls_total",
    "Bot API requests (each attempt), by method and result: ok, 400, 403, 429, 5xx, network.",
    ["method", "result"],
)
BOT_API_RETRIES = Counter(
    f"{PREFIX}_bot_api_retries_total",
    "Bot API calls repeated after a 429, a 5xx or a lost connection.",
    ["method"],
)
SENDER_QUEUE = Gauge(
    f"{PREFIX}_sender_queue_depth",
    "Calls waiting in the sender's lanes (summed over live processes).",
    ["lane"],
    multiprocess_mode="livesum",
)

# --------------------------------------------------------------------------- payments
PAYMENTS = Counter(
    f"{PREFIX}_payments_total",
    "Payment events by method (stars, telegram_card, yookassa_link) and status: created (an "
    "order), refused (at pre-checkout), paid, mismatch (money that fits no order), canceled, "
    "refund_requested, refunded, refund_rejected. Counted when the transaction commits.",
    ["method", "status"],
)

# --------------------------------------------------------------------------- AI and speech
AI_CALLS = Counter(
    f"{PREFIX}_ai_calls_total",
    "LLM and speech API requests (each attempt) by kind (llm, stt, tts), engine (the LLM's "
    "model; the speech service's name) and result (ok, error).",
    ["kind", "engine", "result"],
)
AI_SECONDS = Histogram(
    f"{PREFIX}_ai_call_seconds",
    "Latency of LLM and speech API requests (each attempt).",
    ["kind", "engine"],
    buckets=LATENCY_BUCKETS,
)
AI_FALLBACKS = Counter(
    f"{PREFIX}_ai_fallbacks_total",
    "Answers given offline because the configured engine (the label: the one that failed) "
    "gave up after its retries.",
    ["kind", "engine"],
)

# --------------------------------------------------------------------------- marketplace
SLA_ALERTS = Counter(
    f"{PREFIX}_sla_alerts_total",
    "SLA alerts posted in a seller's group, by kind (warning, breach).",
    ["kind"],
)

# --------------------------------------------------------------------------- broadcasts
BROADCAST_SENDS = Counter(
    f"{PREFIX}_broadcast_sends_total",
    "Broadcast recipients done, by outcome (sent, blocked, deactivated, failed, unconfirmed), "
    "counted when the outcome is committed.",
    ["outcome"],
)

# --------------------------------------------------------------------------- state gauge names
# What the modules' `StateReader`s produce (names without the prefix), in one place so that
# the Grafana dashboard's test can check every name a panel uses.
STATE_READ_OK = "state_read_ok"
MARKETPLACE_SYNC_LAG = "marketplace_sync_lag_seconds"
MARKETPLACE_OUTBOX_BACKLOG = "marketplace_outbox_backlog"
MARKETPLACE_SLA_WAITS = "marketplace_sla_open_waits"
BROADCAST_RECIPIENTS = "broadcast_recipients"
STATE_GAUGE_NAMES = (
    STATE_READ_OK,
    MARKETPLACE_SYNC_LAG,
    MARKETPLACE_OUTBOX_BACKLOG,
    MARKETPLACE_SLA_WAITS,
    BROADCAST_RECIPIENTS,
)


def result_of_status(status: int | None) -> str:
    """A bounded label for an HTTP outcome: ok, 4xx by code, 5xx, or network (no answer)."""
    if status is None:
        return "network"
    if status < 300:
        return "ok"
    if status >= 500:
        return "5xx"
    return str(status)


# --------------------------------------------------------------------------- on commit
_PENDING_KEY = "easyflow_metrics_pending"


def count_when_committed(
    session: AsyncSession | Session, counter: Counter, amount: float = 1
) -> None:
    """Adds `amount` to `counter` (a labelled child) when the session's transaction commits;
    nothing when it rolls back. For services that run in their caller's transaction: a payment
    is counted once it is recorded, not when a rollback took it back."""
    sync_session = session.sync_session if isinstance(session, AsyncSession) else session
    sync_session.info.setdefault(_PENDING_KEY, []).append((counter, amount))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    for counter, amount in session.info.pop(_PENDING_KEY, ()):
        counter.inc(amount)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one ended: committed (counted) or not
        session.info.pop(_PENDING_KEY, None)


# --------------------------------------------------------------------------- state
@dataclass(frozen=True)
class StateGauge:
    """One gauge read from the database at scrape time, with its samples."""

    name: str  # without the prefix
    documentation: str
    labels: tuple[str, ...] = ()
    samples: list[tuple[tuple[str, ...], float]] = field(default_factory=list)

    def add(self, value: float, *label_values: str) -> None:
        self.samples.append((tuple(label_values), value))


class _StateCollector(Collector):
    def __init__(self, gauges: Iterable[StateGauge]) -> None:
        self.gauges = list(gauges)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for gauge in self.gauges:
            family = GaugeMetricFamily(
                f"{PREFIX}_{gauge.name}", gauge.documentation, labels=list(gauge.labels)
            )
            for label_values, value in gauge.samples:
                family.add_metric(list(label_values), value)
            yield family


def render(state: Iterable[StateGauge]) -> bytes:
    """The exposition text: every process's events (this process's only, without a
    multiprocess directory), then the state gauges."""
    if multiprocess_dir() is not None:
        events = CollectorRegistry()
        MultiProcessCollector(events)
        text = generate_latest(events)
    else:
        from prometheus_client import REGISTRY

        text = generate_latest(REGISTRY)
    snapshot = CollectorRegistry()
    snapshot.register(_StateCollector(state))
    return text + generate_latest(snapshot)


def forget_this_process() -> None:
    """At shutdown: this process's live gauges (its sender's queue) stop counting."""
    if multiprocess_dir() is not None:
        mark_process_dead(_process_identifier())


__all__ = [
    "AI_CALLS",
    "AI_FALLBACKS",
    "AI_SECONDS",
    "BOT_API_CALLS",
    "BOT_API_RETRIES",
    "BROADCAST_RECIPIENTS",
    "BROADCAST_SENDS",
    "CONTENT_TYPE_LATEST",
    "MARKETPLACE_OUTBOX_BACKLOG",
    "MARKETPLACE_SLA_WAITS",
    "MARKETPLACE_SYNC_LAG",
    "PAYMENTS",
    "SENDER_QUEUE",
    "SLA_ALERTS",
    "STATE_GAUGE_NAMES",
    "STATE_READ_OK",
    "UNHANDLED_ERRORS",
    "UPDATES",
    "UPDATE_SECONDS",
    "StateGauge",
    "count_when_committed",
    "forget_this_process",
    "render",
    "result_of_status",
]
