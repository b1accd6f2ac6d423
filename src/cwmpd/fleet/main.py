"""``cwmpd fleet ...`` and ``cwmpd fleet report A.json B.json ...``: the command lines."""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from cwmpd.config import ConfigError
from cwmpd.fleet.options import from_args, parser
from cwmpd.fleet.report import merge_files
from cwmpd.reactors import AgentReactor, agent_reactor


def _say(text: str) -> None:
    print(text, flush=True)


def report_main(argv: Sequence[str]) -> int:
    """Merge shard reports; print the summary; ``--out FILE`` writes the merged report."""
    import argparse  # lazy: only the report sub-command needs a second parser

    p = argparse.ArgumentParser(prog="cwmpd fleet report", description="merge shard reports")
    p.add_argument("reports", nargs="+", metavar="REPORT.json")
    p.add_argument("--out", metavar="FILE.json", help="write the merged report here")
    args = p.parse_args(argv)
    try:
        merged = merge_files([Path(r) for r in args.reports])
    except (OSError, ValueError, KeyError) as exc:
        print(f"cwmpd fleet report: {exc}", file=sys.stderr)
        return 1
    if args.out:
        merged.write(Path(args.out))
    _say(merged.summary())
    return 0


def main(argv: Sequence[str]) -> int:
    """Run a fleet until --duration or Ctrl-C; the report is written either way."""
    if argv and argv[0] == "report":
        return report_main(argv[1:])
    args = parser().parse_args(argv)
    if not args.acs and not args.config:
        print("cwmpd fleet: --acs URL is required", file=sys.stderr)
        return 2
    try:
        opts = from_args(args)
    except ConfigError as exc:
        print(f"cwmpd fleet: {exc}", file=sys.stderr)
        return 2
    # Lazy: the reactor and the agent code are loaded once the arguments are good.
    from twisted.internet import defer, task

    from cwmpd.fleet.resolver import LiteralResolver
    from cwmpd.fleet.run import Fleet
    from cwmpd.logs import start_logging

    start_logging("text", "warn")
    result = {"code": 0}

    async def run(reactor: AgentReactor) -> None:
        reactor.installNameResolver(LiteralResolver(reactor.nameResolver))
        fleet = Fleet(opts, reactor, say=_say)
        signal.signal(signal.SIGINT, lambda *_: reactor.callFromThread(fleet.stop))
        signal.signal(signal.SIGTERM, lambda *_: reactor.callFromThread(fleet.stop))
        await fleet.start()
        await fleet.done

    task.react(lambda reactor: defer.ensureDeferred(run(agent_reactor(reactor))))
    return result["code"]
