"""The Annex K connection-request iq: allowed JIDs, the verdict, the answers on the wire."""

from __future__ import annotations

from typing import Any

import pytest
from twisted.words.xish import domish

from cwmpd.connreq.guard import Credentials
from cwmpd.connreq.xmppstanza import (
    NS_CONNREQ,
    Answer,
    allowed_list,
    connection_request,
    jid_allowed,
    judge,
    response,
)

USER, PASS = "cr-user", "cr-pass"
CREDS = Credentials(USER, PASS)
ALLOWED = ["ACS1@tr069.example.com", "ACS2@tr069.example.com/resource1"]
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def _iq(sender: str, username: str = USER, password: str = PASS) -> domish.Element:
    iq = connection_request("cpe@example.com/gw", username, password, stanza_id="cr001")
    iq["from"] = sender
    return iq


def _element(name: tuple[str | None, str]) -> Any:
    """A domish element, typed Any (twisted.words has no annotations)."""
    return domish.Element(name)  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("sender", "allowed"),
    [
        ("ACS1@tr069.example.com/resource1", True),  # TR-181's own examples
        ("ACS1@tr069.example.com/resource2", True),
        ("ACS2@tr069.example.com/resource1", True),
        ("acs1@TR069.example.com/x", True),  # stringprep: case-insensitive local and domain
        ("ACS2@tr069.example.com/resource2", False),
        ("ACS@tr069.example.com/resource", False),
        ("ACS1@tr069.example.org/resource1", False),
        ("", False),
        ("not a jid@@", False),
    ],
)
def test_allowed_jabber_ids_bare_match_any_resource_full_match_exactly(
    sender: str, allowed: bool
) -> None:
    assert jid_allowed(sender, ALLOWED) is allowed


def test_an_empty_list_allows_everyone() -> None:
    assert jid_allowed("anyone@anywhere/x", [])
    assert jid_allowed("anyone@anywhere/x", allowed_list(" , "))
    assert allowed_list("a@b, c@d/e,") == ["a@b", "c@d/e"]


def test_verdicts() -> None:
    ok = "ACS1@tr069.example.com/r"
    assert judge(_iq(ok), ALLOWED, CREDS).answer is Answer.ACCEPT
    assert judge(_iq("x@tr069.example.com/r"), ALLOWED, CREDS).answer is Answer.SERVICE_UNAVAILABLE
    assert judge(_iq(ok, password="wrong"), ALLOWED, CREDS).answer is Answer.NOT_AUTHORIZED
    assert judge(_iq(ok, username="wrong"), ALLOWED, CREDS).answer is Answer.NOT_AUTHORIZED
    unset = Credentials("", "")
    assert judge(_iq(ok, "", ""), ALLOWED, unset).answer is Answer.NOT_AUTHORIZED


def test_a_request_without_password_or_in_another_namespace_is_service_unavailable() -> None:
    iq = _element((None, "iq"))
    iq["type"], iq["from"] = "set", "ACS1@tr069.example.com/r"
    request = iq.addElement((NS_CONNREQ, "connectionRequest"))
    request.addElement("username", content="cr-user")
    assert judge(iq, ALLOWED, CREDS).answer is Answer.SERVICE_UNAVAILABLE
    other = _element((None, "iq"))
    other["from"] = "ACS1@tr069.example.com/r"
    wrong = other.addElement(("urn:example:other", "connectionRequest"))
    wrong.addElement("username", content="cr-user")
    wrong.addElement("password", content="cr-pass")
    assert judge(other, ALLOWED, CREDS).answer is Answer.SERVICE_UNAVAILABLE


def test_a_result_is_empty_and_addressed_back() -> None:
    answer: Any = response(_iq("acs@x/r"), Answer.ACCEPT)
    assert (answer["type"], answer["id"], answer["to"]) == ("result", "cr001", "acs@x/r")
    assert answer["from"] == "cpe@example.com/gw"
    assert not list(answer.elements())


@pytest.mark.parametrize("answer", [Answer.NOT_AUTHORIZED, Answer.SERVICE_UNAVAILABLE])
def test_an_error_echoes_the_request_then_the_condition_type_cancel(answer: Answer) -> None:
    reply: Any = response(_iq("acs@x/r"), answer)
    assert (reply["type"], reply["id"], reply["to"]) == ("error", "cr001", "acs@x/r")
    echoed, err = list(reply.elements())
    assert (echoed.uri, echoed.name) == (NS_CONNREQ, "connectionRequest")
    assert err.name == "error" and err["type"] == "cancel"
    (condition,) = list(err.elements())
    assert (condition.uri, condition.name) == (STANZAS, answer.value)
    xml = reply.toXml()
    assert f"<{answer.value} xmlns='{STANZAS}'/>" in xml
