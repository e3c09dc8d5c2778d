"""The process-local comparator: chosen per batch, loaded lazily in the worker child, swapped when a batch needs
another version.

Nothing here runs at import time, so the prefork parent never loads a model or touches CUDA before it forks.
A batch is pinned at start to a comparator spec: its model version row (the active one when it started, or the
one a re-run asked for), else the process settings. Judging checks that spec before every GPU batch, so a
promoted version reaches new batches without a worker restart, while a running batch never mixes versions.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Batch, ModelVersion
from app.settings import Settings
from selector.types import Comparator, Pair, Verdict

log = logging.getLogger(__name__)

KILL_ENV = "CREATIVE4U_FAKE_KILL_ON"  # test-only: creative ids whose comparison ends the process (fake backend)
FAIL_ENV = "CREATIVE4U_FAKE_FAIL_ON"  # test-only: creative ids whose comparison raises a parse error (fake backend)


@dataclass(frozen=True)
class Spec:
    """What to load. `model_version_id` is None for the settings comparator."""

    backend: str  # "mllm" | "features" | "fake"
    model: str = ""
    adapter: str = ""
    quantization: str = "auto"
    model_version_id: int | None = None
    name: str = ""


def settings_spec(settings: Settings) -> Spec:
    model = settings.model
    if not model:
        return Spec("features", adapter=settings.model_adapter)
    if model.startswith("fake:"):
        # fake:<latency seconds>[:<name>] - the scripted test comparator
        _, latency, *rest = model.split(":", 2)
        return Spec("fake", model=latency or "0", name=rest[0] if rest else "fake")
    return Spec("mllm", model=model, adapter=settings.model_adapter, quantization=settings.quantization)


def version_spec(row: ModelVersion) -> Spec:
    if row.backend == "fake":
        return Spec("fake", model=row.base_model or "0", name=row.name, model_version_id=row.id)
    return Spec(
        row.backend,
        model=row.base_model,
        adapter=row.adapter_path,
        quantization=row.quantization,
        model_version_id=row.id,
        name=row.name,
    )


def active_version(session: Session) -> ModelVersion | None:
    stmt = select(ModelVersion).where(ModelVersion.status == "active")
    return session.scalar(stmt.order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc()).limit(1))


def spec_for(session: Session, settings: Settings, model_version_id: int | None) -> Spec:
    """The pinned version when there is one, else the active version, else the settings comparator."""
    if model_version_id is not None:
        row = session.get(ModelVersion, model_version_id)
        if row is not None:
            return version_spec(row)
    row = active_version(session)
    return version_spec(row) if row is not None else settings_spec(settings)


def pinned_spec(session: Session, settings: Settings, batch: Batch) -> Spec:
    """What a running batch was started with: its model version, or the settings comparator when it has none.
    Never the version promoted since, so a running batch never mixes versions."""
    if batch.model_version_id is None:
        return settings_spec(settings)
    return spec_for(session, settings, batch.model_version_id)


def _tiny_model(settings: Settings) -> str:
    """`model=tiny`: the locally built test model, in the data folder so every process loads the same files."""
    folder = (settings.data_dir / "models" / "tiny").resolve()
    if not (folder / "config.json").exists():
        from selector.testing import build_tiny_model

        staging = folder.with_name(f".tiny-{os.getpid()}")
        build_tiny_model(staging)
        with contextlib.suppress(OSError):  # another process finished first; use theirs
            staging.rename(folder)
    return str(folder)


def build(spec: Spec, settings: Settings) -> Comparator:
    if spec.backend == "fake":
        from selector.fake import FakeComparator

        return FakeComparator(latency_s=float(spec.model), name=spec.name or "fake")
    if spec.backend == "features":
        from selector.features import FeaturesComparator

        weights = spec.adapter if spec.adapter and Path(spec.adapter).is_file() else None
        return FeaturesComparator(weights)
    from selector.mllm import MLLMComparator, MLLMConfig

    model = _tiny_model(settings) if spec.model == "tiny" else spec.model
    config = MLLMConfig(
        model=model,
        adapter=spec.adapter or None,
        quantization=spec.quantization,  # type: ignore[arg-type]
        max_pixels=settings.max_pixels,
        max_new_tokens=settings.max_new_tokens,
        batch_size=settings.gpu_batch_size,
    )
    return MLLMComparator(config)


class _KillSwitch:
    """Test hook (fake backend only): a comparison that involves a listed creative ends the process, as a crash
    in native code or the OOM killer would, or raises the error an unparseable comparator output would."""

    def __init__(self, inner: Comparator, kill_keys: set[str], fail_keys: set[str]) -> None:
        self.inner, self.kill_keys, self.fail_keys = inner, kill_keys, fail_keys
        self.version, self.prompt_version = inner.version, inner.prompt_version

    def compare(self, pairs: Sequence[Pair]) -> list[Verdict]:
        if any(p.first.key in self.kill_keys or p.second.key in self.kill_keys for p in pairs):
            os._exit(137)
        if any(p.first.key in self.fail_keys or p.second.key in self.fail_keys for p in pairs):
            raise ValueError("cannot parse the comparator output (scripted failure)")
        return self.inner.compare(pairs)


def _ids(variable: str) -> set[int]:
    return {int(x) for x in os.environ.get(variable, "").replace(",", " ").split() if x.isdigit()}


def kill_ids() -> set[int]:
    return _ids(KILL_ENV)


class ComparatorSlot:
    """One loaded comparator per process (a GPU holds one model); replaced when a batch needs another spec."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spec: Spec | None = None
        self._comparator: Comparator | None = None

    def get(self, spec: Spec, settings: Settings) -> Comparator:
        with self._lock:
            if self._spec != spec or self._comparator is None:
                if self._comparator is not None:
                    log.info("replacing comparator %s", self._comparator.version)
                    self._comparator = None
                    _free_accelerator()
                self._comparator = build(spec, settings)
                self._spec = spec
                log.info("comparator loaded: %s", self._comparator.version)
            return self._comparator

    @property
    def loaded(self) -> Comparator | None:
        return self._comparator


def with_kill_switch(comparator: Comparator, spec: Spec, keys_by_id: dict[int, str]) -> Comparator:
    if spec.backend != "fake":
        return comparator
    kill = {keys_by_id[i] for i in _ids(KILL_ENV) if i in keys_by_id}
    fail = {keys_by_id[i] for i in _ids(FAIL_ENV) if i in keys_by_id}
    return _KillSwitch(comparator, kill, fail) if kill or fail else comparator


def _free_accelerator() -> None:
    gc.collect()
    torch = __import__("sys").modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


SLOT = ComparatorSlot()
