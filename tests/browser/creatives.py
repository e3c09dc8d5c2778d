"""Generated ad creatives for the browser test: one product (a running shoe drawn with shapes) on different
backgrounds, layouts and texts, so the comparator has something to tell apart and the screenshots look like a
real batch."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

VARIANTS = [
    ("summer-sale.png", (255, 244, 214), (220, 60, 40), "RUNNING SHOES", "SUMMER SALE -50%"),
    ("studio-white.png", (250, 250, 250), (30, 30, 30), "Lightweight runner", ""),
    ("trail-green.png", (214, 236, 214), (30, 110, 60), "TRAIL READY", "Free shipping"),
    ("night-neon.png", (25, 25, 60), (250, 80, 200), "RUN AT NIGHT", "Reflective"),
    ("pastel-pair.png", (240, 220, 240), (120, 90, 200), "Comfy running shoes", "Buy 2 get 1"),
]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def creative(background: tuple[int, int, int], accent: tuple[int, int, int], headline: str, badge: str) -> bytes:
    image = Image.new("RGB", (480, 480), background)
    draw = ImageDraw.Draw(image)
    # The product: a shoe made of a sole, an upper and laces.
    draw.rounded_rectangle((90, 300, 400, 340), radius=18, fill=(245, 245, 245), outline=(60, 60, 60), width=3)
    draw.polygon([(100, 300), (150, 210), (260, 200), (330, 250), (395, 270), (395, 300)], fill=accent)
    for x in range(170, 260, 22):
        draw.line((x, 215, x + 14, 245), fill=(255, 255, 255), width=4)
    draw.text((30, 40), headline, fill=accent if sum(background) > 300 else (255, 255, 255), font=_font(34))
    if badge:
        draw.rounded_rectangle((30, 380, 450, 440), radius=12, fill=accent)
        draw.text((45, 392), badge, fill=(255, 255, 255), font=_font(30))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def write_batch(folder: Path) -> list[Path]:
    """Four creatives as files, one more inside a zip, and one file that is not an image."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, bg, accent, headline, badge in VARIANTS[:4]:
        path = folder / name
        path.write_bytes(creative(bg, accent, headline, badge))
        paths.append(path)
    name, bg, accent, headline, badge = VARIANTS[4]
    archive = folder / "more-creatives.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(name, creative(bg, accent, headline, badge))
    paths.append(archive)
    bogus = folder / "notes.png"
    bogus.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    paths.append(bogus)
    return paths
