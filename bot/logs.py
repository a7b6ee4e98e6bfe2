"""Logging for the bot's process: readable lines by default, or one JSON object per line
(`LOG_FORMAT=json`) for log shippers. Both carry the update being handled, when there is one:
its id, the user's id and the handler (`services.update_context`)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

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


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the update's
    fields when inside one, and the exception's traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in ("update_id", "user_id", "handler"):
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, log_format: LogFormat = LogFormat.TEXT) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(UpdateContextFilter())
    handler.setFormatter(
        JsonFormatter() if log_format is LogFormat.JSON else logging.Formatter(TEXT_FORMAT)
    )
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    # aiogram logs every handled update at INFO, APScheduler every run of every job (the
    # broadcasts' tick is every 3 s): noise at our default level. Failures still show.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
