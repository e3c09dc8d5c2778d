"""New batch: dropped images or zips, the brief and the strategy become a draft batch; each file is accepted or
named with its reason; the cost in model calls is shown before the person starts.

Uploaded files arrive in Gradio's upload cache; they are read once into the content-addressed store (through
the same upload service as the REST API) and deleted from the cache at once, so no image is ever served from
there. The draft's id lives in server-side session state; every event re-checks it against the current user.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import gradio as gr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Batch, Creative
from app.services import access, lifecycle, uploads
from app.settings import Settings
from app.ui.context import UIError, current_user, reading, ui_errors, writing
from app.ui.queries import estimate_calls, parse_queries, update_draft
from app.ui.render import esc, notice
from app.web.uploadfiles import ArchiveRefused, Candidate, check_archive, is_zip, open_zip, read_zip, zip_members

STRATEGIES = [("Best one (knockout)", "knockout"), ("Top k", "top_k"), ("Full ranking (every pair)", "round_robin")]
REQUEST_FILES = 10  # as the REST API: one upload may carry up to this many times the per-file limit


def file_paths(files: Any) -> list[str]:
    """Gradio hands a list of cache paths (or file objects with .name / dicts with 'path')."""
    out: list[str] = []
    for f in files or []:
        path = f if isinstance(f, str) else getattr(f, "name", None) or (f.get("path") if isinstance(f, dict) else None)
        if isinstance(path, str):
            out.append(path)
    return out


def _in_upload_cache(path: str) -> bool:
    cache = Path(gr.utils.get_upload_folder()).resolve()
    try:
        return Path(path).resolve().is_relative_to(cache)
    except OSError:
        return False


def discard(paths: list[str]) -> None:
    """Delete uploads from Gradio's cache (only there): the stored copy is the only one that is served."""
    for path in paths:
        if _in_upload_cache(path):
            with contextlib.suppress(OSError):
                os.remove(path)


def count_images(paths: list[str]) -> int:
    """How many images the dropped files hold (zip members counted without inflating them)."""
    n = 0
    for path in paths:
        try:
            with open(path, "rb") as handle:
                head = handle.read(4)
            if is_zip(head):
                with open_zip(Path(path).name, Path(path).read_bytes()) as zf:
                    n += len(zip_members(zf))
            else:
                n += 1
        except (OSError, ArchiveRefused):
            n += 1
    return n


def read_candidates(paths: list[str], settings: Settings) -> list[Candidate]:
    """Every candidate image, bounded as the REST upload is: a file over the limit is named, not read whole."""
    max_file = settings.max_upload_bytes
    max_total = max_file * REQUEST_FILES
    out: list[Candidate] = []
    for path in paths:
        name = Path(path).name[:255]
        with open(path, "rb") as handle:
            head = handle.read(4)
            handle.seek(0)
            if not is_zip(head):
                out.append(Candidate(name, handle.read(max_file + 1), None))
                continue
            data = handle.read(max_total + 1)
        try:
            with open_zip(name, data) as zf:
                check_archive(name, zf, settings.max_files_per_batch, max_total)
                out.extend(read_zip(name, zf, max_file, max_total))
        except ArchiveRefused as refused:
            out.append(Candidate(name, None, str(refused)))
    return out


