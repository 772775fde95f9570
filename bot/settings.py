"""Settings from environment variables (and an optional ``.env`` file).

Secrets are ``SecretStr``: they never appear in ``repr``, logs or error messages. A missing or
malformed setting is reported as one Japanese line naming the variable (see ``SettingsError``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot import texts
from bot.domain.calendar import parse_date, parse_time
from bot.domain.errors import InvalidValue
from bot.domain.timeline import TimelineSettings, parse_offset, parse_offsets

T = TypeVar("T")
_USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
# Variables whose values must never be echoed, even when malformed.
SECRET_VARIABLES = frozenset(
    {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "TEAMS_CLIENT_SECRET"}
)
_GUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
TEAMS_GLOBAL_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


def default_data_dir() -> Path:
    """Where the embedded SQLite database lives unless ``SHIEN_DATA_DIR`` says otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "shienbot"


class SettingsError(Exception):
    """A setting is missing or malformed. ``variable`` names it; ``message`` is Japanese."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable
        self.message = message

    def __str__(self) -> str:
        return texts.SETTINGS.error.format(variable=self.variable, message=self.message)


class Settings(BaseSettings):
    """The bot's configuration. Field names map to the environment variables in the README."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,
    )

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    data_dir: Path = Field(default_factory=default_data_dir, validation_alias="SHIEN_DATA_DIR")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "SHIEN_DATABASE_URL")
    )
    timezone: str = Field(default="Asia/Tokyo", validation_alias="SHIEN_TIMEZONE")
    coordinators: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), validation_alias="SHIEN_COORDINATORS"
    )
    municipality: str = Field(default="", validation_alias="SHIEN_MUNICIPALITY", max_length=40)
    templates_dir: Path | None = Field(default=None, validation_alias="SHIEN_TEMPLATES_DIR")
    open_before: str = Field(default="7d", validation_alias="SHIEN_OPEN_BEFORE")
    reminders: str = Field(default="3d,1d", validation_alias="SHIEN_REMINDERS")
    reminder_time: str = Field(default="09:00", validation_alias="SHIEN_REMINDER_TIME")
    extra_holidays: Annotated[tuple[date, ...], NoDecode] = Field(
        default=(), validation_alias="SHIEN_EXTRA_HOLIDAYS"
    )

    @field_validator("open_before")
    @classmethod
    def _open_before_form(cls, value: str) -> str:
        _domain_value(parse_offset, value)
        return value.strip()

    @field_validator("reminders")
    @classmethod
    def _reminders_form(cls, value: str) -> str:
        _domain_value(parse_offsets, value)
        return value.strip()

    @field_validator("reminder_time")
    @classmethod
    def _reminder_time_form(cls, value: str) -> str:
        _domain_value(parse_time, value)
        return value.strip()

    @field_validator("extra_holidays", mode="before")
    @classmethod
    def _split_holidays(cls, value: Any) -> tuple[date, ...]:
        if value is None:
            return ()
        items = value.split(",") if isinstance(value, str) else list(value)
        return tuple(
            sorted(
                {
                    item if isinstance(item, date) else _domain_value(parse_date, str(item))
                    for item in items
                    if str(item).strip()
                }
            )
        )

    retention_days: int | None = Field(default=None, validation_alias="SHIEN_RETENTION_DAYS")
    # The municipality's 要綱 places its 重層的支援会議 under 社会福祉法第106条の6: they show
    # the statutory secrecy notice (with its penalty) instead of the consent-based one.
    multilayer_statutory: bool = Field(default=False, validation_alias="SHIEN_MULTILAYER_STATUTORY")
    # A meeting's own channel is archived this many days after the meeting (or as soon as
    # its minutes are final).
    archive_after_days: int = Field(default=14, validation_alias="SHIEN_ARCHIVE_AFTER_DAYS")

    @field_validator("multilayer_statutory", mode="before")
    @classmethod
    def _yes_or_no(cls, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value or "").strip().lower()
        if text in ("", "0", "false", "no", "off"):
            return False
        if text in ("1", "true", "yes", "on"):
            return True
        raise ValueError(texts.SETTINGS.multilayer_statutory)

    # HTTP mode (gunicorn): worker processes, and the seconds a request may take to arrive.
    http_workers: int = Field(default=2, validation_alias="SHIEN_HTTP_WORKERS")
    http_read_timeout: int = Field(default=10, validation_alias="SHIEN_HTTP_READ_TIMEOUT")

    @field_validator("http_workers", mode="before")
    @classmethod
    def _workers_form(cls, value: Any) -> int:
        return _bounded_int(value, 1, 64, texts.SETTINGS.http_workers, default=2)

    @field_validator("http_read_timeout", mode="before")
    @classmethod
    def _read_timeout_form(cls, value: Any) -> int:
        return _bounded_int(value, 1, 60, texts.SETTINGS.http_read_timeout, default=10)

    # Microsoft Teams (bot.chat.teams): the bot's app registration in the municipality's
    # tenant, and where the connector is reached.
    teams_client_id: str | None = Field(default=None, validation_alias="TEAMS_CLIENT_ID")
    teams_client_secret: SecretStr | None = Field(
        default=None, validation_alias="TEAMS_CLIENT_SECRET"
    )
    teams_tenant_id: str | None = Field(default=None, validation_alias="TEAMS_TENANT_ID")
    teams_service_url: str = Field(
        default=TEAMS_GLOBAL_SERVICE_URL, validation_alias="TEAMS_SERVICE_URL"
    )
    teams_bot_name: str = Field(
        default="shienbot", validation_alias="TEAMS_BOT_NAME", max_length=30
    )
    teams_allow_unauthenticated: bool = Field(
        default=False, validation_alias="SHIEN_TEAMS_ALLOW_UNAUTHENTICATED"
    )

    @field_validator("teams_client_id", "teams_tenant_id")
    @classmethod
    def _guid_form(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _GUID.match(value.strip()):
            raise ValueError(texts.TEAMS.client_id)
        return value.strip()

    @field_validator("teams_client_secret")
    @classmethod
    def _teams_secret_present(cls, value: SecretStr | None) -> SecretStr | None:
        return _none_if_blank(value)

    @field_validator("teams_service_url")
    @classmethod
    def _service_url_form(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError(texts.TEAMS.service_url)
        return value if value.endswith("/") else value + "/"

    @property
    def platform(self) -> str:
        """``teams`` when the Teams settings are given, else ``slack`` (one per deployment)."""
        if self.teams_client_id or self.teams_allow_unauthenticated:
            return "teams"
        return "slack"

    @field_validator("archive_after_days", mode="before")
    @classmethod
    def _archive_form(cls, value: Any) -> int:
        if value is None or (isinstance(value, str) and not value.strip()):
            return 14
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= 3650:
            raise ValueError(texts.SETTINGS.archive_after_days)
        return int(text)

    @field_validator("retention_days", mode="before")
    @classmethod
    def _retention_form(cls, value: Any) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 36_500:
            raise ValueError(texts.SETTINGS.retention_days)
        return int(text)

    @field_validator("templates_dir")
    @classmethod
    def _templates_exist(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(texts.SETTINGS.templates_missing.format(folder=value))
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_form(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError(texts.SETTINGS.bot_token)
        return _none_if_blank(value)

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_form(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError(texts.SETTINGS.app_token)
        return _none_if_blank(value)

    @field_validator("slack_signing_secret")
    @classmethod
    def _secret_present(cls, value: SecretStr | None) -> SecretStr | None:
        return _none_if_blank(value)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_form(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError(texts.SETTINGS.api_url)
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_form(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            url = make_url(value.strip())
        except ArgumentError:
            raise ValueError(texts.SETTINGS.database_url) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(texts.SETTINGS.database_kind)
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(texts.SETTINGS.timezone.format(timezone=value)) from None
        return value

    @field_validator("coordinators", mode="before")
    @classmethod
    def _split_coordinators(cls, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        items = value.split(",") if isinstance(value, str) else list(value)
        ids = tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
        for user_id in ids:
            if not _USER_ID.match(user_id):
                raise ValueError(texts.SETTINGS.coordinator_id.format(user_id=user_id))
        return ids

    @property
    def resolved_database_url(self) -> str:
        """``DATABASE_URL``, or the embedded SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'shienbot.sqlite3').resolve()}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def timeline(self) -> TimelineSettings:
        """The meeting timeline's offsets (already validated)."""
        return TimelineSettings(
            open_before=parse_offset(self.open_before),
            reminders=parse_offsets(self.reminders),
            reminder_time=parse_time(self.reminder_time),
        )

    def safe_database_url(self) -> str:
        """The database URL with any password masked, for messages and ``shienbot check``."""
        return make_url(self.resolved_database_url).render_as_string(hide_password=True)


def _domain_value(parse: Callable[[str], T], value: str) -> T:
    """A domain parser's Japanese error becomes the setting's one-line message."""
    try:
        return parse(value)
    except InvalidValue as error:
        raise ValueError(error.message) from None


def _bounded_int(value: Any, low: int, high: int, message: str, *, default: int) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(message)
    return int(text)


def _none_if_blank(value: SecretStr | None) -> SecretStr | None:
    if value is None or not value.get_secret_value().strip():
        return None
    return value


_FIELD_TO_VARIABLE = {
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "data_dir": "SHIEN_DATA_DIR",
    "database_url": "DATABASE_URL",
    "timezone": "SHIEN_TIMEZONE",
    "coordinators": "SHIEN_COORDINATORS",
    "municipality": "SHIEN_MUNICIPALITY",
    "templates_dir": "SHIEN_TEMPLATES_DIR",
    "open_before": "SHIEN_OPEN_BEFORE",
    "reminders": "SHIEN_REMINDERS",
    "reminder_time": "SHIEN_REMINDER_TIME",
    "extra_holidays": "SHIEN_EXTRA_HOLIDAYS",
    "retention_days": "SHIEN_RETENTION_DAYS",
    "multilayer_statutory": "SHIEN_MULTILAYER_STATUTORY",
    "http_workers": "SHIEN_HTTP_WORKERS",
    "http_read_timeout": "SHIEN_HTTP_READ_TIMEOUT",
    "teams_client_id": "TEAMS_CLIENT_ID",
    "teams_client_secret": "TEAMS_CLIENT_SECRET",
    "teams_tenant_id": "TEAMS_TENANT_ID",
    "teams_service_url": "TEAMS_SERVICE_URL",
    "teams_bot_name": "TEAMS_BOT_NAME",
    "teams_allow_unauthenticated": "SHIEN_TEAMS_ALLOW_UNAUTHENTICATED",
    "archive_after_days": "SHIEN_ARCHIVE_AFTER_DAYS",
}


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning pydantic's report into one ``SettingsError``.

    The message names the variable and says what form it needs; the value of a secret is
    never repeated.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = str(error["loc"][0]) if error["loc"] else ""
        variable = _FIELD_TO_VARIABLE.get(location.lower(), location.upper())
        message = str(error.get("msg", texts.SETTINGS.invalid))
        message = message.removeprefix("Value error, ")
        if error["type"] != "value_error":
            message = texts.SETTINGS.malformed
        raise SettingsError(variable, message) from None
