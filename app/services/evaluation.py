"""Evaluate a model version on an export's held-out pairs, side by side with the active version.

Metrics, each pair asked in both orders as in production:
- accuracy: pairs whose combined verdict (`selector.types.combine_orders`) names the labelled winner; a tie
  (the orders disagree) counts as a miss;
- order_agreement: pairs whose two orders pick the same creative (position-bias free);
- parse_rate: calls whose text parsed cleanly (`<think>`, protocol, `<answer>`);
- calls_per_ranking: model calls the default strategy (adaptive top-1) spends to rank each held-out product's
  creatives with this model's verdicts.
The candidate's row stores {"candidate": ..., "active": ..., "dataset": ..., "pairs": ...}; promotion needs it.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from app.models import Export, ModelVersion, User, utcnow
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.registry import active_version, get_version
from app.settings import Settings, get_settings
from selector.types import Brief, Comparator, Creative, Pair, combine_orders


@dataclass(frozen=True)
class HeldOutPair:
    pair_id: str
    winner: Creative
    loser: Creative
    brief: Brief
    product: str


@dataclass(frozen=True)
class Metrics:
    comparator_version: str
    pairs: int
    calls: int
    accuracy: float
    ties: int
    order_agreement: float
    parse_rate: float
    calls_per_ranking: float


def _creative(image: dict[str, Any]) -> Creative:
    data = image["bytes"]
    key = Path(image.get("path") or "").stem or hashlib.sha256(data).hexdigest()
    return Creative(Image.open(io.BytesIO(data)).convert("RGB"), key)


def held_out_pairs(dataset: str | Path, split: str = "test") -> list[HeldOutPair]:
    """The forward-order rows of the export's GRPO split: the winner is the first image of each."""
    from datasets import Image as DImage
    from datasets import Sequence as DSequence

    from selector.training.data import load_split
    from selector.training.formats import brief_of

    rows = load_split(dataset, "grpo", split).cast_column("images", DSequence(DImage(decode=False)))
    out = []
    for row in rows:
        if row["order"] != "forward":
            continue
        brief = brief_of(row)
        winner, loser = (_creative(i) for i in row["images"])
        out.append(HeldOutPair(row["pair_id"], winner, loser, brief, " ".join(brief.product_title.lower().split())))
    if not out:
        raise InvalidInput(f"{dataset}: no held-out pairs in the {split} split.")
    return out


def calls_to_rank(comparator: Comparator, creatives: Sequence[Creative], brief: Brief) -> int:
    """Model calls the default strategy spends ranking `creatives` with this comparator."""
    from selector.ranking import StrategyConfig, plan_round

    cfg, calls = StrategyConfig(), 0
    judged: list[tuple[int, int, float]] = []
    while True:
        pairs = plan_round(cfg, range(len(creatives)), judged, calls_used=calls)
        if not pairs:
            return calls
        asked = [Pair(creatives[a], creatives[b], brief) for a, b in pairs]
        verdicts = comparator.compare([p for pair in asked for p in (pair, pair.swapped())])
        calls += len(verdicts)
        for (a, b), fwd, bwd in zip(pairs, verdicts[0::2], verdicts[1::2], strict=True):
            judged.append((a, b, combine_orders(fwd.p_first, bwd.p_first).p))


