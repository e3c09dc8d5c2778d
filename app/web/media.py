"""The only way images leave the store: by creative id, after an ownership check.

No route takes a path, key or URL from the client; the storage key comes from the database row. Someone
else's creative and a missing one both answer 404.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Response

from app.services import access
from app.services.errors import NotFound
from app.storage import StorageError
from app.web.deps import CurrentUser, DbSession, RowId, RuntimeDep

router = APIRouter(prefix="/media", tags=["media"])
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg"}


def _serve(
    kind: Literal["image", "thumb"], creative_id: int, user: CurrentUser, session: DbSession, rt: RuntimeDep
) -> Response:
    try:
        creative = access.get_creative(session, user, creative_id)
    except NotFound:
        raise HTTPException(404, "No such image.") from None
    key = creative.storage_key if kind == "image" else creative.thumb_key
    if creative.status != "valid" or not key:
        raise HTTPException(404, "No such image.")
    try:
        data = rt.storage.get(key)
    except StorageError:
        raise HTTPException(404, "No such image.") from None
    return Response(
        data,
        media_type=CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream"),
        headers={
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="creative-{creative.id}-{kind}.{key.rsplit(".", 1)[-1]}"',
            "ETag": f'"{key.rsplit("/", 1)[-1].split(".")[0]}"',
        },
    )


@router.get("/creatives/{creative_id}/image", summary="A creative's sanitized image (owner or admin)")
def creative_image(creative_id: RowId, user: CurrentUser, session: DbSession, rt: RuntimeDep) -> Response:
    return _serve("image", creative_id, user, session, rt)


@router.get("/creatives/{creative_id}/thumb", summary="A creative's thumbnail (owner or admin)")
def creative_thumb(creative_id: RowId, user: CurrentUser, session: DbSession, rt: RuntimeDep) -> Response:
    return _serve("thumb", creative_id, user, session, rt)
