"""Small distinct pictures for selector tests; importable by a unique name (not `conftest`)."""

from __future__ import annotations

import hashlib

from PIL import Image, ImageDraw

from selector.types import Creative


def make_creative(color: tuple[int, int, int], size: tuple[int, int] = (64, 64), label: str = "") -> Creative:
    """A small distinct picture: a coloured field with a box and a label."""
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, size[0] // 2, size[1] // 2), fill=(255 - color[0], 255 - color[1], 255 - color[2]))
    if label:
        draw.text((4, size[1] - 14), label, fill=(0, 0, 0))
    key = hashlib.sha256(image.tobytes() + repr(size).encode()).hexdigest()
    return Creative(image=image, key=key)
