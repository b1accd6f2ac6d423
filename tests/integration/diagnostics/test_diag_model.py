"""Diagnostics objects inside a real DataModel: P-37 DiagnosticsState semantics, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import defer

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.schema import load_schema
from cwmpd.diagnostics.suite import Diagnostics
from cwmpd.plugin.load import model_from_declarations, schema_prefixes
from support.agent_harness import reactor
from support.diag_servers import dns_server, http_server
from support.web import stop

PING = "Device.IP.Diagnostics.IPPing."
TRACE = "Device.IP.Diagnostics.TraceRoute."
DL = "Device.IP.Diagnostics.DownloadDiagnostics."
UL = "Device.IP.Diagnostics.UploadDiagnostics."
NS = "Device.DNS.Diagnostics.NSLookupDiagnostics."


def _invalidator(model: DataModel) -> Any:
    """The model's instance-cache reset (a stand-in until DataModel offers one publicly)."""
    public = getattr(model, "instances_changed", None)
    return public if public is not None else (lambda: setattr(model, "_index", None))


class Device:
    """A model holding only the diagnostics objects; records completions."""

    def __init__(self, tmp: Path, root: str = "Device.", dns_port: int = 53) -> None:
        self.completed: list[str] = []
        self.waiters: list[defer.Deferred[None]] = []
        self.diag = Diagnostics(reactor, root, ping_interval=0.2, dns_port=dns_port)
        self.diag.on_complete = self._done
        decl = Declarations(root)
        decl.store(f"{root}ManagementServer.ParameterKey", "")
        self.diag.declare(decl)
        schema = load_schema(root, prefixes=schema_prefixes(decl))
        self.model: DataModel = model_from_declarations(decl, schema, tmp)
        self.diag.on_rows_changed = _invalidator(self.model)

    def _done(self) -> None:
        self.completed.append("8 DIAGNOSTICS COMPLETE")
        waiters, self.waiters = self.waiters, []
        for w in waiters:
            w.callback(None)

    def completion(self) -> defer.Deferred[None]:
        """Fires at the next completed test."""
        d: defer.Deferred[None] = defer.Deferred()
        self.waiters.append(d)
        return d

    async def set(self, values: dict[str, str]) -> int:
        """SetParameterValues as the ACS sends it."""
        return await self.model.set_parameter_values([PV(n, v) for n, v in values.items()], "k")

    async def get(self, *names: str) -> dict[str, str]:
        """GetParameterValues, as a dict."""
        return {p.name: p.value for p in await self.model.get_parameter_values(list(names))}

    async def run(self, values: dict[str, str]) -> None:
        """Request a test in one session, end the session, wait for it to complete."""
        done = self.completion()
        assert await self.set(values) == 1
        await self.model.end_of_session()
        await done


@pytest.mark.needs_tools("ping", "traceroute")
@pytest_twisted.ensureDeferred
async def test_ping_requested_runs_after_session_and_reports(tmp_path: Path) -> None:
    """Requested waits for the session end, then Complete with results and one completion."""
    dev = Device(tmp_path)
    done = dev.completion()
    assert (
        await dev.set(
            {
                PING + "Host": "127.0.0.1",
                PING + "NumberOfRepetitions": "2",
                PING + "DiagnosticsState": "Requested",
            }
        )
        == 1
    )
    assert (await dev.get(PING + "DiagnosticsState"))[PING + "DiagnosticsState"] == "Requested"
    assert not dev.diag.objects[PING].running
    await dev.model.end_of_session()
    await done
    got = await dev.get(PING)
    assert got[PING + "DiagnosticsState"] == "Complete"
    assert got[PING + "SuccessCount"] == "2"
    assert got[PING + "FailureCount"] == "0"
    assert got[PING + "IPAddressUsed"] == "127.0.0.1"
    assert int(got[PING + "MaximumResponseTimeDetailed"]) > 0
    assert dev.completed == ["8 DIAGNOSTICS COMPLETE"]


@pytest_twisted.ensureDeferred
async def test_requested_without_host_faults_9007(tmp_path: Path) -> None:
    """Test parameters are validated in the same SPV: no Host -> 9003 with 9007 on the state."""
    dev = Device(tmp_path)
    with pytest.raises(CwmpFault) as info:
        await dev.set({PING + "DiagnosticsState": "Requested"})
    assert info.value.code == 9003
    assert [(f.name, f.code) for f in info.value.set_faults] == [(PING + "DiagnosticsState", 9007)]


