"""The `creative4u` command line on a real database: migrate, create-user, and the worker's missing-Redis message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_migrate_then_create_user(tmp_path: Path) -> None:
    env = {"CREATIVE4U_DATA_DIR": str(tmp_path), "CREATIVE4U_REDIS_URL": ""}
    assert _run(["migrate"], env).returncode == 0
    created = _run(["create-user", "Someone@Example.com", "--role", "admin"], env)
    assert created.returncode == 0, created.stderr
    assert "created admin someone@example.com" in created.stdout
    password = created.stdout.split("password:")[1].strip()
    assert len(password) >= 10
    again = _run(["create-user", "someone@example.com"], env)
    assert again.returncode == 1 and "already exists" in again.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'creative4u.db'}")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT role, password_hash FROM users")).one()
    engine.dispose()
    assert row[0] == "admin" and row[1].startswith("$argon2id$") and password not in row[1]


def test_worker_without_redis_says_what_to_do(tmp_path: Path) -> None:
    result = _run(["worker"], {"CREATIVE4U_DATA_DIR": str(tmp_path), "CREATIVE4U_REDIS_URL": ""})
    assert result.returncode == 2 and "CREATIVE4U_REDIS_URL" in result.stderr


def test_disable_and_enable_accounts_but_never_the_last_admin(tmp_path: Path) -> None:
    env = {"CREATIVE4U_DATA_DIR": str(tmp_path), "CREATIVE4U_REDIS_URL": ""}
    assert _run(["migrate"], env).returncode == 0
    assert _run(["create-user", "boss@example.com", "--role", "admin"], env).returncode == 0
    assert _run(["create-user", "ads@example.com"], env).returncode == 0
    last = _run(["disable-user", "boss@example.com"], env)
    assert last.returncode == 1 and "last active admin" in last.stderr
    assert _run(["disable-user", "ads@example.com"], env).stdout.strip() == "disabled ads@example.com"
    listed = _run(["list-users"], env).stdout
    assert "ads@example.com\tadvertiser\tdisabled" in listed and "boss@example.com\tadmin\tactive" in listed
    assert _run(["enable-user", "ads@example.com"], env).returncode == 0
    assert "ads@example.com\tadvertiser\tactive" in _run(["list-users"], env).stdout
    unknown = _run(["disable-user", "nobody@example.com"], env)
    assert unknown.returncode == 1 and "no account" in unknown.stderr
