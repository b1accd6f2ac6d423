"""XMPP Connection Requests (TR-069 Annex K) in the running agent: the data model's side.

Follows ManagementServer.ConnReqXMPPConnection: while it names an enabled
Device.XMPP.Connection.{i}. with a username and domain, an ``XmppClient`` keeps that
connection up (restarted when its settings change); its Status, JabberID, TLSEstablished
and LastChangeDate, ManagementServer.ConnReqJabberID and SupportedConnReqMethods
("HTTP,XMPP" while XMPP is configured, else "HTTP") are kept current.

A connection-request iq is judged by cwmpd.connreq.xmppstanza against ConnReqAllowedJabberIDs
and ConnectionRequestUsername/Password, then charged to the HTTP listener's token buckets
(accepted or refused budget, the same limiter): an empty bucket answers service-unavailable.
Wrong credentials count in the HTTP listener's lockout too (cwmpd.connreq.lockout), the
sender's bare JID ("xmpp:user@domain") standing for its source address: a locked-out sender
gets service-unavailable, its credentials unchecked.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Mapping

from twisted.internet import defer
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.iweb import IPolicyForHTTPS
from twisted.words.xish import domish

from cwmpd.connreq.guard import Credentials
from cwmpd.connreq.lockout import AuthLockout
from cwmpd.connreq.ratelimit import Budget, RateLimiter
from cwmpd.connreq.xmpp import XmppClient, XmppState
from cwmpd.connreq.xmppsettings import XmppSettings, read
from cwmpd.connreq.xmppstanza import Answer, allowed_list, bare_jid, judge, response
from cwmpd.datamodel.model import DataModel
from cwmpd.reactors import AgentReactor

_log = Logger(namespace="cwmpd.connreq.xmpp")
_CONNECTION_OUT = ("Status", "JabberID", "TLSEstablished", "LastChangeDate")
_MS_OUT = ("ConnReqJabberID", "SupportedConnReqMethods")


class XmppConnectionRequests:
    """``start``/``stop``; ``on_request()`` asks for a session after an accepted iq."""

    def __init__(
        self,
        reactor: AgentReactor,
        model: DataModel,
        limiter: RateLimiter,
        lockout: AuthLockout,
        credentials: Callable[[], Credentials],
        on_request: Callable[[], None],
        tls: IPolicyForHTTPS,
        rng: random.Random | None = None,
    ) -> None:
        self._reactor = reactor
        self._model = model
        self._limiter = limiter
        self._lockout = lockout
        self._credentials = credentials
        self._on_request = on_request
        self._tls = tls
        self._rng = rng
        self._ms = f"{model.root}ManagementServer."
        self._prefix = f"{model.root}XMPP."
        self.client: XmppClient | None = None
        self._running = False
        self._refreshing: defer.Deferred[None] | None = None
        self._again = False
        self._subscribed = False

    # -- life cycle ----------------------------------------------------------------

    def start(self) -> defer.Deferred[None]:
        """Start following the data model; fires once the first refresh is done."""
        self._running = True
        if not self._subscribed:
            self._subscribed = True
            self._model.subscribe(self._changed)
        return self.refresh()

    def stop(self) -> defer.Deferred[None]:
        """Close the XMPP connection; fires when it is closed."""
        self._running = False
        client, self.client = self.client, None
        if client is None:
            return defer.succeed(None)
        return client.stop()

    # -- following the model -----------------------------------------------------------

    def _own(self, name: str) -> bool:
        """Names this object writes itself (their changes restart nothing)."""
        if name.startswith(self._prefix) and name.rsplit(".", 1)[-1] in _CONNECTION_OUT:
            return True
        return name in {self._ms + n for n in _MS_OUT}

    def _changed(self, values: Mapping[str, str], source: str) -> None:
        relevant = {
            self._ms + "ConnReqXMPPConnection",
            self._ms + "ParameterKey",  # AddObject/DeleteObject commit only the key
        }
        if not self._running:
            return
        if any((n.startswith(self._prefix) or n in relevant) and not self._own(n) for n in values):
            self.refresh()

    def refresh(self) -> defer.Deferred[None]:
        """Re-read the settings; restart the client if they changed (one refresh at a time)."""
        if self._refreshing is not None:
            self._again = True
            return self._refreshing
        self._refreshing = defer.ensureDeferred(self._refresh())

        def done(result: object) -> None:
            self._refreshing = None
            if self._again and self._running:
                self._again = False
                self.refresh()
            if isinstance(result, Failure):
                _log.failure("XMPP: settings refresh failed", result)

        self._refreshing.addBoth(done)
        return self._refreshing

    def _value(self, name: str) -> str:
        try:
            return self._model.value(name)
        except KeyError:
            return ""

    async def _refresh(self) -> None:
        if not self._running:
            return
        settings = await read(self._model, self._value(self._ms + "ConnReqXMPPConnection"))
        current = self.client.settings if self.client is not None else None
        if settings == current:
            return
        if self.client is not None:
            old, self.client = self.client, None
            await old.stop()
        self._set({self._ms + "SupportedConnReqMethods": "HTTP,XMPP" if settings else "HTTP"})
        if settings is None or not self._running:
            if settings is None:
                self._set({self._ms + "ConnReqJabberID": ""})
            return
        self.client = XmppClient(
            self._reactor,
            settings,
            self._tls,
            self._answer,
            lambda state: self._state(settings, state),
            self._rng,
        )
        self.client.start()

    # -- publishing --------------------------------------------------------------------

    def _set(self, values: Mapping[str, str]) -> None:
        changed = {k: v for k, v in values.items() if self._value(k) != v}
        if changed:
            with contextlib.suppress(KeyError):  # a model without them (TR-098)
                self._model.set_local(changed)

    def _state(self, settings: XmppSettings, state: XmppState) -> None:
        path = settings.path
        values = {
            path + "Status": state.status.value,
            path + "TLSEstablished": "true" if state.tls else "false",
        }
        if self._value(path + "Status") != state.status.value:
            now = time.gmtime(self._reactor.seconds())
            values[path + "LastChangeDate"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", now)
        if state.jid:
            # kept while the connection is down, changed only when a new one differs (TR-181)
            values[path + "JabberID"] = state.jid
            values[self._ms + "ConnReqJabberID"] = state.jid
        self._set(values)

    # -- the iq ----------------------------------------------------------------------------

    def _answer(self, iq: domish.Element) -> domish.Element:
        sender = iq.getAttribute("from") or ""  # type: ignore[no-untyped-call]
        source = f"xmpp:{bare_jid(sender)}"
        locked = self._lockout.locked(source)
        if locked:
            _log.warn("XMPP Connection Request from {jid}: {why}", jid=sender, why=locked)
            return response(iq, Answer.SERVICE_UNAVAILABLE)
        allowed = allowed_list(self._value(self._ms + "ConnReqAllowedJabberIDs"))
        creds = self._credentials()
        verdict = judge(iq, allowed, creds)
        accepted = verdict.answer is Answer.ACCEPT
        if accepted:
            self._lockout.succeeded(source)
        elif verdict.answer is Answer.NOT_AUTHORIZED and creds.usable:
            self._lockout.failed(source)
        if not self._limiter.allow(Budget.ACCEPTED if accepted else Budget.REFUSED):
            _log.warn("XMPP Connection Request from {jid}: rate limit reached", jid=sender)
            return response(iq, Answer.SERVICE_UNAVAILABLE)
        if accepted:
            _log.info("XMPP Connection Request accepted from {jid}", jid=sender)
            self._reactor.callLater(0, self._on_request)
        else:
            _log.warn(
                "XMPP Connection Request refused from {jid}: {reason}",
                jid=sender,
                reason=verdict.reason,
            )
        return response(iq, verdict.answer)