def evaluate_comparator(comparator: Comparator, pairs: Sequence[HeldOutPair]) -> Metrics:
    ordered = [p for h in pairs for p in (Pair(h.winner, h.loser, h.brief), Pair(h.loser, h.winner, h.brief))]
    verdicts = comparator.compare(ordered)
    correct = ties = agree = 0
    for fwd, bwd in zip(verdicts[0::2], verdicts[1::2], strict=True):
        outcome = combine_orders(fwd.p_first, bwd.p_first)
        correct += outcome.label == "first"
        ties += outcome.label == "tie"
        agree += (fwd.p_first > 0.5) == (bwd.p_first < 0.5)
    products: dict[str, dict[str, Creative]] = defaultdict(dict)
    briefs: dict[str, Brief] = {}
    for h in pairs:
        products[h.product].update({h.winner.key: h.winner, h.loser.key: h.loser})
        briefs[h.product] = h.brief
    rank_calls = [calls_to_rank(comparator, list(c.values()), briefs[k]) for k, c in sorted(products.items())]
    n = len(pairs)
    return Metrics(
        comparator_version=comparator.version, pairs=n, calls=len(verdicts), accuracy=correct / n, ties=ties,
        order_agreement=agree / n, parse_rate=sum(v.parse_ok for v in verdicts) / len(verdicts),
        calls_per_ranking=sum(rank_calls) / len(rank_calls),
    )  # fmt: skip


def build_comparator(row: ModelVersion, settings: Settings | None = None) -> Comparator:
    """The comparator a worker would load for this version (in this process; the GPU when there is one), with
    the same image cap, token limit and batch size as the workers' settings."""
    if row.backend == "fake":
        from selector.fake import FakeComparator

        return FakeComparator(latency_s=float(row.base_model or 0), name=row.name)
    if row.backend == "features":
        from selector.features import FeaturesComparator

        weights = row.adapter_path if row.adapter_path and Path(row.adapter_path).is_file() else None
        return FeaturesComparator(weights)
    from selector.mllm import MLLMComparator, MLLMConfig

    settings = settings or get_settings()
    model = row.base_model
    if model == "tiny":  # the locally built test model, where workers keep it
        from selector.testing import build_tiny_model

        folder = settings.data_dir / "models" / "tiny"
        model = str(folder if (folder / "config.json").exists() else build_tiny_model(folder))
    quantization = row.quantization if row.quantization in ("auto", "nf4", "int8", "none") else "auto"
    config = MLLMConfig(
        model=model, adapter=row.adapter_path or None, quantization=quantization,  # type: ignore[arg-type]
        max_pixels=settings.max_pixels, max_new_tokens=settings.max_new_tokens, batch_size=settings.gpu_batch_size,
    )  # fmt: skip
    return MLLMComparator(config)


def resolve_dataset(session: Session, dataset: str | None, export_id: int | None) -> str:
    if export_id is not None:
        export = session.get(Export, export_id)
        if export is None or not export.path:
            raise NotFound(f"No export {export_id}.")
        return export.path
    if not dataset:
        raise InvalidInput("Give an export (its id) or a dataset folder to evaluate on.")
    return dataset


def evaluate_version(
    session: Session,
    user: User,
    version_id: int,
    dataset: str | Path,
    *,
    build: Callable[[ModelVersion], Comparator] = build_comparator,
) -> dict[str, Any]:
    """Evaluate a version and the active one on the same held-out pairs; stores and returns the comparison."""
    if not user.is_admin:
        raise Forbidden("Only admins can evaluate model versions.")
    row = get_version(session, version_id)
    pairs = held_out_pairs(dataset)
    candidate = asdict(evaluate_comparator(build(row), pairs))
    current = active_version(session)
    baseline = None
    if current is not None and current.id != row.id:
        baseline = asdict(evaluate_comparator(build(current), pairs))
    result = {
        "candidate": candidate, "active": baseline, "active_version_id": current.id if current else None,
        "dataset": str(dataset), "pairs": len(pairs), "evaluated_at": utcnow().isoformat(), "evaluated_by": user.id,
    }  # fmt: skip
    row.evaluation = result
    session.flush()
    return result


def side_by_side(evaluation: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(metric, candidate, active) rows for printing."""
    cand, active = evaluation.get("candidate") or {}, evaluation.get("active") or {}
    keys = ("accuracy", "order_agreement", "parse_rate", "calls_per_ranking", "ties", "pairs", "comparator_version")
    return [(k, cand.get(k), active.get(k) if active else None) for k in keys]
