"""The XMPP client without a server: an unusable JID, and stopping."""

from __future__ import annotations

from twisted.internet.task import Clock

from cwmpd.connreq.xmpp import XmppClient, XmppState, XmppStatus
from cwmpd.connreq.xmppsettings import XmppSettings
from cwmpd.http.tls import TlsPolicy, tls_policy_for
from support.fakes import stand_in


def _client(clock: Clock, states: list[XmppState], username: str) -> XmppClient:
    settings = XmppSettings("Device.XMPP.Connection.1.", username, "example.net", "gw")
    return XmppClient(
        stand_in(clock), settings, tls_policy_for(TlsPolicy()), lambda iq: iq, states.append
    )


def test_an_unusable_jid_is_misconfigured_and_not_retried() -> None:
    """A username a JID cannot hold: Error_Misconfigured, no connection, no timer."""
    clock, states = Clock(), list[XmppState]()
    client = _client(clock, states, "not a user")
    client.start()
    assert states == [XmppState(XmppStatus.MISCONFIGURED)]
    assert clock.getDelayedCalls() == []
    client.stop()
    assert states[-1] == XmppState(XmppStatus.DISABLED)


def test_stop_without_a_connection_fires_at_once() -> None:
    clock, states = Clock(), list[XmppState]()
    client = _client(clock, states, "gw1")
    fired: list[None] = []
    client.stop().addCallback(fired.append)
    assert fired == [None]
    assert not client.running