@pytest_twisted.ensureDeferred
async def test_complete_cannot_be_written(tmp_path: Path) -> None:
    """Only Requested and Canceled may be written."""
    dev = Device(tmp_path)
    with pytest.raises(CwmpFault) as info:
        await dev.set({PING + "DiagnosticsState": "Complete"})
    assert info.value.set_faults[0].code == 9007


@pytest.mark.needs_tools("ping", "traceroute")
@pytest_twisted.ensureDeferred
async def test_traceroute_hops_visible_in_gpv(tmp_path: Path) -> None:
    """A finished traceroute to 127.0.0.1 shows exactly one RouteHops instance."""
    dev = Device(tmp_path)
    await dev.run(
        {
            TRACE + "Host": "127.0.0.1",
            TRACE + "Timeout": "1000",
            TRACE + "DiagnosticsState": "Requested",
        }
    )
    got = await dev.get(TRACE)
    assert got[TRACE + "DiagnosticsState"] == "Complete"
    assert got[TRACE + "RouteHopsNumberOfEntries"] == "1"
    assert got[TRACE + "RouteHops.1.HostAddress"] == "127.0.0.1"
    assert len(got[TRACE + "RouteHops.1.RTTimes"].split(",")) == 3


@pytest_twisted.ensureDeferred
async def test_hostile_host_is_data(tmp_path: Path) -> None:
    """A Host like "-f;reboot" ends in Error_CannotResolveHostName, run as nothing."""
    dev = Device(tmp_path)
    await dev.run({PING + "Host": "-f;reboot", PING + "DiagnosticsState": "Requested"})
    assert (await dev.get(PING + "DiagnosticsState"))[
        PING + "DiagnosticsState"
    ] == "Error_CannotResolveHostName"


@pytest_twisted.ensureDeferred
async def test_unknown_host(tmp_path: Path) -> None:
    """A name under .invalid ends in Error_CannotResolveHostName, and still completes."""
    dev = Device(tmp_path)
    await dev.run({PING + "Host": "nohost.invalid", PING + "DiagnosticsState": "Requested"})
    got = await dev.get(PING + "DiagnosticsState")
    assert got[PING + "DiagnosticsState"] == "Error_CannotResolveHostName"
    assert dev.completed == ["8 DIAGNOSTICS COMPLETE"]


async def _start_long_ping(dev: Device) -> None:
    await dev.set(
        {
            PING + "Host": "127.0.0.1",
            PING + "NumberOfRepetitions": "50",
            PING + "DiagnosticsState": "Requested",
        }
    )
    await dev.model.end_of_session()
    assert dev.diag.objects[PING].running


@pytest_twisted.ensureDeferred
async def test_cancel_stops_test_without_completion(tmp_path: Path) -> None:
    """Canceled stops a running test, the state reads None, and no completion is signalled."""
    dev = Device(tmp_path)
    await _start_long_ping(dev)
    assert await dev.set({PING + "DiagnosticsState": "Canceled"}) == 0
    assert not dev.diag.objects[PING].running
    assert (await dev.get(PING + "DiagnosticsState"))[PING + "DiagnosticsState"] == "None"
    assert dev.completed == []


@pytest_twisted.ensureDeferred
async def test_parameter_change_aborts_running_test(tmp_path: Path) -> None:
    """Writing another test parameter during a run aborts it and resets the state to None."""
    dev = Device(tmp_path)
    await _start_long_ping(dev)
    assert await dev.set({PING + "Timeout": "2000"}) == 0
    assert not dev.diag.objects[PING].running
    got = await dev.get(PING + "DiagnosticsState", PING + "Timeout")
    assert got == {PING + "DiagnosticsState": "None", PING + "Timeout": "2000"}
    assert dev.completed == []


