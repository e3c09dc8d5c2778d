"""The lock is what runs: the venv matches it, and it keeps the security floors of pyproject.toml.

pip-audit needs a vulnerability service this network cannot reach (`make audit` runs it where one answers);
this is the offline part of that check.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# Versions below these have published vulnerabilities that matter here (file serving, image decoding).
SECURITY_FLOORS = {"gradio": "6.20", "pillow": "12.3"}


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_lock_keeps_security_floors() -> None:
    pins = _lock()
    for name, floor in SECURITY_FLOORS.items():
        assert Version(pins[name]) >= Version(floor), f"{name} {pins[name]} is below {floor}"
    pyproject = (ROOT / "pyproject.toml").read_text()
    for name, floor in SECURITY_FLOORS.items():
        assert f'"{name}>={floor}"' in pyproject, f"pyproject.toml lost its {name} floor"


def test_installed_packages_match_the_lock() -> None:
    drift = []
    for name, pinned in _lock().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            drift.append(f"{name} missing")
            continue
        if Version(installed) != Version(pinned):
            drift.append(f"{name} {installed} != {pinned}")
    assert not drift, f"the venv drifted from requirements.lock (run make lock or make setup): {drift}"
