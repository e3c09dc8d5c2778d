"""What an upload may be, and the error a refused upload raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

RejectCode = Literal[
    "empty",
    "too_large_bytes",
    "not_an_image",
    "format_not_allowed",
    "decompression_bomb",
    "too_many_pixels",
    "too_big",
    "too_small",
    "extreme_aspect",
    "truncated",
]

# Formats the loader can be told to accept. EPS/PS/PDF are absent on purpose: Pillow hands EPS to
# Ghostscript, and nothing we serve needs a vector or document format.
SUPPORTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"})

FORMAT_NAMES = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "WEBP": "WebP",
    "GIF": "GIF",
    "BMP": "BMP",
    "TIFF": "TIFF",
    "ICO": "ICO (icon)",
    "PSD": "Photoshop (PSD)",
    "HEIF": "HEIC/HEIF",
    "AVIF": "AVIF",
    "JPEG2000": "JPEG 2000",
    "JXL": "JPEG XL",
    "SVG": "SVG",
    "EPS": "EPS/PostScript",
}


class ImageRejected(Exception):
    """An upload the loader refused. `code` is for programs, `message` for the person who uploaded.

    The message never names the file: the caller knows the filename and prefixes it.
    """

    def __init__(self, code: RejectCode, message: str) -> None:
        super().__init__(message)
        self.code: RejectCode = code
        self.message = message

    def __repr__(self) -> str:
        return f"ImageRejected({self.code!r}, {self.message!r})"


@dataclass(frozen=True)
class ImageLimits:
    """Upload policy. Defaults suit ad creatives: up to 40 MP, sides 64..8192 px, at most 5:1."""

    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000
    min_side: int = 64
    max_side: int = 8192
    max_aspect: float = 5.0
    formats: frozenset[str] = field(default_factory=lambda: frozenset({"JPEG", "PNG", "WEBP", "GIF"}))

    def __post_init__(self) -> None:
        formats = frozenset(f.upper() for f in self.formats)
        object.__setattr__(self, "formats", formats)
        if not formats:
            raise ValueError("ImageLimits.formats must name at least one format")
        if unknown := formats - SUPPORTED_FORMATS:
            raise ValueError(f"unsupported image formats {sorted(unknown)}; choose from {sorted(SUPPORTED_FORMATS)}")
        if min(self.max_bytes, self.max_pixels, self.min_side, self.max_side) < 1:
            raise ValueError("ImageLimits sizes must be positive")
        if self.min_side > self.max_side:
            raise ValueError("ImageLimits.min_side exceeds max_side")
        if self.max_aspect < 1.0:
            raise ValueError("ImageLimits.max_aspect is long side / short side, so at least 1.0")

    def allowed_names(self) -> str:
        """'JPEG, PNG, WebP or GIF' for messages."""
        order = ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"]
        names = [FORMAT_NAMES[f] for f in order if f in self.formats]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
