"""`python -m selector compare A.png B.png --title ... --query ...`: judge one pair in both orders.

Prints the reasoning, the protocol table and the verdicts (forward, backward, combined); `--json` prints
the same as one JSON object. `--model PATH|HUB_ID` runs the MLLM comparator, `--model tiny` a freshly built
tiny random model (demos, tests), and no `--model` the CPU features comparator where it is installed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from selector.protocol import PROTOCOL
from selector.types import Brief, Comparator, Creative, Pair, Verdict, combine_orders

_MIRROR = {"A>B": "A<B", "A<B": "A>B", "A": "B", "B": "A"}


def load_creative(path: Path) -> Creative:
    data = path.read_bytes()
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    return Creative(image=image, key=hashlib.sha256(data).hexdigest())


def mirror(answer: str | None) -> str | None:
    """A backward-order answer restated for the forward order (A and B swapped back)."""
    return None if answer is None else _MIRROR.get(answer, answer)


@contextlib.contextmanager
def open_comparator(args: argparse.Namespace) -> Iterator[Comparator]:
    if args.model is None:
        try:
            from selector.features import FeaturesComparator
        except ImportError as exc:
            raise SystemExit("no --model given and the CPU features comparator is not available") from exc
        yield FeaturesComparator()
        return
    from selector.mllm import MLLMComparator, MLLMConfig

    settings = {
        "adapter": args.adapter,
        "quantization": args.quantization,
        "max_pixels": args.max_pixels,
        "max_new_tokens": args.max_new_tokens,
        "language": args.language,
    }
    if args.model == "tiny":
        from selector.testing import build_tiny_model

        with tempfile.TemporaryDirectory(prefix="tiny-qwen-vl-") as folder:
            yield MLLMComparator(MLLMConfig(model=str(build_tiny_model(Path(folder))), **settings))
        return
    yield MLLMComparator(MLLMConfig(model=args.model, **settings))


def _verdict_dict(verdict: Verdict) -> dict[str, Any]:
    out = dataclasses.asdict(verdict)
    out["protocol"] = {str(k): v for k, v in verdict.protocol.items()}
    out["problems"] = list(verdict.problems)
    out["parse_ok"] = verdict.parse_ok
    return out


def result_dict(paths: Sequence[Path], forward: Verdict, backward: Verdict) -> dict[str, Any]:
    outcome = combine_orders(forward.p_first, backward.p_first)
    winner = {"first": str(paths[0]), "second": str(paths[1]), "tie": None}[outcome.label]
    return {
        "images": {"A": str(paths[0]), "B": str(paths[1])},
        "comparator_version": forward.comparator_version,
        "prompt_version": forward.prompt_version,
        "forward": _verdict_dict(forward),
        "backward": _verdict_dict(backward),
        "combined": {"p_first": outcome.p, "label": outcome.label, "winner": winner},
    }


def format_text(result: dict[str, Any], language: str) -> str:
    fwd, bwd, comb = result["forward"], result["backward"], result["combined"]
    lines = [
        f"A = {result['images']['A']}",
        f"B = {result['images']['B']}",
        f"comparator {result['comparator_version']}",
    ]
    lines += ["", "Reasoning (A, B order):", fwd["reasoning"] or "(none)", ""]
    lines += ["| # | question | A,B order | B,A order (restated) |", "|---|---|---|---|"]
    for q in PROTOCOL:
        key = str(q.number)
        backward = mirror(bwd["protocol"].get(key))
        lines.append(f"| {q.number} | {q.text(language)} | {fwd['protocol'].get(key, '-')} | {backward or '-'} |")
    lines.append("")
    for name, v, flip in (("forward (A shown first)", fwd, False), ("backward (B shown first)", bwd, True)):
        p_a = 1.0 - v["p_first"] if flip else v["p_first"]
        said = mirror(v["answer"]) if flip else v["answer"]
        lines.append(f"{name}: answer {said or '?'}  p(A wins) = {p_a:.3f}  tokens {v['tokens']}")
        if v["problems"]:
            lines.append("  problems: " + "; ".join(v["problems"]))
    winner = comb["winner"] or "tie (the two orders disagree)"
    lines.append(f"combined: p(A wins) = {comb['p_first']:.3f}  -> {comb['label']}: {winner}")
    return "\n".join(lines)


def _compare(args: argparse.Namespace) -> int:
    paths = [Path(args.image_a), Path(args.image_b)]
    creatives = [load_creative(p) for p in paths]
    language = "zh" if args.language == "zh" else "en"
    brief = Brief(args.title, tuple(args.query or ()), language)
    pair = Pair(creatives[0], creatives[1], brief)
    with open_comparator(args) as comparator:
        forward, backward = comparator.compare([pair, pair.swapped()])  # one batch, both orders
    result = result_dict(paths, forward, backward)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_text(result, language))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m selector", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmp = sub.add_parser("compare", help="judge one pair of creatives in both orders")
    cmp.add_argument("image_a")
    cmp.add_argument("image_b")
    cmp.add_argument("--title", required=True, help="product title")
    cmp.add_argument("--query", action="append", help="a high-frequency search query (repeatable)")
    cmp.add_argument("--language", choices=["en", "zh"], default="en")
    cmp.add_argument("--model", help="checkpoint folder or hub id; 'tiny' builds a tiny random model")
    cmp.add_argument("--adapter", help="LoRA adapter folder on top of --model")
    cmp.add_argument("--quantization", choices=["auto", "nf4", "int8", "none"], default="auto")
    cmp.add_argument("--max-pixels", type=int, default=512 * 512)
    cmp.add_argument("--max-new-tokens", type=int, default=512)
    cmp.add_argument("--json", action="store_true", help="print one JSON object")
    cmp.set_defaults(func=_compare)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
