"""Odd names, headers, namespaces and transfer arguments from a demanding ACS, in one session."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import NS_CWMP_10, NS_CWMP_11, NS_CWMP_12, Envelope, serialize
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.testing.acs import ScriptedAcs
from support.probe import MS, assert_valid, fault_code, run_sessions

BAD_NAMES = (
    "Device..ManagementServer.URL",
    "Device.ManagementServer..",
    "Device.DeviceInfo.Manufactürer",
    "Device." + "A" * 300,
    "Device",
    "device.",
    "Device.IP.Interface.01.",
    "Device.IP.Interface.4294967296.",
    "Device.IP.Interface.{i}.",
    "InternetGatewayDevice.",
    "Device.IP.Interface.1.Enable.",
)
NOT_TABLES = ("Device.ManagementServer.", "Device.DeviceInfo.", MS + "URL", "Device.Nope.")


def download(key: str, url: str, file_type: str = "1 Firmware Upgrade Image") -> m.Download:
    """A Download with everything but the key, URL and FileType left empty."""
    return m.Download(key, file_type, url, "", "", 0, "", 0, "", "")


@pytest_twisted.ensureDeferred
async def test_hostile_but_legal_acs(tmp_path: Path, spec: Path) -> None:
    """9005 for bad names (P-2, P-6, P-19, P-21), IDs echoed (S-11), ns per request, 9003/9013."""
    acs = ScriptedAcs()
    for name in BAD_NAMES:
        acs.queue(m.GetParameterValues(names=(name,)))
        acs.queue(m.GetParameterNames(path=name, next_level=False))
    for name in NOT_TABLES:
        acs.queue(m.AddObject(object_name=name, parameter_key="a"))
        acs.queue(m.DeleteObject(object_name=name, parameter_key="d"))
    acs.queue(m.GetParameterNames(path=MS + "URL", next_level=True))
    many = tuple(MS + "URL" if i % 10 else f"Device.Nope{i}" for i in range(10_000))
    acs.queue(m.GetParameterValues(names=many))
    acs.queue(m.GetParameterValues(names=(MS + "URL",) * 10_000))
    user = ParameterValueStruct(MS + "ConnectionRequestUsername", "u")
    acs.queue(m.SetParameterValues(parameters=(user,) * 500, parameter_key="dup"))
    unknown = tuple(ParameterValueStruct(f"Device.X{i}", "a") for i in range(499))
    acs.queue(m.SetParameterValues(parameters=(user, *unknown), parameter_key="many"))
    url = MS + "URL"
    for ns, ident in (
        (NS_CWMP_10, None),
        (NS_CWMP_10, "I" * 33),
        (NS_CWMP_11, "a"),
        (NS_CWMP_12, "b"),
    ):
        acs.queue_raw(serialize(Envelope(m.GetParameterValues(names=(url,)), ns=ns, id=ident)))
    acs.queue_raw(serialize(Envelope(m.InformResponse(max_envelopes=1), ns=NS_CWMP_10, id="ir")))
    acs.queue(m.GetRPCMethods(), hold_requests=True)
    acs.queue(download("userinfo", "http://u:p@127.0.0.1:1/fw.bin"))
    acs.queue(download("ftp", "ftp://127.0.0.1:1/fw.bin"))
    acs.queue(download("long", "http://127.0.0.1:1/" + "a" * 300))
    acs.queue(download("badft", "http://127.0.0.1:1/fw.bin", "7 Nonsense"))
    acs.queue(m.Reboot(command_key="r1"), hold_requests=True)
    acs.queue(m.Reboot(command_key="r2"))
    (session, rebooted), runner = await run_sessions(tmp_path, acs, 2)
    r = session.responses
    n = 2 * len(BAD_NAMES) + 2 * len(NOT_TABLES)
    assert [fault_code(x) for x in r[:n]] == [9005] * n
    assert [fault_code(x) for x in r[n : n + 2]] == [9003, 9005]
    gpv = r[n + 2]
    assert isinstance(gpv, m.GetParameterValuesResponse) and len(gpv.parameters) == 10_000
    dup, spv = r[n + 3], r[n + 4]
    assert fault_code(dup) == 9003 and isinstance(spv, m.Fault)
    assert [f.code for f in spv.set_faults] == [9005] * 499
    ids = [
        (ex.envelope.ns, ex.envelope.id) for ex in session.exchanges[n + 6 : n + 10] if ex.envelope
    ]
    assert ids == [(NS_CWMP_10, None), (NS_CWMP_10, "I" * 33), (NS_CWMP_11, "a"), (NS_CWMP_12, "b")]
    assert isinstance(r[n + 10], m.GetRPCMethodsResponse)  # the stray InformResponse got none
    assert [fault_code(x) for x in r[n + 11 : n + 15]] == [9003, 9013, 9003, 9003]
    assert r[n + 15 :] == [m.RebootResponse(), m.RebootResponse()]
    assert runner.exits == 1
    assert rebooted.events == ["1 BOOT", "M Reboot", "M Reboot"]
    assert [e.command_key for e in rebooted.inform.events] == ["", "r1", "r2"]
    session.errors = [e for e in session.errors if "does not echo" not in e and "owed" not in e]
    assert assert_valid(spec, [session, rebooted]) > len(r)
