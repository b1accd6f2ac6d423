"""Every ACS request in ../shared/spec/captures, fed to the running agent of both simulated
devices: each gets its response or a precise fault (never 9002), everything the agent sends
validates against the XSD, the session completes.

The requests are found by content, not by folder: every capture (every folder, .xml and
.http) whose body is an RPC a CPE answers. Today they come from genieacs-1.2.16,
genieacs-1.2.16-e2e and clj.tr069; the other folders hold CPE output only, which the
corpus check below makes visible.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from conformance.test_cwmp_captures import body_of, capture_files
from conformance.xsd import validate_envelope
from cwmpd.config import parse_config
from cwmpd.cwmp import messages as m
from cwmpd.cwmp import soap
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, reactor

#: The RPCs a CPE answers (TR-069 Annex A, cwmp-1-0 .. 1-4): what makes a capture a request.
CPE_RPCS = frozenset(
    {
        "GetRPCMethods",
        "SetParameterValues",
        "GetParameterValues",
        "GetParameterNames",
        "SetParameterAttributes",
        "GetParameterAttributes",
        "AddObject",
        "DeleteObject",
        "Reboot",
        "Download",
        "Upload",
        "FactoryReset",
        "GetQueuedTransfers",
        "GetAllQueuedTransfers",
        "ScheduleInform",
        "SetVouchers",
        "GetOptions",
        "ScheduleDownload",
        "CancelTransfer",
        "ChangeDUState",
    }
)
ROOTS = {"simulated": "Device.", "simulated098": "InternetGatewayDevice."}

#: Requests that rightly get a fault from a device, and which (beyond the foreign-root rule).
EXPECTED_FAULTS = {
    # clj.tr069's hand-written samples use made-up names and a URL that is no URL.
    ("Device.", "clj.tr069/AddObject.xml"): 9005,
    ("Device.", "clj.tr069/DeleteObject.xml"): 9005,
    ("Device.", "clj.tr069/Download.xml"): 9003,  # URL "url": not an absolute URL
    ("Device.", "clj.tr069/GetParameterAttributes.xml"): 9005,
    ("Device.", "clj.tr069/GetParameterNames.xml"): 9005,
    ("Device.", "clj.tr069/GetParameterValues.xml"): 9005,
    ("Device.", "clj.tr069/SetParameterAttributes.xml"): 9005,
    ("Device.", "clj.tr069/SetParameterValues.xml"): 9003,  # with a 9005 per unknown name
    ("InternetGatewayDevice.", "clj.tr069/AddObject.xml"): 9005,
    ("InternetGatewayDevice.", "clj.tr069/DeleteObject.xml"): 9005,
    ("InternetGatewayDevice.", "clj.tr069/Download.xml"): 9003,
    ("InternetGatewayDevice.", "clj.tr069/GetParameterAttributes.xml"): 9005,  # .Foo
    ("InternetGatewayDevice.", "clj.tr069/GetParameterNames.xml"): 9005,  # DeviceInfo.Hello
    ("InternetGatewayDevice.", "clj.tr069/GetParameterValues.xml"): 9005,
    ("InternetGatewayDevice.", "clj.tr069/SetParameterAttributes.xml"): 9005,
    ("InternetGatewayDevice.", "clj.tr069/SetParameterValues.xml"): 9003,
    # genieacs-sim's BM632w has a WANPPPConnection table; simulated098 has none.
    ("InternetGatewayDevice.", "genieacs-1.2.16/acs-to-cpe/tr098-AddObject.xml"): 9005,
    ("InternetGatewayDevice.", "genieacs-1.2.16/acs-to-cpe/tr098-DeleteObject.xml"): 9005,
    # ... and X_HUAWEI_ WLAN parameters, which simulated098 does not serve.
    ("InternetGatewayDevice.", "genieacs-1.2.16/acs-to-cpe/tr098-GetParameterValues.xml"): 9005,
    # TR-181 forces active notification on SoftwareVersion: Notification 0 is refused.
    ("Device.", "genieacs-1.2.16-e2e/spa-notification-0.xml"): 9009,
    # "maybe" is no boolean: 9003 with a SetParameterValuesFault 9007.
    ("Device.", "genieacs-1.2.16-e2e/spv-boolean-invalid-maybe.xml"): 9003,
}

#: The per-parameter faults inside an expected SPV fault 9003.
EXPECTED_SET_FAULTS = {
    ("Device.", "genieacs-1.2.16-e2e/spv-boolean-invalid-maybe.xml"): [9007],
    ("Device.", "clj.tr069/SetParameterValues.xml"): [9005, 9005],
}


def request_names(msg: m.Message) -> list[str]:
    """The parameter and object names an ACS request speaks of."""
    names = list(getattr(msg, "names", ()))
    names += [p.name for p in getattr(msg, "parameters", ())]
    names += [n for n in (getattr(msg, "path", ""), getattr(msg, "object_name", "")) if n]
    return names


def acs_requests(spec: Path) -> list[tuple[str, bytes, str, m.Message | None]]:
    """(capture name, body, RPC name, message) of every capture that is an ACS request.

    A request our codec refuses is kept with message None: the agent must still answer it.
    """
    found: list[tuple[str, bytes, str, m.Message | None]] = []
    for rel, path in capture_files():
        body = body_of(path)
        try:
            msg: m.Message | None = soap.parse(body).body
            name = msg.name if msg is not None else ""
        except soap.BadEnvelope as bad:
            msg, name = None, bad.method or ""
        if name in CPE_RPCS:
            found.append((rel, body, name, msg))
    return found


def expected_fault(root: str, rel: str, msg: m.Message | None) -> int | None:
    """The fault code ``root``'s device must answer ``msg`` with, None for a response."""
    other = next(r for r in ROOTS.values() if r != root)
    if msg is not None and any(n.startswith(other) for n in request_names(msg)):
        return 9003 if isinstance(msg, m.SetParameterValues) else 9005
    return EXPECTED_FAULTS.get((root, rel))


