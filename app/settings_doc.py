"""The configuration table for the README, made from the settings object so it cannot drift from the code."""

from __future__ import annotations

from pydantic_core import PydanticUndefined

from app.settings import Settings


def env_name(field: str) -> str:
    return f"CREATIVE4U_{field.upper()}"


def settings_table() -> str:
    """A markdown table: variable, default, meaning."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "" if default is PydanticUndefined or default in ("", None) else str(default)
        rows.append(f"| `{env_name(name)}` | {f'`{shown}`' if shown else '(empty)'} | {field.description or ''} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
