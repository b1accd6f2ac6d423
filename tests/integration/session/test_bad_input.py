"""Hostile or broken ACS messages: each gets the right fault and the session carries on."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor

ENV = (
    b'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" '
    b'xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" '
    b'xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soap-env:Header>'
    b'<cwmp:ID soap-env:mustUnderstand="1">bad-%d</cwmp:ID></soap-env:Header>'
    b"<soap-env:Body>%s</soap-env:Body></soap-env:Envelope>"
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
    + ENV
    % (
        1,
        b"<cwmp:GetParameterValues><ParameterNames>&lol9;</ParameterNames>"
        b"</cwmp:GetParameterValues>",
    )
)
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + ENV % (
    2,
    b"<cwmp:GetParameterValues><ParameterNames>&xxe;</ParameterNames></cwmp:GetParameterValues>",
)
CORPUS: list[tuple[str, bytes, int]] = [
    ("billion laughs", LAUGHS, 9003),
    ("external entity", XXE, 9003),
    ("doctype", b"<!DOCTYPE html>" + ENV % (3, b"<cwmp:GetRPCMethods/>"), 9003),
    ("10 MiB body", ENV % (4, b"<cwmp:GetRPCMethods/>" + b" " * (10 * 1024 * 1024)), 9004),
    (
        "invalid utf-8",
        ENV
        % (
            5,
            b"<cwmp:GetParameterValues><ParameterNames "
            b'soap-enc:arrayType="xsd:string[1]"><string>\xff\xfe</string>'
            b"</ParameterNames></cwmp:GetParameterValues>",
        ),
        9003,
    ),
    (
        "soap 1.2 namespace",
        ENV.replace(b"schemas.xmlsoap.org/soap/envelope/", b"www.w3.org/2003/05/soap-envelope")
        % (6, b"<x/>"),
        9003,
    ),
    ("unknown rpc", ENV % (7, b"<cwmp:Frobnicate/>"), 9000),
    (
        "missing argument",
        ENV
        % (
            8,
            b"<cwmp:GetParameterNames><ParameterPath>Device."
            b"</ParameterPath></cwmp:GetParameterNames>",
        ),
        9003,
    ),
    (
        "extra argument",
        ENV % (9, b"<cwmp:Reboot><CommandKey>k</CommandKey><Extra>1</Extra></cwmp:Reboot>"),
        9003,
    ),
    (
        "absurd array size",
        ENV
        % (
            10,
            b"<cwmp:GetParameterValues><ParameterNames "
            b'soap-enc:arrayType="xsd:string[999999999]">'
            b"<string>Device.</string></ParameterNames>"
            b"</cwmp:GetParameterValues>",
        ),
        9003,
    ),
    ("not xml", b"\x00\x01 this is not xml", 9003),
]


@pytest_twisted.ensureDeferred
async def test_each_bad_message_gets_its_fault_and_the_session_goes_on(tmp_path: Path) -> None:
    """Every corpus entry is answered with the expected fault, then a normal RPC still works."""
    acs = ScriptedAcs()
    for _name, body, _code in CORPUS:
        acs.queue_raw(body)
        acs.queue(m.GetParameterValues(names=("Device.DeviceInfo.SoftwareVersion",)))
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url))
    try:
        runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=30)
    finally:
        runner.stop()
        await acs.stop()
    answers = session.responses
    assert len(answers) == 2 * len(CORPUS)
    for i, (name, _body, code) in enumerate(CORPUS):
        fault, follow_up = answers[2 * i], answers[2 * i + 1]
        assert isinstance(fault, m.Fault), name
        assert fault.code == code, name
        assert isinstance(follow_up, m.GetParameterValuesResponse), name
        assert follow_up.parameters[0].value == "1.0.0"
    # A recoverable envelope keeps its cwmp:ID in the answer.
    unknown = session.acs_exchanges[2 * 6]
    assert unknown.envelope is not None and unknown.envelope.id == "bad-7"
