"""Sign-in throttling windows and the notification service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from servicekit.platform.accounts import (
    clear_failures,
    create_user,
    is_throttled,
    list_notifications,
    mark_all_read,
    mark_read,
    notify,
    record_failure,
    unread_count,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_failures_throttle_per_login_and_per_address(db) -> None:
    for i in range(3):
        record_failure(db, login="Alice", address=f"10.0.0.{i}", now=T0)
    db.flush()
    assert is_throttled(db, login="alice", address="10.9.9.9", now=T0, limit=3, window=60)
    assert not is_throttled(db, login="bob", address="10.9.9.9", now=T0, limit=3, window=60)
    for login in ("x1", "x2", "x3"):
        record_failure(db, login=login, address="10.1.1.1", now=T0)
    assert is_throttled(db, login="carol", address="10.1.1.1", now=T0, limit=3, window=60)


def test_failures_expire_after_the_window_and_clear_on_success(db) -> None:
    for _ in range(3):
        record_failure(db, login="alice", address="10.0.0.1", now=T0)
    later = T0 + timedelta(seconds=61)
    assert not is_throttled(db, login="alice", address="10.0.0.1", now=later, limit=3, window=60)
    clear_failures(db, login="alice", now=T0, window=60)
    assert not is_throttled(db, login="alice", address="10.0.0.1", now=T0, limit=3, window=60)


def test_notifications_count_and_mark_read(db) -> None:
    user = create_user(db, login="eng", display_name="E", password="engineer123", now=T0)
    other = create_user(db, login="other", display_name="O", password="engineer123", now=T0)
    first = notify(db, user.id, "新工单 WO-1", body="请处理", link="/apps/after_sales", now=T0)
    notify(db, user.id, "新工单 WO-2", now=T0 + timedelta(minutes=1))
    notify(db, other.id, "not yours", now=T0)
    db.commit()
    assert unread_count(db, user.id) == 2
    assert [n.title for n in list_notifications(db, user.id)] == ["新工单 WO-2", "新工单 WO-1"]
    assert not mark_read(db, other.id, first.id, T0)
    assert mark_read(db, user.id, first.id, T0)
    db.commit()
    assert unread_count(db, user.id) == 1
    assert mark_all_read(db, user.id, T0) == 1
    db.commit()
    assert unread_count(db, user.id) == 0
    assert unread_count(db, other.id) == 1