@pytest_twisted.ensureDeferred
async def test_download_and_upload_through_model(tmp_path: Path) -> None:
    """TR-143 download/upload via the model: exact byte counts, ROM <= BOM <= EOM."""
    res, port = http_server(12345)
    base = f"http://127.0.0.1:{port.getHost().port}/"  # type: ignore[attr-defined]
    dev = Device(tmp_path)
    try:
        await dev.run({DL + "DownloadURL": base + "f", DL + "DiagnosticsState": "Requested"})
        await dev.run(
            {
                UL + "UploadURL": base + "u",
                UL + "TestFileLength": "5000",
                UL + "DiagnosticsState": "Requested",
            }
        )
    finally:
        await stop(port)
    d = await dev.get(DL)
    assert d[DL + "DiagnosticsState"] == "Complete"
    assert d[DL + "TestBytesReceived"] == "12345"
    assert d[DL + "ROMTime"] <= d[DL + "BOMTime"] <= d[DL + "EOMTime"]
    u = await dev.get(UL)
    assert u[UL + "DiagnosticsState"] == "Complete"
    assert u[UL + "TestBytesSent"] == "5000"
    assert res.uploaded == [5000]


@pytest_twisted.ensureDeferred
async def test_download_url_must_be_http(tmp_path: Path) -> None:
    """An ftp:// DownloadURL is refused in the SPV that requests the test."""
    dev = Device(tmp_path)
    with pytest.raises(CwmpFault):
        await dev.set(
            {DL + "DownloadURL": "ftp://127.0.0.1/x", DL + "DiagnosticsState": "Requested"}
        )


@pytest_twisted.ensureDeferred
async def test_nslookup_results_table(tmp_path: Path) -> None:
    """NSLookup against a loopback twisted.names server fills Result.{i}."""
    port, number = dns_server({"host.test": "127.0.0.9"})
    dev = Device(tmp_path, dns_port=number)
    try:
        await dev.run(
            {
                NS + "HostName": "host.test",
                NS + "DNSServer": "127.0.0.1",
                NS + "DiagnosticsState": "Requested",
            }
        )
    finally:
        await stop(port)
    got = await dev.get(NS)
    assert got[NS + "DiagnosticsState"] == "Complete"
    assert got[NS + "SuccessCount"] == "1"
    assert got[NS + "Result.1.IPAddresses"] == "127.0.0.9"
    assert got[NS + "Result.1.Status"] == "Success"


@pytest.mark.needs_tools("ping", "traceroute")
@pytest_twisted.ensureDeferred
async def test_tr098_ping(tmp_path: Path) -> None:
    """The TR-098 IPPingDiagnostics object runs ping the same way."""
    root = "InternetGatewayDevice."
    p = root + "IPPingDiagnostics."
    dev = Device(tmp_path, root)
    await dev.run(
        {
            p + "Host": "127.0.0.1",
            p + "NumberOfRepetitions": "1",
            p + "DiagnosticsState": "Requested",
        }
    )
    got = await dev.get(p)
    assert got[p + "DiagnosticsState"] == "Complete"
    assert got[p + "SuccessCount"] == "1"


@pytest_twisted.ensureDeferred
async def test_objects_built_at_first_read_not_by_gpn(tmp_path: Path) -> None:
    """Listing the tree (GPN, results tables) leaves the objects unbuilt; a read builds
    them and gets the defaults."""
    dev = Device(tmp_path)
    names = [p.name for p in await dev.model.get_parameter_names("", False)]
    assert PING + "Host" in names
    assert TRACE + "RouteHops." in names
    assert not dev.diag.built
    got = await dev.get(PING, TRACE + "RouteHops.")
    assert dev.diag.built
    assert got[PING + "NumberOfRepetitions"] == "3"
    assert got[PING + "DiagnosticsState"] == "None"
    assert not [n for n in got if n.startswith(TRACE)]


@pytest_twisted.ensureDeferred
async def test_one_write_over_two_objects_is_all_or_nothing(tmp_path: Path) -> None:
    """An SPV over IPPing and TraceRoute: TraceRoute refusing (no Host) keeps IPPing's Host."""
    dev = Device(tmp_path)
    with pytest.raises(CwmpFault) as caught:
        await dev.set({PING + "Host": "127.0.0.1", TRACE + "DiagnosticsState": "Requested"})
    assert [f.code for f in caught.value.set_faults] == [9007]
    assert (await dev.get(PING + "Host"))[PING + "Host"] == ""
    assert await dev.set({PING + "Host": "127.0.0.1", TRACE + "Host": "127.0.0.2"}) == 0
    got = await dev.get(PING + "Host", TRACE + "Host")
    assert got == {PING + "Host": "127.0.0.1", TRACE + "Host": "127.0.0.2"}
