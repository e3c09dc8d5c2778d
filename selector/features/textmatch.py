"""Match an image's OCR text against the brief: queries, title words, calls to action.

Depends on the brief, so it runs per pair on the cached per-image text. Latin text is compared word by
word (with a little tolerance for OCR slips), Chinese by character bigrams, because Chinese has no spaces.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_LATIN = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_STOPWORDS = frozenset(("a", "an", "and", "the", "of", "for", "with", "in", "on", "to", "by", "from", "new"))
CALLS_TO_ACTION: tuple[str, ...] = (
    "buy now", "shop now", "order now", "limited", "free shipping", "sale", "off", "discount", "deal",
    "today only", "save", "add to cart", "get yours", "new arrival", "best seller", "gift",
    "限时", "包邮", "抢购", "立即购买", "马上抢", "折", "优惠", "特价", "秒杀", "新品", "热卖", "免邮", "赠",
)  # fmt: skip
HIT = 0.75  # share of a query's tokens that must appear for the query to count as hit


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """Latin words and Chinese character bigrams (a lone character stands for itself)."""
    text = normalise(text)
    out = list(_LATIN.findall(text))
    for run in _CJK.findall(text):
        out.extend(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    return tuple(out)


def _present(token: str, bag: frozenset[str], squashed: str) -> bool:
    if token in bag or (len(token) >= 4 and token in squashed):
        return True  # exact, or glued to a neighbour by the OCR ("wirelessearbuds")
    if len(token) < 4 or not token.isascii():
        return False
    return bool(difflib.get_close_matches(token, bag, n=1, cutoff=0.8))


def coverage(phrase: str, bag: frozenset[str], squashed: str) -> float:
    """Share of the phrase's tokens found in the image text."""
    wanted = tokens(phrase)
    if not wanted:
        return 0.0
    return sum(_present(t, bag, squashed) for t in wanted) / len(wanted)


@dataclass(frozen=True)
class TextMatch:
    queries_hit: tuple[str, ...]
    queries_total: int
    title_words_hit: int
    title_words_total: int
    calls_to_action: tuple[str, ...]

    @property
    def query_rate(self) -> float:
        return len(self.queries_hit) / self.queries_total if self.queries_total else 0.0

    @property
    def title_rate(self) -> float:
        return self.title_words_hit / self.title_words_total if self.title_words_total else 0.0


@lru_cache(maxsize=8192)
def match(image_text: str, title: str, queries: tuple[str, ...]) -> TextMatch:
    """Which queries, title words and calls to action the image's text contains (cached per text+brief)."""
    norm = normalise(image_text)
    bag = frozenset(tokens(image_text))
    squashed = re.sub(r"\s+", "", norm)
    hit = tuple(q for q in queries if q.strip() and coverage(q, bag, squashed) >= HIT)
    title_tokens = [t for t in dict.fromkeys(tokens(title)) if t not in _STOPWORDS]
    title_hit = sum(_present(t, bag, squashed) for t in title_tokens)
    ctas = tuple(c for c in CALLS_TO_ACTION if _cta_in(c, norm))
    return TextMatch(
        queries_hit=hit,
        queries_total=sum(1 for q in queries if q.strip()),
        title_words_hit=title_hit,
        title_words_total=len(title_tokens),
        calls_to_action=ctas,
    )


def _cta_in(cta: str, norm: str) -> bool:
    if cta.isascii():
        return re.search(rf"\b{re.escape(cta)}\b", norm) is not None
    return cta in norm
