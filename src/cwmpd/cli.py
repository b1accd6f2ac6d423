"""The ``cwmpd`` command: run the agent from a config file, or the built-in demo."""

from __future__ import annotations

import argparse
import contextlib
import gc
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from twisted.logger import Logger

from cwmpd import __version__
from cwmpd.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from cwmpd.service import CwmpAgent

_log = Logger(namespace="cwmpd")


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
    demo.add_argument(
        "--usp",
        action="store_true",
        help="USP too: a mosquitto, the agent with [usp], a scripted USP Controller's requests",
    )
    sub.add_parser(
        "fleet",
        help="N simulated CPEs in one process against an ACS (cwmpd fleet --help)",
        add_help=False,
    )
    chk = sub.add_parser(
        "check-plugin",
        help="check a data-model plugin against the Broadband Forum data model (exit 1 on errors)",
    )
    chk.add_argument("path", metavar="PATH", help="plugin folder, or a plugin name")
    return p


@contextlib.contextmanager
def _no_collections() -> Iterator[None]:
    """Start-up without garbage collections: nearly all it allocates (modules, classes, the
    data model) lives as long as the process, so collecting over it is wasted time. Those
    objects are then frozen out of later collections, which stay cheap (gc.freeze)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def run_agent(args: argparse.Namespace) -> int:
    """Run the agent until it stops; one fatal line (in --log-format) when it cannot start:
    exit 2 for a config problem, 1 when another agent holds the state_dir or start-up failed."""
    with _no_collections():
        started = _start_agent(args)
    if isinstance(started, int):
        return started
    config, agent, done = started
    # Lazy: the reactor is imported only once the arguments asked for the agent.
    from twisted.internet import task

    def main(_: object) -> Deferred[None]:
        reactor = agent.reactor
        _log.info("cwmpd {version} running ({source})", version=__version__, source=config.source)
        reactor.addSystemEventTrigger("before", "shutdown", lambda: _log.info("stopping"))
        reactor.addSystemEventTrigger("before", "shutdown", agent.stopService)
        signal.signal(signal.SIGHUP, lambda *_: reactor.callFromThread(_reload, agent))
        return done

    task.react(main, [])
    return 0


def _start_agent(args: argparse.Namespace) -> tuple[Config, CwmpAgent, Deferred[None]] | int:
    """(config, started agent, Deferred fired when it exits), or the exit code after one
    fatal line when it cannot start."""
    # Lazy: logging set-up, the reactor and the agent are needed only to run the agent.
    from cwmpd.logs import fatal, start_logging

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        fatal(str(exc), args.log_format)
        return 2
    start_logging(args.log_format, args.log_level, target=args.log_target)
    # Lazy: after the config is known good and logging is up, so a refusal stays cheap.
    from twisted.internet import reactor as global_reactor
    from twisted.internet.defer import Deferred

    from cwmpd.reactors import agent_reactor
    from cwmpd.service import StateDirInUse, makeService

    done: Deferred[None] = Deferred()
    agent = makeService(config, agent_reactor(global_reactor), on_exit=lambda: done.callback(None))
    try:
        agent.startService()  # before the reactor runs: a refusal needs no reactor to unwind
    except StateDirInUse as exc:
        fatal(str(exc), args.log_format)
        return 1
    except ConfigError as exc:
        fatal(str(exc), args.log_format)
        return 2
    except Exception as exc:
        fatal(f"cannot start: {exc}", args.log_format)
        return 1
    return config, agent, done


def _reload(agent: CwmpAgent) -> None:
    """SIGHUP: like ``cwmpctl reload``; a bad file is one error line, the agent runs on."""
    try:
        done = agent.reload()
    except ConfigError as exc:
        _log.error("reload refused: {error}", error=str(exc))
        return
    done.addErrback(lambda f: _log.error("reload failed: {error}", error=f.getErrorMessage()))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cwmpd`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["fleet"]:
        from cwmpd.fleet.main import main as fleet_main  # lazy: only the fleet needs it

        return fleet_main(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from cwmpd.demo import run_demo  # lazy: the agent does not load the demo

        code: int = run_demo(state_dir=args.state_dir, verbose=args.verbose, usp=args.usp)
        return code
    if args.command == "check-plugin":
        from cwmpd.plugin.check import main as check_main  # lazy: nor the checker

        checked: int = check_main(args.path)
        return checked
    if not args.config:
        print("cwmpd: --config FILE is required (or try: cwmpd demo)", file=sys.stderr)
        return 2
    return run_agent(args)
