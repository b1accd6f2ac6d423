"""Traffic counters: seeded, monotonic steps on TR-181 and TR-098 devices, notified passively
in the next Inform ("4 VALUE CHANGE"); active notification, refused on these canDeny counters
(9009), raises a session of its own for a drifting configured parameter."""

from __future__ import annotations

import random

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import SetParameterAttributesStruct
from cwmpd.fleet.counters import STATS, advance, counter_names
from cwmpd.fleet.identity import Variant
from cwmpd.fleet.options import Step
from cwmpd.fleet.scenarios import chosen
from cwmpd.testing.acs_fleet import FleetAcs
from cwmpd.testing.acs_record import AcsSession
from support.fleet import settle, start_fleet, stop, wait_for

SEED = 7
VARIANTS = (Variant("tr181", "simulated", 0.5), Variant("tr098", "simulated098", 0.5))
STEPS = (
    Step(1.0, "counters"),
    Step(1.5, "drift", 0.5, param="DeviceInfo.ProvisioningCode"),
    Step(2.5, "counters"),
    Step(3.0, "inform"),
)


def _attrs(name: str, notification: int) -> m.SetParameterAttributes:
    return m.SetParameterAttributes(
        parameters=(SetParameterAttributesStruct(name, True, notification, False),)
    )


def _root(session: AcsSession) -> str:
    return next(r for r in STATS if session.inform.parameters[0].name.startswith(r))


@pytest_twisted.ensureDeferred
async def test_counters_grow_by_seeded_steps_and_ride_in_value_change_informs() -> None:
    acs = FleetAcs()

    def first_session(session: AcsSession) -> None:
        if "0 BOOTSTRAP" not in session.events:
            return
        root = _root(session)
        acs.queue_in(session, m.GetParameterValues(names=tuple(counter_names(root))))
        sent, received = counter_names(root)[:2]
        for name in (sent, received):
            acs.queue_in(session, _attrs(name, 1))  # passive: the next Inform carries it
        acs.queue_in(session, _attrs(counter_names(root)[2], 2))  # active: denied, 9009
        acs.queue_in(session, _attrs(root + "DeviceInfo.ProvisioningCode", 2))

    acs.on_session(first_session)
    fleet = await start_fleet(acs, devices=6, seed=SEED, variants=VARIANTS, steps=STEPS)
    try:
        await wait_for(lambda: len(acs.completed_sessions) >= 6 + 3 + 6, 30, "the steps")
        await settle(fleet)
        keys = sorted(fleet.devices)
        boot = acs.sessions[:6]
        assert {_root(s) for s in boot} == set(STATS)  # both data models in the fleet
        for s in boot:
            answers = [
                x.received for x in s.exchanges if isinstance(x.sent, m.SetParameterAttributes)
            ]
            assert [type(a).__name__ for a in answers] == [
                "SetParameterAttributesResponse", "SetParameterAttributesResponse", "Fault",
                "SetParameterAttributesResponse",
            ]  # fmt: skip
            assert isinstance(answers[2], m.Fault) and answers[2].code == 9009
        # The drift step: a session of its own for each device whose parameter changed.
        drifted = acs.sessions[6:9]
        assert sorted(s.inform.device_id.serial_number for s in drifted) == chosen(
            keys, 0.5, SEED, 1
        )
        assert all(s.events == ["4 VALUE CHANGE"] for s in drifted)
        # Counters, passive: in the Inform of the next session, grown by the seeded steps.
        values: dict[str, dict[str, str]] = {}
        for s in boot:
            gpv = next(x.received for x in s.exchanges if isinstance(x.sent, m.GetParameterValues))
            assert isinstance(gpv, m.GetParameterValuesResponse)
            values[s.inform.device_id.serial_number] = {p.name: p.value for p in gpv.parameters}
        expected = {k: dict(v) for k, v in values.items()}
        for index in (0, 2):  # the two "counters" steps, replayed from the seed
            rng = random.Random(f"{SEED}/drift/{index}")
            for key in chosen(keys, 1.0, SEED, index):
                root = _root(next(s for s in boot if s.inform.device_id.serial_number == key))
                expected[key].update(advance(expected[key].__getitem__, root, rng))
        last = {s.inform.device_id.serial_number: s for s in acs.sessions[9:]}
        assert sorted(last) == keys
        for key, s in last.items():
            assert "4 VALUE CHANGE" in s.events
            sent, received = counter_names(_root(s))[:2]
            reported = s.parameters
            for name in (sent, received):
                assert int(reported[name]) > int(values[key][name])  # monotonic
                assert reported[name] == expected[key][name]  # the seeded steps, reproduced
        assert ("counters", 6) in fleet.scenarios.done
    finally:
        await stop(fleet, acs)
