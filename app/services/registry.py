"""The model registry: trained adapters become candidates; an admin promotes an evaluated one; rollback.

One version is active at a time. Workers read the active version when a batch starts (worker.comparator
`spec_for`), so a promotion reaches new batches without a restart while running batches keep their version.
A version is never made active without a stored evaluation. Rollback walks back through promotion history:
the current version is retired and the one promoted before it becomes active again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ModelVersion, User, utcnow
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound

BACKENDS = ("mllm", "features", "fake")


def _admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("Only admins can change which model is used.")


def list_versions(session: Session) -> list[ModelVersion]:
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id)))


def get_version(session: Session, version_id: int) -> ModelVersion:
    row = session.get(ModelVersion, version_id)
    if row is None:
        raise NotFound(f"No model version {version_id}.")
    return row


def active_version(session: Session) -> ModelVersion | None:
    stmt = select(ModelVersion).where(ModelVersion.status == "active")
    return session.scalar(stmt.order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc()).limit(1))


def _version_label(backend: str, name: str, base_model: str, adapter_path: str, quantization: str) -> str:
    """A unique registry label; verdicts carry the comparator's own version string."""
    fingerprint = [backend, base_model, adapter_path, quantization]
    adapter = Path(adapter_path) if adapter_path else None
    if adapter is not None and adapter.is_dir():
        for file in sorted(adapter.glob("adapter_*")):
            fingerprint.append(hashlib.sha256(file.read_bytes()).hexdigest())
    digest = hashlib.sha256("\n".join(fingerprint).encode()).hexdigest()[:10]
    return f"{name}-{digest}"[:120]


def register_candidate(
    session: Session,
    *,
    name: str,
    backend: str = "mllm",
    base_model: str = "",
    adapter_path: str = "",
    quantization: str = "auto",
    training_run_id: int | None = None,
) -> ModelVersion:
    """A new candidate version (never active until evaluated and promoted). The caller commits."""
    name = name.strip()
    if not name:
        raise InvalidInput("A model version needs a name.")
    if backend not in BACKENDS:
        raise InvalidInput(f"The backend must be one of {', '.join(BACKENDS)}.")
    if backend == "mllm" and not base_model:
        raise InvalidInput("An MLLM version needs its base model.")
    if adapter_path and not (Path(adapter_path) / "adapter_config.json").is_file():
        raise InvalidInput(f"{adapter_path} is not a LoRA adapter folder (no adapter_config.json).")
    label = _version_label(backend, name, base_model, adapter_path, quantization)
    if session.scalar(select(ModelVersion.id).where(ModelVersion.comparator_version == label)) is not None:
        raise Conflict(f"This model ({label}) is already registered.")
    row = ModelVersion(
        name=name[:120], backend=backend, base_model=base_model, adapter_path=adapter_path,
        quantization=quantization, comparator_version=label, status="candidate", training_run_id=training_run_id,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def promote(session: Session, user: User, version_id: int) -> ModelVersion:
    """Make an evaluated version the active one (admins only); the previous active one is retired."""
    _admin(user)
    row = get_version(session, version_id)
    if row.status == "active":
        raise Conflict(f"{row.name} is already the active version.")
    if not row.evaluation:
        raise Conflict(f"{row.name} has no evaluation yet; evaluate it on held-out pairs before promoting it.")
    for current in session.scalars(select(ModelVersion).where(ModelVersion.status == "active")):
        current.status = "retired"
    row.status, row.promoted_at, row.promoted_by = "active", utcnow(), user.id
    session.flush()
    return row


def rollback(session: Session, user: User) -> ModelVersion:
    """Retire the active version and re-activate the one promoted before it (admins only)."""
    _admin(user)
    current = active_version(session)
    if current is None or current.promoted_at is None:
        raise Conflict("No version is active; there is nothing to roll back.")
    previous = session.scalar(
        select(ModelVersion)
        .where(
            ModelVersion.status == "retired",
            ModelVersion.promoted_at.is_not(None),
            ModelVersion.promoted_at < current.promoted_at,
            ModelVersion.evaluation.is_not(None),
        )
        .order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc())
        .limit(1)
    )
    if previous is None:
        raise Conflict(f"{current.name} is the first version ever promoted; there is nothing to roll back to.")
    current.status = "retired"
    session.flush()
    previous.status = "active"  # keeps its promoted_at, so a second rollback goes further back
    session.flush()
    return previous


def describe(row: ModelVersion) -> dict[str, Any]:
    evaluation = row.evaluation or {}
    return {
        "id": row.id, "name": row.name, "status": row.status, "backend": row.backend,
        "base_model": row.base_model, "adapter": row.adapter_path, "label": row.comparator_version,
        "evaluated": bool(evaluation), "accuracy": (evaluation.get("candidate") or {}).get("accuracy"),
        "promoted_at": row.promoted_at.isoformat() if row.promoted_at else None,
    }  # fmt: skip
