"""The whole refresh loop from the shell: `creative4u export`, `train sft`, `train grpo` on the tiny model
(CPU, one step each), `models evaluate|promote|list|rollback` - with the database rows each step leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from loop_world import PASSWORD, World, both_orders
from sqlalchemy import select

from app.cli import main
from app.models import Export, ModelVersion, TrainingRun


@pytest.fixture
def loop_rt(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The migrated runtime with two products' batches: CTR outcomes and verdicts that agree with them."""
    from app.services.outcomes import import_rows
    from app.services.users import create_user
    from app.settings import get_settings

    monkeypatch.setenv("CREATIVE4U_MAX_NEW_TOKENS", "8")  # the tiny model writes noise; keep evaluation short
    get_settings.cache_clear()
    with runtime.db.transaction() as s:
        admin = create_user(s, "admin@example.com", PASSWORD, role="admin")
        world = World(db=runtime.db, storage=runtime.storage, admin_id=admin.id, advertiser_id=admin.id)
        for title in ("Steel bottle", "Desk lamp"):
            batch_id, ids = world.make_batch(s, title, verdicts=both_orders([(0, 1), (0, 2), (1, 2)]))
            clicks = (300, 120, 40)
            rows = [{"creative_id": i, "impressions": 5000, "clicks": c} for i, c in zip(ids, clicks, strict=True)]
            import_rows(s, admin, batch_id, rows)
    return runtime


def _train(stage: str, tiny: Path, dataset: str, out: Path, *extra: str) -> int:
    return main([
        "train", stage, "--model", str(tiny), "--dataset", dataset, "--output-dir", str(out), "--max-steps", "1",
        "--per-device-train-batch-size", "2", "--gradient-accumulation-steps", "1", "--lora-r", "4",
        "--lora-alpha", "8", "--logging-steps", "1", "--use-cpu", *extra,
    ])  # fmt: skip


def test_export_train_evaluate_promote_from_the_cli(
    loop_rt: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from selector.testing import cached_tiny_model

    rt, tiny = loop_rt, cached_tiny_model()
    assert main(["export", "--test-fraction", "0.5", "--source", "ctr"]) == 0
    assert "export 1: 6 pairs (3 train, 3 test)" in capsys.readouterr().out
    with rt.db.transaction() as s:
        dataset = s.get(Export, 1).path
    assert Path(dataset, "README.md").is_file()

    assert _train("sft", tiny, dataset, tmp_path / "sft", "--name", "tiny-sft") == 0
    assert _train("grpo", tiny, dataset, tmp_path / "grpo", "--adapter", str(tmp_path / "sft"),
                  "--num-generations", "2", "--max-completion-length", "8") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "candidate model version 1 (tiny-sft)" in out and "candidate model version 2 (grpo-run2)" in out
    with rt.db.transaction() as s:
        runs = list(s.scalars(select(TrainingRun).order_by(TrainingRun.id)))
        assert [(r.kind, r.status, r.export_id) for r in runs] == [("sft", "done", 1), ("grpo", "done", 1)]
        versions = list(s.scalars(select(ModelVersion).order_by(ModelVersion.id)))
        assert [(v.status, v.training_run_id, v.backend) for v in versions] == [
            ("candidate", runs[0].id, "mllm"), ("candidate", runs[1].id, "mllm")]  # fmt: skip
        assert versions[1].adapter_path == str((tmp_path / "grpo").resolve())

    # Never active without an evaluation.
    assert main(["models", "promote", "2"]) == 1
    assert "no evaluation" in capsys.readouterr().err
    assert main(["models", "evaluate", "2", "--export-id", "1"]) == 0
    table = capsys.readouterr().out
    for metric in ("accuracy", "order_agreement", "parse_rate", "calls_per_ranking"):
        assert metric in table
    with rt.db.transaction() as s:
        evaluation = s.get(ModelVersion, 2).evaluation
    cand = evaluation["candidate"]
    assert evaluation["active"] is None and cand["pairs"] == 3 and cand["calls"] == 6
    assert 0.0 <= cand["accuracy"] <= 1.0 and 0.0 <= cand["parse_rate"] <= 1.0 and cand["calls_per_ranking"] > 0
    assert cand["comparator_version"].startswith("mllm-")

    assert main(["models", "promote", "2"]) == 0
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert "active" in listing and "candidate" in listing and "grpo-run2" in listing
    assert main(["models", "rollback"]) == 1  # the first version ever promoted: nothing before it
    assert "nothing to roll back to" in capsys.readouterr().err
    assert main(["models", "promote", "9", "--by", "nobody@example.com"]) == 1
