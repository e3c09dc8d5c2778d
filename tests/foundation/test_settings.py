"""A bad setting stops start-up with one clear line; defaults run on a laptop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import Settings, describe_error


def test_defaults_are_embedded(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve() / 'creative4u.db'}"
    assert settings.redis_url == ""
    assert settings.comparator_kind == "features"
    assert settings.media_location == str((tmp_path / "media").resolve())


def test_postgres_url_gets_the_psycopg_driver() -> None:
    settings = Settings(database_url="postgresql://u@db/x", _env_file=None)  # type: ignore[call-arg]
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@db/x"


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("port", "seventy", "CREATIVE4U_PORT"),
        ("database_url", "mysql://x", "CREATIVE4U_DATABASE_URL"),
        ("redis_url", "http://x", "CREATIVE4U_REDIS_URL"),
    ],
)
def test_errors_name_the_variable(field: str, value: str, needle: str) -> None:
    with pytest.raises(ValidationError) as info:
        Settings(**{field: value}, _env_file=None)  # type: ignore[arg-type]
    line = describe_error(info.value)
    assert needle in line and "\n" not in line


def test_timeouts_must_nest() -> None:
    with pytest.raises(ValidationError, match="visibility_timeout"):
        Settings(task_time_limit=600, visibility_timeout=300, _env_file=None)  # type: ignore[call-arg]


def test_cli_reports_bad_setting_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "CREATIVE4U_PORT": "not-a-port", "CREATIVE4U_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "CREATIVE4U_PORT" in lines[0]
    assert "Traceback" not in result.stderr
