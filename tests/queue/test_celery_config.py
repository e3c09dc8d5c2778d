"""Pins the Celery configuration DESIGN.md requires, as the worker's own app and the web's client see it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.queue import CPU_QUEUE, GPU_QUEUE, JUDGE, START_BATCH, VALIDATE_CREATIVE, celery_config
from app.settings import Settings


def _check(conf: Any, settings: Settings) -> None:
    assert conf["task_serializer"] == "json"
    assert conf["result_serializer"] == "json"
    assert conf["event_serializer"] == "json"
    assert list(conf["accept_content"]) == ["json"]  # nothing else is ever deserialized (no pickle)
    assert conf["task_acks_late"] is True
    assert conf["task_reject_on_worker_lost"] is True
    assert conf["worker_prefetch_multiplier"] == 1
    visibility = settings.visibility_timeout
    # Equal in all three places...
    assert conf["broker_transport_options"]["visibility_timeout"] == visibility
    assert conf["result_backend_transport_options"]["visibility_timeout"] == visibility
    assert conf["visibility_timeout"] == visibility
    # ... and above the hard limit, itself above the soft one; leases outlive the hard limit too.
    assert conf["task_soft_time_limit"] < conf["task_time_limit"] < visibility
    assert settings.lease_seconds > conf["task_time_limit"]
    assert conf["task_routes"][JUDGE]["queue"] == GPU_QUEUE
    assert conf["task_routes"][START_BATCH]["queue"] == GPU_QUEUE
    assert conf["task_routes"][VALIDATE_CREATIVE]["queue"] == CPU_QUEUE
    assert conf["task_ignore_result"] is True and not conf["result_backend"]


def test_defaults_pin_the_reliability_settings() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    _check(celery_config(settings, "redis://127.0.0.1:6379/0"), settings)
    assert settings.visibility_timeout == 900 and settings.task_time_limit == 600


def test_the_worker_app_and_its_transport_use_them(qenv: dict[str, str]) -> None:
    from app.runtime import get_runtime
    from worker.celery_app import create_celery

    settings = get_runtime().settings
    app = create_celery()
    _check(app.conf, settings)
    assert app.conf["broker_transport_options"]["global_keyprefix"] == qenv["CREATIVE4U_REDIS_KEY_PREFIX"]
    # What kombu's Redis channel actually uses for restoring unacked messages.
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        assert channel.visibility_timeout == settings.visibility_timeout
        assert channel.global_keyprefix == qenv["CREATIVE4U_REDIS_KEY_PREFIX"]


def test_tasks_retry_transient_errors_with_capped_backoff(qenv: dict[str, str]) -> None:
    from app.storage import StorageError
    from worker import tasks

    for task in (tasks.judge_task, tasks.start_batch_task, tasks.validate_creative_task):
        assert task.acks_late is True and task.reject_on_worker_lost is True
        assert StorageError in task.autoretry_for and ConnectionError in task.autoretry_for
        assert task.retry_backoff and task.retry_jitter and task.retry_backoff_max <= 60
        assert 0 < task.max_retries <= 10  # finite: a broken dependency cannot retry forever
    assert tasks.judge_task.name == JUDGE


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"task_time_limit": 600, "visibility_timeout": 600}, "visibility_timeout"),
        ({"task_soft_time_limit": 600, "task_time_limit": 600}, "task_soft_time_limit"),
        ({"lease_seconds": 600}, "lease_seconds"),
    ],
)
def test_settings_refuse_timeouts_that_do_not_nest(overrides: dict[str, int], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        Settings(**overrides, _env_file=None)  # type: ignore[arg-type]


def test_importing_the_worker_loads_no_model(qenv: dict[str, str]) -> None:
    """The prefork parent imports the tasks before it forks: nothing there may import torch or touch CUDA."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, worker.tasks, worker.celery_app\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **qenv}, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
