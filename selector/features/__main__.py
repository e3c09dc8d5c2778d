"""CLI: `python -m selector.features fit labelled.jsonl --out weights.json` re-fits the CPU comparator's
weights on labelled pairs; `python -m selector.features compare a.png b.png --title ... --query ...`
prints one verdict."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from PIL import Image

from selector.features.comparator import FeaturesComparator
from selector.features.fitting import fit_weights, load_labelled
from selector.features.weights import Weights
from selector.types import Brief, Creative, Pair


def _fit(args: argparse.Namespace) -> int:
    examples = load_labelled(args.labelled)
    if not examples:
        print(f"no labelled pairs in {args.labelled}", file=sys.stderr)
        return 2
    prior = Weights.load(args.prior) if args.prior else None
    comparator = FeaturesComparator(weights=prior, ocr=not args.no_ocr)
    weights = fit_weights(examples, comparator=comparator, prior=prior, l2=args.l2)
    weights.save(args.out)
    print(f"fitted on {len(examples)} pairs; version features-{weights.digest}")
    print(f"notes: {json.dumps(dict(weights.notes))}")
    print(f"wrote {args.out}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    creatives = []
    for path in (args.image_a, args.image_b):
        data = Path(path).read_bytes()
        with Image.open(path) as img:
            img.load()
            creatives.append(Creative(image=img.copy(), key=hashlib.sha256(data).hexdigest()))
    brief = Brief(product_title=args.title, queries=tuple(args.query), language=args.language)
    comparator = FeaturesComparator(args.weights, ocr=not args.no_ocr)
    verdict = comparator.compare([Pair(creatives[0], creatives[1], brief)])[0]
    print(verdict.raw_text)
    print(f"p_first={verdict.p_first:.3f} version={verdict.comparator_version}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m selector.features", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("fit", help="fit weights on labelled pairs (jsonl)")
    fit.add_argument("labelled", type=Path)
    fit.add_argument("--out", type=Path, required=True)
    fit.add_argument("--prior", type=Path, help="weights to shrink towards (default: shipped weights)")
    fit.add_argument("--l2", type=float, default=1.0, help="prior strength, in examples")
    fit.add_argument("--no-ocr", action="store_true", help="skip text measurements (faster)")
    fit.set_defaults(run=_fit)
    cmp_ = sub.add_parser("compare", help="judge one pair and print the verdict")
    cmp_.add_argument("image_a", type=Path)
    cmp_.add_argument("image_b", type=Path)
    cmp_.add_argument("--title", default="")
    cmp_.add_argument("--query", action="append", default=[])
    cmp_.add_argument("--language", choices=("en", "zh"), default="en")
    cmp_.add_argument("--weights", type=Path)
    cmp_.add_argument("--no-ocr", action="store_true")
    cmp_.set_defaults(run=_compare)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
