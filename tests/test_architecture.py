"""DESIGN.md's dependency rules, checked by importing in fresh interpreters (import-linter checks the rest)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _modules_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


@pytest.mark.parametrize("module", ["app.web.host", "app.ui", "app.services.results", "selector", "selector.ranking"])
def test_web_side_does_not_import_torch(module: str) -> None:
    loaded = _modules_after_import(module)
    assert "torch" not in loaded and "transformers" not in loaded


def test_web_side_does_not_import_worker() -> None:
    loaded = _modules_after_import("app.web.host")
    assert not any(name == "worker" or name.startswith("worker.") for name in loaded)
