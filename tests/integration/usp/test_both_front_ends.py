"""One agent, both front ends at once, one transaction model: the scripted ACS over CWMP and
the scripted Controller over USP (a real mosquitto) on the same running agent.

A USP Set of a parameter the ACS asked active notification for opens a CWMP session with
4 VALUE CHANGE carrying the new value; a CWMP SetParameterValues of a parameter a USP
ValueChange subscription references gives the Controller one Notify with the new value.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import ensureDeferred

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct, SetParameterAttributesStruct
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.usp import messages
from support.agent_harness import reactor
from support.mosquitto import Broker

from .test_usp_agent import controller_for, start_agent, usp_config

pytestmark = pytest.mark.needs_tools("mosquitto")

MS = "Device.ManagementServer."
NOTIFIED_BY_ACS = MS + "PeriodicInformInterval"  # the ACS sets Notification 2 on it
WATCHED_BY_USP = MS + "ConnectionRequestUsername"  # a USP ValueChange subscription on it


@pytest_twisted.ensureDeferred
async def test_usp_set_notifies_the_acs_and_cwmp_spv_notifies_the_controller(
    broker: Broker, tmp_path: Path
) -> None:
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    acs.queue(
        m.SetParameterAttributes(
            parameters=(SetParameterAttributesStruct(NOTIFIED_BY_ACS, True, 2, False, ()),)
        )
    )
    controller = await controller_for(broker)
    agent = start_agent(usp_config(tmp_path / "state", url, broker.port), None)
    try:
        first = (await acs.wait_for_sessions(1, timeout=20))[0]
        assert "0 BOOTSTRAP" in first.events
        await controller.agent_connected()
        added = await controller.add(
            "Device.LocalAgent.Subscription.",
            {
                "Enable": "true",
                "ID": "both-1",
                "NotifType": "ValueChange",
                "ReferenceList": WATCHED_BY_USP,
            },
        )
        assert messages.response_name(added) == "add_resp", added
        # the next CWMP session (opened by the USP Set's value change) carries the ACS's SPV
        acs.queue(
            m.SetParameterValues(
                parameters=(ParameterValueStruct(WATCHED_BY_USP, "set-by-acs", "string"),),
                parameter_key="both-1",
            )
        )
        notified = ensureDeferred(controller.next_notification(timeout=30))  # waits from now
        resp = await controller.set({MS: {"PeriodicInformInterval": "7200"}})
        assert messages.response_name(resp) == "set_resp", resp

        sessions = await acs.wait_for_sessions(2, timeout=30)
        second = sessions[1]
        assert "4 VALUE CHANGE" in second.events
        assert second.parameters[NOTIFIED_BY_ACS] == "7200"

        notify = (await notified).body.request.notify
        assert notify.subscription_id == "both-1"
        assert notify.value_change.param_path == WATCHED_BY_USP
        assert notify.value_change.param_value == "set-by-acs"
        got = await controller.get([WATCHED_BY_USP, NOTIFIED_BY_ACS])
        values = {
            f"{res.resolved_path}{k}": v
            for req in got.body.response.get_resp.req_path_results
            for res in req.resolved_path_results
            for k, v in res.result_params.items()
        }
        assert values == {WATCHED_BY_USP: "set-by-acs", NOTIFIED_BY_ACS: "7200"}
    finally:
        controller.stop()
        agent.stopService()
        await acs.stop()
