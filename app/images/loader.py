"""Decode an uploaded image safely and produce the sanitized copy we store.

Order matters: byte limits, then Pillow reads only the header (restricted to the allowed formats,
sniffed by content), then pixel/side/aspect limits on the declared size, and only then `load()`.
A decompression bomb is therefore refused before any pixel memory is allocated.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from PIL import Image, ImageFile

from .convert import apply_orientation, to_rgb
from .limits import FORMAT_NAMES, ImageLimits, ImageRejected, RejectCode
from .sniff import is_lossy_webp, sniff_format

# A declared RGB size this many times the file size, over the pixel limit, is reported as a bomb
# rather than as an honest big photo (a 40 MP camera JPEG is ~10x; crafted bombs are 1000x+).
BOMB_RATIO = 100
JPEG_QUALITY = 95
THUMB_QUALITY = 85
_SOURCE_ALIASES = {"MPO": "JPEG"}  # phone "multi-picture" JPEGs: Pillow opens them as MPO
_NOT_IMAGES = {"PDF": "a PDF document", "HTML": "a web page (HTML)", "XML": "an XML document"}
_DEFAULT_LIMITS = ImageLimits()


@dataclass(frozen=True)
class LoadedImage:
    """A decoded upload. `data` is the sanitized re-encode to store; `sha256` is its content address."""

    image: Image.Image  # RGB, fully loaded, no metadata
    data: bytes
    format: str  # "JPEG" | "PNG": the format of `data`
    mime: str
    width: int
    height: int
    sha256: str
    source_format: str  # what the upload was, e.g. "WEBP"


def load_image(data: bytes, limits: ImageLimits = _DEFAULT_LIMITS) -> LoadedImage:
    """Decode `data` within `limits`; raise ImageRejected (and nothing else) when it is refused."""
    # Pillow's escape hatch would fill a cut-off upload with grey and accept it.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageRejected("not_an_image", "The upload is not a file.")
    data = bytes(data)
    _check_bytes(data, limits)
    with _open(data, limits) as im:
        source_format = _SOURCE_ALIASES.get(im.format or "", im.format or "")
        _check_size(im.size, len(data), limits)
        try:
            im.load()
        except Exception as exc:
            raise ImageRejected(
                "truncated", "The image file is damaged or incomplete; please upload it again."
            ) from exc
        _check_size(im.size, len(data), limits)  # a GIF frame may have grown the canvas
        try:
            rgb = to_rgb(apply_orientation(im))
        except Exception as exc:
            raise ImageRejected("not_an_image", "The image uses a colour format we cannot read.") from exc
    # Lossy sources stay lossy (PNG of a WebP photo is ~6x bigger); the rest are kept exactly.
    lossy = source_format == "JPEG" or (source_format == "WEBP" and is_lossy_webp(data))
    out_format = "JPEG" if lossy else "PNG"
    encoded = _encode(rgb, out_format)
    return LoadedImage(
        image=rgb,
        data=encoded,
        format=out_format,
        mime=Image.MIME[out_format],
        width=rgb.width,
        height=rgb.height,
        sha256=hashlib.sha256(encoded).hexdigest(),
        source_format=source_format,
    )


def precheck(data: bytes, limits: ImageLimits = _DEFAULT_LIMITS) -> str:
    """Cheap early refusal for the web layer (no decoding): empty, too many bytes, or a format the
    limits do not allow. Returns the sniffed format; load_image still does the real checks."""
    _check_bytes(data, limits)
    kind = sniff_format(data)
    if kind is None or kind not in limits.formats:
        raise _explain_unreadable(data, limits)
    return kind


def make_thumbnail(image: Image.Image, max_side: int = 320) -> bytes:
    """JPEG bytes of `image` shrunk to fit max_side x max_side (never enlarged)."""
    if max_side < 1:
        raise ValueError("max_side must be positive")
    # Resize before converting so a big image is never copied whole; P/CMYK/16-bit convert first
    # because Pillow resizes them poorly (nearest-neighbour) or not at all.
    src = image if image.mode in {"RGB", "RGBA", "L", "LA"} else to_rgb(image)
    scale = max_side / max(src.size)
    if scale < 1:
        size = (max(1, round(src.width * scale)), max(1, round(src.height * scale)))
        src = src.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    thumb = to_rgb(src)
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=THUMB_QUALITY)
    return buf.getvalue()


def _encode(rgb: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        # 4:4:4 keeps small ad text crisp for the model and for OCR.
        rgb.save(buf, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    else:
        # Level 3: a noisy 12 MP PNG takes ~3 s instead of ~10 s at 6; flat ad graphics barely grow.
        rgb.save(buf, "PNG", compress_level=3)
    return buf.getvalue()


def _open(data: bytes, limits: ImageLimits) -> Image.Image:
    """Read only the header, with the allowed formats' plugins only (so EPS never reaches Ghostscript)."""
    try:
        return Image.open(io.BytesIO(data), formats=sorted(limits.formats))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own backstop (> Image.MAX_IMAGE_PIXELS); our limit below is normally stricter.
        found = re.search(r"\((\d+) pixels\)", str(exc))  # Pillow names the pixel count, not the sides
        size = f"is {_mp(int(found.group(1)))}" if found else "declares far more pixels than allowed"
        raise ImageRejected("decompression_bomb", f"The image {size}; the limit is {_mp(limits.max_pixels)}.") from exc
    except Exception as exc:
        raise _explain_unreadable(data, limits) from exc


