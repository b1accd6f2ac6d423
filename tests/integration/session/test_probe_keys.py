"""CommandKey and ParameterKey are string(32): longer keys are 9003, never a crash or bad state."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.testing.acs import ScriptedAcs
from support.probe import MS, assert_valid, fault_code, run_sessions

K33 = "k" * 33
K32 = "é" * 32  # 32 characters (64 octets): the XSD counts characters


@pytest_twisted.ensureDeferred
async def test_overlong_keys_are_invalid_arguments(tmp_path: Path, spec: Path) -> None:
    """Reboot, ScheduleInform, SPV, AddObject, DeleteObject with a 33-char key: 9003 (P-7, P-22)."""
    acs = ScriptedAcs()
    interval = ParameterValueStruct(MS + "PeriodicInformInterval", "77", "unsignedInt")
    acs.queue(m.Reboot(command_key=K33))
    acs.queue(m.ScheduleInform(delay_seconds=5, command_key=K33))
    acs.queue(m.SetParameterValues(parameters=(interval,), parameter_key=K33))
    acs.queue(m.AddObject(object_name="Device.IP.Interface.", parameter_key=K33))
    acs.queue(m.DeleteObject(object_name="Device.IP.Interface.1.", parameter_key=K33))
    acs.queue(m.GetParameterValues(names=(MS + "ParameterKey", MS + "PeriodicInformInterval")))
    acs.queue(m.Reboot(command_key=K32))
    (session, rebooted), runner = await run_sessions(tmp_path, acs, 2)
    *faults, gpv, reboot = session.responses
    assert [fault_code(f) for f in faults] == [9003] * 5
    assert isinstance(gpv, m.GetParameterValuesResponse)
    values = {p.name: p.value for p in gpv.parameters}
    assert values[MS + "ParameterKey"] == ""  # nothing was applied
    assert values[MS + "PeriodicInformInterval"] != "77"
    assert isinstance(reboot, m.RebootResponse)
    assert assert_valid(spec, [session]) == 8
    assert runner.exits == 1
    assert rebooted.events == ["1 BOOT", "M Reboot"]
    assert rebooted.command_keys["M Reboot"] == K32
    assert assert_valid(spec, [rebooted]) == 1
