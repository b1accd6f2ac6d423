"""The TR-069 Annex K connection-request iq: who may send it, whether it holds, the answers.

An ACS asks for a session with ``<iq type="set"><connectionRequest xmlns=NS_CONNREQ>
<username/><password/></connectionRequest></iq>``; the CPE answers an empty ``result``, or an
``error`` (type cancel) carrying ``not-authorized`` (wrong credentials) or
``service-unavailable`` (sender not allowed, malformed request, rate limit), the request's
own child echoed before it (RFC 6120 8.3.1, as the Annex shows).

Stanzas are twisted.words ``domish`` elements; ``jabber.error.StanzaError`` builds the error.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from twisted.words.protocols.jabber import error, jid, xmlstream
from twisted.words.xish import domish

from cwmpd.connreq.guard import Credentials

NS_CONNREQ = "urn:broadband-forum-org:cwmp:xmppConnReq-1-0"
#: Observer path matching a connection-request iq (any namespace check is ``judge``'s).
CONNREQ_IQ = "/iq[@type='set']/connectionRequest"


class Answer(Enum):
    """How a connection-request iq is answered."""

    ACCEPT = "result"
    NOT_AUTHORIZED = "not-authorized"
    SERVICE_UNAVAILABLE = "service-unavailable"


@dataclass(frozen=True)
class Verdict:
    """The answer plus a short reason for the log (never a secret)."""

    answer: Answer
    reason: str = ""


def _jid(text: str) -> jid.JID | None:
    try:
        return jid.JID(text.strip())
    except (jid.InvalidFormat, RuntimeError, UnicodeError):
        return None


def bare_jid(text: str) -> str:
    """user@domain of a JID, normalised; the text itself when it is no JID."""
    who = _jid(text)
    return str(who.userhost()) if who is not None else text  # type: ignore[no-untyped-call]


def jid_allowed(sender: str, allowed: Sequence[str]) -> bool:
    """ManagementServer.ConnReqAllowedJabberIDs: empty allows everyone; a full JID entry
    ("user@domain/resource") matches exactly, a bare one ("user@domain") any resource.
    JIDs compare as normalised by stringprep (case-insensitive local and domain parts)."""
    entries = [e for e in allowed if e.strip()]
    if not entries:
        return True
    who = _jid(sender)
    if who is None:
        return False
    for entry in entries:
        want = _jid(entry)
        if want is None:
            continue
        if want.resource is not None:
            if want.full() == who.full():  # type: ignore[no-untyped-call]
                return True
        elif want.userhost() == who.userhost():  # type: ignore[no-untyped-call]
            return True
    return False


def allowed_list(value: str) -> list[str]:
    """The comma-separated list parameter as entries."""
    return [e.strip() for e in value.split(",") if e.strip()]


def _child_text(parent: domish.Element, name: str) -> str | None:
    for child in parent.elements(NS_CONNREQ, name):  # type: ignore[no-untyped-call]
        return str(child)
    return None


def judge(iq: domish.Element, allowed: Sequence[str], creds: Credentials) -> Verdict:
    """Check one connection-request iq: sender, namespace, shape, credentials."""
    sender = iq.getAttribute("from") or ""  # type: ignore[no-untyped-call]
    if not jid_allowed(sender, allowed):
        return Verdict(Answer.SERVICE_UNAVAILABLE, "sender not in ConnReqAllowedJabberIDs")
    request = iq.connectionRequest
    if request is None or request.uri != NS_CONNREQ:
        return Verdict(Answer.SERVICE_UNAVAILABLE, "connectionRequest not in the Annex K namespace")
    username, password = _child_text(request, "username"), _child_text(request, "password")
    if username is None or password is None:
        return Verdict(Answer.SERVICE_UNAVAILABLE, "connectionRequest lacks username or password")
    if not creds.usable:
        return Verdict(Answer.NOT_AUTHORIZED, "no Connection Request credentials configured")
    user_ok = hmac.compare_digest(username.encode(), creds.username.encode())
    pass_ok = hmac.compare_digest(password.encode(), creds.password.encode())
    if not (user_ok and pass_ok):
        return Verdict(Answer.NOT_AUTHORIZED, "wrong username or password")
    return Verdict(Answer.ACCEPT)


def response(iq: domish.Element, answer: Answer) -> domish.Element:
    """The stanza answering ``iq``: an empty result, or the Annex's error (type cancel)."""
    if answer is Answer.ACCEPT:
        result: domish.Element = xmlstream.toResponse(iq, "result")  # type: ignore[no-untyped-call]
        return result
    failure = error.StanzaError(answer.value, "cancel")  # type: ignore[no-untyped-call]
    reply: domish.Element = failure.toResponse(iq)  # type: ignore[no-untyped-call]
    return reply


def connection_request(
    to: str, username: str, password: str, stanza_id: str | None = None
) -> domish.Element:
    """A connection-request iq as an ACS sends it (for tests and tools)."""
    iq = domish.Element((None, "iq"))  # type: ignore[no-untyped-call]
    iq["type"] = "set"
    iq["to"] = to
    if stanza_id is None:
        iq.addUniqueId()  # type: ignore[no-untyped-call]
    else:
        iq["id"] = stanza_id
    request = iq.addElement((NS_CONNREQ, "connectionRequest"))  # type: ignore[no-untyped-call]
    request.addElement("username", content=username)
    request.addElement("password", content=password)
    return iq
