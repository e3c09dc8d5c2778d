"""The data model (DESIGN.md "Data"). Change it with an Alembic migration, never by hand."""

from app.models.accounts import ApiToken, LoginAttempt, User, WebSession
from app.models.base import Base, utcnow
from app.models.batches import Batch, Creative
from app.models.comparisons import Comparison, Ranking, RankingEntry
from app.models.feedback import Feedback, Outcome
from app.models.registry import Export, ModelVersion, TrainingRun

__all__ = [
    "ApiToken",
    "Base",
    "Batch",
    "Comparison",
    "Creative",
    "Export",
    "Feedback",
    "LoginAttempt",
    "ModelVersion",
    "Outcome",
    "Ranking",
    "RankingEntry",
    "TrainingRun",
    "User",
    "WebSession",
    "utcnow",
]
