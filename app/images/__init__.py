"""Hardened loading of uploaded creatives: limits, content sniffing, sanitized re-encode, thumbnails.

loaded = load_image(data, ImageLimits())   # raises ImageRejected(code, message)
store(loaded.sha256, loaded.data); thumb = make_thumbnail(loaded.image)
"""

from .limits import SUPPORTED_FORMATS, ImageLimits, ImageRejected, RejectCode
from .loader import LoadedImage, load_image, make_thumbnail, precheck
from .sniff import sniff_format

__all__ = [
    "SUPPORTED_FORMATS",
    "ImageLimits",
    "ImageRejected",
    "LoadedImage",
    "RejectCode",
    "load_image",
    "make_thumbnail",
    "precheck",
    "sniff_format",
]
