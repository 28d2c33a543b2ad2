"""The `stratengine` command line."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stratengine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="land the bundled real sample and materialize every asset over it")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from stratengine_assets.demo import run_demo

        run_demo(say=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
