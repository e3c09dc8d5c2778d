"""`MLLMComparator`: the Creative4U selector proper, on a Qwen2-VL / Qwen2.5-VL family model."""

from __future__ import annotations

import time
from collections.abc import Sequence

from selector.mllm.config import MLLMConfig
from selector.mllm.inference import FittedImages, RawResult, run_batch
from selector.mllm.loading import LoadedModel, load
from selector.parsing import parse_output
from selector.prompt import prompt_version
from selector.types import Pair, Verdict


class MLLMComparator:
    """Judges ordered pairs in GPU batches; `version` names weights + adapter + quantization + prompt.

    The model is loaded once, at construction. Each verdict's `p_first` comes from the answer-slot logits
    and its text fields from `parse_output`, so malformed output still yields a usable verdict.
    """

    def __init__(self, config: MLLMConfig, loaded: LoadedModel | None = None) -> None:
        self.config = config
        self.loaded = loaded or load(config)
        self.version = self.loaded.version
        self.prompt_version = config.prompt_version
        self.fitted = FittedImages(config.max_pixels)
        self.timings: dict[str, float] | None = None  # set to {} to accumulate stage seconds (benchmarks)

    def compare(self, pairs: Sequence[Pair]) -> list[Verdict]:
        verdicts: list[Verdict] = []
        step = max(1, self.config.batch_size)
        for start in range(0, len(pairs), step):
            batch = pairs[start : start + step]
            began = time.perf_counter()
            results = run_batch(self.loaded, batch, self.config, self.timings, self.fitted)
            share = (time.perf_counter() - began) / len(batch)
            parsed_at = time.perf_counter()
            verdicts.extend(self._verdict(r, share) for r in results)
            if self.timings is not None:
                self.timings["parse"] = self.timings.get("parse", 0.0) + time.perf_counter() - parsed_at
        return verdicts

    def compare_both_orders(self, pairs: Sequence[Pair]) -> tuple[list[Verdict], list[Verdict]]:
        """(forward, backward) verdicts; each pair and its swap go through the same batches."""
        interleaved = [p for pair in pairs for p in (pair, pair.swapped())]
        verdicts = self.compare(interleaved)
        return verdicts[0::2], verdicts[1::2]

    def _verdict(self, result: RawResult, latency_s: float) -> Verdict:
        parsed = parse_output(result.text)
        return Verdict(
            p_first=result.p_first,
            answer=parsed.answer,
            reasoning=parsed.reasoning,
            protocol=parsed.protocol,
            raw_text=result.text,
            comparator_version=self.version,
            prompt_version=prompt_version(result.language),
            latency_s=latency_s,
            tokens=result.tokens,
            problems=parsed.problems,
        )
