"""Real click outcomes for a batch: import a CSV of impressions and clicks, and see how often the model agreed
with the CTR winner. The import is all-or-nothing; a refused file comes back with every row's problem."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.services import outcomes
from app.web.deps import CurrentUser, DbSession, RowId

router = APIRouter(tags=["outcomes"])
MAX_CSV_BYTES = 1024 * 1024  # the host caps non-upload request bodies at 1 MiB too


class RowErrorOut(BaseModel):
    row: int
    column: str
    reason: str


class ImportOut(BaseModel):
    batch_id: int
    inserted: int
    replaced: int
    labelled_pairs: int


class ImportRefused(BaseModel):
    detail: str
    errors: list[RowErrorOut]


class PairAgreementOut(BaseModel):
    winner_id: int
    loser_id: int
    winner_ctr: float
    loser_ctr: float
    model_p_winner: float | None
    verdict: str


class AgreementOut(BaseModel):
    batch_id: int
    comparator_version: str
    labelled: int
    judged: int
    agreed: int
    disagreed: int
    ties: int
    summary: str
    pairs: list[PairAgreementOut]


@router.post(
    "/batches/{batch_id}/outcomes",
    response_model=ImportOut,
    responses={400: {"model": ImportRefused}},
    summary="Import impressions and clicks (CSV: creative_id or filename, impressions, clicks[, conversions, period])",
)
async def import_outcomes(
    batch_id: RowId,
    user: CurrentUser,
    session: DbSession,
    file: Annotated[UploadFile, File(description="CSV with a header row")],
    source: Annotated[str, Form(max_length=60)] = "csv",
) -> Any:
    data = await file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        return JSONResponse(
            {"detail": f"The file is over {MAX_CSV_BYTES // 2**20} MiB.", "errors": []},
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    try:
        result = outcomes.import_csv(session, user, batch_id, data, source=source)
    except outcomes.OutcomeImportError as error:
        session.rollback()
        errors = [RowErrorOut(row=e.row, column=e.column, reason=e.reason).model_dump() for e in error.errors]
        return JSONResponse({"detail": str(error), "errors": errors}, status.HTTP_400_BAD_REQUEST)
    session.commit()
    return ImportOut(**result.__dict__)


@router.get(
    "/batches/{batch_id}/outcomes", response_model=AgreementOut, summary="CTR-labelled pairs beside the verdicts"
)
def outcome_agreement(batch_id: RowId, user: CurrentUser, session: DbSession) -> Any:
    agreement = outcomes.outcome_agreement(session, batch_id, user=user)
    fields = {k: v for k, v in agreement.__dict__.items() if k != "pairs"}
    return AgreementOut(
        **fields, summary=agreement.summary, pairs=[PairAgreementOut(**p.__dict__) for p in agreement.pairs]
    )
