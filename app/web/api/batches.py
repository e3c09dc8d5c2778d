"""Batches: create, list with search (the history), read, upload files (many, or zips), and the cost estimate.

Starting, cancelling and re-running live in app.web.api.runs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.models import Batch, Creative
from app.runtime import Runtime
from app.services import access, results, uploads
from app.web.api.schemas import BatchCreate, BatchList, BatchOut, CreativeOut, FileResult, UploadOut
from app.web.deps import CurrentUser, DbSession, RowId, RuntimeDep
from app.web.uploadfiles import ArchiveRefused, Candidate, check_archive, is_zip, open_zip, read_zip

router = APIRouter(prefix="/batches", tags=["batches"])
UPLOAD_REQUEST_FILES = 10  # an upload request may carry up to this many times the per-file limit


def upload_request_limit(max_upload_bytes: int) -> int:
    return max_upload_bytes * UPLOAD_REQUEST_FILES


def estimate_calls(batch: Batch, n: int) -> int:
    """Model calls the batch will cost, from the selector's own planner (lazy: no heavy import at start)."""
    try:
        from selector.ranking import StrategyConfig
        from selector.ranking import estimate_calls as estimate

        cfg = StrategyConfig(strategy=batch.strategy, top_k=batch.top_k, budget_calls=batch.budget_calls)  # type: ignore[arg-type]
        return int(estimate(cfg, n))
    except (ImportError, ValueError, TypeError):
        return n * (n - 1)


def _count(session: Session, batch_id: int, *statuses: str) -> int:
    stmt = select(func.count()).select_from(Creative).where(Creative.batch_id == batch_id)
    if statuses:
        stmt = stmt.where(Creative.status.in_(statuses))
    return session.scalar(stmt) or 0


@router.get("", response_model=BatchList, summary="Your batches, newest first; search by name, title or status")
def list_batches(
    user: CurrentUser,
    session: DbSession,
    search: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    items = results.list_batches(session, user, search=search, limit=limit, offset=offset)
    return {"items": items, "limit": limit, "offset": offset}


@router.post("", response_model=BatchOut, status_code=status.HTTP_201_CREATED, summary="Create a batch")
def create_batch(body: BatchCreate, user: CurrentUser, session: DbSession) -> Any:
    batch = uploads.create_batch(
        session,
        user,
        body.product_title,
        body.queries,
        name=body.name,
        strategy=body.strategy,
        top_k=body.top_k,
        budget_calls=body.budget_calls,
        language=body.language,
    )
    session.commit()
    return results.batch_summary(session, user, batch.id)


@router.get("/{batch_id}", response_model=BatchOut)
def get_batch(batch_id: RowId, user: CurrentUser, session: DbSession) -> Any:
    return results.batch_summary(session, user, batch_id)


@router.get("/{batch_id}/creatives", response_model=list[CreativeOut])
def list_creatives(batch_id: RowId, user: CurrentUser, session: DbSession) -> Any:
    return results.creatives(session, user, batch_id)


@router.get("/{batch_id}/estimate", summary="Model calls the batch will cost with its strategy")
def get_estimate(batch_id: RowId, user: CurrentUser, session: DbSession) -> dict[str, int]:
    batch = access.get_batch(session, user, batch_id)
    n = _count(session, batch.id, "pending", "valid")
    return {"batch_id": batch.id, "n_creatives": n, "estimated_calls": estimate_calls(batch, n)}


MULTIPART_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    "required": ["files"],
                }
            }
        },
    }
}


async def _read_candidates(files: list[UploadFile], rt: Runtime, capacity: int) -> list[Candidate]:
    """Every candidate image of the request, in memory (bounded by the request limit), before storing any."""
    settings = rt.settings
    max_file, max_total = settings.max_upload_bytes, upload_request_limit(settings.max_upload_bytes)
    out: list[Candidate] = []
    planned = 0
    for upload in files:
        name = (upload.filename or "unnamed").replace("\\", "/").rsplit("/", 1)[-1][:255]
        head = await upload.read(4)
        await upload.seek(0)
        if not is_zip(head):
            data = await upload.read(max_file + 1)  # bounded; add_upload names the file when it is over
            out.append(Candidate(name, data, None))
            planned += 1
        else:
            try:
                zf = open_zip(name, await upload.read(max_total + 1))
                planned += check_archive(name, zf, settings.max_files_per_batch, max_total)
                members = list(read_zip(name, zf, max_file, max_total))
            except ArchiveRefused as refused:
                out.append(Candidate(name, None, str(refused)))
                continue
            out.extend(members)
        if planned > capacity:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"Too many images: this batch can take {capacity} more (the limit is "
                f"{settings.max_files_per_batch} per batch). Nothing was stored.",
            )
    return out


@router.post(
    "/{batch_id}/files",
    response_model=UploadOut,
    openapi_extra=MULTIPART_DOC,
    summary="Upload images (multipart field 'files'; many files, or zips of images)",
)
async def upload_files(batch_id: RowId, request: Request, user: CurrentUser, session: DbSession, rt: RuntimeDep) -> Any:
    batch = await run_in_threadpool(access.get_batch, session, user, batch_id)
    if batch.status != "draft":
        raise HTTPException(status.HTTP_409_CONFLICT, "This batch has started; create a new batch to add images.")
    limit = rt.settings.max_files_per_batch
    try:
        form = await request.form(max_files=limit, max_fields=20)
    except StarletteHTTPException as error:
        if "too many files" in str(error.detail).lower():
            raise HTTPException(
                413, f"Too many files in one request (the limit is {limit}). Nothing was stored."
            ) from None
        raise
    try:
        files = [v for v in form.getlist("files") if isinstance(v, UploadFile)]
        if not files:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "Send the images as multipart field 'files'.")
        existing = await run_in_threadpool(_count, session, batch.id)
        candidates = await _read_candidates(files, rt, limit - existing)
    finally:
        await form.close()

    def store() -> tuple[list[FileResult], list[FileResult]]:
        accepted: list[FileResult] = []
        rejected: list[FileResult] = []
        for c in candidates:
            if c.data is None:
                rejected.append(FileResult(filename=c.filename, creative_id=None, error=c.error))
                continue
            r = uploads.add_upload(session, rt.storage, rt.settings, batch, c.filename, c.data)
            (accepted if r.error is None else rejected).append(FileResult(**r.__dict__))
        session.commit()
        return accepted, rejected

    accepted, rejected = await run_in_threadpool(store)
    n = await run_in_threadpool(_count, session, batch.id, "pending", "valid")
    return UploadOut(
        batch_id=batch.id, accepted=accepted, rejected=rejected, n_creatives=n, estimated_calls=estimate_calls(batch, n)
    )
