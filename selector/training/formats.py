"""TRL's vision-language dataset formats for labelled pairs (pure; no torch).

One labelled pair becomes two ordered examples (winner shown first, loser shown first), so the model learns
to pick the winner wherever it sits. Every format shares the conversational `prompt` that inference uses
(`selector.prompt.build_messages`, two `{"type": "image"}` placeholders, A then B) and an `images` list:

- GRPO: `prompt`, `images`, `label` ("A" or "B"), plus `pair_id`/`order` so the order-agreement reward can
  find an example's mirror in the same generation batch;
- SFT (prompt-completion): the same plus `completion`, the assistant's `<think>...</think><answer>X</answer>`
  taken from a verdict that agreed with the label (an accepted verdict);
- DPO: the same prompt with `chosen` and `rejected` assistant turns (`label` is called `chosen_answer` there:
  TRL reserves `label` beside chosen/rejected for unpaired preferences).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from selector.prompt import build_messages
from selector.types import Answer, Brief

Order = Literal["forward", "backward"]
KINDS = ("grpo", "sft", "dpo")


@dataclass(frozen=True)
class OrderedExample:
    """One labelled pair shown in one order. `first_image`/`second_image` are whatever the writer stores
    (bytes or a relative path); `chosen`/`rejected` are the bare reasoning texts, when known."""

    pair_id: str
    order: Order
    brief: Brief
    first_image: Any
    second_image: Any
    label: Answer
    source: str
    chosen: str | None = None  # reasoning of a verdict that picked `label` in this order
    rejected: str | None = None  # reasoning of a verdict that picked the other image in this order
    provenance: dict[str, Any] = field(default_factory=dict)


def other(answer: Answer) -> Answer:
    return "B" if answer == "A" else "A"


def completion_text(reasoning: str, answer: Answer) -> str:
    """The exact output format the prompt asks for."""
    return f"<think>{reasoning.strip()}</think><answer>{answer}</answer>"


def assistant(text: str) -> list[dict[str, Any]]:
    return [{"role": "assistant", "content": [{"type": "text", "text": text}]}]


def _base(ex: OrderedExample) -> dict[str, Any]:
    return {
        "prompt": build_messages(ex.brief),
        "images": [ex.first_image, ex.second_image],
        "label": ex.label,
        "pair_id": ex.pair_id,
        "order": ex.order,
        "product_title": ex.brief.product_title,
        "queries": list(ex.brief.queries),
        "language": ex.brief.language,
        "source": ex.source,
        **{f"meta_{k}": v for k, v in sorted(ex.provenance.items())},
    }


def grpo_row(ex: OrderedExample) -> dict[str, Any]:
    return _base(ex)


def sft_row(ex: OrderedExample) -> dict[str, Any] | None:
    if not ex.chosen:
        return None
    return _base(ex) | {"completion": assistant(completion_text(ex.chosen, ex.label))}


def dpo_row(ex: OrderedExample) -> dict[str, Any] | None:
    if not ex.chosen or not ex.rejected:
        return None
    # TRL reads a `label` column beside chosen/rejected as an unpaired (KTO) preference, so the answer is renamed.
    base = _base(ex)
    base["chosen_answer"] = base.pop("label")
    return base | {
        "chosen": assistant(completion_text(ex.chosen, ex.label)),
        "rejected": assistant(completion_text(ex.rejected, other(ex.label))),
    }


def rows(kind: str, examples: Sequence[OrderedExample]) -> list[dict[str, Any]]:
    """The rows of one format; SFT and DPO keep only examples that have the texts they need."""
    build = {"grpo": grpo_row, "sft": sft_row, "dpo": dpo_row}[kind]
    return [r for r in (build(ex) for ex in examples) if r is not None]


def brief_of(row: dict[str, Any]) -> Brief:
    """The brief back from a stored row (evaluation rebuilds `Pair`s from the test split)."""
    language: Literal["en", "zh"] = "zh" if row.get("language") == "zh" else "en"
    return Brief(str(row["product_title"]), tuple(row.get("queries") or ()), language)


_LETTER = re.compile(r"(?<![A-Za-z])[AB](?![A-Za-z])")
# "A" opening a sentence before a lower-case word is an article ("A bright background"), unless that word
# says what image A does ("A is sharper").
_ARTICLE = re.compile(r"(?:^|[.!?]\s+|\n\s*)A(?=\s+([a-z]+))")
_VERBS = frozenset(
    [
        "is",
        "has",
        "shows",
        "wins",
        "looks",
        "was",
        "does",
        "uses",
        "beats",
        "offers",
        "features",
        "gives",
        "seems",
        "appears",
        "and",
        "or",
    ]
)


def mirror_reasoning(text: str) -> str:
    """The same reasoning for the pair shown the other way round: image letters swap ("A>B" becomes "B>A",
    which the parser reads as A<B); "A" as an article is left alone.

    >>> mirror_reasoning("Q3: A>B\\nImage A shows the kettle larger. A bright background helps B. A is sharp.")
    'Q3: B>A\\nImage B shows the kettle larger. A bright background helps A. B is sharp.'
    """
    articles = {m.end() - 1 for m in _ARTICLE.finditer(text) if m.group(1) not in _VERBS}
    return _LETTER.sub(lambda m: m.group(0) if m.start() in articles else "B" if m.group(0) == "A" else "A", text)
