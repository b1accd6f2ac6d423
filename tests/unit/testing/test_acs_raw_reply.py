"""ScriptedAcs.queue_raw's options: the Content-Type sent (or none), and raw HTTP replies."""

from __future__ import annotations

import pytest
import pytest_twisted
from twisted.web.client import ResponseFailed

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import Envelope, serialize
from cwmpd.cwmp.structs import DeviceId
from cwmpd.testing.acs import ScriptedAcs
from support.acs_client import Start

INFORM = serialize(
    Envelope(m.Inform(DeviceId("A", "00AABB", "P", "S"), (), 1, "2024-01-01T00:00:00Z", 0, ()))
)
BODY = serialize(Envelope(m.GetRPCMethods(), id="raw-1"))


@pytest.mark.parametrize(
    ("content_type", "sent"),
    [("application/soap+xml", "application/soap+xml"), ("", None)],
)
@pytest_twisted.ensureDeferred
async def test_content_type_is_the_one_asked_for(
    start: Start, content_type: str, sent: str | None
) -> None:
    """The raw body goes out with the given Content-Type, or none at all for ""."""
    acs = ScriptedAcs()
    acs.queue_raw(BODY, content_type=content_type)
    client = await start(acs)
    await client.post(INFORM)
    answer = await client.post(None)
    assert answer.body == BODY
    assert answer.header("content-type") == sent


@pytest_twisted.ensureDeferred
async def test_raw_http_is_written_as_it_is_then_the_connection_closes(start: Start) -> None:
    """A whole raw response reaches the client byte for byte (here: valid chunking)."""
    acs = ScriptedAcs()
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Raw: 1\r\n\r\n"
    chunks = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    acs.queue_raw(head + chunks, raw_http=True)
    client = await start(acs)
    await client.post(INFORM)
    answer = await client.post(None)
    assert answer.body == BODY and answer.header("x-raw") == "1"
    assert acs.requests[-1].status == 200


@pytest_twisted.ensureDeferred
async def test_broken_raw_http_fails_the_client(start: Start) -> None:
    """Broken chunking is sent unrepaired: the client sees a failed response."""
    acs = ScriptedAcs()
    acs.queue_raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", raw_http=True)
    client = await start(acs)
    await client.post(INFORM)
    with pytest.raises(ResponseFailed):
        await client.post(None)
