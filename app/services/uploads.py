"""Batch creation and uploads: quarantine what arrives, validate it on a worker, keep the sanitized copy."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.images import ImageLimits, ImageRejected, load_image, make_thumbnail, sniff_format
from app.models import Batch, Creative, User, utcnow
from app.services.errors import InvalidInput, NotFound
from app.settings import Settings
from app.storage import Storage

MAX_QUERIES = 50


@dataclass(frozen=True)
class UploadResult:
    filename: str
    creative_id: int | None
    error: str | None


def clean_queries(text_or_list: str | list[str]) -> list[str]:
    """One query per line (or a pasted search-terms column): trimmed, deduplicated, order kept."""
    lines = text_or_list.splitlines() if isinstance(text_or_list, str) else list(text_or_list)
    seen: dict[str, None] = {}
    for line in lines:
        query = " ".join(line.replace("\t", " ").split())[:200]
        if query and query.lower() not in {q.lower() for q in seen}:
            seen[query] = None
    return list(seen)[:MAX_QUERIES]


def check_strategy(strategy: str, top_k: int, budget_calls: int | None) -> None:
    """What a batch may ask for, for new batches and for drafts whose settings change."""
    if strategy not in ("round_robin", "knockout", "top_k"):
        raise InvalidInput(f"Unknown strategy {strategy!r}.")
    if top_k < 1:
        raise InvalidInput("top k must be at least 1.")
    if budget_calls is not None and budget_calls < 2:
        raise InvalidInput("The budget must allow at least 2 model calls (one pair in both orders).")


def create_batch(
    session: Session,
    owner: User,
    product_title: str,
    queries: str | list[str],
    *,
    name: str = "",
    strategy: str = "top_k",
    top_k: int = 1,
    budget_calls: int | None = None,
    language: str = "en",
) -> Batch:
    title = " ".join(product_title.split())
    if not title:
        raise InvalidInput("The product title is required.")
    if len(title) > 500:
        raise InvalidInput("The product title is longer than 500 characters.")
    check_strategy(strategy, top_k, budget_calls)
    batch = Batch(
        owner_id=owner.id,
        name=name.strip()[:200] or title[:60],
        product_title=title,
        queries=clean_queries(queries),
        strategy=strategy,
        top_k=top_k,
        budget_calls=budget_calls,
        language=language if language in ("en", "zh") else "en",
        status="draft",
    )
    session.add(batch)
    session.flush()
    return batch


def add_upload(
    session: Session, storage: Storage, settings: Settings, batch: Batch, filename: str, data: bytes
) -> UploadResult:
    """Quarantine one file. Cheap checks now (size, format sniff) so the person hears at once; full decoding
    happens on a worker. A rejected file stores nothing."""
    name = (filename or "unnamed").replace("\\", "/").rsplit("/", 1)[-1][:255]
    if batch.status not in ("draft", "validating"):
        raise InvalidInput("This batch has started; create a new batch to add images.")
    if not data:
        return UploadResult(name, None, f"{name}: the file is empty.")
    if len(data) > settings.max_upload_bytes:
        limit_mb = settings.max_upload_bytes / 1024 / 1024
        return UploadResult(
            name, None, f"{name}: {len(data) / 1024 / 1024:.1f} MB is over the {limit_mb:.0f} MB limit."
        )
    fmt = sniff_format(data)
    if fmt not in image_limits(settings).formats:
        found = f" (it looks like {fmt})" if fmt else ""
        return UploadResult(name, None, f"{name}: not a JPEG, PNG, WebP or GIF image{found}.")
    count = session.scalar(select(func.count()).select_from(Creative).where(Creative.batch_id == batch.id)) or 0
    if count >= settings.max_files_per_batch:
        return UploadResult(name, None, f"{name}: the batch already has {count} images (the limit).")
    sha = hashlib.sha256(data).hexdigest()
    duplicate = session.scalar(select(Creative).where(Creative.batch_id == batch.id, Creative.upload_sha256 == sha))
    if duplicate is not None:
        return UploadResult(name, None, f"{name}: the same file is already in this batch ({duplicate.filename}).")
    key, _ = storage.put("uploads", data, "bin")
    creative = Creative(batch_id=batch.id, filename=name, upload_sha256=sha, upload_key=key, upload_bytes=len(data))
    session.add(creative)
    session.flush()
    return UploadResult(name, creative.id, None)


def image_limits(settings: Settings) -> ImageLimits:
    return ImageLimits(max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels)


def validate_creative(session: Session, storage: Storage, settings: Settings, creative_id: int) -> Creative:
    """Decode with the hardened loader, store the sanitized copy and a thumbnail. Idempotent.

    Storage errors propagate (transient: the task retries); a bad image is a permanent outcome recorded on
    the row.
    """
    creative = session.get(Creative, creative_id)
    if creative is None:
        raise NotFound(f"creative {creative_id}")
    if creative.status != "pending":
        return creative
    data = storage.get(creative.upload_key)
    try:
        loaded = load_image(data, image_limits(settings))
    except ImageRejected as rejected:
        creative.status = "rejected"
        creative.error = f"{creative.filename}: {rejected.message}"
        creative.validated_at = utcnow()
        return creative
    ext = "jpg" if loaded.format == "JPEG" else "png"
    creative.storage_key, creative.sha256 = storage.put("images", loaded.data, ext)
    creative.thumb_key, _ = storage.put("thumbs", make_thumbnail(loaded.image), "jpg")
    creative.size_bytes = len(loaded.data)
    creative.width, creative.height, creative.format = loaded.width, loaded.height, loaded.format
    creative.status = "valid"
    creative.validated_at = utcnow()
    return creative


def pending_count(session: Session, batch_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Creative)
            .where(Creative.batch_id == batch_id, Creative.status == "pending")
        )
        or 0
    )
