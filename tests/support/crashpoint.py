"""Run the cwmpd daemon (as ``python -m cwmpd``) with an optional crash point.

With CWMPD_TEST_CRASH_AT=<transfer state> and CWMPD_TEST_CRASH_MARK=<file>, the first
run that persists a transfer record in that state (or, for "removed", forgets one once
its TransferCompleteResponse came) SIGKILLs itself right after the write reached the
disk: a kill at an exact step, which polling from outside cannot hit (the steps between
"fetched" and the reboot take microseconds). The real store and the real code run
unchanged; the mark file makes the crash happen once.
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


def main() -> int:
    """Install the crash point (if asked), then run the cwmpd command line."""
    state = os.environ.get("CWMPD_TEST_CRASH_AT", "")
    if state:
        _install(state, Path(os.environ["CWMPD_TEST_CRASH_MARK"]))
    from cwmpd.cli import main as cwmpd_main

    return cwmpd_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
