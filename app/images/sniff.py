"""Name a file's format from its first bytes, without decoding it.

The web layer uses this to refuse obvious non-images early; the loader uses it to explain a refusal.
It never looks at the filename.
"""

from __future__ import annotations

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}


def sniff_format(data: bytes) -> str | None:
    """Return a Pillow-style format name ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "ICO", "PSD",
    "HEIF", "AVIF", "JPEG2000", "JXL", "EPS", "SVG", "PDF", "HTML", "XML") or None when unknown."""
    head = bytes(data[:64])
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:2] == b"BM" and len(head) >= 14:
        return "BMP"
    if head[:4] in (b"\x00\x00\x01\x00", b"\x00\x00\x02\x00"):
        return "ICO"
    if head[:4] == b"8BPS":
        return "PSD"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AVIF_BRANDS:
            return "AVIF"
        if brand in _HEIF_BRANDS:
            return "HEIF"
    if head.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "JPEG2000"
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return "JXL"
    if head.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return "EPS"
    return _sniff_text(bytes(data[:4096]))


def _sniff_text(head: bytes) -> str | None:
    if b"%PDF-" in head[:1024]:
        return "PDF"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text:
        return "SVG"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta", b"<div")):
        return "HTML"
    if text.startswith(b"<?xml"):
        return "XML"
    return None


def is_lossy_webp(data: bytes) -> bool:
    """True when a WebP's (first) image is VP8 lossy rather than VP8L lossless, by walking RIFF chunks."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return False
    pos = 12
    while pos + 8 <= len(data):
        fourcc, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if fourcc == b"VP8 ":
            return True
        if fourcc == b"VP8L":
            return False
        if fourcc == b"ANMF":  # animation frame: 16 bytes of frame header, then the frame's image chunk
            return data[pos + 24 : pos + 28] == b"VP8 " or data[pos + 24 : pos + 28] == b"ALPH"
        pos += 8 + size + (size & 1)
    return False
