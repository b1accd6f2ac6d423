"""Every ACS request in ../shared/spec/captures, fed to the running agent: each gets its
response or a precise fault, everything the agent sends validates, the session completes."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from agent_harness import AgentRunner, reactor
from conformance.xsd import validate_envelope
from cwmpd.config import parse_config
from cwmpd.cwmp import messages as m
from cwmpd.cwmp import soap
from cwmpd.testing.acs import ScriptedAcs

#: The captures that rightly get a fault from the simulated devices, and which: names the
#: device does not have (9005), the hand-written clj.tr069 samples' made-up names and URL.
EXPECTED_FAULTS = {
    ("Device.", "clj-AddObject.xml"): 9005,
    ("Device.", "clj-DeleteObject.xml"): 9005,
    ("Device.", "clj-Download.xml"): 9003,  # URL "url": not an absolute URL
    ("Device.", "clj-GetParameterAttributes.xml"): 9005,
    ("Device.", "clj-GetParameterNames.xml"): 9005,
    ("Device.", "clj-GetParameterValues.xml"): 9005,
    ("Device.", "clj-SetParameterAttributes.xml"): 9005,
    ("Device.", "clj-SetParameterValues.xml"): 9003,  # with a 9005 per unknown name
    ("InternetGatewayDevice.", "tr098-AddObject.xml"): 9005,  # no WANPPPConnection here
    ("InternetGatewayDevice.", "tr098-DeleteObject.xml"): 9005,
    ("InternetGatewayDevice.", "tr098-GetParameterValues.xml"): 9005,  # no WLAN BeaconType
}


def acs_requests(spec: Path, root: str) -> list[tuple[str, bytes]]:
    """(name, body) of every ACS request capture for ``root`` (responses left out)."""
    prefix = "tr181-" if root == "Device." else "tr098-"
    found = []
    folder = spec / "captures" / "genieacs-1.2.16" / "acs-to-cpe"
    for path in sorted(folder.glob(f"{prefix}*.xml")):
        found.append((path.name, path.read_bytes()))
    if root == "Device.":  # clj.tr069 speaks of InternetGatewayDevice and Device alike
        for path in sorted((spec / "captures" / "clj.tr069").glob("*.xml")):
            body = path.read_bytes()
            cpe_side = ("Inform", "Fault", "TransferComplete", "AutonomousTransferComplete")
            if not path.stem.endswith("Response") and path.stem not in cpe_side:
                found.append((f"clj-{path.name}", body))
    return [(n, b) for n, b in found if not n.split("-", 1)[1].endswith("Response.xml")]


@pytest.mark.parametrize(
    ("plugin", "root"), [("simulated", "Device."), ("simulated098", "InternetGatewayDevice.")]
)
@pytest_twisted.ensureDeferred
async def test_every_captured_request_is_answered(
    tmp_path: Path, spec: Path, plugin: str, root: str
) -> None:
    """Requests from GenieACS and clj.tr069 get a response or an expected fault, in order."""
    requests = acs_requests(spec, root)
    assert len(requests) >= 8
    acs = ScriptedAcs(ns=None)
    for _name, body in requests:
        acs.queue_raw(body)
    url = await acs.listen(reactor)
    runner = AgentRunner(
        parse_config(
            f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
            "[connection_request]\nenable = false\n"
            f'[device]\nplugins = ["{plugin}"]\nstate_dir = "{tmp_path}"\n'
            f'[control]\nsocket = "{tmp_path}/control.sock"\n'
        )
    )
    try:
        runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=20)
    finally:
        runner.stop()
        await acs.stop()
    answers = session.responses
    assert len(answers) == len(requests)
    for (name, body), answer in zip(requests, answers, strict=True):
        sent = soap.parse(body)
        assert isinstance(answer, m.Message), name
        expected = EXPECTED_FAULTS.get((root, name))
        if expected is not None:
            assert isinstance(answer, m.Fault) and answer.code == expected, (name, answer)
        else:
            assert answer.name == sent.body.name + "Response", (name, answer)
    for body in session.raw_requests:
        if body.strip():
            assert validate_envelope(spec, body) == [], body[:300]
