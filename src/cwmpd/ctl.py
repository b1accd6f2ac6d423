"""The ``cwmpctl`` command: talk to the running agent over its control socket.

A blocking stdlib socket is enough for a one-shot CLI (no reactor needed); the wire
format is cwmpd.control.wire's: one JSON object a line each way.
"""

from __future__ import annotations

import argparse
import errno
import json
import socket
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from cwmpd import __version__
from cwmpd.control import wire
from cwmpd.control.wire import DEFAULT_SOCKET

EXIT_OK = 0
EXIT_FAILED = 1  # the agent refused or could not do the command
EXIT_USAGE = 2
EXIT_NOT_RUNNING = 3  # no agent listening on the socket
EXIT_DENIED = 4  # the socket exists but we may not use it


class CtlError(Exception):
    """A failure with its exit code and one line for the operator."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def request(path: str, command: str, args: Sequence[str], timeout: float = 30.0) -> Any:
    """Send one command to the agent at ``path``; its result, or CtlError."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(path)
        except FileNotFoundError as exc:
            raise CtlError(f"cwmpd is not running (no socket at {path})", EXIT_NOT_RUNNING) from exc
        except PermissionError as exc:
            raise CtlError(
                f"permission denied on {path}: run as root or as a member of group cwmpd",
                EXIT_DENIED,
            ) from exc
        except OSError as exc:
            if exc.errno in (errno.ECONNREFUSED, errno.ENOTSOCK):
                raise CtlError(
                    f"cwmpd is not running (nothing listens on {path})", EXIT_NOT_RUNNING
                ) from exc
            raise CtlError(f"cannot connect to {path}: {exc.strerror}", EXIT_NOT_RUNNING) from exc
        sock.sendall(wire.encode_request(command, args))
        reply = _read_line(sock, path)
    except TimeoutError as exc:
        raise CtlError(f"no answer from cwmpd within {timeout:g}s", EXIT_FAILED) from exc
    except OSError as exc:  # e.g. the agent went away mid-answer
        raise CtlError(f"lost {path}: {exc.strerror or exc}", EXIT_FAILED) from exc
    finally:
        sock.close()
    try:
        return wire.decode_reply(reply)
    except (wire.WireError, wire.Refused) as exc:
        raise CtlError(str(exc), EXIT_FAILED) from exc


def _read_line(sock: socket.socket, path: str) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            raise CtlError(f"cwmpd closed {path} without answering", EXIT_FAILED)
        chunks.append(chunk)
        if wire.DELIMITER in chunk:
            return b"".join(chunks).split(wire.DELIMITER, 1)[0]


def _print_params(result: list[dict[str, str]], out: TextIO) -> None:
    for p in result:
        out.write(f"{p['name']} = {p['value']}\n")


def _print_status(result: dict[str, Any], out: TextIO) -> None:
    events = result.get("pending_events") or []
    pending = ", ".join(
        f"{e['code']}" + (f" ({e['command_key']})" if e.get("command_key") else "") for e in events
    )
    out.write(f"ACS URL:        {result.get('acs_url') or '-'}\n")
    out.write(f"last session:   {result.get('last_session') or 'never'}\n")
    out.write(f"next session:   {result.get('next_session') or 'not scheduled'}\n")
    out.write(f"retry count:    {result.get('retry_count', 0)}\n")
    out.write(f"pending events: {pending or 'none'}\n")


