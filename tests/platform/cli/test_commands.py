"""The ``servicekit`` command line as an operator uses it (a real subprocess each time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "tests" / "platform" / "packages" / "data" / "field_service"


@pytest.fixture
def run(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = dict(os.environ)
    env.update(
        SERVICEKIT_DATABASE_URL=database_url,
        SERVICEKIT_INSTANCE_PATH=str(tmp_path / "instance"),
        SERVICEKIT_ASSETS="local",
    )

    def invoke(*args: str, answer: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "servicekit.platform.cli", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            input=answer,
            timeout=300,
        )

    return invoke


def test_init_creates_an_admin_once_and_prints_its_password_once(run) -> None:
    first = run("init")
    assert first.returncode == 0, first.stderr
    assert "Created admin 'admin' with password:" in first.stdout
    password = first.stdout.split("password:")[1].split()[0]
    second = run("init")
    assert second.returncode == 0, second.stderr
    assert password not in second.stdout and "already exists" in second.stdout


def test_install_errors_are_one_line_each_on_stderr(run, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    (broken / "forms").mkdir(parents=True)
    (broken / "manifest.json").write_text('{"key": "x"', encoding="utf-8")
    (broken / "app.json").write_text(json.dumps({"key": "broken", "label": "B"}), encoding="utf-8")
    (broken / "forms" / "f.json").write_text(
        json.dumps({"key": "f", "fields": [{"key": "1a"}]}), encoding="utf-8"
    )
    assert run("init").returncode == 0
    result = run("install", str(broken))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert any(line.startswith("error: manifest.json: $: Invalid JSON at line 1") for line in lines)
    assert any(line.startswith("error: forms/f.json: $.fields[0]") for line in lines)
    assert "nothing was changed" in result.stderr


def test_install_export_uninstall_round(run, tmp_path: Path) -> None:
    assert run("init").returncode == 0
    installed = run("install", str(SAMPLE))
    assert installed.returncode == 0, installed.stderr
    assert "Installed field_service 0.1.0" in installed.stdout
    exported = run("export", "field_service", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "out" / "forms" / "work_order.json").is_file()
    refused = run("uninstall", "field_service", answer="n\n")
    assert refused.returncode == 1 and "Nothing was changed" in refused.stdout
    removed = run("uninstall", "field_service", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert "drops 3 tables holding 9 rows" in removed.stdout
    missing = run("uninstall", "field_service", "--yes")
    assert missing.returncode == 1 and "No app with key 'field_service'" in missing.stderr


def test_demo_is_idempotent_and_prints_the_same_logins(run, database_url: str) -> None:
    first = run("demo")
    assert first.returncode == 0, first.stderr
    assert "Installed after_sales" in first.stdout
    # Every seeded work order gets a workflow history and SLA timers, once.
    assert "Work order histories and SLA timers written: 1148." in first.stdout
    assert "dispatcher" in first.stdout and "engineer1" in first.stdout
    # The engineers the sample work orders name can sign in, under their names.
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            engineers = connection.execute(
                text("SELECT login, display_name, active FROM users WHERE login LIKE 'engineer%'")
            ).all()
    finally:
        engine.dispose()
    assert len(engineers) == 5
    assert all(active and name.startswith("工程师") for _, name, active in engineers)
    assert "engineer5" in first.stdout
    password = first.stdout.split("password: ")[1].split()[0]
    second = run("demo")
    assert second.returncode == 0, second.stderr
    assert "already installed" in second.stdout
    assert "histories" not in second.stdout
    assert f"login: admin       password: {password}" in second.stdout


def test_publish_previews_then_applies(run, tmp_path: Path) -> None:
    assert run("init").returncode == 0
    assert run("install", str(SAMPLE)).returncode == 0
    form = json.loads((SAMPLE / "forms" / "customer.json").read_text(encoding="utf-8"))
    form["fields"].append({"key": "wechat", "type": "text", "label": "微信号"})
    changed = tmp_path / "changes" / "forms" / "customer.json"
    changed.parent.mkdir(parents=True)
    changed.write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    declined = run("publish", "field_service", str(changed), answer="n\n")
    assert declined.returncode == 1
    assert "form customer: version 2" in declined.stdout
    assert "database: add column rec_field_service_customer.wechat" in declined.stdout
    applied = run("publish", "field_service", str(changed), "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "Published." in applied.stdout


def test_run_serves_the_app_with_a_worker_beside_it(database_url: str, tmp_path: Path) -> None:
    import socket
    import time
    import urllib.request

    if not database_url.startswith("sqlite"):
        pytest.skip("serving is the same on both databases")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        SERVICEKIT_DATABASE_URL=database_url,
        SERVICEKIT_INSTANCE_PATH=str(tmp_path / "instance"),
        SERVICEKIT_ASSETS="local",
    )
    subprocess.run(
        [sys.executable, "-m", "servicekit.platform.cli", "init"],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "servicekit.platform.cli", "run", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    health = json.loads(reply.read())
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not answer")
        assert health["status"] == "ok" and health["queue"]["backend"] == "sqlite"
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children]
        assert any(b"worker" in command for command in commands)
    finally:
        server.terminate()
        server.communicate(timeout=20)
    for pid in children:
        assert (
            not Path(f"/proc/{pid}").exists()
            or b"zombie" in Path(f"/proc/{pid}/status").read_bytes()
        )
