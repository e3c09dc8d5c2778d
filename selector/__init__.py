"""Creative4U selector: compare ad creatives pairwise with an MLLM or CPU measurements, and rank them.

Imports nothing of the application; torch is only imported by the MLLM modules that need it.
"""

from selector.types import Brief, Comparator, Creative, Pair, PairOutcome, Verdict, combine_orders

__all__ = ["Brief", "Comparator", "Creative", "Pair", "PairOutcome", "Verdict", "combine_orders"]
