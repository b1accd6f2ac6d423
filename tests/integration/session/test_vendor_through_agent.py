"""Vendor parameters and a vendor table, declared in a mapping.toml, through the whole agent.

A second plugin next to ``simulated`` declares ``Device.DeviceInfo.X_00C0DE_Colour``
(read-write, enumerated, active notification denied), ``..X_00C0DE_Temperature`` (read-only
int, forced inform) and the table ``Device.X_00C0DE_Fan.{i}.`` (ACS-creatable, at most two
entries). Each must behave like a standard name in every RPC, on the wire.
"""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from conformance.xsd import validate_envelope
from cwmpd.config import parse_config
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct as Pv
from cwmpd.cwmp.structs import SetParameterAttributesStruct as Spa
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, reactor

COLOUR = "Device.DeviceInfo.X_00C0DE_Colour"
TEMP = "Device.DeviceInfo.X_00C0DE_Temperature"
FAN = "Device.X_00C0DE_Fan."
PLUGIN_PY = "from cwmpd.plugin.mapping import plugin_factory\ncreate = plugin_factory(__file__)\n"
MAPPING = f"""root = "Device."
[store]
"{COLOUR}" = "blue"
"{TEMP}" = "21"
"{FAN}{{i}}.Speed" = "0"
"{FAN}{{i}}.Enable" = "false"

[vendor."{COLOUR}"]
access = "read-write"
enums = ["red", "green", "blue"]
active_notify = "canDeny"

[vendor."{TEMP}"]
type = "int"
forced_inform = true

[vendor."{FAN}{{i}}."]
access = "read-write"
max_entries = 2

[vendor."{FAN}{{i}}.Speed"]
type = "unsignedInt"
access = "read-write"
range = [0, 5000]

[vendor."{FAN}{{i}}.Enable"]
type = "boolean"
access = "read-write"
"""


def vendor_plugin(folder: Path) -> Path:
    """The vendor plugin folder."""
    folder.mkdir()
    (folder / "plugin.py").write_text(PLUGIN_PY)
    (folder / "mapping.toml").write_text(MAPPING)
    return folder


@pytest_twisted.ensureDeferred
async def test_vendor_names_in_every_rpc(tmp_path: Path, spec: Path) -> None:
    """GPN, GPV xsi:type, SPV type checks, SPA/GPA, Add/DeleteObject + counter, Inform."""
    plugin = vendor_plugin(tmp_path / "vendorx")
    acs = ScriptedAcs(ns=None)
    for msg in (
        m.GetParameterNames("Device.DeviceInfo.", True),
        m.GetParameterValues((COLOUR, TEMP)),
        m.SetParameterValues((Pv(COLOUR, "purple"),), "k1"),
        m.SetParameterValues((Pv(TEMP, "5", "int"),), "k2"),
        m.SetParameterValues((Pv(COLOUR, "red"),), "k3"),
        m.SetParameterAttributes((Spa(COLOUR, True, 2, False),)),
        m.SetParameterAttributes((Spa(COLOUR, True, 1, True, ("Subscriber",)),)),
        m.GetParameterAttributes((COLOUR,)),
        m.AddObject(FAN, "k4"),
        m.SetParameterValues((Pv(FAN + "1.Speed", "9000", "unsignedInt"),), "k5"),
        m.SetParameterValues(
            (Pv(FAN + "1.Speed", "1200", "unsignedInt"), Pv(FAN + "1.Enable", "1", "boolean")),
            "k6",
        ),
        m.AddObject(FAN, "k7"),
        m.AddObject(FAN, "k8"),
        m.GetParameterValues(("Device.X_00C0DE_FanNumberOfEntries", FAN)),
        m.DeleteObject(FAN + "1.", "k9"),
        m.GetParameterValues(("Device.X_00C0DE_FanNumberOfEntries", FAN)),
        m.GetParameterNames(FAN, False),
        m.GetParameterValues(("Device.DeviceInfo.X_00C0DE_Nope",)),
    ):
        acs.queue(msg)
    url = await acs.listen(reactor)
    config = parse_config(
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated", "{plugin}"]\nstate_dir = "{tmp_path}"\n'
        f'[control]\nsocket = "{tmp_path}/control.sock"\n'
    )
    runner = AgentRunner(config)
    try:
        runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=20)
    finally:
        runner.stop()
        await acs.stop()
    forced = {p.name: (p.value, p.type) for p in session.inform.parameters}
    assert forced[TEMP] == ("21", "int")
    (
        gpn,
        gpv,
        bad,
        ro,
        ok,
        deny,
        spa,
        gpa,
        add,
        rng,
        spv,
        add2,
        full,
        gpv2,
        dele,
        gpv3,
        gpn2,
        nope,
    ) = session.responses
    assert isinstance(gpn, m.GetParameterNamesResponse), gpn
    writable = {p.name: p.writable for p in gpn.parameters}
    assert (writable[COLOUR], writable[TEMP]) == (True, False)
    assert isinstance(gpv, m.GetParameterValuesResponse), gpv
    assert {(p.name, p.value, p.type) for p in gpv.parameters} == {
        (COLOUR, "blue", "string"),
        (TEMP, "21", "int"),
    }
    assert isinstance(bad, m.Fault) and bad.code == 9003, bad
    assert [f.code for f in bad.set_faults] == [9007]
    assert isinstance(ro, m.Fault) and [f.code for f in ro.set_faults] == [9008], ro
    assert isinstance(ok, m.SetParameterValuesResponse) and ok.status == 0, ok
    assert isinstance(deny, m.Fault) and deny.code == 9009, deny
    assert isinstance(spa, m.SetParameterAttributesResponse), spa
    assert isinstance(gpa, m.GetParameterAttributesResponse), gpa
    assert [(a.notification, a.access_list) for a in gpa.parameters] == [(1, ("Subscriber",))]
    assert isinstance(add, m.AddObjectResponse) and add.instance_number == 1, add
    assert isinstance(rng, m.Fault) and [f.code for f in rng.set_faults] == [9007], rng
    assert isinstance(spv, m.SetParameterValuesResponse), spv
    assert isinstance(add2, m.AddObjectResponse) and add2.instance_number == 2, add2
    assert isinstance(full, m.Fault) and full.code == 9004, full
    assert isinstance(gpv2, m.GetParameterValuesResponse), gpv2
    values = {p.name: (p.value, p.type) for p in gpv2.parameters}
    assert values["Device.X_00C0DE_FanNumberOfEntries"] == ("2", "unsignedInt")
    assert values[FAN + "1.Speed"] == ("1200", "unsignedInt")
    assert values[FAN + "1.Enable"] == ("true", "boolean")
    assert values[FAN + "2.Speed"] == ("0", "unsignedInt")
    assert isinstance(dele, m.DeleteObjectResponse), dele
    assert isinstance(gpv3, m.GetParameterValuesResponse), gpv3
    after = {p.name: p.value for p in gpv3.parameters}
    assert after == {"Device.X_00C0DE_FanNumberOfEntries": "1", FAN + "2.Speed": "0"} | {
        FAN + "2.Enable": "false"
    }
    assert isinstance(gpn2, m.GetParameterNamesResponse), gpn2
    assert (FAN, True) in {(p.name, p.writable) for p in gpn2.parameters}
    assert isinstance(nope, m.Fault) and nope.code == 9005, nope
    for body in session.raw_requests:
        if body.strip():
            assert validate_envelope(spec, body) == [], body[:300]
