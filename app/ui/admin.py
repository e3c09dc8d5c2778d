"""Admin tab: accounts (create, disable), queue health and a canary, model versions.

The tab is only shown to admins, and every handler re-checks the role on the server: an advertiser calling
these events directly is refused before anything is read.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from sqlalchemy import select

from app.models import ModelVersion, User
from app.queue import CPU_QUEUE, GPU_QUEUE
from app.services import lifecycle, users
from app.ui.context import UIError, current_user, require_admin, ui_errors
from app.ui.render import empty, esc, notice, when


def _users_table(rows: list[User]) -> str:
    body = "".join(
        f"<tr><td>{u.id}</td><td>{esc(u.email)}</td><td>{esc(u.role)}</td>"
        f"<td>{'active' if u.is_active else '<b>disabled</b>'}</td><td>{when(u.last_login_at)}</td></tr>"
        for u in rows
    )
    return (
        '<table class="c4u-table"><thead><tr><th>id</th><th>email</th><th>role</th><th>status</th>'
        f"<th>last login</th></tr></thead><tbody>{body}</tbody></table>"
    )


def users_panel(request: gr.Request) -> str:
    rt, _ = current_user(request, admin=True)
    with rt.db.session() as session:
        require_admin(session, request)
        return _users_table(list(session.scalars(select(User).order_by(User.id))))


def create_user(email: str, password: str, role: str, request: gr.Request) -> tuple[str, str]:
    rt, _ = current_user(request, admin=True)
    with rt.db.transaction() as session, ui_errors():
        require_admin(session, request)
        user = users.create_user(session, email or "", password or "", role=role or "advertiser")
        message = notice(f"Created {user.email} ({user.role}).", "ok")
    return message, users_panel(request)


def set_active(email: str, active: bool, request: gr.Request) -> tuple[str, str]:
    rt, _ = current_user(request, admin=True)
    with rt.db.transaction() as session, ui_errors():
        me = require_admin(session, request)
        user = users.find_user(session, email or "")
        if user is None:
            raise UIError("No such user.")
        if user.id == me.id and not active:
            raise UIError("You cannot disable your own account.")
        if user.is_admin and user.is_active and not active and users.count_admins(session) <= 1:
            raise UIError("This is the last active admin.")
        users.set_active(session, user, active)  # disabling revokes the user's sessions at once
        message = notice(f"{user.email} is now {'active' if active else 'disabled'}.", "ok")
    return message, users_panel(request)


def queue_panel(request: gr.Request) -> str:
    rt, _ = current_user(request, admin=True)
    with ui_errors():
        try:
            health = lifecycle.queue_health(rt)
        except Exception as error:  # Redis down is exactly what this page must show, not crash on
            return notice(f"Queue unreachable: {type(error).__name__}: {error}", "error")
    depths = " · ".join(f"{esc(q)}: <b>{n}</b> waiting" for q, n in health.depths.items())
    open_ = " · ".join(f"{esc(s)}: <b>{n}</b>" for s, n in health.open_comparisons.items()) or "none"
    workers = "".join(
        f"<tr><td>{esc(w.worker)}</td><td>{w.done}</td><td>{w.per_minute}</td><td>{esc(w.last_at)}</td></tr>"
        for w in health.workers
    )
    table = (
        '<table class="c4u-table"><thead><tr><th>worker</th><th>calls done</th><th>per minute</th><th>last</th>'
        f"</tr></thead><tbody>{workers}</tbody></table>"
        if workers
        else empty(f"No worker finished a comparison in the last {health.window_minutes} minutes.")
    )
    return (
        f"<p>{depths} · held by workers: <b>{health.unacked}</b></p><p>Open comparisons: {open_} · "
        f"expired leases: <b>{health.expired_leases}</b></p>{table}"
    )


def canary(queue: str, request: gr.Request) -> str:
    rt, _ = current_user(request, admin=True)
    if queue not in (CPU_QUEUE, GPU_QUEUE):
        raise UIError("Unknown queue.")
    with ui_errors():
        seconds = lifecycle.run_canary(rt, queue=queue, timeout=15.0)
    if seconds is None:
        return notice(f"No worker ran the canary on the {queue} queue within 15 s.", "error")
    return notice(f"A worker on the {queue} queue answered in {seconds:.2f} s.", "ok")


def _evaluation(evaluation: dict[str, Any] | None) -> str:
    """The stored evaluation in one line (the full side by side is shown when evaluating)."""
    if not evaluation:
        return "not evaluated"
    cand = evaluation.get("candidate") or {}
    accuracy, agreement = cand.get("accuracy"), cand.get("order_agreement")
    figures = [f"accuracy {accuracy:.2f}" if isinstance(accuracy, float | int) else ""]
    figures.append(f"order agreement {agreement:.2f}" if isinstance(agreement, float | int) else "")
    figures.append(f"on {evaluation.get('pairs', 0)} held-out pairs")
    at = str(evaluation.get("evaluated_at") or "")[:16].replace("T", " ")
    return " · ".join(f for f in figures if f) + (f" ({at} UTC)" if at else "")


def models_panel(request: gr.Request) -> str:
    rt, _ = current_user(request, admin=True)
    with rt.db.session() as session:
        require_admin(session, request)
        rows = list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))
    if not rows:
        kind = rt.settings.comparator_kind
        return empty(f"No registered model versions; workers use the {kind} comparator by default.")
    body = "".join(
        f"<tr><td>{m.id}</td><td>{esc(m.name)}</td><td>{esc(m.backend)}</td><td>{esc(m.comparator_version)}</td>"
        f"<td>{esc(m.status)}</td><td>{esc(_evaluation(m.evaluation))}</td><td>{when(m.created_at)}</td></tr>"
        for m in rows
    )
    return (
        '<table class="c4u-table"><thead><tr><th>id</th><th>name</th><th>backend</th><th>version</th>'
        f"<th>status</th><th>evaluation</th><th>created</th></tr></thead><tbody>{body}</tbody></table>"
    )


def disable(email: str, request: gr.Request) -> tuple[str, str]:
    return set_active(email, False, request)


def enable(email: str, request: gr.Request) -> tuple[str, str]:
    return set_active(email, True, request)


def export_dataset(test_fraction: float | None, request: gr.Request) -> str:
    """Labelled pairs (CTR outcomes and feedback) as a training dataset, with the default label rule."""
    from app.services import exports  # only admins reach it; keeps the UI's import light

    rt, _ = current_user(request, admin=True)
    with rt.db.transaction() as session, ui_errors():
        me = require_admin(session, request)
        fraction = 0.2 if test_fraction is None else float(test_fraction)
        result = exports.create_export(session, me, exports.ExportFilters(test_fraction=fraction))
        pairs = result.counts.get("pairs", {})
    return notice(
        f"Export {result.id}: {pairs.get('total', 0)} labelled pairs ({pairs.get('train', 0)} train, "
        f"{pairs.get('test', 0)} test), written on the server.",
        "ok",
    )
