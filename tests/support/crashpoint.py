"""Run the cwmpd daemon (as ``python -m cwmpd``) with an optional crash point.

With CWMPD_TEST_CRASH_AT=<transfer state> and CWMPD_TEST_CRASH_MARK=<file>, the first
run that persists a transfer record in that state (or, for "removed", forgets one once
its TransferCompleteResponse came) SIGKILLs itself right after the write reached the
disk: a kill at an exact step, which polling from outside cannot hit (the steps between
"fetched" and the reboot take microseconds). The real store and the real code run
unchanged; the mark file makes the crash happen once.

CWMPD_TEST_DU_CRASH_AT=<point> does the same for ChangeDUState: a phase an operation is
persisted in ("fetching", "applying", "done"), "installed" (the simulated package manager
recorded the unit, the job not yet), "queued" (the job's events queued) or "removed" (the
job forgotten once its DUStateChangeCompleteResponse came).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any


def _install(state: str, mark: Path) -> None:
    from cwmpd.transfers.store import TransferStore

    original_put, original_remove = TransferStore.put, TransferStore.remove

    def crash(reached: str) -> None:
        if reached == state and not mark.exists():
            mark.write_text(f"{os.getpid()} {state}\n")
            os.kill(os.getpid(), signal.SIGKILL)

    def put(self: TransferStore, transfer: Any) -> Any:
        result = original_put(self, transfer)  # persisted (temp + fsync + rename) on return
        crash(transfer.state)
        return result

    def remove(self: TransferStore, transfer_id: int) -> None:
        original_remove(self, transfer_id)
        crash("removed")

    TransferStore.put = put  # type: ignore[method-assign]
    TransferStore.remove = remove  # type: ignore[method-assign]


def _install_du(point: str, mark: Path) -> None:
    from cwmpd.plugin.execenvs import SimulatedExecEnv
    from cwmpd.transfers.du.store import JobStore

    original_put, original_remove = JobStore.put, JobStore.remove
    original_install = SimulatedExecEnv.install

    def crash(reached: bool) -> None:
        if reached and not mark.exists():
            mark.write_text(f"{os.getpid()} {point}\n")
            os.kill(os.getpid(), signal.SIGKILL)

    def put(self: JobStore, job: Any) -> Any:
        result = original_put(self, job)
        crash(any(op.phase == point for op in job.operations))
        crash(point == "queued" and job.events_queued)
        return result

    def remove(self: JobStore, job_id: int) -> None:
        original_remove(self, job_id)
        crash(point == "removed")

    async def install(self: SimulatedExecEnv, package: Path, url: str) -> Any:
        result = await original_install(self, package, url)
        crash(point == "installed")
        return result

    JobStore.put = put  # type: ignore[method-assign]
    JobStore.remove = remove  # type: ignore[method-assign]
    SimulatedExecEnv.install = install  # type: ignore[method-assign]


def main() -> int:
    """Install the crash point (if asked), then run the cwmpd command line."""
    state = os.environ.get("CWMPD_TEST_CRASH_AT", "")
    if state:
        _install(state, Path(os.environ["CWMPD_TEST_CRASH_MARK"]))
    du_point = os.environ.get("CWMPD_TEST_DU_CRASH_AT", "")
    if du_point:
        _install_du(du_point, Path(os.environ["CWMPD_TEST_CRASH_MARK"]))
    from cwmpd.cli import main as cwmpd_main

    return cwmpd_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
