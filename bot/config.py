"""The one settings object. Every variable is documented in `.env.example`."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.languages import SUPPORTED_LANGUAGES
from services.send_budgets import SendLimits, Window

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "easyflow.sqlite3"
GENERATED_MARKETPLACE_KEY_PATH = PROJECT_ROOT / "data" / "marketplace.key"
BUNDLED_TELEGRAM_SPEC = PROJECT_ROOT / "sandbox" / "telegram" / "spec" / "api.json"


class Module(StrEnum):
    INTERVIEW = "interview"
    PAYMENTS = "payments"
    MARKETPLACE = "marketplace"
    ADMIN = "admin"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # `NAME=` (as .env.example has it) means unset: the default, e.g. the sandbox.
        env_ignore_empty=True,
    )

    # Telegram
    bot_token: SecretStr | None = None
    telegram_api_url: str | None = None
    webhook_url: str | None = None
    webhook_path: str = "/webhook/telegram"
    webhook_secret: SecretStr | None = None

    # Sandbox (Telegram emulator) used when no BOT_TOKEN is set
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8080
    sandbox_bot_username: str = "easyflow_sandbox_bot"
    telegram_spec_path: Path = BUNDLED_TELEGRAM_SPEC

    # Web server: webhooks, health, metrics
    web_host: str = "127.0.0.1"
    web_port: int = 8081
    # /metrics asks for `Authorization: Bearer <token>` when this is set; open when it is not.
    metrics_token: SecretStr | None = None
    # Load balancers in front of the web server (CIDRs or addresses): a request from one of
    # them is taken to come from the address it names in X-Forwarded-For (YooKassa's check).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Storage
    database_url: str | None = None
    redis_url: str | None = None
    fsm_ttl_seconds: int = 24 * 60 * 60

    # LLM: any OpenAI-compatible chat API. Without a key, answers are evaluated offline.
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(default=30.0, gt=0)

    # Speech: voice answers are transcribed by Groq when GROQ_API_KEY is set, with the offline
    # Whisper base model (English and Russian, on the CPU) as its fallback, and by the offline
    # model alone otherwise. The model is assembled from its packages into speech_model_dir
    # and checked there (size, SHA-256) before it is loaded. Questions can be read aloud: OpenAI-compatible text-to-speech
    # with OPENAI_API_KEY, espeak-ng when it is installed.
    groq_api_key: SecretStr | None = None
    groq_base_url: str | None = None
    stt_model: str = "whisper-large-v3-turbo"
    stt_timeout_seconds: float = Field(default=30.0, gt=0)
    voice_max_duration_seconds: int = Field(default=300, gt=0, le=3600)
    speech_workers: int = Field(default=1, ge=1, le=16)
    speech_model_dir: Path = PROJECT_ROOT / "data" / "whisper-base"
    tts_model: str = "gpt-4o-mini-tts"
    tts_voice: str = "alloy"

    # Payments. Telegram Stars always work; card payments through Telegram need the provider
    # token (YooKassa as Telegram's provider); YooKassa payment links need the shop's keys.
    telegram_provider_token: SecretStr | None = None
    yookassa_shop_id: str | None = None
    yookassa_secret_key: SecretStr | None = None
    # YooKassa API; None = production. The sandbox points it at its YooKassa emulator.
    yookassa_api_url: str | None = None
    # Where YooKassa notifications may come from (YooKassa's published ranges).
    yookassa_trusted_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: [
            "185.71.76.0/27",
            "185.71.77.0/27",
            "77.75.153.0/25",
            "77.75.156.11/32",
            "77.75.156.35/32",
            "77.75.154.128/25",
            "2a02:5180::/32",
        ]
    )
    # Refunds: how many days after paying, and how many interviews of a pack (or of a
    # subscription's period) may already be used for a refund to be approved.
    refund_window_days: int = Field(default=14, ge=0)
    refund_max_used_interviews: int = Field(default=0, ge=0)

    # Marketplace desk. Without a key, credentials are sealed with one kept in data/.
    marketplace_credentials_key: SecretStr | None = None
    marketplace_poll_seconds: float = Field(default=30.0, ge=1)
    marketplace_timezone: str = "Europe/Moscow"
    # None = the marketplace's production API (the sandbox sets its emulators').
    ozon_api_url: str | None = None
    wildberries_api_url: str | None = None

    # Interviews
    free_interviews: int = Field(default=3, ge=0)

    # Product
    modules: Annotated[list[Module], NoDecode] = Field(default_factory=lambda: list(Module))
    default_language: str = "en"
    throttle_limit: int = 8
    throttle_period_seconds: float = 3.0
    # Updates handled at the same time; sizes the Redis and database connection pools too.
    max_concurrent_updates: int = Field(default=64, ge=1, le=1000)
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_chat_id: int | None = None
    # The most interview credits an admin may grant (or take) in one go from /user.
    admin_credit_limit: int = Field(default=100, ge=1, le=100_000)
    # A running broadcast's progress message is edited at most this often. Edits count against
    # the admin group's 20 messages a minute, so not much below 5.
    broadcast_progress_seconds: float = Field(default=5.0, ge=1.0, le=600.0)

    # Telegram's sending limits, shared by every process through Redis (DESIGN rule 2).
    telegram_private_chat_limit: int = Field(default=3, ge=1)
    telegram_private_chat_period_seconds: float = Field(default=3.0, gt=0)
    telegram_group_limit: int = Field(default=20, ge=1)
    telegram_group_period_seconds: float = Field(default=60.0, gt=0)
    telegram_overall_limit: int = Field(default=30, ge=1)
    telegram_overall_period_seconds: float = Field(default=1.0, gt=0)
    # Every window is stretched by at least this much, so sends delayed differently on their way
    # (network, a busy event loop) still arrive inside Telegram's windows.
    telegram_limit_margin_seconds: float = Field(default=0.05, ge=0)

    log_level: str = "INFO"
    # "text" (one line for people) or "json" (one object per line, for log shippers).
    log_format: LogFormat = LogFormat.TEXT

    @field_validator("modules", mode="before")
    @classmethod
    def _parse_modules(cls, value: object) -> object:
        if isinstance(value, str):
            names = [part.strip().lower() for part in value.split(",") if part.strip()]
            unknown = sorted(set(names) - {m.value for m in Module})
            if unknown:
                raise ValueError(
                    f"unknown module(s) {', '.join(unknown)}; "
                    f"known: {', '.join(m.value for m in Module)}"
                )
            return names
        return value

    @field_validator("yookassa_trusted_networks", "trusted_proxies", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("speech_model_dir")
    @classmethod
    def _anchor_model_dir(cls, value: Path) -> Path:
        """A relative SPEECH_MODEL_DIR is under the project, wherever the bot is started from
        (else each working directory would get its own 145 MB copy)."""
        return value if value.is_absolute() else PROJECT_ROOT / value

    @field_validator("marketplace_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"default_language must be one of {SUPPORTED_LANGUAGES}")
        return value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"

    @property
    def uses_sandbox(self) -> bool:
        return self.bot_token is None

    @property
    def overall_sends_per_second(self) -> float:
        return self.telegram_overall_limit / self.telegram_overall_period_seconds

    @property
    def send_limits(self) -> SendLimits:
        return SendLimits(
            private_chat=Window(
                self.telegram_private_chat_limit, self.telegram_private_chat_period_seconds
            ),
            group_chat=Window(self.telegram_group_limit, self.telegram_group_period_seconds),
            overall=Window(self.telegram_overall_limit, self.telegram_overall_period_seconds),
            min_margin_seconds=self.telegram_limit_margin_seconds,
        )

    def secret_values(self) -> list[str]:
        """Every secret the settings hold (keys, tokens, the passwords in DATABASE_URL and
        REDIS_URL), for the logs to blank out."""
        values = [
            value.get_secret_value()
            for value in (getattr(self, name) for name in type(self).model_fields)
            if isinstance(value, SecretStr)
        ]
        for url in (self.database_url, self.redis_url):
            password = urlsplit(url).password if url else None
            if password:
                values += [password, unquote(password)]
        return [value for value in values if value]

    def module_enabled(self, module: Module) -> bool:
        return module in self.modules


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
