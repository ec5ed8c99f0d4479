"""Settings from the environment and `.env`, validated once in `main`, never at import time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.texts import say
from storage.errors import ConfigError, Text

# Telegram allows 1–256 of these characters in a webhook's secret token, Zalo 8–256 characters.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{8,256}")
_LOCAL_HTTP = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")
# Values that people leave in .env when they copy .env.example; they are never real tokens.
_PLACEHOLDERS = {"", "changeme", "change-me", "your-token-here", "<token>", "xxx", "todo"}


@dataclass(frozen=True)
class Webhook:
    """Where the platforms post updates: each channel registers `url`/<channel> ("…/telegram", "…/zalo") and
    the server listens on host:port (behind a TLS reverse proxy that forwards `url` there)."""

    url: str  # the public base address, without a trailing slash
    secret: str
    host: str
    port: int

    def url_for(self, channel: str) -> str:
        return f"{self.url}/{channel}"


class Settings(BaseSettings):
    """Everything nqbot reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    zalo_bot_token: SecretStr | None = None
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com"  # a trailing "/bot" is accepted too
    zalo_poll_interval: float = Field(default=1.0, gt=0)  # seconds between long polls; Zalo asks for ≥ 1
    zalo_monthly_quota: int = Field(default=3000, gt=0)  # messages a month the Zalo plan allows (free: 3,000)
    board_contact: str = Field(default="", max_length=200)  # how to reach the board: named to whom the bot cannot read
    database_url: str = "sqlite:///./data/nqbot.db"
    nqbot_timezone: str = "Asia/Ho_Chi_Minh"
    nqbot_language: Literal["vi", "en"] = "vi"
    nqbot_send_rate: float = Field(default=25.0, gt=0, le=30)  # messages a second the sender allows itself
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"  # where the webhook server listens (behind a TLS reverse proxy)
    webhook_port: int = Field(default=8080, ge=0, le=65535)

    @field_validator("nqbot_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.nqbot_timezone)

    def require_telegram_token(self) -> str:
        """Return the Telegram token, or fail with one clear line when it is missing or a placeholder."""
        return _require(self.telegram_bot_token, "TELEGRAM_BOT_TOKEN", self.nqbot_language)

    def require_zalo_token(self) -> str:
        """Return the Zalo token, or fail with one clear line when it is missing or a placeholder."""
        return _require(self.zalo_bot_token, "ZALO_BOT_TOKEN", self.nqbot_language)

    def require_any_token(self) -> None:
        """Fail with one clear line unless a channel can run: a Telegram or a Zalo token."""
        if self.zalo_token() is None:
            self.require_telegram_token()

    def telegram_token(self) -> str | None:
        """The Telegram token, or None when it is unset or a placeholder (Telegram then does not run)."""
        return _optional(self.telegram_bot_token)

    def zalo_token(self) -> str | None:
        """The Zalo token, or None when it is unset or a placeholder (Zalo then does not run)."""
        return _optional(self.zalo_bot_token)

    def require_webhook(self) -> Webhook:
        """The webhook settings (`nqbot run --webhook`), or one clear line saying what is missing or wrong."""
        url = (self.webhook_url or "").strip().rstrip("/")
        if not url:
            raise ConfigError(say("settings.webhook_url_missing", self.nqbot_language))
        if not url.startswith("https://") and not _LOCAL_HTTP.match(url):  # plain http only on this machine (tests)
            raise ConfigError(say("settings.webhook_url_scheme", self.nqbot_language))
        secret = _require(self.webhook_secret, "WEBHOOK_SECRET", self.nqbot_language)
        if not _WEBHOOK_SECRET.fullmatch(secret):
            raise ConfigError(say("settings.webhook_secret_shape", self.nqbot_language))
        return Webhook(url, secret, self.webhook_host, self.webhook_port)

    def sqlite_path(self) -> Path | None:
        """The database file when DATABASE_URL is SQLite on disk, else None."""
        from storage.database import sqlite_file

        return sqlite_file(self.database_url)


def _optional(secret: SecretStr | None) -> str | None:
    value = secret.get_secret_value().strip() if secret else ""
    return None if value.lower() in _PLACEHOLDERS else value


def _require(secret: SecretStr | None, name: str, language: str) -> str:
    value = secret.get_secret_value().strip() if secret else ""
    if value.lower() in _PLACEHOLDERS:
        raise ConfigError(say("settings.not_set", language, name=name))
    return value


def load_settings() -> Settings:
    """Read and validate settings; a bad value becomes one ConfigError line naming the variable."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise ConfigError(Text("settings.invalid", name=field, detail=first["msg"])) from None
