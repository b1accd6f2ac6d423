"""XML and HTTP attacks from a hostile ACS, sent to the running agent over loopback.

Each attack is refused the way that fits it: a CWMP fault in the session (entities,
DOCTYPE, XInclude, deep nesting, bad encodings, bodies over acs.max_body), or the session
closed (HTTP framing that cannot be read: broken chunks). A canary file and a canary URL
are named by every entity and XInclude: their content must never appear in anything the
agent sends, and the URL must never be fetched. Legal XML that merely looks odd (a UTF-8
BOM, many attributes or namespace declarations within max_body, chunk extensions, another
Content-Type) is answered normally. After each fault the session goes on (a probe GPV is
answered), after each closed session the next one works, and at the end the daemon, still
running, completes a normal session.
"""

from __future__ import annotations

import secrets
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import BadEnvelope, parse
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor

MAX_BODY = 256 * 1024
SOFTWARE_VERSION = "Device.DeviceInfo.SoftwareVersion"
PROBE = m.GetParameterValues(names=(SOFTWARE_VERSION,))
INTERVAL = "Device.ManagementServer.PeriodicInformInterval"
XI = b'xmlns:xi="http://www.w3.org/2001/XInclude"'
ENV = (
    b'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" '
    b'xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" '
    b'xmlns:cwmp="urn:dslforum-org:cwmp-1-0" %s><soap-env:Header>'
    b'<cwmp:ID soap-env:mustUnderstand="1">attack</cwmp:ID></soap-env:Header>'
    b"<soap-env:Body>%s</soap-env:Body></soap-env:Envelope>"
)


def gpv(names: bytes, attrs: bytes = b"") -> bytes:
    """A GetParameterValues body element whose ParameterNames hold ``names`` (raw XML)."""
    return (
        b"<cwmp:GetParameterValues%s><ParameterNames "
        b'soap-enc:arrayType="xsd:string[1]">%s</ParameterNames></cwmp:GetParameterValues>'
        % (attrs, names)
    )


def envelope(body: bytes, root_attrs: bytes = b"", prolog: bytes = b"") -> bytes:
    """A SOAP envelope around ``body``, after ``prolog`` (declaration, DOCTYPE ...)."""
    return prolog + ENV % (root_attrs, body)


GOOD = envelope(gpv(b"<string>%s</string>" % SOFTWARE_VERSION.encode()))


def http(body: bytes, headers: bytes = b"Content-Type: text/xml\r\n") -> bytes:
    """A whole HTTP/1.1 200 response: ``headers`` (CRLF-terminated lines), then ``body``."""
    return b"HTTP/1.1 200 OK\r\n" + headers + b"Connection: close\r\n\r\n" + body


def chunked(data: bytes, size: int = 1, ext: bytes = b"") -> bytes:
    """``data`` in chunks of ``size`` bytes, each size line with ``ext``, then the last chunk."""
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x%s\r\n%s\r\n" % (len(p), ext, p) for p in parts) + b"0\r\n\r\n"


CHUNKED = b"Content-Type: text/xml\r\nTransfer-Encoding: chunked\r\n"


@dataclass(frozen=True)
class Attack:
    """One hostile answer body and what the agent must do with it."""

    name: str
    body: bytes
    expect: int | type[m.Message]  # a fault code, or the response type of a legal message
    content_type: str = 'text/xml; charset="utf-8"'
    raw_http: bool = False


