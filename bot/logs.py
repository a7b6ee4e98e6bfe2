"""Logging for the bot's process: readable lines by default, or one JSON object per line
(`LOG_FORMAT=json`) for log shippers. Both carry the update being handled, when there is one:
its id, the user's id and the handler (`services.update_context`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from bot.config import LogFormat
from services.update_context import current_update

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(update)s"


class UpdateContextFilter(logging.Filter):
    """Puts the current update's fields on every record (`record.update_id`, `.user_id`,
    `.handler`; None outside an update) and a short `[update … user … handler]` suffix for the
    text format."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_update()
        record.update_id = context.update_id if context else None
        record.user_id = context.user_id if context else None
        record.handler = context.handler if context else None
        record.update = (
            f" [update {context.update_id} user {context.user_id} {context.handler}]"
            if context
            else ""
        )
        return True


# Shorter values are not secrets worth the name (and would blank out ordinary words).
MIN_SECRET_LENGTH = 6
REDACTED = "***"


class Redactor:
    """Blanks the configured secrets out of log text: whatever a library or a message put in a
    line (a URL with the bot's token, a header, an exception's arguments), they never leave."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is blanked whole.
        self.secrets = sorted(
            {secret for secret in secrets if len(secret) >= MIN_SECRET_LENGTH},
            key=len,
            reverse=True,
        )

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


class TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the update's
    fields when inside one, and the exception's traceback as one string."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        for field in ("update_id", "user_id", "handler"):
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = self.redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_handler(
    log_format: LogFormat, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """The handler the process logs through: the update's context on every record, the
    format asked for, `secrets` blanked out."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(UpdateContextFilter())
    redact = Redactor(secrets)
    handler.setFormatter(
        JsonFormatter(redact) if log_format is LogFormat.JSON else TextFormatter(redact)
    )
    return handler


def configure_logging(
    level: str, log_format: LogFormat = LogFormat.TEXT, secrets: Iterable[str] = ()
) -> None:
    logging.basicConfig(
        level=level.upper(), handlers=[log_handler(log_format, secrets)], force=True
    )
    quiet_chatty_libraries()


# aiogram logs every handled update at INFO, APScheduler every run of every job (the
# broadcasts' tick is every 3 s), fontTools some 75 lines per PDF report while it subsets the
# fonts: noise at our default level. Their warnings and errors still show.
CHATTY_LIBRARIES = ("aiogram.event", "apscheduler.executors", "fontTools")


def quiet_chatty_libraries() -> None:
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
