"""Admin export of labelled pairs: sources merged with provenance, filters, a product-grouped split, TRL formats
that load with `datasets`, JSONL with images, a dataset card and an Export row."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from datasets import load_from_disk
from loop_world import World, both_orders
from sqlalchemy import select

from app.models import Comparison, Export
from app.services import feedback
from app.services.errors import Forbidden, InvalidInput
from app.services.exports import ExportFilters, create_export, split_by_product
from app.services.outcomes import import_rows
from app.services.users import create_user
from selector.parsing import parse_output


def _comparison_id(session, first: int, second: int) -> int:  # type: ignore[no-untyped-def]
    return int(
        session.scalar(select(Comparison.id).where(Comparison.first_id == first, Comparison.second_id == second))
    )


def _ctr(session, world: World, batch_id: int, ids: list[int], clicks: list[int]) -> None:  # type: ignore[no-untyped-def]
    rows = [{"creative_id": i, "impressions": 2000, "clicks": c, "period": "2025-03-01/2025-03-31"}
            for i, c in zip(ids, clicks, strict=True)]  # fmt: skip
    import_rows(session, world.user(session, world.admin_id), batch_id, rows)


@pytest.fixture
def populated(world: World) -> dict[str, object]:
    """Four batches, three products, two advertisers; CTR labels, feedback labels and one conflict."""
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        other = create_user(s, "other@example.com", "correct horse battery").id
        # Red kettle: CTR 5% > 2% > 1%. The model is right in both orders except (2 first, 1 second).
        kettle, k = world.make_batch(
            s, "Red kettle", verdicts=both_orders([(0, 1), (0, 2)]) | {(1, 2): 0.8, (2, 1): 0.8}
        )
        _ctr(s, world, kettle, k, [100, 40, 20])
        # A second Red kettle batch (same product, another advertiser): must land on the same side.
        kettle2, k2 = world.make_batch(s, "red  KETTLE", n=2, owner_id=other)
        _ctr(s, world, kettle2, k2, [10, 90])
        # Blue mug: no outcomes; a marketer prefers image 1 over the model's pick (image 0).
        mug, m = world.make_batch(s, "Blue mug", n=2, verdicts=both_orders([(0, 1)]))
        feedback.on_comparison(s, world.user(s, world.advertiser_id), _comparison_id(s, m[0], m[1]), "prefer_other")
        # Green tea: the CTR says 0 wins, the marketer says 1 wins: dropped as a conflict.
        tea, t = world.make_batch(s, "Green tea", n=2, verdicts=both_orders([(0, 1)]))
        _ctr(s, world, tea, t, [100, 20])
        feedback.on_comparison(s, world.user(s, world.advertiser_id), _comparison_id(s, t[0], t[1]), "prefer_other")
    return {"kettle": (kettle, k), "kettle2": (kettle2, k2), "mug": (mug, m), "tea": (tea, t), "other": other}


def _export(world: World, tmp_path: Path, filters: ExportFilters | None = None):  # type: ignore[no-untyped-def]
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        return create_export(s, world.user(s, world.admin_id), filters, storage=world.storage, out_dir=tmp_path)  # type: ignore[arg-type]


def test_export_writes_trl_formats_with_a_product_split(world: World, populated: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    stale = tmp_path / "exports" / "export-0001"  # another database's export 1: never overwritten
    stale.mkdir(parents=True)
    (stale / "keep.txt").write_text("theirs")
    result = _export(world, tmp_path / "exports", ExportFilters(test_fraction=0.3, seed=3))
    root = Path(result.path)
    assert root != stale and root.name.startswith("export-0001-") and (stale / "keep.txt").read_text() == "theirs"
    assert sorted(p.name for p in stale.iterdir()) == ["keep.txt"]
    pairs = result.counts["pairs"]
    # Red kettle: 3 CTR pairs + 1 in the second batch; Blue mug: 1 feedback pair; Green tea: a conflict.
    assert pairs["total"] == 5 and pairs["conflicts"] == 1
    assert pairs["by_source"] == {"ctr": 4, "feedback": 1}
    assert pairs["train"] >= 1 and pairs["test"] >= 1

    grpo = load_from_disk(str(root / "grpo"))
    assert set(grpo) == {"train", "test"}
    titles = {split: {" ".join(t.lower().split()) for t in grpo[split]["product_title"]} for split in grpo}
    assert titles["train"] and titles["test"] and not titles["train"] & titles["test"]
    assert len(grpo["train"]) + len(grpo["test"]) == 2 * 5  # both orders of every pair
    row = grpo["train"][0] if "red kettle" in titles["train"] else grpo["test"][0]
    content = row["prompt"][0]["content"]
    assert [part["type"] for part in content].count("image") == 2 and len(row["images"]) == 2
    assert row["images"][0].size == (56, 56)
    for split in grpo:
        for r in grpo[split]:
            assert r["label"] == ("A" if r["order"] == "forward" else "B")
    # The mirror rows of one pair show the same two images swapped.
    everything = [r for split in grpo for r in grpo[split]]
    by_pair: dict[str, dict[str, dict]] = {}  # type: ignore[type-arg]
    for r in everything:
        by_pair.setdefault(r["pair_id"], {})[r["order"]] = r
    fwd, bwd = next(iter(by_pair.values())).values()
    assert (fwd["meta_first_creative_id"], fwd["meta_second_creative_id"]) == (
        bwd["meta_second_creative_id"], bwd["meta_first_creative_id"])  # fmt: skip
    mug_rows = [r for r in everything if r["product_title"] == "Blue mug"]
    assert {r["source"] for r in mug_rows} == {"feedback"} and all(r["meta_feedback_id"] for r in mug_rows)
    mug_ids = populated["mug"][1]  # type: ignore[index]
    assert {r["meta_first_creative_id"] for r in mug_rows if r["order"] == "forward"} == {mug_ids[1]}

    # SFT: accepted reasoning only, in the exact output format, answering the label.
    sft = load_from_disk(str(root / "sft"))
    sft_rows = [r for split in sft for r in sft[split]]
    assert sft_rows
    for r in sft_rows:
        parsed = parse_output(r["completion"][0]["content"][0]["text"])
        assert parsed.well_formed and parsed.answer == r["label"]
    assert "mirror" in {r["meta_chosen_from"] for r in sft_rows}  # (2 first, 1 second) borrowed its mirror's
    # DPO: the wrong verdict (2 first, 1 second) is rejected, its mirror's reasoning is chosen.
    dpo = load_from_disk(str(root / "dpo"))
    dpo_rows = [r for split in dpo for r in dpo[split]]
    assert len(dpo_rows) >= 1
    for r in dpo_rows:
        assert "label" not in r
        assert parse_output(r["chosen"][0]["content"][0]["text"]).answer == r["chosen_answer"]
        assert parse_output(r["rejected"][0]["content"][0]["text"]).answer not in (r["chosen_answer"], None)

    # JSONL mirrors the datasets with image paths; the card and manifest carry the counts.
    lines = (root / "jsonl" / "grpo-train.jsonl").read_text().splitlines()
    assert len(lines) == len(grpo["train"])
    first = json.loads(lines[0])
    assert all((root / p).is_file() for p in first["images"])
    stored = grpo["train"][0]["prompt"][0]["content"]  # Arrow gives image parts a null "text"
    assert first["prompt"][0]["content"] == [{k: v for k, v in part.items() if v is not None} for part in stored]
    card = (root / "README.md").read_text()
    assert "labelled pairs: 5" in card and "ctr: 4" in card and "feedback: 1" in card and "disagreed: 1" in card
    assert json.loads((root / "manifest.json").read_text())["rows"]["grpo"] == {
        "train": len(grpo["train"]), "test": len(grpo["test"])}  # fmt: skip
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        row_ = s.get(Export, result.id)
        assert row_.status == "done" and row_.path == str(root) and row_.created_by == world.admin_id
        assert row_.filters["test_fraction"] == 0.3 and row_.counts["pairs"]["total"] == 5


def test_export_filters_and_admin_only(world: World, populated: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    only_feedback = _export(world, tmp_path / "a", ExportFilters(sources=("feedback",)))
    # Without CTR labels, the tea feedback is no longer contradicted.
    assert only_feedback.counts["pairs"]["by_source"] == {"feedback": 2}
    other = populated["other"]
    theirs = _export(world, tmp_path / "b", ExportFilters(advertiser_ids=(other,), test_fraction=0.0))  # type: ignore[arg-type]
    assert theirs.counts["pairs"]["total"] == 1 and theirs.counts["advertisers"] == 1
    march = _export(
        world, tmp_path / "c", ExportFilters(since=date(2025, 3, 1), until=date(2025, 3, 31), sources=("ctr",))
    )
    assert march.counts["pairs"]["total"] == 5
    later = ExportFilters(since=date.today() + timedelta(days=1))
    with pytest.raises(InvalidInput, match="No labelled pairs"):
        _export(world, tmp_path / "d", later)
    with pytest.raises(InvalidInput):
        ExportFilters(sources=("rumours",))
    with pytest.raises(Forbidden), world.db.transaction() as s:  # type: ignore[attr-defined]
        create_export(s, world.user(s, world.advertiser_id), storage=world.storage, out_dir=tmp_path / "e")  # type: ignore[arg-type]
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        assert len(list(s.scalars(select(Export)))) == 3


def test_split_keeps_products_whole() -> None:
    groups = {"kettle": 10, "mug": 3, "tea": 5, "lamp": 2}
    for seed in range(20):
        test = split_by_product(groups, 0.25, seed)
        assert test and test != set(groups)
        assert sum(groups[k] for k in test) >= 0.25 * 20
    assert split_by_product(groups, 0.0, 0) == set()
    assert split_by_product({"only": 4}, 0.5, 0) == {"only"}
