"""Single-elimination bracket rebuilt from judged pairs alone (no other state is kept between rounds).

The seed fixes the first round's order. Each later round pairs the survivors in order, so replaying the
judged results always reaches the same place. A failed match eliminates nobody (a failure is unknown,
never a win); both players go on, and two players whose match failed are never paired again, so the
bracket always ends. A tie is broken by the soft points earned in earlier rounds, then by a seeded coin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from selector.ranking.inputs import ItemPair, outcome_sign, pair_key


@dataclass(frozen=True)
class BracketState:
    """Where the bracket stands: the current round's undecided matches (empty when it is over)."""

    round_index: int
    open_matches: list[ItemPair]
    survivors: list[int]

    @property
    def finished(self) -> bool:
        return not self.open_matches


def _coin(seed: int, key: ItemPair) -> bool:
    # ids masked to 32 bits: a seed sequence takes no negative numbers
    return bool(np.random.default_rng([seed, key[0] & 0xFFFFFFFF, key[1] & 0xFFFFFFFF]).random() < 0.5)


def _pair_up(players: Sequence[int], met: set[ItemPair]) -> tuple[list[ItemPair], list[int]]:
    """Pair players in order, skipping partners already met (only failed matches can leave both alive)."""
    matches: list[ItemPair] = []
    unpaired: list[int] = []
    taken = [False] * len(players)
    for i, x in enumerate(players):
        if taken[i]:
            continue
        taken[i] = True
        for j in range(i + 1, len(players)):
            if not taken[j] and pair_key(x, players[j]) not in met:
                taken[j] = True
                matches.append((x, players[j]))
                break
        else:
            unpaired.append(x)
    return matches, unpaired


def bracket_state(
    items: Sequence[int], outcomes: Mapping[ItemPair, float], failed: set[ItemPair], seed: int
) -> BracketState:
    """Replay the bracket. `items` sorted ids; `outcomes[(a, b)]` is p that a (the smaller id) won."""
    order = np.random.default_rng([seed, 0x6B6F]).permutation(len(items))
    players = [items[k] for k in order]
    points = dict.fromkeys(items, 0.0)
    met: set[ItemPair] = set()
    round_index = 0
    while len(players) > 1:
        matches, unpaired = _pair_up(players, met)
        if not matches:
            break
        winners: list[int] = []
        both_alive: list[int] = []
        open_matches: list[ItemPair] = []
        gained: dict[int, float] = {}
        for x, y in matches:
            key = pair_key(x, y)
            if key in outcomes:
                p_x = outcomes[key] if key[0] == x else 1.0 - outcomes[key]
                sign = outcome_sign(p_x)
                if sign == 0:
                    diff = points[x] - points[y]
                    sign = 1 if diff > 0 else -1 if diff < 0 else (1 if _coin(seed, key) else -1)
                winners.append(x if sign > 0 else y)
                gained[x], gained[y] = p_x, 1.0 - p_x
            elif key in failed:
                winners.append(x)
                both_alive.append(y)
            else:
                open_matches.append(key)
        if open_matches:
            return BracketState(round_index, open_matches, players)
        for item, p in gained.items():  # only after the round, so tie-breaks use earlier rounds only
            points[item] += p
        met.update(pair_key(x, y) for x, y in matches)
        players = winners + unpaired + both_alive
        round_index += 1
    return BracketState(round_index, [], players)
