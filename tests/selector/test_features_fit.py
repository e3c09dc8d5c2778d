"""Re-fitting the CPU comparator's weights from labelled pairs: the maths, the API and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest_features import SIDE, creative

from selector.features import FEATURES, FeaturesComparator, LabelledPair, Weights, fit_weights, load_labelled
from selector.features.__main__ import main
from selector.features.synthetic import Spec, render, variant
from selector.features.weights import fit_differences
from selector.types import Pair


@pytest.fixture(scope="module")
def comparator() -> FeaturesComparator:
    return FeaturesComparator(ocr=False)


def test_fit_recovers_a_known_direction() -> None:
    rng = np.random.default_rng(7)
    truth = rng.normal(0, 2, len(FEATURES))
    x = rng.uniform(-1, 1, (3000, len(FEATURES)))
    y = (rng.random(3000) < 1 / (1 + np.exp(-(x @ truth)))).astype(int)
    zero = Weights(values=dict.fromkeys(FEATURES, 0.0))
    weights = fit_differences(x, y.tolist(), prior=zero, l2=0.01)
    fitted = weights.vector()
    cosine = fitted @ truth / np.linalg.norm(fitted) / np.linalg.norm(truth)
    assert cosine > 0.95
    assert weights.notes["fitted_on"] == 3000


def test_strong_prior_keeps_the_defaults() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (20, len(FEATURES)))
    y = rng.integers(0, 2, 20).tolist()
    fitted = fit_differences(x, y, l2=1e6)
    assert np.allclose(fitted.vector(), Weights.default().vector(), atol=1e-2)


def _soft_wins(seeds: range) -> list[LabelledPair]:
    """An advertiser whose shoppers, oddly, click the blurred copy."""
    out = []
    for seed in seeds:
        spec = Spec(seed=seed, side=SIDE)
        pair = Pair(creative(render(spec)), creative(variant(spec, "blurred")), spec.brief)
        out += [LabelledPair(pair, "B"), LabelledPair(pair.swapped(), "A")]
    return out


def test_fit_weights_learns_from_an_advertisers_results(comparator: FeaturesComparator) -> None:
    weights = fit_weights(_soft_wins(range(8)), comparator=comparator, l2=0.1)
    assert weights.get("sharpness") < Weights.default().get("sharpness")
    assert weights.notes["pairs"] == 16 and weights.notes["train_accuracy"] == 1.0
    refitted = FeaturesComparator(weights=weights, ocr=False)
    assert refitted.version != comparator.version
    held_out = _soft_wins(range(8, 10))
    verdicts = refitted.compare([e.pair for e in held_out])
    assert all(v.answer == e.label for v, e in zip(verdicts, held_out, strict=True))
    before = comparator.compare([e.pair for e in held_out])
    assert all(v.answer != e.label for v, e in zip(before, held_out, strict=True))


def test_weights_validate_and_version_ignores_notes(tmp_path) -> None:
    with pytest.raises(ValueError, match="unknown features"):
        Weights(values={"sparkle": 1.0})
    with pytest.raises(ValueError, match="not finite"):
        Weights(values={"sharpness": float("nan")})
    base = Weights.default()
    assert Weights(values=base.values, notes={"who": "me"}).digest == base.digest
    path = tmp_path / "w.json"
    base.save(path)
    assert Weights.load(path).digest == base.digest


def _write_labelled(folder, rows: int) -> None:
    lines = []
    for seed in range(rows):
        spec = Spec(seed=seed, side=SIDE)
        render(spec).save(folder / f"{seed}_a.png")
        variant(spec, "darkened").save(folder / f"{seed}_b.png")
        # The darker copy wins here: the fit should move the exposure weight down.
        lines.append(
            json.dumps(
                {
                    "image_a": f"{seed}_a.png",
                    "image_b": f"{seed}_b.png",
                    "title": spec.brief.product_title,
                    "queries": list(spec.brief.queries),
                    "label": "B",
                }
            )
        )
    (folder / "labelled.jsonl").write_text("\n".join(lines) + "\n\n")


def test_cli_fit_writes_weights_the_comparator_loads(tmp_path, capsys) -> None:
    _write_labelled(tmp_path, 4)
    out = tmp_path / "weights.json"
    code = main(["fit", str(tmp_path / "labelled.jsonl"), "--out", str(out), "--no-ocr", "--l2", "0.1"])
    assert code == 0 and out.exists()
    weights = Weights.load(out)
    assert weights.get("exposure") < Weights.default().get("exposure")
    comparator = FeaturesComparator(weights_path=out)
    assert comparator.version == f"features-{weights.digest}"
    assert comparator.version in capsys.readouterr().out


def test_labelled_file_errors_name_the_line(tmp_path) -> None:
    _write_labelled(tmp_path, 1)
    path = tmp_path / "labelled.jsonl"
    assert len(load_labelled(path)) == 1  # the trailing blank line is skipped
    bad = json.dumps({"image_a": "0_a.png", "image_b": "0_b.png", "label": "C"})
    path.write_text(path.read_text() + bad + "\n")
    with pytest.raises(ValueError, match=r"labelled.jsonl:3: label must be A or B"):
        load_labelled(path)


def test_cli_compare_prints_a_verdict(tmp_path, capsys) -> None:
    _write_labelled(tmp_path, 1)
    code = main(["compare", str(tmp_path / "0_a.png"), str(tmp_path / "0_b.png"), "--title", "mug", "--no-ocr"])
    out = capsys.readouterr().out
    assert code == 0
    assert "<answer>A</answer>" in out and "better exposed" in out
    assert "version=features-" in out
