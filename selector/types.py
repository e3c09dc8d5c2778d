"""The selector contract: what a comparator takes and what it returns.

Plain dataclasses so the web app can use them without importing torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol, runtime_checkable

from PIL import Image

Answer = Literal["A", "B"]
# Protocol answers: questions 1-2 take YES/NO, 3-9 take A>B / A=B / A<B, 10 takes A/B.
ProtocolAnswer = Literal["YES", "NO", "A>B", "A=B", "A<B", "A", "B"]


@dataclass(frozen=True)
class Brief:
    """What the shopper wants: the product title and its high-frequency search queries."""

    product_title: str
    queries: tuple[str, ...] = ()
    language: Literal["en", "zh"] = "en"


@dataclass(frozen=True)
class Creative:
    """A decoded RGB creative and a stable key (its sha256) that per-image caches use."""

    image: Image.Image
    key: str


@dataclass(frozen=True)
class Pair:
    """Two creatives for one brief; `first` is shown to the model as image "A"."""

    first: Creative
    second: Creative
    brief: Brief

    def swapped(self) -> Pair:
        return Pair(first=self.second, second=self.first, brief=self.brief)


@dataclass(frozen=True)
class Verdict:
    """One comparator call on one ordered pair.

    `p_first` is the probability that the first-shown image wins. For an MLLM it comes from the answer-slot
    logits, so it exists even when the text is malformed; `answer`, `protocol` and `reasoning` are what
    could be parsed from the text and `problems` lists what could not.
    """

    p_first: float
    answer: Answer | None
    reasoning: str
    protocol: dict[int, str]
    raw_text: str
    comparator_version: str
    prompt_version: str
    latency_s: float = 0.0
    tokens: int = 0
    problems: tuple[str, ...] = field(default=())

    @property
    def parse_ok(self) -> bool:
        return self.answer is not None and not self.problems

    def with_timing(self, latency_s: float, tokens: int) -> Verdict:
        return replace(self, latency_s=latency_s, tokens=tokens)


@runtime_checkable
class Comparator(Protocol):
    """Anything that judges ordered pairs in batches. `version` names weights + prompt and is stored
    with every verdict, so verdicts of different models never mix."""

    version: str
    prompt_version: str

    def compare(self, pairs: Sequence[Pair]) -> list[Verdict]: ...


@dataclass(frozen=True)
class PairOutcome:
    """Both orders of one unordered pair combined: `p` is the debiased probability that `first` wins."""

    p: float
    label: Literal["first", "second", "tie"]


def combine_orders(forward_p_first: float, backward_p_first: float, margin: float = 0.0) -> PairOutcome:
    """Combine (A,B) and (B,A) verdicts into one outcome for A.

    A position-biased judge that always prefers whichever image it sees first says A in the forward order
    and B's-first in the backward one; averaging cancels that bias, and when the two orders disagree on
    the winner the pair counts as a tie (DESIGN.md).
    """
    p_forward = forward_p_first
    p_backward = 1.0 - backward_p_first  # the backward call's "second" is our first
    p = (p_forward + p_backward) / 2.0
    forward_says_first = p_forward > 0.5 + margin
    backward_says_first = p_backward > 0.5 + margin
    forward_says_second = p_forward < 0.5 - margin
    backward_says_second = p_backward < 0.5 - margin
    if forward_says_first and backward_says_first:
        return PairOutcome(p=p, label="first")
    if forward_says_second and backward_says_second:
        return PairOutcome(p=p, label="second")
    return PairOutcome(p=0.5, label="tie")
