"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:36:32.707376
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_key_at", ["key", "at"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('advertiser', 'admin')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_exports_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exports_created_by"), ["created_by"], unique=False)

    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("base_model", sa.String(length=500), nullable=False),
        sa.Column("adapter_path", sa.String(length=500), nullable=False),
        sa.Column("quantization", sa.String(length=8), nullable=False),
        sa.Column("comparator_version", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=True),
        sa.Column("training_run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("promoted_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("backend IN ('mllm', 'features', 'fake')", name=op.f("ck_model_versions_backend")),
        sa.CheckConstraint("status IN ('candidate', 'active', 'retired')", name=op.f("ck_model_versions_status")),
        sa.ForeignKeyConstraint(
            ["promoted_by"],
            ["users.id"],
            name=op.f("fk_model_versions_promoted_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("comparator_version", name=op.f("uq_model_versions_comparator_version")),
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_versions_promoted_by"), ["promoted_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_versions_training_run_id"), ["training_run_id"], unique=False)

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("product_title", sa.String(length=500), nullable=False),
        sa.Column("queries", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("comparator_version", sa.String(length=120), nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=True),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("top_k", sa.Integer(), nullable=False),
        sa.Column("budget_calls", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("current_round", sa.Integer(), nullable=False),
        sa.Column("leader_creative_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'validating', 'planned', 'comparing', 'ranked', 'failed', 'cancelled')",
            name=op.f("ck_batches_status"),
        ),
        sa.CheckConstraint("strategy IN ('round_robin', 'knockout', 'top_k')", name=op.f("ck_batches_strategy")),
        sa.ForeignKeyConstraint(
            ["model_version_id"],
            ["model_versions.id"],
            name=op.f("fk_batches_model_version_id_model_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_batches_owner_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batches_leader_creative_id"), ["leader_creative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_batches_model_version_id"), ["model_version_id"], unique=False)
        batch_op.create_index("ix_batches_owner_created", ["owner_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_batches_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "training_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("output_path", sa.String(length=500), nullable=False),
        sa.Column("log", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('sft', 'grpo')", name=op.f("ck_training_runs_kind")),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["exports.id"],
            name=op.f("fk_training_runs_export_id_exports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_runs")),
    )
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_runs_export_id"), ["export_id"], unique=False)

    op.create_table(
        "creatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("upload_sha256", sa.String(length=64), nullable=False),
        sa.Column("upload_key", sa.String(length=200), nullable=False),
        sa.Column("upload_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("thumb_key", sa.String(length=200), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'valid', 'rejected')", name=op.f("ck_creatives_status")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_creatives_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creatives")),
        sa.UniqueConstraint("batch_id", "upload_sha256", name="uq_creatives_batch_upload"),
    )
    with op.batch_alter_table("creatives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_creatives_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_creatives_sha256", ["sha256"], unique=False)

    op.create_table(
        "rankings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("comparator_version", sa.String(length=120), nullable=False),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("calls_used", sa.Integer(), nullable=False),
        sa.Column("win_matrix", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_rankings_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rankings")),
        sa.UniqueConstraint("batch_id", "comparator_version", name="uq_rankings_batch_version"),
    )
    with op.batch_alter_table("rankings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rankings_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "comparisons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("comparator_version", sa.String(length=120), nullable=False),
        sa.Column("prompt_version", sa.String(length=60), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=120), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("p_first", sa.Float(), nullable=True),
        sa.Column("answer", sa.String(length=1), nullable=True),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.Column("protocol", sa.JSON(), nullable=True),
        sa.Column("raw_text", sa.Text(), nullable=True),
        sa.Column("parse_ok", sa.Boolean(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("tokens", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'failed', 'cancelled')",
            name=op.f("ck_comparisons_status"),
        ),
        sa.CheckConstraint("first_id <> second_id", name=op.f("ck_comparisons_distinct_creatives")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_comparisons_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["first_id"], ["creatives.id"], name=op.f("fk_comparisons_first_id_creatives"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["creatives.id"],
            name=op.f("fk_comparisons_second_id_creatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparisons")),
        sa.UniqueConstraint("batch_id", "first_id", "second_id", "comparator_version", name="uq_comparisons_key"),
    )
    with op.batch_alter_table("comparisons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comparisons_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_comparisons_batch_status", ["batch_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_comparisons_first_id"), ["first_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comparisons_second_id"), ["second_id"], unique=False)
        batch_op.create_index("ix_comparisons_status_lease", ["status", "lease_expires_at"], unique=False)

    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creative_id", sa.Integer(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("conversions", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("clicks >= 0 AND clicks <= impressions", name=op.f("ck_outcomes_clicks_range")),
        sa.CheckConstraint("impressions >= 0", name=op.f("ck_outcomes_impressions_nonneg")),
        sa.ForeignKeyConstraint(
            ["creative_id"],
            ["creatives.id"],
            name=op.f("fk_outcomes_creative_id_creatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["imported_by"], ["users.id"], name=op.f("fk_outcomes_imported_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
    )
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcomes_creative_id"), ["creative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outcomes_imported_by"), ["imported_by"], unique=False)

    op.create_table(
        "ranking_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ranking_id", sa.Integer(), nullable=False),
        sa.Column("creative_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("ci_low", sa.Float(), nullable=False),
        sa.Column("ci_high", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("wins", sa.Integer(), nullable=False),
        sa.Column("losses", sa.Integer(), nullable=False),
        sa.Column("ties", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["creative_id"],
            ["creatives.id"],
            name=op.f("fk_ranking_entries_creative_id_creatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ranking_id"],
            ["rankings.id"],
            name=op.f("fk_ranking_entries_ranking_id_rankings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_entries")),
        sa.UniqueConstraint("ranking_id", "creative_id", name="uq_ranking_entries_creative"),
    )
    with op.batch_alter_table("ranking_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ranking_entries_creative_id"), ["creative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ranking_entries_ranking_id"), ["ranking_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("comparison_id", sa.Integer(), nullable=True),
        sa.Column("creative_a_id", sa.Integer(), nullable=True),
        sa.Column("creative_b_id", sa.Integer(), nullable=True),
        sa.Column("preferred_creative_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('comparison', 'ranking')", name=op.f("ck_feedback_kind")),
        sa.CheckConstraint("verdict IN ('agree', 'disagree', 'tie')", name=op.f("ck_feedback_verdict")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_feedback_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparisons.id"],
            name=op.f("fk_feedback_comparison_id_comparisons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["creative_a_id"],
            ["creatives.id"],
            name=op.f("fk_feedback_creative_a_id_creatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["creative_b_id"],
            ["creatives.id"],
            name=op.f("fk_feedback_creative_b_id_creatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["preferred_creative_id"],
            ["creatives.id"],
            name=op.f("fk_feedback_preferred_creative_id_creatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_feedback_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_comparison_id"), ["comparison_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_creative_a_id"), ["creative_a_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_creative_b_id"), ["creative_b_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_preferred_creative_id"), ["preferred_creative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_user_id"), ["user_id"], unique=False)

    # Cycles (batches <-> creatives, model_versions <-> training_runs): add these FKs once both tables exist.
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_batches_leader_creative_id_creatives"),
            "creatives",
            ["leader_creative_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_model_versions_training_run_id_training_runs"),
            "training_runs",
            ["training_run_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_model_versions_training_run_id_training_runs"), type_="foreignkey")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_batches_leader_creative_id_creatives"), type_="foreignkey")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_user_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_preferred_creative_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_creative_b_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_creative_a_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_comparison_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_batch_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("ranking_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ranking_entries_ranking_id"))
        batch_op.drop_index(batch_op.f("ix_ranking_entries_creative_id"))

    op.drop_table("ranking_entries")
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcomes_imported_by"))
        batch_op.drop_index(batch_op.f("ix_outcomes_creative_id"))

    op.drop_table("outcomes")
    with op.batch_alter_table("comparisons", schema=None) as batch_op:
        batch_op.drop_index("ix_comparisons_status_lease")
        batch_op.drop_index(batch_op.f("ix_comparisons_second_id"))
        batch_op.drop_index(batch_op.f("ix_comparisons_first_id"))
        batch_op.drop_index("ix_comparisons_batch_status")
        batch_op.drop_index(batch_op.f("ix_comparisons_batch_id"))

    op.drop_table("comparisons")
    with op.batch_alter_table("rankings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rankings_batch_id"))

    op.drop_table("rankings")
    with op.batch_alter_table("creatives", schema=None) as batch_op:
        batch_op.drop_index("ix_creatives_sha256")
        batch_op.drop_index(batch_op.f("ix_creatives_batch_id"))

    op.drop_table("creatives")
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_runs_export_id"))

    op.drop_table("training_runs")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batches_owner_id"))
        batch_op.drop_index("ix_batches_owner_created")
        batch_op.drop_index(batch_op.f("ix_batches_model_version_id"))
        batch_op.drop_index(batch_op.f("ix_batches_leader_creative_id"))

    op.drop_table("batches")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))

    op.drop_table("web_sessions")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_versions_training_run_id"))
        batch_op.drop_index(batch_op.f("ix_model_versions_promoted_by"))

    op.drop_table("model_versions")
    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exports_created_by"))

    op.drop_table("exports")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_key_at")

    op.drop_table("login_attempts")