def show(command: str, result: Any, out: TextIO) -> None:
    """Print a result for humans."""
    if command == "status":
        _print_status(result, out)
    elif command in ("get", "dump-model", "notify"):
        _print_params(result, out)
    elif command == "set":
        out.write(f"{result['name']} = {result['value']}\n")
    elif command == "inform":
        out.write(
            f"session requested{' with ' + result['requested'] if result['requested'] else ''}\n"
        )
    elif command == "reload":
        out.write("configuration reloaded\n")
    elif command == "transfer-complete":
        out.write(
            "reported to the ACS\n"
            if result["reported"]
            else "not reported: ManagementServer.AutonomousTransferCompletePolicy filters it\n"
        )
    elif command == "transfers":
        if not result:
            out.write("no transfers\n")
        for t in result:
            out.write(
                f"{t['command_key']!r:<24} {t['kind']:<18} {t['file_type']:<28} {t['state']}"
                + (f" fault {t['fault_code']}" if t["fault_code"] else "")
                + "\n"
            )
    else:
        out.write(json.dumps(result, indent=2) + "\n")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cwmpctl",
        description="Control the running cwmpd agent over its local socket.",
        epilog=(
            "exit codes: 0 done, 1 the agent refused or failed, 2 usage, "
            "3 cwmpd not running, 4 permission denied on the socket"
        ),
    )
    p.add_argument("--version", action="version", version=f"cwmpctl {__version__}")
    p.add_argument(
        "--socket", "-s", default=DEFAULT_SOCKET, metavar="PATH",
        help=f"control socket (default {DEFAULT_SOCKET})",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the result as JSON (for scripts)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (default 30)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser("status", help="ACS URL, last and next session, retry count, pending events")
    sub.add_parser("get", help="values of a parameter or an object path").add_argument("path")
    s = sub.add_parser("set", help="local write (needs 'Subscriber' in the AccessList)")
    s.add_argument("path")
    s.add_argument("value")
    sub.add_parser("inform", help="start a session now").add_argument(
        "event", nargs="?", help='event code to add, e.g. "6 CONNECTION REQUEST"'
    )
    sub.add_parser("notify", help="report PATH's value as changed on the device").add_argument(
        "path"
    )
    sub.add_parser("dump-model", help="every parameter with its value")
    sub.add_parser("reload", help="re-read the configuration")
    sub.add_parser("transfers", help="the transfer queue (Download, Upload, ScheduleDownload)")
    tc = sub.add_parser(
        "transfer-complete",
        help="report a transfer the device did by itself (AutonomousTransferComplete)",
    )
    tc.add_argument("direction", choices=("download", "upload"))
    tc.add_argument("url", help="where the file came from or went to")
    tc.add_argument("file_type", metavar="FILE_TYPE", help='e.g. "1 Firmware Upgrade Image"')
    tc.add_argument("--size", type=int, default=0, help="bytes transferred")
    tc.add_argument("--target", default="", help="TargetFileName")
    tc.add_argument("--fault", type=int, default=0, help="0 for success, else a 90xx code")
    tc.add_argument("--fault-string", default="", help="what went wrong")
    tc.add_argument("--start", default="", help="start time (dateTime); default unknown")
    tc.add_argument("--complete", default="", help="completion time (dateTime); default now")
    return p


def _args(ns: argparse.Namespace) -> list[str]:
    if ns.command in ("get", "notify"):
        return [ns.path]
    if ns.command == "set":
        return [ns.path, ns.value]
    if ns.command == "inform":
        return [ns.event] if ns.event else []
    if ns.command == "transfer-complete":
        return [ns.direction, ns.url, ns.file_type, str(ns.size), ns.target, str(ns.fault),
                ns.fault_string, ns.start, ns.complete]  # fmt: skip
    return []


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point of the ``cwmpctl`` console script; returns the exit code."""
    out = out or sys.stdout
    ns = _parser().parse_args(argv)
    if not ns.timeout > 0 or ns.timeout == float("inf"):  # also NaN: socket would refuse it
        print("cwmpctl: --timeout must be a number of seconds > 0", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = request(ns.socket, ns.command, _args(ns), ns.timeout)
    except CtlError as exc:
        print(f"cwmpctl: {exc}", file=sys.stderr)
        return exc.code
    if ns.json:
        out.write(json.dumps(result, indent=2) + "\n")
    else:
        show(ns.command, result, out)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
