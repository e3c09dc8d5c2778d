"""The Celery configuration both sides share, and how the app sends tasks: by name, never importing `worker`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from celery import Celery

from app.settings import Settings

# Task names are the contract between app and worker.
VALIDATE_CREATIVE = "creative4u.validate_creative"
START_BATCH = "creative4u.start_batch"
JUDGE = "creative4u.judge"
RECONCILE = "creative4u.reconcile"
CANARY = "creative4u.canary"

CPU_QUEUE = "cpu"
GPU_QUEUE = "gpu"

ROUTES = {
    VALIDATE_CREATIVE: {"queue": CPU_QUEUE},
    # Starting resolves the comparator version, which only a comparator worker can know (it loads the model).
    START_BATCH: {"queue": GPU_QUEUE},
    RECONCILE: {"queue": CPU_QUEUE},
    JUDGE: {"queue": GPU_QUEUE},
}


def celery_config(settings: Settings, broker_url: str) -> dict[str, Any]:
    """Reliability settings from DESIGN.md; tests/queue/test_celery_config.py pins every one."""
    visibility = {"visibility_timeout": settings.visibility_timeout}
    broker_options: dict[str, Any] = dict(visibility)
    if settings.redis_key_prefix:
        broker_options["global_keyprefix"] = settings.redis_key_prefix
    if settings.unacked_restore_seconds:
        # kombu scans for messages past the visibility timeout every interval * throttle seconds (100 s by default).
        broker_options["unacked_restore_interval"] = settings.unacked_restore_seconds
        broker_options["unacked_restore_throttle"] = 1
    return {
        "broker_url": broker_url,
        "result_backend": None,  # the database is the source of truth; nothing reads results
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "event_serializer": "json",
        # Ack after the work, and requeue when the worker process dies mid-task.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # One message at a time: a GPU batch is long, and prefetched messages would wait behind it.
        "worker_prefetch_multiplier": 1,
        # The visibility timeout must agree in all three places and exceed the hard time limit.
        "broker_transport_options": broker_options,
        "result_backend_transport_options": dict(visibility),
        "visibility_timeout": settings.visibility_timeout,
        "task_time_limit": settings.task_time_limit,
        "task_soft_time_limit": settings.task_soft_time_limit,
        "task_routes": ROUTES,
        "task_default_queue": CPU_QUEUE,
        "broker_connection_retry_on_startup": True,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_hijack_root_logger": False,
        "task_send_sent_event": False,
        "timezone": "UTC",
    }


@lru_cache(maxsize=4)
def _client(broker_url: str, settings_json: str) -> Celery:
    settings = Settings.model_validate_json(settings_json)
    client = Celery("creative4u-client")
    client.conf.update(celery_config(settings, broker_url))
    return client


def send(settings: Settings, broker_url: str, name: str, *args: Any, **options: Any) -> None:
    """Send a task by name. Callers commit their database rows first, then send (DESIGN.md)."""
    client = _client(broker_url, settings.model_dump_json())
    client.send_task(name, args=list(args), **options)
