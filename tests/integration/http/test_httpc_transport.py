"""ACS HTTP client on loopback: headers, persistent connection, status handling,
size cap, timeout and connect errors (H-1..H-4, H-11, S-26)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor, task
from twisted.python.failure import Failure
from zope.interface import directlyProvides, providedBy

from cwmpd.http.tls import TlsPolicy
from cwmpd.reactors import agent_reactor
from cwmpd.session.http import (
    AcsHttpClient,
    AcsHttpError,
    ConnectFailed,
    ResponseTooLarge,
    Timeout,
    UnexpectedStatus,
)
from support.httpc_servers import Recorder, Reply, Seen, Served
from support.web import stop

ENVELOPE = b'<?xml version="1.0"?><soap:Envelope xmlns:soap="x"><soap:Body/></soap:Envelope>'

Serve = Callable[..., Served]
Client = Callable[..., AcsHttpClient]


@pytest_twisted.ensureDeferred
async def test_envelope_post_headers(serve: Serve, client: Client) -> None:
    """A POST with an envelope carries text/xml, an empty SOAPAction and Content-Length."""
    rec = Recorder(lambda s: Reply(200, [("Content-Type", "text/xml")], b"<answer/>"))
    c = client(serve(rec).url)
    resp = await c.post(ENVELOPE)
    assert (resp.code, resp.body) == (200, b"<answer/>")
    seen = rec.seen[0]
    assert seen.path == "/acs"
    assert seen.body == ENVELOPE
    assert seen.header("content-type") == 'text/xml; charset="utf-8"'
    assert seen.header("soapaction") == ""
    assert seen.header("content-length") == str(len(ENVELOPE))
    assert resp.headers.getRawHeaders(b"content-type") == [b"text/xml"]


@pytest_twisted.ensureDeferred
async def test_empty_post_has_no_soapaction_nor_content_type(serve: Serve, client: Client) -> None:
    """An empty POST has neither SOAPAction nor Content-Type, and 204 comes back as 204."""
    rec = Recorder(lambda s: Reply(204))
    resp = await client(serve(rec).url).post(None)
    assert (resp.code, resp.body) == (204, b"")
    seen = rec.seen[0]
    assert seen.body == b""
    assert seen.header("soapaction") is None
    assert seen.header("content-type") is None
    assert seen.header("content-length") in ("0", None)


@pytest_twisted.ensureDeferred
async def test_one_connection_for_the_session_and_local_address(
    serve: Serve, client: Client
) -> None:
    """Several POSTs share one TCP connection; local_address is the loopback IP."""
    rec = Recorder()
    c = client(serve(rec).url)
    assert c.local_address is None
    for _ in range(4):
        await c.post(ENVELOPE)
    assert len(set(rec.ports)) == 1
    assert c.local_address == "127.0.0.1"


@pytest_twisted.ensureDeferred
async def test_reconnects_after_connection_close(serve: Serve, client: Client) -> None:
    """After a `Connection: close` answer the next POST opens a new connection and succeeds."""
    rec = Recorder(lambda s: Reply(200, body=b"x", close=len(rec.seen) == 1))
    c = client(serve(rec).url)
    for _ in range(3):
        assert (await c.post(ENVELOPE)).code == 200
    assert rec.ports[0] != rec.ports[1]
    assert rec.ports[1] == rec.ports[2]


@pytest_twisted.ensureDeferred
async def test_silent_close_between_posts(serve: Serve, client: Client) -> None:
    """An ACS closing the idle connection without `Connection: close` does not break
    the session: the next POST goes out on a new connection."""
    rec = Recorder()
    c = client(serve(rec).url)
    await c.post(ENVELOPE)
    rec.script = lambda s: Reply(200, body=b"again")
    rec.seen[0].transport.loseConnection()
    for _ in range(5):  # let the FIN reach the client (either way the POST must work)
        await task.deferLater(reactor, 0, lambda: None)
    assert (await c.post(ENVELOPE)).body == b"again"
    assert rec.ports[0] != rec.ports[1]


@pytest_twisted.ensureDeferred
async def test_kept_alive_connection_dropped_under_request(serve: Serve, client: Client) -> None:
    """If the ACS drops a kept-alive connection as the next POST arrives (keep-alive
    race), the POST is sent once more on a new connection; a second drop fails."""
    rec = Recorder(lambda s: Reply(200, body=b"ok", drop=len(rec.seen) == 2))
    c = client(serve(rec).url)
    await c.post(ENVELOPE)
    assert (await c.post(ENVELOPE)).body == b"ok"
    assert rec.ports[0] == rec.ports[1] != rec.ports[2]
    rec.script = lambda s: Reply(drop=True)
    with pytest.raises(ConnectFailed):
        await c.post(ENVELOPE)


@pytest_twisted.ensureDeferred
async def test_close_drops_the_kept_alive_connection(serve: Serve, client: Client) -> None:
    """close() ends the persistent connection and the client refuses further posts."""
    rec = Recorder()
    served = serve(rec)
    c = client(served.url)
    await c.post(ENVELOPE)
    await c.close()
    with pytest.raises(AcsHttpError):
        await c.post(ENVELOPE)
    c2 = client(served.url)
    await c2.post(ENVELOPE)
    assert rec.ports[0] != rec.ports[1]


@pytest_twisted.ensureDeferred
async def test_chunked_response_accepted(serve: Serve, client: Client) -> None:
    """A chunked response body is reassembled."""
    body = b"<x>" + b"a" * 5000 + b"</x>"
    rec = Recorder(lambda s: Reply(200, body=body, chunked=True))
    resp = await client(serve(rec).url).post(ENVELOPE)
    assert resp.body == body


@pytest_twisted.ensureDeferred
async def test_unexpected_status(serve: Serve, client: Client) -> None:
    """A 500 becomes UnexpectedStatus carrying the code."""
    rec = Recorder(lambda s: Reply(500, body=b"boom"))
    with pytest.raises(UnexpectedStatus) as info:
        await client(serve(rec).url).post(ENVELOPE)
    assert info.value.code == 500


@pytest.mark.parametrize("chunked", [False, True])
@pytest_twisted.ensureDeferred
async def test_oversize_body_refused(serve: Serve, client: Client, chunked: bool) -> None:
    """A body over max_body (declared or streamed) fails with ResponseTooLarge; the
    client then works again on a fresh connection."""
    big = b"z" * 20_000
    rec = Recorder(lambda s: Reply(200, body=big if s.body else b"small", chunked=chunked))
    c = client(serve(rec).url, max_body=10_000)
    with pytest.raises(ResponseTooLarge):
        await c.post(ENVELOPE)
    assert (await c.post(None)).body == b"small"
    assert rec.ports[0] != rec.ports[1]


@pytest_twisted.ensureDeferred
async def test_timeout_aborts(serve: Serve, client: Client) -> None:
    """A server that never answers gives Timeout after the configured delay."""
    hung: list[Seen] = []

    def script(s: Seen) -> Reply:
        hung.append(s)
        return Reply(hang=True)

    c = client(serve(Recorder(script)).url, timeout=0.2)
    with pytest.raises(Timeout, match=r"0\.2s"):
        await c.post(ENVELOPE)
    assert len(hung) == 1


class ClockedReactor:
    """The real reactor for I/O, a task.Clock for time (callLater/seconds)."""

    def __init__(self, clock: task.Clock) -> None:
        self._clock = clock
        directlyProvides(self, *providedBy(reactor))

    def callLater(self, delay: float, f: Any, *a: Any, **kw: Any) -> Any:
        """Schedule on the fake clock."""
        return self._clock.callLater(delay, f, *a, **kw)

    def seconds(self) -> float:
        """The fake clock's time."""
        return self._clock.seconds()

    def __getattr__(self, name: str) -> Any:
        return getattr(reactor, name)


