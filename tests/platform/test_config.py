"""Configuration from SERVICEKIT_* variables, the generated secret key, and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from servicekit import create_app
from servicekit.platform.clock import Clock
from servicekit.platform.config import ConfigError, load_config, parse_smtp_url


def test_defaults_put_sqlite_in_the_instance_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SERVICEKIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SERVICEKIT_DATABASE_URL", raising=False)
    config = load_config()
    assert config["SERVICEKIT_DATABASE_URL"] == f"sqlite:///{tmp_path / 'servicekit.db'}"
    assert config["SERVICEKIT_LOCALE"] == "zh_CN"
    assert config["SERVICEKIT_TIMEZONE"] == "Asia/Shanghai"
    assert config["SERVICEKIT_MAX_UPLOAD_MB"] == 20


def test_environment_is_read_and_bad_values_are_named(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SERVICEKIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SERVICEKIT_MAX_UPLOAD_MB", "5")
    assert load_config()["SERVICEKIT_MAX_UPLOAD_MB"] == 5
    monkeypatch.setenv("SERVICEKIT_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ConfigError, match="SERVICEKIT_MAX_UPLOAD_MB"):
        load_config()
    monkeypatch.setenv("SERVICEKIT_MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("SERVICEKIT_ASSETS", "somewhere")
    with pytest.raises(ConfigError, match="SERVICEKIT_ASSETS"):
        load_config()


def test_secret_key_is_generated_once_and_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SERVICEKIT_SECRET_KEY", raising=False)
    first = create_app({"SERVICEKIT_INSTANCE_PATH": str(tmp_path)})
    second = create_app({"SERVICEKIT_INSTANCE_PATH": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_smtp_url_is_split_into_parts() -> None:
    parsed = parse_smtp_url("smtp://desk%40acme.cn:p%2Fss@mail.acme.cn:587?starttls=1")
    assert parsed == {
        "host": "mail.acme.cn",
        "port": 587,
        "username": "desk@acme.cn",
        "password": "p/ss",
        "ssl": False,
        "starttls": True,
    }
    with pytest.raises(ConfigError, match="smtp://"):
        parse_smtp_url("http://mail.acme.cn")


def test_the_clock_can_be_frozen_moved_and_released() -> None:
    clock = Clock("Asia/Shanghai")
    clock.set(datetime(2026, 1, 31, 23, 30))  # naive means Shanghai time
    assert clock.now() == datetime(2026, 1, 31, 15, 30, tzinfo=UTC)
    assert clock.today().isoformat() == "2026-01-31"
    clock.advance(timedelta(hours=1))
    assert clock.today().isoformat() == "2026-02-01"
    clock.reset()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)
