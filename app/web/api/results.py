"""Progress, results, comparison detail (both orders), exports and feedback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse, Response

from app.services import access, feedback, results
from app.web.api.schemas import (
    CreativeOut,
    FeedbackIn,
    FeedbackOut,
    OrderOut,
    PairOut,
    ProgressOut,
    RankingFeedbackIn,
    ResultsOut,
)
from app.web.deps import CurrentUser, DbSession, RowId

router = APIRouter(tags=["results"])


@router.get("/batches/{batch_id}/progress", response_model=ProgressOut, summary="Status and progress (poll this)")
def get_progress(batch_id: RowId, user: CurrentUser, session: DbSession) -> Any:
    return results.progress(session, user, batch_id)


@router.get("/batches/{batch_id}/results", response_model=ResultsOut, summary="Ranking entries and win matrix")
def get_results(batch_id: RowId, user: CurrentUser, session: DbSession) -> Any:
    return results.results(session, user, batch_id)


@router.get("/batches/{batch_id}/comparisons", response_model=list[OrderOut], summary="Every model call")
def list_comparisons(
    batch_id: RowId, user: CurrentUser, session: DbSession, limit: Annotated[int, Query(ge=1, le=5000)] = 500
) -> Any:
    return results.list_comparisons(session, user, batch_id, limit=limit)


@router.get("/batches/{batch_id}/export.csv", response_class=Response, summary="Ranking as CSV")
def export_csv(batch_id: RowId, user: CurrentUser, session: DbSession) -> Response:
    text = results.export_csv(session, user, batch_id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-ranking.csv"'},
    )


@router.get("/batches/{batch_id}/export.json", summary="Batch, ranking and every comparison as JSON")
def export_json(batch_id: RowId, user: CurrentUser, session: DbSession) -> JSONResponse:
    data = results.export_json(session, user, batch_id)
    return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}.json"'})


@router.get("/batches/{batch_id}/feedback", response_model=list[FeedbackOut])
def list_feedback(batch_id: RowId, user: CurrentUser, session: DbSession) -> Any:
    return feedback.list_feedback(session, user, batch_id)


@router.post(
    "/batches/{batch_id}/feedback",
    response_model=FeedbackOut,
    status_code=status.HTTP_201_CREATED,
    summary="Feedback on the final ranking",
)
def ranking_feedback(batch_id: RowId, body: RankingFeedbackIn, user: CurrentUser, session: DbSession) -> Any:
    row = feedback.on_ranking(session, user, batch_id, body.verdict, body.comment, body.preferred_creative_id)
    session.commit()
    return feedback.view(row)


@router.get("/comparisons/{comparison_id}", response_model=PairOut, summary="A pair in both orders")
def get_comparison(comparison_id: RowId, user: CurrentUser, session: DbSession) -> Any:
    return results.comparison_detail(session, user, comparison_id)


@router.post(
    "/comparisons/{comparison_id}/feedback",
    response_model=FeedbackOut,
    status_code=status.HTTP_201_CREATED,
    summary="Agree, prefer the other, or tie",
)
def comparison_feedback(comparison_id: RowId, body: FeedbackIn, user: CurrentUser, session: DbSession) -> Any:
    row = feedback.on_comparison(session, user, comparison_id, body.verdict, body.comment)
    session.commit()
    return feedback.view(row)


@router.get("/feedback/{feedback_id}", response_model=FeedbackOut)
def get_feedback(feedback_id: RowId, user: CurrentUser, session: DbSession) -> Any:
    return feedback.view(access.get_feedback(session, user, feedback_id))


@router.get("/creatives/{creative_id}", response_model=CreativeOut)
def get_creative(creative_id: RowId, user: CurrentUser, session: DbSession) -> Any:
    return results.creative_view(access.get_creative(session, user, creative_id))
