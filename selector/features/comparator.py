"""FeaturesComparator: the CPU comparator, same contract as the MLLM one (selector.types.Comparator).

Each image is measured once and cached by its sha256 key (an LRU), so the many pairs an image takes part
in reuse its measurements; only the brief-dependent text matching and the logistic decision run per pair.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from selector.features.decision import Decision, decide
from selector.features.explain import raw_text, reasoning
from selector.features.measure import Measurements, measure
from selector.features.weights import Weights
from selector.types import Creative, Pair, Verdict

PROMPT_VERSION = "features-protocol-1"


class FeaturesComparator:
    """Judges pairs from measurements (technical quality, OCR text vs the brief, product subject,
    background, layout) with a logistic model on their differences. Needs no GPU and no model weights."""

    prompt_version = PROMPT_VERSION

    def __init__(
        self,
        weights_path: str | Path | None = None,
        *,
        weights: Weights | None = None,
        ocr: bool = True,
        ocr_threads: int = 1,
        cache_size: int = 2048,
    ) -> None:
        if weights is not None and weights_path is not None:
            raise ValueError("give weights or weights_path, not both")
        self.weights = weights or (Weights.load(weights_path) if weights_path else Weights.default())
        self.ocr = ocr
        self.ocr_threads = ocr_threads
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Measurements] = OrderedDict()
        self._lock = threading.Lock()
        # Reading text or not changes the verdicts, so it is part of the version too.
        self.version = f"features-{self.weights.digest}" + ("" if ocr else "-noocr")

    def measure(self, creative: Creative) -> Measurements:
        """The image's measurements, from the cache when this key was measured before."""
        with self._lock:
            cached = self._cache.get(creative.key)
            if cached is not None:
                self._cache.move_to_end(creative.key)
                return cached
        result = measure(creative.image, creative.key, ocr=self.ocr, ocr_threads=self.ocr_threads)
        with self._lock:
            self._cache[creative.key] = result
            self._cache.move_to_end(creative.key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return result

    def decide(self, pair: Pair) -> tuple[Decision, Measurements, Measurements]:
        a, b = self.measure(pair.first), self.measure(pair.second)
        return decide(a, b, pair.brief, self.weights), a, b

    def compare(self, pairs: Sequence[Pair]) -> list[Verdict]:
        return [self._verdict(pair) for pair in pairs]

    def _verdict(self, pair: Pair) -> Verdict:
        start = time.perf_counter()
        decision, a, b = self.decide(pair)
        language = pair.brief.language
        text = reasoning(decision, a, b, language, self.ocr)
        return Verdict(
            p_first=decision.p_first,
            answer=decision.answer,  # type: ignore[arg-type]
            reasoning=text,
            protocol=decision.protocol,
            raw_text=raw_text(text, decision.protocol),
            comparator_version=self.version,
            prompt_version=self.prompt_version,
            latency_s=time.perf_counter() - start,
        )
