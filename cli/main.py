"""``cloudscale``: the command line. Each command lives in its own module and registers its parser here."""

from __future__ import annotations

import argparse
import sys

from cloudscale.cli import flow, lake, pipelines, plan, preflight


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cloudscale", description="Azure cloud-scale analytics platform as code.")
    commands = parser.add_subparsers(dest="command", required=True)
    plan.add_parser(commands)
    lake.add_parser(commands)
    pipelines.add_parser(commands)
    flow.add_parser(commands)
    preflight.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