async def turns_until(predicate: Callable[[], bool]) -> None:
    """Let the real reactor run I/O until ``predicate`` holds (bounded)."""
    for _ in range(500):
        if predicate():
            return
        await task.deferLater(reactor, 0.001, lambda: None)
    raise AssertionError("condition not reached")


@pytest_twisted.ensureDeferred
async def test_timeout_on_clock_aborts_connection(serve: Serve) -> None:
    """With a fake clock: no Timeout before `timeout` seconds, Timeout right after,
    and the server sees the connection aborted."""
    rec = Recorder(lambda s: Reply(hang=True))
    clock = task.Clock()
    fake = agent_reactor(ClockedReactor(clock))
    c = AcsHttpClient(fake, serve(rec).url, "u", "p", TlsPolicy(), timeout=30)
    d = c.post(ENVELOPE)
    outcome: list[Any] = []
    d.addBoth(outcome.append)
    await turns_until(lambda: bool(rec.seen))
    clock.advance(29.9)
    assert outcome == []
    clock.advance(0.2)
    assert len(outcome) == 1
    assert isinstance(outcome[0], Failure)
    assert outcome[0].check(Timeout)  # type: ignore[no-untyped-call]
    await turns_until(lambda: bool(rec.seen[0].transport.disconnected))
    await c.close()


@pytest_twisted.ensureDeferred
async def test_connection_refused(serve: Serve, client: Client) -> None:
    """Nothing listening: ConnectFailed naming the address."""
    served = serve(Recorder())
    url = served.url
    await stop(served.port)
    with pytest.raises(ConnectFailed, match=r"127\.0\.0\.1"):
        await client(url).post(ENVELOPE)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/acs", "http:///acs", "acs.example.net"])
@pytest_twisted.ensureDeferred
async def test_unusable_url(client: Client, url: str) -> None:
    """A URL that is not http(s)://host/... fails with ConnectFailed, not a crash."""
    with pytest.raises(ConnectFailed, match="unusable ACS URL"):
        await client(url).post(None)
