"""Test helpers that build real (tiny, random) models locally; imports torch and transformers."""

from selector.testing.tiny import TINY_FAMILY, build_tiny_model, cached_tiny_model

__all__ = ["TINY_FAMILY", "build_tiny_model", "cached_tiny_model"]
