"""Who am I, my API tokens, and the admin API (users; dataset exports)."""

from __future__ import annotations

import importlib.util
from typing import Any

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from app.models import User
from app.services import auth, users
from app.web.api.schemas import Message, TokenCreate, TokenCreated, TokenOut, UserCreate, UserOut, UserUpdate
from app.web.deps import AdminUser, CurrentUser, DbSession

router = APIRouter(tags=["account"])
admin = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> Any:
    return user


@router.get("/tokens", response_model=list[TokenOut], summary="Your live API tokens (the secrets are never shown)")
def list_tokens(user: CurrentUser, session: DbSession) -> Any:
    return auth.list_api_tokens(session, user)


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, user: CurrentUser, session: DbSession) -> Any:
    token = auth.create_api_token(session, user, body.name)
    session.commit()
    row = auth.list_api_tokens(session, user)[-1]
    return TokenCreated(id=row.id, name=row.name, token=token)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: int, user: CurrentUser, session: DbSession) -> None:
    if not auth.revoke_api_token(session, user, token_id):
        raise HTTPException(404, "No such token.")
    session.commit()


@admin.get("/users", response_model=list[UserOut])
def list_users(_: AdminUser, session: DbSession) -> Any:
    return list(session.scalars(select(User).order_by(User.id)))


@admin.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, _: AdminUser, session: DbSession) -> Any:
    user = users.create_user(session, body.email, body.password, role=body.role, display_name=body.display_name)
    session.commit()
    return user


@admin.patch("/users/{user_id}", response_model=UserOut, summary="Disable (or re-enable) an account")
def update_user(user_id: int, body: UserUpdate, me: AdminUser, session: DbSession) -> Any:
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(404, "No such user.")
    if user.id == me.id and not body.is_active:
        raise HTTPException(status.HTTP_409_CONFLICT, "You cannot disable your own account.")
    if user.is_admin and user.is_active and not body.is_active and users.count_admins(session) <= 1:
        raise HTTPException(status.HTTP_409_CONFLICT, "This is the last active admin.")
    users.set_active(session, user, body.is_active)  # disabling revokes the user's sessions at once
    session.commit()
    return user


@admin.post(
    "/exports",
    response_model=Message,
    status_code=status.HTTP_202_ACCEPTED,
    responses={501: {"model": Message}},
    summary="Export feedback and outcomes for training (admins)",
)
def create_export(me: AdminUser, session: DbSession) -> Any:
    if importlib.util.find_spec("app.services.exports") is None:
        raise HTTPException(
            status.HTTP_501_NOT_IMPLEMENTED, "Dataset export is not available in this build yet (app.services.exports)."
        )
    from app.services import exports  # type: ignore[attr-defined]

    result = exports.create_export(session, me)
    session.commit()
    return Message(detail=f"export {getattr(result, 'id', '')} created")
