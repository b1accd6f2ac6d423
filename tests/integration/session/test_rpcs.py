"""Every core RPC through the real agent on loopback; everything it sends validates (XSD)."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from conformance.xsd import validate_envelope
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import NS_CWMP_12
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession
from support.agent_harness import AgentRunner, agent_config, reactor

MS = "Device.ManagementServer."


async def run_sessions(
    tmp_path: Path, acs: ScriptedAcs, n: int, **config: str
) -> tuple[list[AcsSession], AgentRunner]:
    """Start the agent against ``acs`` and wait for ``n`` completed sessions."""
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url, **config))
    try:
        runner.start()
        sessions = await acs.wait_for_sessions(n, timeout=20)
    finally:
        runner.stop()
        await acs.stop()
    return sessions, runner


def assert_valid(spec: Path, sessions: list[AcsSession]) -> int:
    """Every non-empty POST body the agent sent validates against the BBF schemas."""
    checked = 0
    for session in sessions:
        for body in session.raw_requests:
            if body.strip():
                assert validate_envelope(spec, body) == [], body[:400]
                checked += 1
    return checked


@pytest_twisted.ensureDeferred
async def test_attributes_delete_rpc_methods_and_faults(tmp_path: Path, spec: Path) -> None:
    """GPA, DeleteObject, GetRPCMethods, SPV faults, an unknown RPC and 9005 in one session."""
    acs = ScriptedAcs()
    acs.queue(m.GetRPCMethods())
    acs.queue(m.GetParameterAttributes(names=(MS + "ConnectionRequestURL", MS + "URL")))
    acs.queue(m.AddObject(object_name="Device.IP.Interface.", parameter_key="k-add"))
    acs.queue(m.DeleteObject(object_name="Device.IP.Interface.2.", parameter_key="k-del"))
    acs.queue(m.DeleteObject(object_name="Device.IP.Interface.2.", parameter_key="k-again"))
    acs.queue(
        m.SetParameterValues(
            parameters=(
                ParameterValueStruct(MS + "PeriodicInformInterval", "0", "unsignedInt"),
                ParameterValueStruct(MS + "ParameterKey", "x", "string"),
                ParameterValueStruct("Device.Nope", "1", "string"),
                ParameterValueStruct(MS + "PeriodicInformEnable", "maybe", "boolean"),
            ),
            parameter_key="k-bad",
        )
    )
    acs.queue(m.GetParameterValues(names=("Device.NoSuchThing.",)))
    acs.queue_raw(
        b'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" '
        b'xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soap-env:Header>'
        b'<cwmp:ID soap-env:mustUnderstand="1">raw-7</cwmp:ID></soap-env:Header>'
        b"<soap-env:Body><cwmp:X_FOO_Frobnicate/></soap-env:Body></soap-env:Envelope>"
    )
    acs.queue(m.GetParameterValues(names=(MS + "ParameterKey", MS + "Password")))
    (session,), _ = await run_sessions(tmp_path, acs, 1)

    rpcs, gpa, add, delete, delete_again, spv, gpv_bad, unknown, gpv = session.responses
    assert isinstance(rpcs, m.GetRPCMethodsResponse)
    assert set(rpcs.methods) >= {"GetParameterValues", "SetParameterValues", "Reboot"}
    assert "Download" not in rpcs.methods or "Upload" in rpcs.methods
    assert isinstance(gpa, m.GetParameterAttributesResponse)
    notif = {p.name: p.notification for p in gpa.parameters}
    assert notif == {MS + "ConnectionRequestURL": 2, MS + "URL": 0}
    assert isinstance(add, m.AddObjectResponse) and add.instance_number == 2
    assert delete == m.DeleteObjectResponse(status=0)
    assert isinstance(delete_again, m.Fault) and delete_again.code == 9005
    assert isinstance(spv, m.Fault) and spv.code == 9003
    per_param = {f.name: f.code for f in spv.set_faults}
    assert per_param == {
        MS + "PeriodicInformInterval": 9007,
        MS + "ParameterKey": 9008,
        "Device.Nope": 9005,
        MS + "PeriodicInformEnable": 9007,
    }
    assert isinstance(gpv_bad, m.Fault) and gpv_bad.code == 9005
    assert isinstance(unknown, m.Fault) and unknown.code == 9000
    assert isinstance(gpv, m.GetParameterValuesResponse)
    # ParameterKey changed by the successful DeleteObject only; the password reads back empty.
    assert {p.name: p.value for p in gpv.parameters} == {
        MS + "ParameterKey": "k-del",
        MS + "Password": "",
    }
    unknown_exchange = session.acs_exchanges[7]
    assert unknown_exchange.envelope is not None and unknown_exchange.envelope.id == "raw-7"
    assert assert_valid(spec, [session]) >= 10


@pytest_twisted.ensureDeferred
async def test_answers_in_the_acs_namespace_and_negotiated_version(
    tmp_path: Path, spec: Path
) -> None:
    """An ACS speaking cwmp-1-2 gets its answers in cwmp-1-2 with the same IDs (S-14, S-15)."""
    acs = ScriptedAcs(ns=NS_CWMP_12, use_cwmp_version="1.4")
    acs.queue(m.GetParameterValues(names=(MS + "URL",)))
    (session,), _ = await run_sessions(tmp_path, acs, 1)
    assert session.inform_envelope.supported_cwmp_versions == "1.0,1.1,1.2,1.3,1.4"
    (exchange,) = session.acs_exchanges
    assert exchange.envelope is not None
    assert exchange.envelope.ns == NS_CWMP_12
    assert exchange.envelope.id == exchange.sent_id
    assert assert_valid(spec, [session]) == 2


@pytest_twisted.ensureDeferred
async def test_schedule_inform_and_factory_reset(tmp_path: Path, spec: Path) -> None:
    """ScheduleInform brings 3 SCHEDULED + M ScheduleInform; FactoryReset brings BOOTSTRAP."""
    acs = ScriptedAcs()
    acs.queue(
        m.SetParameterValues(
            parameters=(ParameterValueStruct(MS + "PeriodicInformInterval", "77", "unsignedInt"),),
            parameter_key="before-reset",
        )
    )
    acs.queue(m.ScheduleInform(delay_seconds=1, command_key="sched-1"))
    acs.queue(m.ScheduleInform(delay_seconds=0, command_key="bad"))

    def second(session: AcsSession) -> None:
        if session.index == 1:
            acs.queue(m.FactoryReset())
        if session.index == 2:
            acs.queue(
                m.GetParameterValues(names=(MS + "PeriodicInformInterval", MS + "ParameterKey"))
            )

    acs.on_session(second)
    sessions, runner = await run_sessions(tmp_path, acs, 3)
    first, scheduled, after_reset = sessions
    assert isinstance(first.responses[2], m.Fault) and first.responses[2].code == 9003
    assert scheduled.events == ["3 SCHEDULED", "M ScheduleInform"]
    assert scheduled.command_keys["M ScheduleInform"] == "sched-1"
    assert runner.exits == 1
    assert after_reset.events == ["0 BOOTSTRAP", "1 BOOT"]
    (gpv,) = after_reset.responses
    assert isinstance(gpv, m.GetParameterValuesResponse)
    assert {p.name: p.value for p in gpv.parameters} == {
        MS + "PeriodicInformInterval": "3600",
        MS + "ParameterKey": "",
    }
    assert_valid(spec, sessions)


@pytest_twisted.ensureDeferred
async def test_retry_request_fault_resends_inform(tmp_path: Path) -> None:
    """8005 to the Inform makes the agent send the same Inform again in the same session."""
    acs = ScriptedAcs()
    acs.queue_fault_to_inform(8005)
    (session,), _ = await run_sessions(tmp_path, acs, 1)
    informs = [x for x in session.exchanges if isinstance(x.received, m.Inform)]
    assert [type(x.sent).__name__ for x in informs] == ["Fault", "InformResponse"]
    assert informs[0].received == informs[1].received
    assert session.events == ["0 BOOTSTRAP", "1 BOOT"]
    assert session.inform.retry_count == 0
