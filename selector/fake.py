"""A comparator with fixed latency and scripted verdicts, for queue and ranking tests (not model tests)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import Literal

from selector.types import Pair, Verdict

# Maps (first key, second key) to p_first; the default prefers the lexically larger sha, deterministically.
Script = Callable[[str, str], float]


def _default_script(first: str, second: str) -> float:
    return 0.8 if first > second else 0.2


class FakeComparator:
    """Sleeps `latency_s` per call (one GPU batch), then answers from `script`."""

    prompt_version = "fake-1"

    def __init__(self, latency_s: float = 0.0, script: Script | None = None, name: str = "fake") -> None:
        self.latency_s = latency_s
        self.script = script or _default_script
        digest = hashlib.sha256(f"{name}:{latency_s}".encode()).hexdigest()[:8]
        self.version = f"{name}-{digest}"

    def compare(self, pairs: Sequence[Pair]) -> list[Verdict]:
        start = time.perf_counter()
        if self.latency_s:
            time.sleep(self.latency_s)
        out = []
        for pair in pairs:
            p = float(self.script(pair.first.key, pair.second.key))
            answer: Literal["A", "B"] = "A" if p >= 0.5 else "B"
            out.append(
                Verdict(
                    p_first=p,
                    answer=answer,
                    reasoning=f"Scripted: {answer} preferred.",
                    protocol={10: answer},
                    raw_text=f"<think>Scripted.</think><answer>{answer}</answer>",
                    comparator_version=self.version,
                    prompt_version=self.prompt_version,
                )
            )
        elapsed = (time.perf_counter() - start) / max(len(pairs), 1)
        return [v.with_timing(elapsed, 0) for v in out]