def _budget(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        budget = int(value)
    except (TypeError, ValueError):
        raise UIError("The budget must be a whole number of model calls.") from None
    return budget if budget > 0 else None


def _count(session: Session, batch_id: int) -> int:
    stmt = select(func.count()).select_from(Creative).where(Creative.batch_id == batch_id)
    return session.scalar(stmt.where(Creative.status.in_(("pending", "valid")))) or 0


def _cost_html(n: int, strategy: str, top_k: int, budget: int | None) -> str:
    if n < 2:
        return notice("Add at least two images to see what the batch will cost.")
    calls = estimate_calls(strategy, top_k, budget, n)
    pairs = n * (n - 1) // 2
    return (
        f'<div class="c4u-cost"><b>{n}</b> images · <b>{calls}</b> model calls '
        f'<span class="c4u-sub">(every pair asked in both orders; all {pairs} pairs would take '
        f"{pairs * 2} calls)</span></div>"
    )


def estimate(
    files: Any, strategy: str, top_k: float | None, budget: Any, draft_id: int | None, request: gr.Request
) -> str:
    """The cost line under the form: images already in the draft plus the files waiting to be uploaded."""
    n = count_images(file_paths(files))
    if draft_id:
        with reading(request) as (_rt, session, user):
            batch = access.get_batch(session, user, int(draft_id))
            n += _count(session, batch.id) if batch.status == "draft" else 0
    return _cost_html(n, strategy, max(1, int(top_k or 1)), _budget(budget))


def _report(batch: Batch, accepted: list[str], rejected: list[str], n: int) -> str:
    ok = "".join(f"<li>{esc(name)}</li>" for name in accepted)
    bad = "".join(f"<li>{esc(reason)}</li>" for reason in rejected)
    parts = [f'<div class="c4u-report"><h4>Draft batch #{batch.id}: {esc(batch.product_title)}</h4>']
    if accepted:
        parts.append(f'<p class="c4u-ok">Accepted {len(accepted)} file(s):</p><ul class="c4u-files">{ok}</ul>')
    if rejected:
        parts.append(
            f'<p class="c4u-bad">Rejected {len(rejected)} file(s) (nothing of them was kept):</p>'
            f'<ul class="c4u-files c4u-rejected">{bad}</ul>'
        )
    parts.append(
        f'<p class="c4u-sub">{n} image(s) in this draft so far. Add more files, or start the ranking. '
        "Each image is checked in full (decoded safely) when the batch starts.</p></div>"
    )
    return "".join(parts)


def upload(
    files: Any,
    title: str,
    queries: str,
    strategy: str,
    top_k: float | None,
    budget: Any,
    draft_id: int | None,
    request: gr.Request,
) -> tuple[int, str, Any, str]:
    """Create the draft (or add to it) and store every acceptable file. Returns the draft id, the report, a
    cleared file box, and the cost line."""
    paths = file_paths(files)
    try:
        if not paths:
            raise UIError("Drop some images (or a zip of images) first.")
        k, cap = max(1, int(top_k or 1)), _budget(budget)
        # Read (and unzip) before the transaction: on SQLite it holds the write lock that workers wait for.
        candidates = read_candidates(paths, current_user(request)[0].settings)
        with writing(request) as (rt, session, user):
            batch = None
            if draft_id:
                batch = access.get_batch(session, user, int(draft_id))
                if batch.status != "draft":
                    batch = None  # started meanwhile: these files begin a new batch
            if batch is None:
                batch = uploads.create_batch(
                    session, user, title or "", parse_queries(queries or ""), strategy=strategy, top_k=k,
                    budget_calls=cap,
                )  # fmt: skip
            else:
                update_draft(session, user, batch.id, strategy, k, cap)
            accepted, rejected = [], []
            for c in candidates:
                if c.data is None:
                    rejected.append(c.error or f"{c.filename}: refused.")
                    continue
                result = uploads.add_upload(session, rt.storage, rt.settings, batch, c.filename, c.data)
                if result.error is None:
                    accepted.append(result.filename)
                else:
                    rejected.append(result.error)
            n = _count(session, batch.id)
            report = _report(batch, accepted, rejected, n)
            return batch.id, report, None, _cost_html(n, strategy, k, cap)
    finally:
        discard(paths)


def start(
    draft_id: int | None, title: str, queries: str, strategy: str, top_k: float | None, budget: Any, request: gr.Request
) -> tuple[int, None, str]:
    """Start the draft: its settings as the form shows them now, then validation and ranking on the workers.
    Returns the batch to follow, a cleared draft, and a message."""
    if not draft_id:
        raise UIError("Upload the images first.")
    k, cap = max(1, int(top_k or 1)), _budget(budget)
    with writing(request) as (_rt, session, user):
        batch = update_draft(session, user, int(draft_id), strategy, k, cap)
        cleaned = " ".join((title or "").split())
        if cleaned:
            batch.product_title = cleaned[:500]
        if queries and queries.strip():
            batch.queries = parse_queries(queries)
        if _count(session, batch.id) < 2:
            raise UIError("Upload at least two images before starting.")
        batch_id = batch.id
    rt, user = current_user(request)
    with ui_errors():
        lifecycle.submit_batch(rt, user, batch_id)
    return batch_id, None, notice(f"Batch #{batch_id} started. Follow it on the Batch tab.", "ok")
