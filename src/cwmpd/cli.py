"""The ``cwmpd`` command: run the agent from a config file, or the built-in demo."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from cwmpd import __version__
from cwmpd.config import ConfigError, load_config


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cwmpd",
        description="TR-069 (CWMP) CPE agent. Runs in the foreground; logs go to stderr.",
    )
    p.add_argument("--version", action="version", version=f"cwmpd {__version__}")
    p.add_argument("--config", "-c", metavar="FILE", help="TOML config file (see README)")
    p.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text: journald-ready '<N>' level prefixes (default); json: one object a line",
    )
    p.add_argument(
        "--log-target",
        choices=("stderr", "syslog"),
        default="stderr",
        help="stderr (default; journald reads the '<N>' prefixes) or syslog with real levels",
    )
    p.add_argument(
        "--log-level",
        choices=("debug", "info", "warn", "error"),
        default="info",
        help="lowest level logged (default info)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="run the simulated device against a local scripted ACS and print the sessions",
    )
    demo.add_argument("--state-dir", metavar="DIR", help="keep the device state here")
    demo.add_argument("--verbose", action="store_true", help="also show the agent's own log")
    chk = sub.add_parser(
        "check-plugin",
        help="check a data-model plugin against the Broadband Forum data model (exit 1 on errors)",
    )
    chk.add_argument("path", metavar="PATH", help="plugin folder, or a plugin name")
    return p


def run_agent(args: argparse.Namespace) -> int:
    """Run the agent until it stops; non-zero with one line for config errors."""
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"cwmpd: {exc}", file=sys.stderr)
        return 2
    from twisted.internet import task

    from cwmpd.logs import start_logging

    start_logging(args.log_format, args.log_level, target=args.log_target)

    def main(reactor: Any) -> Any:
        from twisted.internet.defer import Deferred

        from cwmpd.service import makeService

        done: Deferred[None] = Deferred()
        agent = makeService(config, reactor, on_exit=lambda: done.callback(None))
        try:
            agent.startService()
        except Exception as exc:
            print(f"cwmpd: cannot start: {exc}", file=sys.stderr)
            raise SystemExit(1) from exc
        reactor.addSystemEventTrigger("before", "shutdown", agent.stopService)
        return done

    task.react(main, [])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cwmpd`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from cwmpd.demo import run_demo

        code: int = run_demo(state_dir=args.state_dir, verbose=args.verbose)
        return code
    if args.command == "check-plugin":
        from cwmpd.checkplugin import main as check_main

        checked: int = check_main(args.path)
        return checked
    if not args.config:
        print("cwmpd: --config FILE is required (or try: cwmpd demo)", file=sys.stderr)
        return 2
    return run_agent(args)
