"""GRPO rewards: their doctests run here, plus cases built from the real parser's edge cases."""

from __future__ import annotations

import doctest

import pytest

from selector.training import data, formats, rewards

FULL = "\n".join(f"Q{n}: {'NO' if n < 3 else 'B' if n == 10 else 'A<B'}" for n in range(1, 11))


@pytest.mark.parametrize("module", [rewards, formats, data])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module, verbose=False)  # type: ignore[arg-type]
    assert result.attempted >= 1 and result.failed == 0


def test_accuracy_reads_answers_like_the_parser() -> None:
    completions = [
        f"<think>{FULL}</think><answer>B</answer>",
        "<think>x</think><answer>Image B</answer>",  # lenient: still B
        "<think>x</think><answer>Ｂ</answer>",  # full-width
        "<think>x</think><answer>A</answer><answer>B</answer>",  # conflicting: no answer
        [{"role": "assistant", "content": "<think>x</think><answer>B</answer>"}],
    ]
    assert rewards.accuracy_reward(completions, ["B"] * 5) == [1.0, 1.0, 1.0, 0.0, 1.0]


def test_format_is_strict_about_tags_and_protocol() -> None:
    got = rewards.format_reward(
        [
            f"<think>{FULL}</think><answer>B</answer>",
            f"<think>{FULL}</think><answer>B</answer> thanks",  # text after the answer
            f"<think>{FULL}</think>\n<answer> B </answer>\n",  # whitespace is fine
            "<think>B is brighter</think><answer>B</answer>",  # no protocol
            f"{FULL}<answer>B</answer>",  # no think
        ]
    )
    assert got == [1.0, 0.0, 1.0, 0.5, 0.0]


def test_order_agreement_needs_the_mirror_in_the_batch() -> None:
    a, b, bad = "<answer>A</answer>", "<answer>B</answer>", "no answer"
    # pair p: forward says A (first creative), backward says B (first creative again): consistent
    # pair q: forward says A, backward says A (the second creative): position bias
    got = rewards.order_agreement_reward(
        [a, b, a, a, bad, b],
        ["p", "p", "q", "q", "q", "r"],
        ["forward", "backward", "forward", "backward", "forward", "backward"],
    )
    assert got == [1.0, 1.0, 0.0, 0.0, 0.0, None]


def test_pair_order_shuffles_pairs_and_keeps_both_orders_together() -> None:
    ids = [f"p{i // 2}" for i in range(20)]
    order = data.pair_order(ids, seed=7)
    assert sorted(order) == list(range(20)) and order != list(range(20))
    assert all(ids[order[i]] == ids[order[i + 1]] for i in range(0, 20, 2))
    assert data.pair_order(ids, seed=7) == order
