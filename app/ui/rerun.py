"""Re-run a finished batch with another model version (candidate or active). The new verdicts and ranking are
stored beside the old ones (their keys include the comparator version); the progress card then follows the
batch as for a new run, and its Cancel button stops it."""

from __future__ import annotations

from typing import Any

import gradio as gr
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ModelVersion, Ranking, User
from app.services import access, lifecycle
from app.ui.context import UIError, current_user, ui_errors
from app.ui.render import notice

OFFERED = ("active", "candidate")  # retired versions are refused by the service


def version_choices(session: Session, user: User, batch_id: int) -> list[tuple[str, int]]:
    """Versions the batch can be re-run with: active first, then candidates, newest first; versions the batch
    is already ranked with are left out (the service would refuse them)."""
    batch = access.get_batch(session, user, batch_id)
    ranked = set(session.scalars(select(Ranking.comparator_version).where(Ranking.batch_id == batch.id)))
    rows = session.scalars(
        select(ModelVersion).where(ModelVersion.status.in_(OFFERED)).order_by(ModelVersion.id.desc())
    )
    ordered = sorted((m for m in rows if m.comparator_version not in ranked), key=lambda m: m.status != "active")
    return [(f"{m.name} ({m.status}) · {m.comparator_version}", m.id) for m in ordered]


def _version_id(value: Any) -> int:
    if value is None or value == "":
        raise UIError("Choose a model version to re-run the batch with.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UIError("No such model version.") from None


def rerun(batch_id: int | None, version: Any, request: gr.Request) -> str:
    """Queue the batch again under the chosen version; the caller then follows it."""
    rt, user = current_user(request)  # lifecycle opens its own transaction
    if not batch_id:
        raise UIError("Open a batch first.")
    with ui_errors():
        lifecycle.rerun_batch(rt, user, int(batch_id), _version_id(version))
    return notice("Re-running the batch with the chosen model version; the earlier ranking is kept.", "ok")
