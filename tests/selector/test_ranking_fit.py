"""Bradley-Terry ranking: recovery of a known order, interval coverage, position-bias cancellation, counts,
shared ranks and edge cases. Simulated judges only (selector.ranking.simulation); every test is seeded."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import kendalltau

from selector.ranking import fit_ranking
from selector.ranking.bootstrap import shared_ranks
from selector.ranking.inputs import Judged
from selector.ranking.simulation import BradleyTerryJudge, judge_pairs
from selector.types import combine_orders


def all_pairs(items: list[int]) -> list[tuple[int, int]]:
    return [(a, b) for i, a in enumerate(items) for b in items[i + 1 :]]


def true_scores(n: int, spread: float) -> np.ndarray:
    """Evenly spaced true logits with mean zero (fitted scores are reported with mean zero too)."""
    return np.linspace(spread / 2, -spread / 2, n)


def sampled_verdicts(truth: np.ndarray, repeats: int, rng: np.random.Generator) -> list[Judged]:
    """Hard 0/1 outcomes drawn from the Bradley-Terry model itself, `repeats` per pair."""
    rows = []
    for a, b in all_pairs(list(range(len(truth)))):
        p = 1.0 / (1.0 + math.exp(-(truth[a] - truth[b])))
        rows += [(a, b, float(rng.random() < p)) for _ in range(repeats)]
    return rows


def tau(result_items: list[int], strength: dict[int, float]) -> float:
    fitted = [-k for k in range(len(result_items))]  # result order, best first
    return float(kendalltau(fitted, [strength[i] for i in result_items]).statistic)


def test_recovers_known_order_from_noisy_verdicts() -> None:
    """A noisy, position-biased judge asked in both orders: the fitted order matches the hidden one."""
    items = [11, 23, 5, 42, 7, 19, 3, 31, 8, 14]
    strength = {item: 0.4 * k for k, item in enumerate(items)}  # the last listed (14) is best
    taus, leaders = [], 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        judge = BradleyTerryJudge(strength, bias=1.0, sample=True)
        judged = judge_pairs(judge, rng, all_pairs(sorted(items)) * 3)
        result = fit_ranking(items, judged, n_bootstrap=0)
        taus.append(tau(result.items, strength))
        leaders += result.leader == items[-1]
    assert np.mean(taus) > 0.75, taus
    assert min(taus) > 0.5, taus
    assert leaders >= 12  # the best of ten, 0.4 logits ahead of the next: found most of the time


def test_noiseless_soft_outcomes_give_back_the_true_scores() -> None:
    """Soft outcomes are used as soft: p = sigmoid(difference) fits the differences almost exactly
    (the weak ridge prior shrinks them by a few percent)."""
    truth = true_scores(6, 3.0)
    judged = [(a, b, 1.0 / (1.0 + math.exp(-(truth[a] - truth[b])))) for a, b in all_pairs(list(range(6)))]
    result = fit_ranking(range(6), judged * 10, n_bootstrap=0)
    assert result.items == list(range(6))
    fitted = np.array([e.score for e in sorted(result.entries, key=lambda e: e.item)])
    np.testing.assert_allclose(fitted, truth, atol=0.05)


def test_ranks_are_shared_exactly_where_intervals_overlap() -> None:
    """1 + the number of items wholly above, never decreasing down the order."""
    scores = np.array([3.0, 2.5, 1.0, 0.0, -3.0])
    low = np.array([2.0, 1.2, 0.6, -0.5, -4.0])
    high = np.array([4.0, 3.0, 1.9, 0.5, -2.0])
    order, ranks = shared_ranks(scores, low, high)
    assert order.tolist() == [0, 1, 2, 3, 4]
    # 0 and 1 overlap; 2 overlaps 1 but lies below 0; 3 lies below 0, 1 and 2; 4 below everything
    assert ranks.tolist() == [1, 1, 2, 4, 5]
    _, same = shared_ranks(np.zeros(3), -np.ones(3), np.ones(3))
    assert same.tolist() == [1, 1, 1]


@pytest.mark.parametrize("n_bootstrap", [200, 0], ids=["bootstrap", "laplace"])
def test_intervals_cover_the_truth_at_about_their_nominal_rate(n_bootstrap: int) -> None:
    """90% intervals over 300 seeded data sets. Items of one data set share data, so only seeds are
    treated as independent: the estimate's standard error is at most sqrt(0.9 * 0.1 / 300) = 0.017, and
    3 of them (0.052) is the tolerance either side (too narrow and too wide both fail)."""
    level, seeds, n = 0.9, 300, 6
    truth = true_scores(n, 2.4)
    covered = np.zeros((seeds, n), dtype=bool)
    for seed in range(seeds):
        rng = np.random.default_rng([seed, 17])
        result = fit_ranking(range(n), sampled_verdicts(truth, 6, rng), n_bootstrap=n_bootstrap, seed=seed, level=level)
        for e in result.entries:
            covered[seed, e.item] = e.ci_low <= truth[e.item] <= e.ci_high
    tolerance = 3 * math.sqrt(level * (1 - level) / seeds)
    assert abs(covered.mean() - level) <= tolerance, covered.mean()
    # no item is systematically missed (the best and worst are the ones shrinkage would hurt)
    assert covered.mean(axis=0).min() >= level - 2 * tolerance, covered.mean(axis=0)


def test_both_orders_cancel_a_position_bias() -> None:
    """Equal creatives and a judge that strongly prefers whatever it sees first. Asked in one order
    (lower id first), the first-shown look best; asked in both and combined, nothing separates them."""
    items = list(range(8))
    rng = np.random.default_rng(3)
    judge = BradleyTerryJudge(dict.fromkeys(items, 0.0), bias=1.5, sample=True)
    pairs = all_pairs(items)

    both = fit_ranking(items, judge_pairs(judge, rng, pairs * 2), n_bootstrap=200, seed=1)
    a = np.array([p[0] for p in pairs * 2])
    b = np.array([p[1] for p in pairs * 2])
    one_order = [(int(x), int(y), float(p)) for x, y, p in zip(a, b, judge(rng, a, b), strict=True)]
    biased = fit_ranking(items, one_order, n_bootstrap=200, seed=1)

    assert {e.rank for e in both.entries} == {1}  # all intervals overlap: one shared rank
    assert max(abs(e.score) for e in both.entries) < 0.5
    scores = {e.item: e.score for e in biased.entries}
    # shown first in all seven of its pairs, item 0 looks best and item 7 (always second) worst
    assert scores[0] - scores[7] > 2.0
    assert tau(biased.items, {i: -i for i in items}) > 0.6
    assert len({e.rank for e in biased.entries}) > 1


def test_both_orders_recover_an_order_that_one_order_gets_wrong() -> None:
    """The true order runs against the order of presentation, and the bias outweighs each step."""
    items = list(range(8))
    strength = {i: 0.5 * i for i in items}  # 7 best; one-order shows the weaker (lower id) first
    judge = BradleyTerryJudge(strength, bias=2.0)  # soft, noiseless: isolates the bias
    pairs = all_pairs(items)
    both = fit_ranking(items, judge_pairs(judge, np.random.default_rng(0), pairs), n_bootstrap=0)
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    p_first = judge(np.random.default_rng(0), a, b)
    one = fit_ranking(items, list(zip(a.tolist(), b.tolist(), p_first.tolist(), strict=True)), n_bootstrap=0)
    assert both.items == [7, 6, 5, 4, 3, 2, 1, 0]
    assert tau(both.items, strength) == pytest.approx(1.0)
    assert tau(one.items, strength) < 0.0  # worse than chance: the bias wins


def test_counts_and_win_matrix() -> None:
    p_tie = combine_orders(0.8, 0.7).p  # the orders disagree: a tie
    judged = [(1, 2, 0.8), (3, 2, 0.9), (1, 3, p_tie)]
    result = fit_ranking([1, 2, 3, 4], judged, n_bootstrap=50)
    by_item = {e.item: e for e in result.entries}
    assert (by_item[1].wins, by_item[1].losses, by_item[1].ties) == (1, 0, 1)
    assert (by_item[2].wins, by_item[2].losses, by_item[2].ties) == (0, 2, 0)
    assert (by_item[3].wins, by_item[3].losses, by_item[3].ties) == (1, 0, 1)
    assert (by_item[4].wins, by_item[4].losses, by_item[4].ties) == (0, 0, 0)
    pos = {item: k for k, item in enumerate(result.items)}
    m = result.win_matrix
    assert m[pos[1]][pos[2]] == pytest.approx(0.8) and m[pos[2]][pos[1]] == pytest.approx(0.2)
    assert m[pos[3]][pos[2]] == pytest.approx(0.9) and m[pos[1]][pos[3]] == pytest.approx(0.5)
    assert m[pos[4]] == [None] * 4 and all(row[pos[4]] is None for row in m)
    assert all(m[k][k] is None for k in range(4))
    assert result.n_judged == 3
    e = np.array(result.expected_matrix)
    np.testing.assert_allclose(e + e.T, 1.0)
    assert result.items[-1] == 2  # lost both of its pairs


def test_all_ties_share_one_rank_and_equal_scores() -> None:
    items = [4, 9, 2, 7]
    judged = [(a, b, 0.5) for a, b in all_pairs(items)]
    result = fit_ranking(items, judged, n_bootstrap=100)
    assert all(abs(e.score) < 1e-9 for e in result.entries)
    assert {e.rank for e in result.entries} == {1}
    assert all((e.wins, e.losses, e.ties) == (0, 0, 3) for e in result.entries)


def test_two_creatives() -> None:
    result = fit_ranking([5, 6], [(5, 6, 0.2)], n_bootstrap=100)
    assert result.items == [6, 5]
    assert result.entries[0].score == pytest.approx(-result.entries[1].score)
    assert result.entries[0].ci_low < result.entries[0].score < result.entries[0].ci_high
    assert [e.rank for e in result.entries] == [1, 1]  # one soft verdict proves nothing


def test_creative_without_comparisons_is_unknown_not_last() -> None:
    """Item 9 was never judged (say its pairs failed): prior score 0, wide interval, shared rank."""
    judged = [(1, 2, 0.9), (2, 3, 0.9), (1, 3, 0.9)] * 5
    result = fit_ranking([1, 2, 3, 9], judged, n_bootstrap=100)
    by_item = {e.item: e for e in result.entries}
    assert by_item[9].score == pytest.approx(0.0, abs=1e-9)
    width = {i: e.ci_high - e.ci_low for i, e in by_item.items()}
    assert width[9] > 2 * max(width[1], width[2], width[3])
    assert by_item[9].rank == 1  # could be anywhere, including first
    assert by_item[1].score > 0 > by_item[3].score


def test_disconnected_comparison_graph() -> None:
    """Two groups never compared with each other: orders within groups, no claim across them."""
    judged = [(1, 2, 0.95)] * 6 + [(3, 4, 0.95)] * 6
    result = fit_ranking([1, 2, 3, 4], judged, n_bootstrap=200, seed=2)
    by_item = {e.item: e for e in result.entries}
    assert all(math.isfinite(e.score) and math.isfinite(e.ci_low) and math.isfinite(e.ci_high) for e in result.entries)
    assert by_item[1].score > by_item[2].score and by_item[3].score > by_item[4].score
    assert by_item[1].score == pytest.approx(by_item[3].score, abs=1e-6)
    assert by_item[1].rank == by_item[3].rank == 1


def test_bad_rows_are_dropped_and_empty_input_works() -> None:
    judged = [(1, 2, 0.7), (1, 1, 0.9), (1, 99, 0.9), (2, 3, float("nan")), (3, 1, 1.7)]
    result = fit_ranking([1, 2, 3], judged, n_bootstrap=20)
    assert result.n_judged == 2  # the self-pair, the unknown id and the NaN are gone; 1.7 is clipped to 1
    assert result.win_matrix[result.items.index(3)][result.items.index(1)] == pytest.approx(1.0)
    empty = fit_ranking([], [], n_bootstrap=20)
    assert empty.entries == [] and empty.leader is None
    lone = fit_ranking([8], [], n_bootstrap=20)
    assert lone.leader == 8 and lone.entries[0].rank == 1


def test_deterministic_under_a_seed_and_independent_of_row_order() -> None:
    rng = np.random.default_rng(5)
    judged = sampled_verdicts(true_scores(7, 2.0), 2, rng)
    first = fit_ranking(range(7), judged, n_bootstrap=100, seed=3)
    shuffled = [judged[k] for k in rng.permutation(len(judged))]
    again = fit_ranking(reversed(range(7)), shuffled, n_bootstrap=100, seed=3)
    assert first == again
    other = fit_ranking(range(7), judged, n_bootstrap=100, seed=4)
    assert [e.score for e in other.entries] == [e.score for e in first.entries]  # the fit has no randomness
    assert [e.ci_low for e in other.entries] != [e.ci_low for e in first.entries]  # the resamples do
