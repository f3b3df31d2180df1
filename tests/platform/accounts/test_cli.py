"""The ``servicekit user`` commands."""

from __future__ import annotations

from servicekit.platform.accounts import get_user_by_login, verify_password
from servicekit.platform.db import get_db


def test_user_create_and_passwd(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["user", "create", "zhang", "--name", "张工", "--admin", "--password", "install2024"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["user", "passwd", "zhang", "--password", "changed2025"])
    assert result.exit_code == 0, result.output
    with get_db(app).sessions() as session:
        user = get_user_by_login(session, "zhang")
        assert user is not None and user.is_admin and user.display_name == "张工"
        assert verify_password(user, "changed2025")


def test_user_create_prompts_twice_for_the_password(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["user", "create", "li", "--name", "Li"], input="prompted123\nprompted123\n"
    )
    assert result.exit_code == 0, result.output
    with get_db(app).sessions() as session:
        user = get_user_by_login(session, "li")
        assert user is not None and verify_password(user, "prompted123")


def test_user_commands_fail_with_one_line_and_exit_1(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "li", "--name", "Li", "--password", "weak"])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "Password" in result.stderr
    result = runner.invoke(args=["user", "passwd", "nobody", "--password", "whatever123"])
    assert result.exit_code == 1
    assert "nobody" in result.stderr