def in_session_attacks(canary: Path, canary_url: str) -> list[Attack]:
    """Attacks answered inside the session (a fault, or a normal response if legal)."""
    file_url, web = canary.as_uri().encode(), canary_url.encode()
    names_entity = gpv(b"<string>&e;</string>")
    x = gpv(b"<string>x</string>")
    name = b"<string>%s</string>" % SOFTWARE_VERSION.encode()
    version = gpv(name)
    laughs = b'<!DOCTYPE e [<!ENTITY l0 "lol">' + b"".join(
        b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    quadratic = b'<!DOCTYPE e [<!ENTITY q "' + b"a" * 20_000 + b'">]>'
    wide = b"".join(b' a%d="1"' % i for i in range(20_000))
    namespaces = b"".join(b' xmlns:p%d="urn:p:%d"' % (i, i) for i in range(10_000))
    deep = b"<a>" * 10_000 + b"x" + b"</a>" * 10_000
    oversized = envelope(b"<cwmp:GetRPCMethods/>" + b" " * (MAX_BODY + 1))
    text = GOOD.decode()
    ok = m.GetParameterValuesResponse

    def entity(system: bytes) -> bytes:
        return b'<!DOCTYPE e [<!ENTITY e SYSTEM "%s">]>' % system

    def xinclude(names: bytes) -> bytes:
        return envelope(gpv(names), XI)

    def raw(name: str, response: bytes, expect: int | type[m.Message]) -> Attack:
        return Attack(name, response, expect, raw_http=True)

    return [
        Attack(
            "billion laughs", envelope(gpv(b"<string>&l9;</string>"), b"", laughs + b"]>"), 9003
        ),
        Attack(
            "quadratic blowup",
            envelope(gpv(b"<string>%s</string>" % (b"&q;" * 1000)), b"", quadratic),
            9003,
        ),
        Attack("XXE file://", envelope(names_entity, b"", entity(file_url)), 9003),
        Attack("XXE http://127.0.0.1", envelope(names_entity, b"", entity(web)), 9003),
        Attack(
            "parameter entity",
            envelope(names_entity, b"", b'<!DOCTYPE e [<!ENTITY %% p SYSTEM "%s"> %%p;]>' % web),
            9003,
        ),
        Attack(
            "DOCTYPE SYSTEM file://", envelope(x, b"", b'<!DOCTYPE e SYSTEM "%s">' % file_url), 9003
        ),
        Attack(
            "DOCTYPE PUBLIC http://",
            envelope(x, b"", b'<!DOCTYPE e PUBLIC "-//x//y" "%s">' % web),
            9003,
        ),
        Attack("bare DOCTYPE", envelope(x, b"", b"<!DOCTYPE soap-env:Envelope>"), 9003),
        Attack(
            "DOCTYPE after a comment",
            envelope(x, b"", b'<?xml version="1.0"?><!-- c --><!DOCTYPE e []>'),
            9003,
        ),
        Attack(
            "XInclude as the RPC",
            envelope(b'<xi:include href="%s" parse="text"/>' % file_url, XI),
            9003,
        ),
        Attack(
            "XInclude in a name",
            xinclude(b'<string><xi:include href="%s" parse="text"/></string>' % file_url),
            9003,
        ),
        Attack(
            "XInclude as an array item",
            xinclude(b'<xi:include href="%s" parse="text"/>' % file_url),
            9003,
        ),
        Attack("XInclude of a URL", xinclude(b'<xi:include href="%s"/>' % web), 9003),
        Attack("10,000 levels deep", envelope(gpv(b"<string>" + deep + b"</string>")), 9003),
        Attack(
            "20,000 attributes (legal, within max_body)",
            envelope(gpv(name, wide)),
            ok,
        ),
        Attack(
            "20,000 attributes, one repeated",
            envelope(gpv(b"<string>x</string>", wide + b' a1="2"')),
            9003,
        ),
        Attack("10,000 namespaces (legal, within max_body)", envelope(version, namespaces), ok),
        Attack(
            "200 KB parameter name",
            envelope(gpv(b"<string>Device.%s</string>" % (b"A" * 200_000))),
            9005,
        ),
        Attack("body over max_body (Content-Length)", oversized, 9004),
        raw("body over max_body, chunked", http(chunked(oversized, 65536), CHUNKED), 9004),
        raw("body over max_body, no length", http(oversized), 9004),
        Attack("invalid UTF-8 byte", envelope(gpv(b"<string>\xff\xfe</string>")), 9003),
        Attack("overlong UTF-8", envelope(gpv(b"<string>\xc0\xaf</string>")), 9003),
        Attack("UTF-8 surrogate", envelope(gpv(b"<string>\xed\xa0\x80</string>")), 9003),
        Attack("UTF-16LE with BOM", text.encode("utf-16"), 9003),
        Attack("UTF-16BE with BOM", b"\xfe\xff" + text.encode("utf-16-be"), 9003),
        Attack("UTF-16 without BOM", text.encode("utf-16-le"), 9003),
        Attack(
            "UTF-16 declared, UTF-8 sent", b'<?xml version="1.0" encoding="UTF-16"?>' + GOOD, 9003
        ),
        Attack("UTF-32 with BOM", text.encode("utf-32"), 9003),
        Attack("UTF-8 BOM (legal)", b"\xef\xbb\xbf" + GOOD, ok),
        raw(
            "1-byte chunks with extensions (legal)",
            http(chunked(GOOD, 1, b';x="y";z'), CHUNKED),
            ok,
        ),
        raw(
            "Content-Length and chunked: chunked wins (RFC 9112 6.3)",
            http(chunked(GOOD, 64), CHUNKED + b"Content-Length: 5\r\n"),
            ok,
        ),
        raw("junk after the last chunk", http(chunked(GOOD, 7) + b"JUNK\r\n\r\n", CHUNKED), ok),
        Attack("Content-Type text/html (ignored)", GOOD, ok, "text/html"),
        Attack("no Content-Type (ignored)", GOOD, ok, ""),
        Attack("Content-Type says UTF-16, body is UTF-8", GOOD, ok, "text/xml; charset=utf-16"),
        Attack(
            "XXE as application/xml",
            envelope(names_entity, b"", entity(file_url)),
            9003,
            "application/xml",
        ),
        Attack(
            "SOAP with attachments",
            b"--b\r\nContent-Type: text/xml\r\n\r\n" + GOOD + b"\r\n--b--",
            9003,
            "multipart/related; boundary=b",
        ),
        Attack(
            "not XML at all, as image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, 9003, "image/png"
        ),
    ]


def closing(name: str, response: bytes) -> Attack:
    """An attack on the HTTP framing: ``response`` is the whole HTTP answer."""
    return Attack(name, response, 0, raw_http=True)


def closing_attacks() -> list[Attack]:
    """Answers whose HTTP framing cannot be read: the agent must close the session."""
    good = chunked(GOOD, 64)
    return [
        closing("chunk size not hex", http(b"zz\r\n" + GOOD + b"\r\n0\r\n\r\n", CHUNKED)),
        closing("negative chunk size", http(b"-5\r\nhello\r\n0\r\n\r\n", CHUNKED)),
        closing("chunk size with junk", http(b"5 junk\r\nhello\r\n0\r\n\r\n", CHUNKED)),
        closing("chunk longer than announced", http(b"2\r\nhello\r\n0\r\n\r\n", CHUNKED)),
        closing("huge chunk size, then close", http(b"f" * 40 + b"\r\n" + GOOD, CHUNKED)),
        closing("chunked body cut short", http(good[: len(good) // 2], CHUNKED)),
        closing("not HTTP at all", b"\x16\x03\x01\x00\xa5" + b"\x00" * 64),
    ]


def _queue(acs: ScriptedAcs, attack: Attack) -> None:
    acs.queue_raw(attack.body, content_type=attack.content_type, raw_http=attack.raw_http)


@pytest_twisted.ensureDeferred
async def test_hostile_acs_bodies_are_refused_and_the_daemon_carries_on(tmp_path: Path) -> None:
    """One session of in-session attacks, one session per broken framing, a normal session."""
    secret = b"cwmpd-canary-" + secrets.token_hex(8).encode()
    canary = tmp_path / "canary.txt"
    canary.write_bytes(secret)
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    canary_url = acs.serve_file("/canary.xml", secret)
    attacks = in_session_attacks(canary, canary_url)
    closing = closing_attacks()
    for attack in attacks:
        _queue(acs, attack)
        acs.queue(PROBE)
    for attack in closing:  # one session each: a probe, then the broken answer
        acs.queue(PROBE)
        _queue(acs, attack)
    acs.queue(PROBE)  # the last, normal session: a GPV and an SPV
    interval = ParameterValueStruct(INTERVAL, "600", "unsignedInt")
    acs.queue(m.SetParameterValues((interval,), "after-attacks"))
    config = agent_config(tmp_path / "state", url, acs=f"max_body = {MAX_BODY}")
    runner = AgentRunner(config)
    try:
        agent = runner.start()
        for n in range(1, len(closing) + 1):
            await acs.wait_for_informs(n, timeout=20)
            agent.scheduler.request("6 CONNECTION REQUEST")  # one more session after this one
        await acs.wait_for_sessions(1, timeout=20)
        assert runner.exits == 0 and agent.running
    finally:
        runner.stop()
        await acs.stop()

    first, *middle, last = acs.sessions
    answers = first.responses[: 2 * len(attacks)]
    assert len(answers) == 2 * len(attacks), (len(answers), first.failure)
    for i, attack in enumerate(attacks):
        answer, probe = answers[2 * i], answers[2 * i + 1]
        if isinstance(attack.expect, int):
            assert isinstance(answer, m.Fault), (attack.name, answer)
            assert answer.code == attack.expect, (attack.name, answer)
        else:
            assert isinstance(answer, attack.expect), (attack.name, answer)
        assert isinstance(probe, m.GetParameterValuesResponse), (attack.name, probe)
        assert probe.parameters[0].value == "1.0.0", attack.name
    assert not first.completed  # the first closing attack ended it
    assert len(middle) == len(closing) - 1
    for attack, session in zip(closing, [first, *middle], strict=True):
        assert session.failure is not None and not session.completed, attack.name
        *_, probe, unanswered = session.responses
        assert isinstance(probe, m.GetParameterValuesResponse), (attack.name, probe)
        assert unanswered is None, (attack.name, unanswered)
    assert last.completed, last.failure
    probe, spv = last.responses
    assert isinstance(probe, m.GetParameterValuesResponse)
    assert probe.parameters[0].value == "1.0.0"
    assert isinstance(spv, m.SetParameterValuesResponse), spv

    assert acs.file_log == []  # the canary URL was never fetched
    sent = [r.body for r in acs.requests]
    assert sent and not any(secret in body for body in sent)


@pytest.mark.parametrize(
    "names",
    [
        b'<xi:include href="file:///etc/passwd" parse="text"/>',
        b"<string>Device.</string><xi:fallback/>",
        b'<x:include xmlns:x="http://www.w3.org/2003/XInclude" href="/etc/passwd"/>',
        b'<x:include xmlns:x="http://www.w3.org/2001/X&#73;nclude" href="/etc/passwd"/>',
    ],
)
def test_xinclude_anywhere_is_refused_by_the_codec(names: bytes) -> None:
    """An XInclude element is refused wherever it stands, even as an array item (which
    would otherwise read as the empty name, a GPV of the whole tree)."""
    with pytest.raises(BadEnvelope) as raised:
        parse(envelope(gpv(names), XI))
    assert raised.value.fault.code == 9003
    assert "XInclude" in raised.value.fault.string


def test_an_array_over_its_cap_is_refused_before_python_walks_it() -> None:
    """A million tiny items in one array: refused without a Python object per item.

    libxml2's own tree (about 120 bytes a node) is the floor; what tracemalloc sees is
    what the codec adds on top, which must not grow with the item count.
    """
    data = envelope(gpv(b"<string>Device.</string>" + b"<x/>" * 1_000_000))
    tracemalloc.start()
    try:
        with pytest.raises(BadEnvelope) as raised:
            parse(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert raised.value.fault.code == 9003
    assert peak < 4 * 1024 * 1024, f"{peak / 2**20:.1f} MiB of Python objects"
