"""Labelled pairs from real delivery figures: the paper's rule and a two-proportion z test (pure; no database).

The paper keeps a pair when both images have over 1,000 impressions and their CTRs differ by more than 60%.
"Differ by 60%" is read relative to the lower CTR: (high - low) / low > 0.6, so a pair with one CTR at zero
and the other above it always differs enough. The z test keeps a pair when the two click rates differ at
significance `alpha` (pooled two-sided test); both verdicts are kept on every pair so callers can pick.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from scipy.stats import norm

LabelMethod = Literal["paper", "ztest", "both"]


@dataclass(frozen=True)
class LabelRule:
    min_impressions: int = 1000  # both images need more impressions than this
    min_relative_diff: float = 0.6  # (high CTR - low CTR) / low CTR must exceed this
    alpha: float = 0.05  # two-proportion z test significance
    method: LabelMethod = "paper"  # which test decides `kept`; "both" needs both

    def __post_init__(self) -> None:
        if self.min_impressions < 0:
            raise ValueError("min_impressions must be >= 0")
        if self.min_relative_diff < 0:
            raise ValueError("min_relative_diff must be >= 0")
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must be in (0, 1)")
        if self.method not in ("paper", "ztest", "both"):
            raise ValueError("method must be paper, ztest or both")


@dataclass(frozen=True)
class Delivery:
    impressions: int
    clicks: int

    @property
    def ctr(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0


@dataclass(frozen=True)
class CtrPair:
    """One unordered pair of creatives with its CTR verdicts; `winner` has the higher CTR."""

    winner: int
    loser: int
    winner_ctr: float
    loser_ctr: float
    winner_impressions: int
    loser_impressions: int
    relative_diff: float  # inf when the loser's CTR is zero
    p_value: float
    passes_paper: bool
    passes_ztest: bool
    kept: bool


def relative_diff(high: float, low: float) -> float:
    """(high - low) / low; infinite when only `low` is zero, zero when both are."""
    if low <= 0:
        return math.inf if high > 0 else 0.0
    return (high - low) / low


def two_proportion_p_value(a: Delivery, b: Delivery) -> float:
    """Two-sided pooled z test that the two click rates are equal."""
    n1, n2 = a.impressions, b.impressions
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (a.clicks + b.clicks) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return 1.0  # both rates 0 or both 1: nothing to tell apart
    z = (a.ctr - b.ctr) / math.sqrt(var)
    return float(2 * norm.sf(abs(z)))


def judge_pair(a_id: int, a: Delivery, b_id: int, b: Delivery, rule: LabelRule) -> CtrPair | None:
    """The pair's verdicts, or None when the CTRs are exactly equal (no winner to name)."""
    if a.ctr == b.ctr:
        return None
    (w_id, w), (l_id, lo) = ((a_id, a), (b_id, b)) if a.ctr > b.ctr else ((b_id, b), (a_id, a))
    enough = min(w.impressions, lo.impressions) > rule.min_impressions
    diff = relative_diff(w.ctr, lo.ctr)
    p_value = two_proportion_p_value(w, lo)
    paper = enough and diff > rule.min_relative_diff
    ztest = enough and p_value < rule.alpha
    kept = {"paper": paper, "ztest": ztest, "both": paper and ztest}[rule.method]
    return CtrPair(
        winner=w_id, loser=l_id, winner_ctr=w.ctr, loser_ctr=lo.ctr, winner_impressions=w.impressions,
        loser_impressions=lo.impressions, relative_diff=diff, p_value=p_value, passes_paper=paper,
        passes_ztest=ztest, kept=kept,
    )  # fmt: skip


def derive_pairs(deliveries: Mapping[int, Delivery], rule: LabelRule, kept_only: bool = True) -> list[CtrPair]:
    """All pairs among `deliveries` (creative id -> summed figures), in id order; kept ones only by default."""
    out = []
    for a_id, b_id in combinations(sorted(deliveries), 2):
        pair = judge_pair(a_id, deliveries[a_id], b_id, deliveries[b_id], rule)
        if pair is not None and (pair.kept or not kept_only):
            out.append(pair)
    return out