def _explain_unreadable(data: bytes, limits: ImageLimits) -> ImageRejected:
    kind = sniff_format(data)
    accepted = f"Please upload a {limits.allowed_names()} image."
    if kind in limits.formats:
        return ImageRejected("truncated", "The image file is damaged or incomplete; please upload it again.")
    if kind in _NOT_IMAGES:
        return ImageRejected("not_an_image", f"The file is {_NOT_IMAGES[kind]}, not an image. {accepted}")
    if kind is not None:
        name = FORMAT_NAMES.get(kind, kind)
        return ImageRejected("format_not_allowed", f"The file is a {name} image, which we do not accept. {accepted}")
    return ImageRejected("not_an_image", f"The file is not an image we can read. {accepted}")


def _check_bytes(data: bytes, limits: ImageLimits) -> None:
    if not data:
        raise ImageRejected("empty", "The file is empty.")
    if len(data) > limits.max_bytes:
        raise ImageRejected("too_large_bytes", f"The file is {_mb(len(data))}; the limit is {_mb(limits.max_bytes)}.")


def _check_size(size: tuple[int, int], n_bytes: int, limits: ImageLimits) -> None:
    w, h = size
    dims = f"{w}x{h} pixels"
    if w < 1 or h < 1:
        raise ImageRejected("not_an_image", f"The image is {dims}, which is empty.")
    if w * h > limits.max_pixels:
        code: RejectCode = "decompression_bomb" if w * h * 3 > BOMB_RATIO * n_bytes else "too_many_pixels"
        raise ImageRejected(code, f"The image is {dims} ({_mp(w * h)}); the limit is {_mp(limits.max_pixels)}.")
    if max(w, h) > limits.max_side:
        raise ImageRejected(
            "too_big", f"The image is {dims}; its longest side may be at most {limits.max_side} pixels."
        )
    if min(w, h) < limits.min_side:
        raise ImageRejected("too_small", f"The image is {dims}; each side must be at least {limits.min_side} pixels.")
    ratio = max(w, h) / min(w, h)
    if ratio > limits.max_aspect:
        shape = "wider than it is tall" if w > h else "taller than it is wide"
        raise ImageRejected(
            "extreme_aspect",
            f"The image is {dims}, {ratio:.1f} times {shape}; "
            f"the limit is {_num(limits.max_aspect)} to 1. Please crop it.",
        )


def _mp(pixels: int) -> str:
    return f"{_num(pixels / 1_000_000)} megapixels"


def _mb(n: int) -> str:
    return f"{_num(n / (1024 * 1024))} MB"


def _num(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")
