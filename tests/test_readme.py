"""The README is the operator's manual: it must name every setting and only commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

from app.settings import Settings
from app.settings_doc import env_name

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [env_name(f) for f in Settings.model_fields if f"`{env_name(f)}`" not in readme]
    assert not missing, f"README.md does not document {missing}; paste `python -m app.settings_doc`"


def test_readme_make_targets_exist_and_ci_runs_make_test() -> None:
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, flags=re.M))
    used = set(re.findall(r"`make ([a-z][\w-]*)", readme)) | set(re.findall(r"^make ([a-z][\w-]*)", readme, re.M))
    assert {"run", "test"} <= used
    assert used <= targets, f"README mentions make targets that do not exist: {used - targets}"
    ci = [line for line in (ROOT / ".ci/run").read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert any(line.strip().endswith("make test") for line in ci)


def test_readme_images_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme):
        assert (ROOT / path).is_file(), f"README shows {path}, which is not in the repository"
