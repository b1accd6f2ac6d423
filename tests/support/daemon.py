"""The real ``cwmpd`` daemon as a subprocess in tests: its config, and a restarting supervisor.

The supervisor restarts the daemon whenever it exits, like systemd's Restart=always, until
``stop``; a subclass says what it records of each exit (``exit_record``).
"""

from __future__ import annotations

import contextlib
import os
import signal
from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from twisted.internet import protocol
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from support.agent_harness import reactor

E = TypeVar("E")


def daemon_config(tmp: Path, acs_url: str, *, periodic: int = 0) -> Path:
    """``tmp/cwmpd.toml`` for the simulated device: no Connection Request listeners, the
    state in ``tmp/state``, the control socket ``tmp/control.sock``."""
    path = tmp / "cwmpd.toml"
    path.write_text(
        f'[acs]\nurl = "{acs_url}"\nperiodic_inform_interval = {periodic}\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{tmp / "state"}"\n'
        f'[control]\nsocket = "{tmp}/control.sock"\n'
    )
    return path


class RestartingDaemon(protocol.ProcessProtocol, Generic[E]):
    """Runs ``argv`` and restarts it whenever it exits, until ``stop``.

    ``exits`` holds one ``exit_record`` a run, ``starts`` counts the runs, ``kills`` the
    runs that ended by SIGKILL before ``stop``; ``stderr`` keeps the log's last ``tail`` bytes.
    """

    def __init__(
        self, argv: Sequence[str], env: dict[str, str] | None = None, *, tail: int = 20000
    ) -> None:
        self.argv = list(argv)
        self.env = dict(os.environ) if env is None else env
        self.tail = tail
        self.exits: list[E] = []
        self.starts = 0
        self.kills = 0
        self.stderr = b""
        self.pid = 0
        self._stopping = False
        self._stopped: Deferred[None] | None = None

    @abstractmethod
    def exit_record(self, pid: int, signal: int | None, code: int | None) -> E:
        """What to keep of the run ``pid`` that just ended (by ``signal``, or with ``code``)."""

    def start(self) -> None:
        """Spawn the daemon."""
        transport = reactor.spawnProcess(self, self.argv[0], self.argv, env=self.env)
        self.pid = transport.pid
        self.starts += 1

    def kill(self) -> int:
        """SIGKILL the running daemon (if it still runs); its pid."""
        pid = self.pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        return pid

    def errReceived(self, data: bytes) -> None:
        """Keep the tail of the daemon's log for failure messages."""
        self.stderr = (self.stderr + data)[-self.tail :]

    def processEnded(self, reason: Failure) -> None:
        """Record the exit, then restart (unless stopping)."""
        value: Any = reason.value  # ProcessDone or ProcessTerminated: both carry these
        self.exits.append(self.exit_record(self.pid, value.signal, value.exitCode))
        if value.signal == signal.SIGKILL and not self._stopping:
            self.kills += 1
        if not self._stopping:
            self.start()
        elif self._stopped is not None:
            self._stopped.callback(None)

    def stop(self) -> Deferred[None]:
        """Kill the daemon for good; fires once it has exited."""
        self._stopping = True
        self._stopped = Deferred()
        self.kill()
        return self._stopped
