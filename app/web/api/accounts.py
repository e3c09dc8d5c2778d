"""Who am I, and my API tokens (the admin API is app.web.api.admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from app.services import auth
from app.web.api.schemas import TokenCreate, TokenCreated, TokenOut, UserOut
from app.web.deps import CurrentUser, DbSession, RowId

router = APIRouter(tags=["account"])


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
def revoke_token(token_id: RowId, user: CurrentUser, session: DbSession) -> None:
    if not auth.revoke_api_token(session, user, token_id):
        raise HTTPException(404, "No such token.")
    session.commit()
