"""The pairwise decision on two measured images: feature differences, logit, duplicates, protocol.

Pure arithmetic on cached measurements, well under a millisecond per pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from selector.features import duplicates
from selector.features.measure import FEATURES, GROUPS, Measurements, feature_scores
from selector.features.textmatch import TextMatch
from selector.features.weights import Weights
from selector.types import Brief

SAME_HASH, NEAR_HASH = 0, 8  # pHash bits (of 64)
SAME_THUMB, NEAR_THUMB = 0.004, 0.03  # mean absolute thumbnail difference
NEGLIGIBLE = 0.15  # a feature whose contribution stays below this logit does not tell the images apart
GROUP_EPS = 0.1  # a protocol question's summed contribution below this is "A=B"


@dataclass(frozen=True)
class Decision:
    p_first: float
    logit: float
    scores: tuple[dict[str, float | None], dict[str, float | None]]
    contributions: dict[str, float]  # weight x difference, only for features measured on both images
    text: tuple[TextMatch | None, TextMatch | None]
    identical: bool
    near_duplicate: bool
    hash_distance: int
    protocol: dict[int, str]

    @property
    def answer(self) -> str:
        return "A" if self.p_first >= 0.5 else "B"


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def _group_answer(total: float) -> str:
    return "A>B" if total > GROUP_EPS else "A<B" if total < -GROUP_EPS else "A=B"


def decide(a: Measurements, b: Measurements, brief: Brief, weights: Weights) -> Decision:
    scores_a, text_a = feature_scores(a, brief)
    scores_b, text_b = feature_scores(b, brief)
    contributions: dict[str, float] = {}
    for name in FEATURES:
        sa, sb = scores_a.get(name), scores_b.get(name)
        if sa is not None and sb is not None:
            contributions[name] = weights.get(name) * (sa - sb)
    logit = sum(contributions.values())
    distance = duplicates.hamming(a.phash, b.phash)
    thumb = duplicates.thumb_difference(a.thumb, b.thumb)
    quiet = all(abs(c) < NEGLIGIBLE for c in contributions.values())
    identical = a.key == b.key or (distance <= SAME_HASH and thumb < SAME_THUMB and quiet)
    near = identical or (distance <= NEAR_HASH and thumb < NEAR_THUMB and quiet and abs(logit) < 2 * NEGLIGIBLE)
    p_first = 0.5 if near else _sigmoid(logit)
    protocol: dict[int, str] = {1: "YES" if identical else "NO", 2: "YES" if near else "NO"}
    for question, key in ((3, "query_hits"), (4, "title_hits")):
        sa, sb = scores_a.get(key), scores_b.get(key)
        if sa is not None and sb is not None and (question == 4 or brief.queries):
            # Factual rates: compared as measured, whatever their weight.
            protocol[question] = "A=B" if near else _group_answer(sa - sb)
    for question in (5, 7, 8, 9):
        names = [n for n in GROUPS[f"q{question}"] if n in contributions]
        if names:
            total = sum(contributions[n] for n in names)
            protocol[question] = "A=B" if near else _group_answer(total)
    protocol[10] = "A" if p_first >= 0.5 else "B"
    return Decision(
        p_first=p_first,
        logit=logit,
        scores=(scores_a, scores_b),
        contributions=contributions,
        text=(text_a, text_b),
        identical=identical,
        near_duplicate=near,
        hash_distance=distance,
        protocol=protocol,
    )
