"""GRPO rewards: pure functions of the completions and the dataset columns, reusing the selector's parser.

TRL calls each as `f(prompts=..., completions=..., **columns)` and wants one float (or None: "not
applicable") per completion. Completions are conversational (`[{"role": "assistant", "content": "..."}]`)
or plain strings; both are accepted.

- `accuracy_reward`: 1 when the parsed `<answer>` names the labelled winner, else 0 (the paper's reward).
- `format_reward`: 1 when the text is exactly `<think>...</think><answer>A|B</answer>` with readable protocol
  answers, 0.5 when the tags are right but the protocol is incomplete, else 0.
- `order_agreement_reward`: 1 when the completion picks the same creative as the completions for the
  mirror example (same `pair_id`, other `order`) in the same batch, scaled by the share that agree; None when
  no mirror is in the batch. Position bias costs reward even when both answers are "right" by luck.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from selector.parsing import parse_output
from selector.protocol import QUESTIONS

Completion = str | list[dict[str, Any]]


def completion_text(completion: Completion) -> str:
    """The assistant's text, whatever shape TRL hands over.

    >>> completion_text("<answer>A</answer>")
    '<answer>A</answer>'
    >>> completion_text([{"role": "assistant", "content": [{"type": "text", "text": "hi"}]}])
    'hi'
    """
    if isinstance(completion, str):
        return completion
    parts: list[str] = []
    for message in completion:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(p.get("text") or "") for p in content if p.get("type") == "text")
    return "".join(parts)


def answer_of(completion: Completion) -> str | None:
    """The parsed `<answer>`, "A", "B" or None.

    >>> answer_of("<think>Q10: B</think><answer>B</answer>")
    'B'
    >>> answer_of("I like the first one") is None
    True
    """
    return parse_output(completion_text(completion)).answer


def accuracy_reward(completions: Sequence[Completion], label: Sequence[str], **_: Any) -> list[float]:
    """1.0 when the answer names the labelled winner, else 0.0 (a missing answer earns nothing).

    >>> accuracy_reward(["<think>x</think><answer>A</answer>", "<answer>B</answer>", "no idea"], ["A", "A", "A"])
    [1.0, 0.0, 0.0]
    """
    return [1.0 if answer_of(c) == want else 0.0 for c, want in zip(completions, label, strict=True)]


def format_reward(completions: Sequence[Completion], **_: Any) -> list[float]:
    """1.0 for the exact format with every protocol question answered, 0.5 for the exact tags alone, else 0.0.

    >>> full = "<think>" + "\\n".join(f"Q{n}: {'NO' if n < 3 else 'A' if n == 10 else 'A>B'}" for n in range(1, 11))
    >>> format_reward([full + "</think><answer>A</answer>"])
    [1.0]
    >>> format_reward(["<think>A looks better</think><answer>A</answer>", "<answer>A</answer>", "A"])
    [0.5, 0.0, 0.0]
    """
    out = []
    for c in completions:
        parsed = parse_output(completion_text(c))
        if not parsed.well_formed:
            out.append(0.0)
        elif set(parsed.protocol) >= set(QUESTIONS) and not any(p.startswith("Q") for p in parsed.problems):
            out.append(1.0)
        else:
            out.append(0.5)
    return out


def picked_first_shown(answer: str | None, order: str) -> str | None:
    """Which creative of the pair an answer picks, independent of the order shown ("winner-side" names).

    In the forward order the pair's first creative is A; in the backward order it is B.

    >>> picked_first_shown("A", "forward"), picked_first_shown("B", "backward"), picked_first_shown(None, "forward")
    ('first', 'first', None)
    """
    if answer not in ("A", "B"):
        return None
    forward_first = (answer == "A") == (order == "forward")
    return "first" if forward_first else "second"


def order_agreement_reward(
    completions: Sequence[Completion], pair_id: Sequence[str], order: Sequence[str], **_: Any
) -> list[float | None]:
    """Share of the mirror order's completions (same pair, other order, same batch) that pick the same creative.

    >>> fwd, bwd = "<think>t</think><answer>A</answer>", "<think>t</think><answer>B</answer>"
    >>> order_agreement_reward([fwd, bwd, bwd], ["p", "p", "p"], ["forward", "backward", "backward"])
    [1.0, 1.0, 1.0]
    >>> order_agreement_reward([fwd, fwd, bwd], ["p", "p", "p"], ["forward", "backward", "backward"])
    [0.5, 0.0, 1.0]
    >>> order_agreement_reward([fwd], ["lonely"], ["forward"])
    [None]
    """
    picks = [picked_first_shown(answer_of(c), o) for c, o in zip(completions, order, strict=True)]
    groups: dict[tuple[str, str], list[str | None]] = defaultdict(list)
    for pick, pid, o in zip(picks, pair_id, order, strict=True):
        groups[(pid, o)].append(pick)
    out: list[float | None] = []
    for pick, pid, o in zip(picks, pair_id, order, strict=True):
        mirror = groups.get((pid, "backward" if o == "forward" else "forward"), [])
        if not mirror:
            out.append(None)
        elif pick is None:
            out.append(0.0)
        else:
            out.append(sum(1 for m in mirror if m == pick) / len(mirror))
    return out


REWARDS = {"accuracy": accuracy_reward, "format": format_reward, "order_agreement": order_agreement_reward}
