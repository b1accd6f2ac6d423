"""Programs run from tests inside the reactor: output and exit code, and ``cwmpctl``."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from twisted.internet import utils
from twisted.internet.defer import Deferred

from support.agent_harness import reactor


def output_and_code(
    executable: str, args: Sequence[str], env: dict[str, str] | None = None
) -> Deferred[tuple[bytes, bytes, int]]:
    """Run ``executable args`` (in an empty environment unless ``env``): its stdout,
    stderr and exit code. A Deferred, so a caller can addTimeout."""
    done: Deferred[tuple[bytes, bytes, int]] = utils.getProcessOutputAndValue(  # type: ignore[no-untyped-call]
        executable, list(args), env={} if env is None else env, reactor=reactor
    )
    return done


async def cwmpctl(sock: Path, *args: str, timeout: float | None = None) -> tuple[int, str, str]:
    """``cwmpctl --socket SOCK args``: exit code, stdout, stderr (failing after ``timeout`` s)."""
    argv = ["-m", "cwmpd.ctl", "--socket", str(sock), *args]
    done = output_and_code(sys.executable, argv, env=dict(os.environ))
    if timeout is not None:
        done.addTimeout(timeout, reactor)
    out, err, code = await done
    return code, out.decode(), err.decode()
