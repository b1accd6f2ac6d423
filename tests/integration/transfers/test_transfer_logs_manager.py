"""Log lines of whole transfers through TransferManager (real loopback downloads), captured
by a twisted.logger observer: one start line, one end line; failures are one warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.logger import LogLevel

from cwmpd.backends.base import BackendError
from cwmpd.cwmp import messages as m
from cwmpd.session.events import EventQueue
from cwmpd.transfers import record as r
from cwmpd.transfers.handlers import StoreFile
from cwmpd.transfers.manager import TransferManager
from cwmpd.transfers.settings import TransferSettings
from support.agent_harness import reactor
from support.log_capture import SECRET_QUERY, lines, until
from support.xfer_servers import Behaviour, FileServer, Listening


class RefusingDevice:
    """A device whose backend refuses the file (as a failing apply command would)."""

    def verify(self, image: Path) -> str:
        return ""

    async def apply(self, image: Path, target: str) -> str:
        raise BackendError("uci commit failed: Permission denied")

    async def version(self) -> str:
        return ""


@pytest.mark.parametrize("case", ["ok", "not-found", "refused"])
@pytest_twisted.ensureDeferred
async def test_whole_transfers_log_one_start_and_one_end(
    tmp_path: Path, events: list[dict[str, Any]], serve: Any, case: str
) -> None:
    """Through TransferManager: success is info, a 404 and a device refusing are one warning
    line each; nothing critical, no traceback, no secret from the URL."""
    served: Listening = await serve(FileServer({"/web/page.html": Behaviour(b"x" * 3000)}))
    path = "/missing" if case == "not-found" else "/web/page.html"
    file_type = "3 Vendor Configuration File" if case == "refused" else "2 Web Content"
    requested: list[int] = []
    mgr = TransferManager(
        TransferSettings(
            reactor=reactor,
            state_dir=tmp_path / "state",
            events=EventQueue(tmp_path / "events.json"),
            request_session=lambda: requested.append(1),
            reboot=lambda: None,
            boot_id=lambda: "boot-1",
            handlers={"2 Web Content": StoreFile(tmp_path / "web"), file_type: RefusingDevice()}
            if case == "refused"
            else {"2 Web Content": StoreFile(tmp_path / "web")},
        )
    )
    mgr.start()
    url = served.url(path) + SECRET_QUERY
    await mgr.rpcs.download(
        m.Download("key-1", file_type, url, "fileuser", "pw-secret", 3000, "page.html", 0)
    )
    mgr.after_session()
    await until(lambda: [t.state for t in mgr.store] == [r.State.COMPLETE], "the outcome")
    mgr.stop()
    (t,) = mgr.store
    text = lines(events)
    host = served.base.removeprefix("http://")
    assert text[0] == f"download 'key-1' from {host} started (3000 bytes)"
    assert len(text) == 2
    assert not [e for e in events if e["log_level"] in (LogLevel.critical, LogLevel.error)]
    assert not [e for e in events if "log_failure" in e]
    assert not [x for x in text if "s3cret" in x or "pw-secret" in x or "page.html" in x]
    if case == "ok":
        assert t.fault_code == 0
        assert text[1].startswith(f"download 'key-1' from {host}: 3000 bytes in ")
        assert text[1].endswith(", complete")
    else:
        (warning,) = lines(events, LogLevel.warn)
        assert warning == text[1]
        reason = {
            "not-found": "the file server answered HTTP 404",
            "refused": "the device refused the file: uci commit failed: Permission denied",
        }[case]
        code = 9016 if case == "not-found" else 9002
        assert (t.fault_code, t.fault_string) == (code, reason)
        assert warning.startswith(f"download 'key-1' from {host} failed: {code} {reason} (")
