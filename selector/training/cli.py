"""`train sft|grpo` flags from the config dataclasses; `creative4u train` and `python -m selector.training`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from selector.training.config import GRPORunConfig, SFTRunConfig, add_arguments, from_args
from selector.training.runs import RunResult

STAGES = {"sft": SFTRunConfig, "grpo": GRPORunConfig}


def add_stage_parsers(sub: argparse._SubParsersAction) -> None:
    """One subcommand per stage, each with its config's flags; `args.stage` names the stage."""
    for stage, cls in STAGES.items():
        parser = sub.add_parser(stage, help=(cls.__doc__ or "").strip().splitlines()[0])
        add_arguments(parser, cls)
        parser.set_defaults(stage=stage)


def run_stage(args: argparse.Namespace) -> RunResult:
    """Train one stage from parsed flags."""
    config: Any = from_args(STAGES[args.stage], args)
    if args.stage == "sft":
        from selector.training.sft import run_sft

        return run_sft(config)
    from selector.training.grpo import run_grpo

    return run_grpo(config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m selector.training", description="CoT-SFT and GRPO refreshes")
    add_stage_parsers(parser.add_subparsers(dest="stage", required=True))
    args = parser.parse_args(argv)
    try:
        result = run_stage(args)
    except (FileNotFoundError, ValueError) as error:
        print(f"train: {error}", file=sys.stderr)
        return 2
    print(json.dumps({"adapter": result.adapter_dir, "steps": result.steps, "final_loss": result.final_loss}))
    return 0
