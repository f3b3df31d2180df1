"""Configuration read from ``SERVICEKIT_*`` environment variables, for the app factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULTS: dict[str, Any] = {
    "SERVICEKIT_LOCALE": "zh_CN",
    "SERVICEKIT_TIMEZONE": "Asia/Shanghai",
    "SERVICEKIT_MAX_UPLOAD_MB": 20,
    "SERVICEKIT_ASSETS": "cdn",
    "SERVICEKIT_MAIL_FROM": "servicekit@localhost",
    "SERVICEKIT_REDIS_URL": None,
    "SERVICEKIT_SMTP_URL": None,
    "SERVICEKIT_SECURE_COOKIES": False,
    "SERVICEKIT_LOGIN_RATE_LIMIT": 5,  # failed attempts per window before 429
    "SERVICEKIT_LOGIN_RATE_WINDOW": 300,  # seconds
    "SERVICEKIT_RUN_JOBS_INLINE": False,
}

SUPPORTED_LOCALES = ("zh_CN", "en")

_ENV_NAMES = (
    "SERVICEKIT_DATABASE_URL",
    "SERVICEKIT_INSTANCE_PATH",
    "SERVICEKIT_SECRET_KEY",
    "SERVICEKIT_REDIS_URL",
    "SERVICEKIT_SMTP_URL",
    "SERVICEKIT_MAIL_FROM",
    "SERVICEKIT_LOCALE",
    "SERVICEKIT_TIMEZONE",
    "SERVICEKIT_MAX_UPLOAD_MB",
    "SERVICEKIT_ASSETS",
    "SERVICEKIT_SECURE_COOKIES",
    "SERVICEKIT_LOGIN_RATE_LIMIT",
    "SERVICEKIT_LOGIN_RATE_WINDOW",
)


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


def default_instance_path() -> Path:
    """The instance folder: ``SERVICEKIT_INSTANCE_PATH`` or ``./instance``."""
    return Path(os.environ.get("SERVICEKIT_INSTANCE_PATH") or Path.cwd() / "instance").resolve()


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, the environment and ``overrides`` (which win) into one mapping."""
    config: dict[str, Any] = dict(DEFAULTS)
    for name in _ENV_NAMES:
        if name in os.environ and os.environ[name] != "":
            config[name] = os.environ[name]
    config.update(overrides or {})

    instance = Path(config.get("SERVICEKIT_INSTANCE_PATH") or default_instance_path()).resolve()
    config["SERVICEKIT_INSTANCE_PATH"] = str(instance)
    if not config.get("SERVICEKIT_DATABASE_URL"):
        config["SERVICEKIT_DATABASE_URL"] = f"sqlite:///{instance / 'servicekit.db'}"
    try:
        config["SERVICEKIT_MAX_UPLOAD_MB"] = int(config["SERVICEKIT_MAX_UPLOAD_MB"])
    except (TypeError, ValueError) as exc:
        raise ConfigError("SERVICEKIT_MAX_UPLOAD_MB must be a whole number of megabytes") from exc
    if config["SERVICEKIT_ASSETS"] not in ("cdn", "local"):
        raise ConfigError("SERVICEKIT_ASSETS must be 'cdn' or 'local'")
    if config["SERVICEKIT_LOCALE"] not in SUPPORTED_LOCALES:
        raise ConfigError(f"SERVICEKIT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}")
    for name in ("SERVICEKIT_LOGIN_RATE_LIMIT", "SERVICEKIT_LOGIN_RATE_WINDOW"):
        try:
            config[name] = int(config[name])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name} must be a whole number") from exc
    secure = config.get("SERVICEKIT_SECURE_COOKIES")
    config["SERVICEKIT_SECURE_COOKIES"] = str(secure).lower() in ("1", "true", "yes", "on")
    if config.get("SERVICEKIT_SMTP_URL"):
        config["SMTP"] = parse_smtp_url(config["SERVICEKIT_SMTP_URL"])
    return config


def ensure_secret_key(config: dict[str, Any]) -> str:
    """Return the secret key, generating one into the instance folder on first use.

    A generated key is kept in ``instance/secret_key`` so sessions survive restarts.
    """
    if config.get("SERVICEKIT_SECRET_KEY"):
        return str(config["SERVICEKIT_SECRET_KEY"])
    path = Path(config["SERVICEKIT_INSTANCE_PATH"]) / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(0o600)
    return key


def parse_smtp_url(url: str) -> dict[str, Any]:
    """Split ``smtp://user:pass@host:587?starttls=1`` into host, port, credentials and TLS mode."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError("SERVICEKIT_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ConfigError("SERVICEKIT_SMTP_URL has no host name")
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
    return {
        "host": parts.hostname,
        "port": parts.port or (465 if parts.scheme == "smtps" else 25),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "ssl": parts.scheme == "smtps",
        "starttls": starttls,
    }
