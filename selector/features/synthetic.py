"""Synthetic product photos and their degraded variants: the sanity set for the CPU comparator.

A coloured product shape on a plain or gradient background under a headline that contains the query.
Each variant breaks one thing a shopper would notice; the comparator should prefer the original.
Used by the tests and the benchmark; nothing here is needed at run time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from selector.types import Brief

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/share/fonts")

PRODUCTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Wireless Earbuds", "Pro Wireless Earbuds Bluetooth Noise Cancelling", ("wireless earbuds", "bluetooth")),
    ("Coffee Mug", "Ceramic Coffee Mug 350ml Gift", ("coffee mug", "ceramic mug")),
    ("Running Shoes", "Lightweight Running Shoes Men Women", ("running shoes", "lightweight")),
    ("Desk Lamp", "LED Desk Lamp Dimmable Eye Care", ("desk lamp", "led lamp")),
    ("Water Bottle", "Insulated Water Bottle Steel 1L", ("water bottle", "insulated")),
    ("Yoga Mat", "Non Slip Yoga Mat Thick", ("yoga mat", "non slip")),
)
VARIANTS = ("blurred", "darkened", "cropped", "cluttered", "no_query")


@lru_cache(maxsize=8)
def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _FONT_DIRS:
        path = Path(folder) / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)  # scalable since Pillow 10.1


@dataclass(frozen=True)
class Spec:
    """Everything random about one synthetic photo, so variants differ in one thing only."""

    seed: int
    side: int = 512

    @property
    def product(self) -> tuple[str, str, tuple[str, ...]]:
        return PRODUCTS[self.seed % len(PRODUCTS)]

    @property
    def brief(self) -> Brief:
        _, title, queries = self.product
        return Brief(product_title=title, queries=queries)


def _colour(rng: random.Random, lo: int, hi: int) -> tuple[int, int, int]:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _background(rng: random.Random, side: int) -> Image.Image:
    top, bottom = _colour(rng, 200, 250), _colour(rng, 185, 245)
    if rng.random() < 0.3:
        bottom = top  # plain
    column = Image.new("RGB", (1, side))
    for y in range(side):
        t = y / max(1, side - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return column.resize((side, side))


def product_box(spec: Spec) -> tuple[int, int, int, int]:
    rng = random.Random(spec.seed * 7919 + 1)
    s = spec.side
    w = round(s * rng.uniform(0.36, 0.46))
    h = round(s * rng.uniform(0.40, 0.50))
    cx = round(s * (0.5 + rng.uniform(-0.04, 0.04)))
    cy = round(s * (0.56 + rng.uniform(-0.03, 0.03)))
    return (cx - w // 2, cy - h // 2, cx + w // 2, cy + h // 2)


def _draw_product(img: Image.Image, spec: Spec) -> None:
    rng = random.Random(spec.seed * 104729 + 3)
    x0, y0, x1, y1 = product_box(spec)
    draw = ImageDraw.Draw(img)
    body = _colour(rng, 20, 200)
    dark = tuple(max(0, c - 60) for c in body)
    light = tuple(min(255, c + 70) for c in body)
    if spec.seed % 2:
        draw.ellipse((x0, y0, x1, y1), fill=body, outline=dark, width=max(2, spec.side // 150))
    else:
        draw.rounded_rectangle((x0, y0, x1, y1), radius=(x1 - x0) // 5, fill=body, outline=dark, width=3)
    # Highlight, label band and a few details, so the product has edges and texture like a photo.
    w, h = x1 - x0, y1 - y0
    draw.ellipse((x0 + w * 0.15, y0 + h * 0.1, x0 + w * 0.35, y0 + h * 0.3), fill=light)
    draw.rectangle((x0 + w * 0.2, y0 + h * 0.55, x1 - w * 0.2, y0 + h * 0.7), fill=dark)
    for i in range(4):
        yy = y0 + h * (0.35 + 0.04 * i)
        draw.line((x0 + w * 0.3, yy, x1 - w * 0.3, yy), fill=light, width=max(1, spec.side // 256))


def _headline(img: Image.Image, text: str, spec: Spec, colour: tuple[int, int, int]) -> None:
    draw = ImageDraw.Draw(img)
    f = font(max(12, spec.side // 13))
    width = draw.textlength(text, font=f)
    draw.text(((spec.side - width) / 2, spec.side * 0.08), text, font=f, fill=colour)


def render(spec: Spec, headline: str | None = None) -> Image.Image:
    """The original photo; `headline` replaces the query headline (None keeps it)."""
    rng = random.Random(spec.seed)
    img = _background(rng, spec.side)
    _draw_product(img, spec)
    name = spec.product[0]
    _headline(img, name if headline is None else headline, spec, _colour(rng, 10, 60))
    return img


def _clutter(img: Image.Image, spec: Spec) -> Image.Image:
    rng = random.Random(spec.seed * 31 + 5)
    out = img.copy()
    draw = ImageDraw.Draw(out)
    px0, py0, px1, py1 = product_box(spec)
    s = spec.side
    placed = 0
    while placed < 70:
        x, y = rng.uniform(0, s), rng.uniform(s * 0.2, s)
        r = rng.uniform(s * 0.01, s * 0.05)
        if px0 - r < x < px1 + r and py0 - r < y < py1 + r:
            continue  # clutter surrounds the product, never covers it
        colour = _colour(rng, 0, 255)
        kind = rng.random()
        if kind < 0.4:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        elif kind < 0.7:
            draw.rectangle((x - r, y - r / 2, x + r, y + r / 2), outline=colour, width=2)
        else:
            draw.line((x - r, y - r, x + r, y + r), fill=colour, width=3)
        placed += 1
    return out


def variant(spec: Spec, kind: str) -> Image.Image:
    """The original photo with one thing broken (see VARIANTS)."""
    img = render(spec)
    s = spec.side
    if kind == "blurred":
        return img.filter(ImageFilter.GaussianBlur(radius=s / 160))
    if kind == "darkened":
        return ImageEnhance.Brightness(img).enhance(0.3)
    if kind == "cropped":
        x0, _, x1, _ = product_box(spec)
        left = round(x0 + (x1 - x0) * 0.45)  # the new left border cuts through the product
        side = s - left
        top = max(0, min(s - side, round(s * 0.55 - side / 2)))
        return img.crop((left, top, left + side, top + side)).resize((s, s), Image.Resampling.BILINEAR)
    if kind == "cluttered":
        return _clutter(img, spec)
    if kind == "no_query":
        return render(spec, headline="New Season Style")
    raise ValueError(f"unknown variant {kind!r}")
