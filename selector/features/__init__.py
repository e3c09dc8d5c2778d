"""The CPU features comparator: measurements instead of an MLLM, for laptops and as a cheap first pass.

    from selector.features import FeaturesComparator
    comparator = FeaturesComparator()            # shipped default weights, OCR on
    verdicts = comparator.compare(pairs)         # same contract as the MLLM comparator

Re-fit the weights on an advertiser's own labelled pairs with `fit_weights` or
`python -m selector.features fit labelled.jsonl --out weights.json`.
"""

from selector.features.comparator import FeaturesComparator
from selector.features.fitting import LabelledPair, fit_weights, load_labelled
from selector.features.measure import FEATURES, Measurements
from selector.features.weights import Weights

__all__ = [
    "FEATURES",
    "FeaturesComparator",
    "LabelledPair",
    "Measurements",
    "Weights",
    "fit_weights",
    "load_labelled",
]