def test_request_corpus_covers_every_folder_with_requests(spec: Path) -> None:
    """The three folders with ACS->CPE messages give requests; the others only CPE output."""
    folders = {rel.split("/", 1)[0] for rel, *_ in acs_requests(spec)}
    assert folders == {"clj.tr069", "genieacs-1.2.16", "genieacs-1.2.16-e2e"}
    names = {rel for rel, *_ in acs_requests(spec)}
    e2e = {p.name for p in (spec / "captures" / "genieacs-1.2.16-e2e").glob("*.xml")}
    assert {f"genieacs-1.2.16-e2e/{n}" for n in e2e} <= names
    assert len(names) >= 38


@pytest.mark.parametrize("plugin", sorted(ROOTS))
@pytest_twisted.ensureDeferred
async def test_every_captured_request_is_answered(tmp_path: Path, spec: Path, plugin: str) -> None:
    """Every captured ACS request gets its response or its expected fault, in order."""
    root = ROOTS[plugin]
    requests = acs_requests(spec)
    acs = ScriptedAcs(ns=None)
    for _rel, body, _name, _msg in requests:
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
        (session,) = await acs.wait_for_sessions(1, timeout=30)
    finally:
        runner.stop()
        await acs.stop()
    answers = session.responses
    assert len(answers) == len(requests)
    acs_answers = [e for e in session.exchanges if not e.by_cpe and e.sent is not None]
    echoed = [
        (rel, e.envelope.id if e.envelope else None)
        for (rel, *_), e in zip(requests, acs_answers, strict=True)
    ]
    assert echoed == [(rel, soap.parse(body).id) for rel, body, *_ in requests]
    wrong = []
    for (rel, _body, name, sent), answer in zip(requests, answers, strict=True):
        assert isinstance(answer, m.Message), rel
        expected = expected_fault(root, rel, sent)
        if expected is not None:
            ok = isinstance(answer, m.Fault) and answer.code == expected
        else:
            ok = answer.name == name + "Response"
        if not ok or (isinstance(answer, m.Fault) and answer.code == 9002):
            wrong.append((rel, expected, answer))
        if isinstance(answer, m.Fault) and (root, rel) in EXPECTED_SET_FAULTS:
            assert [f.code for f in answer.set_faults] == EXPECTED_SET_FAULTS[(root, rel)]
    assert wrong == []
    for body in session.raw_requests:
        if body.strip():
            assert validate_envelope(spec, body) == [], body[:300]


@pytest_twisted.ensureDeferred
async def test_genieacs_access_list_only_change_is_applied(tmp_path: Path, spec: Path) -> None:
    """The e2e SPA (NotificationChange false, empty Notification) sets the AccessList only.

    ProvisioningCode keeps its Notification (2: TR-181 forceDefaultEnabled), the second
    struct of the same RPC sets Enable's Notification to 1.
    """
    folder = spec / "captures" / "genieacs-1.2.16-e2e"
    acs = ScriptedAcs(ns=None)
    acs.queue_raw((folder / "spa-notificationchange-false-empty-mixed.xml").read_bytes())
    acs.queue(
        m.GetParameterAttributes(
            ("Device.DeviceInfo.ProvisioningCode", "Device.IP.Interface.1.Enable")
        )
    )
    url = await acs.listen(reactor)
    runner = AgentRunner(
        parse_config(
            f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
            "[connection_request]\nenable = false\n"
            f'[device]\nplugins = ["simulated"]\nstate_dir = "{tmp_path}"\n'
            f'[control]\nsocket = "{tmp_path}/control.sock"\n'
        )
    )
    try:
        runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=20)
    finally:
        runner.stop()
        await acs.stop()
    spa, gpa = session.responses
    assert isinstance(spa, m.SetParameterAttributesResponse), spa
    assert isinstance(gpa, m.GetParameterAttributesResponse), gpa
    got = {(a.name, a.notification, a.access_list) for a in gpa.parameters}
    assert got == {
        ("Device.DeviceInfo.ProvisioningCode", 2, ("Subscriber",)),
        ("Device.IP.Interface.1.Enable", 1, ()),
    }
