"""What a finished stage leaves behind: the adapter folder plus `training.json` (config, base model, log)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selector.training.config import TrainConfig, as_dict

RUN_FILE = "training.json"


@dataclass(frozen=True)
class RunResult:
    kind: str  # "sft" | "grpo"
    adapter_dir: str
    base_model: str
    steps: int
    log: list[dict[str, Any]]

    @property
    def final_loss(self) -> float | None:
        losses = [e["loss"] for e in self.log if "loss" in e]
        return float(losses[-1]) if losses else None


def finish(kind: str, config: TrainConfig, trainer: Any) -> RunResult:
    """Save the adapter (not the base weights) and a record of the run; returns what was written."""
    out = Path(config.output_dir)
    trainer.save_model(str(out))
    log = [dict(e) for e in trainer.state.log_history]
    result = RunResult(kind, str(out), config.model, int(trainer.state.global_step), log)
    record = {"kind": kind, "base_model": config.model, "steps": result.steps, "config": as_dict(config), "log": log}
    (out / RUN_FILE).write_text(json.dumps(record, indent=2, default=str))
    return result


def read_run(adapter_dir: str | Path) -> dict[str, Any]:
    path = Path(adapter_dir) / RUN_FILE
    return json.loads(path.read_text()) if path.exists() else {}
