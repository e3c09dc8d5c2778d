"""The Celery application of the workers. Configuration comes from app.queue so both sides agree.

Beat (`celery worker -B`, or a separate `celery beat`) sends the reconciler every `reconcile_seconds`.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from app.queue import CPU_QUEUE, RECONCILE, celery_config
from app.runtime import get_runtime


def create_celery() -> Celery:
    runtime = get_runtime()
    celery = Celery("creative4u", include=["worker.tasks"])
    celery.conf.update(celery_config(runtime.settings, runtime.broker_url))
    every = runtime.settings.reconcile_seconds
    celery.conf.beat_schedule = {
        "reconcile": {
            "task": RECONCILE,
            "schedule": float(every),
            # A reconcile nobody ran in time is worthless: let it expire rather than pile up while workers are down.
            "options": {"queue": CPU_QUEUE, "expires": float(2 * every)},
        }
    }
    return celery


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:
    # A forked child must not share the parent's database connections.
    get_runtime().db.engine.dispose(close=False)


celery = create_celery()
