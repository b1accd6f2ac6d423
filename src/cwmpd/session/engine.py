"""One CWMP session with the ACS: Inform, the CPE's own requests, then the ACS's requests.

Follows S-1..S-27: Inform first; CPE requests only after InformResponse and not under
HoldRequests; an empty POST when the CPE has nothing more to ask; ACS requests answered in
order, each in the namespace and with the cwmp:ID it came with; the session ends on an
empty answer (204). The reactor only enters through the HTTP client passed in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from cwmpd.cwmp import compat, messages, soap
from cwmpd.cwmp.eventcodes import BOOTSTRAP, HEARTBEAT, VALUE_CHANGE
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import EventStruct
from cwmpd.datamodel.model import DataModel
from cwmpd.logs import LeveledLogger
from cwmpd.session.dispatch import Dispatcher
from cwmpd.session.events import EventQueue
from cwmpd.session.http import AcsHttpError, HttpResponse, ResponseTooLarge

_log = LeveledLogger(namespace="cwmpd.session")

SUPPORTED_CWMP_VERSIONS = "1.0,1.1,1.2,1.3,1.4"
_VERSION_NS = {
    "1.0": soap.NS_CWMP_10,
    "1.1": soap.NS_CWMP_11,
    "1.2": soap.NS_CWMP_12,
    "1.3": soap.NS_CWMP_12,
    "1.4": soap.NS_CWMP_12,
}
MAX_RETRY_REQUEST = 5  # 8005 "Retry request" answers honoured in a row before giving up
MAX_ACS_MESSAGES = 10_000  # a runaway ACS cannot hold a session forever


class SessionFailed(Exception):
    """The session ended unsuccessfully (S-27); the scheduler retries with back-off."""


class HttpClient(Protocol):
    """What the engine needs of the ACS HTTP client (cwmpd.session.http.AcsHttpClient)."""

    def post(self, body: bytes | None) -> Deferred[HttpResponse]:
        """POST ``body`` (None: an empty POST) and give the ACS answer."""

    def close(self) -> Deferred[None]:
        """Close the session's connections."""

    @property
    def local_address(self) -> str | None:
        """The local IP of the last connection to the ACS, if any."""


class CpeRequestSource(Protocol):
    """Something with requests for the ACS (TransferComplete, ...), sent after InformResponse."""

    def session_started(self) -> None:
        """A session begins (before its Inform): e.g. the transfer queue holds its runs."""

    def pending_requests(self) -> list[messages.Message]:
        """The requests to send now, in order."""

    def delivered(self, request: messages.Message, response: messages.Message) -> None:
        """The ACS answered ``request`` with ``response``."""


Exchange = Callable[[str, messages.Message | None], None]


class SessionEngine:
    """Runs sessions; ``run`` is what the scheduler calls."""

    def __init__(
        self,
        *,
        model: DataModel,
        events: EventQueue,
        dispatcher: Dispatcher,
        http_factory: Callable[[], HttpClient],
        clock: IReactorTime,
        max_body: int = 4 * 1024 * 1024,
        request_sources: Sequence[CpeRequestSource] = (),
        on_exchange: Exchange | None = None,
    ) -> None:
        self._model = model
        self._events = events
        self._dispatcher = dispatcher
        self._http_factory = http_factory
        self._clock = clock
        self._max_body = max_body
        self._sources = list(request_sources)
        self._on_exchange = on_exchange
        self._ids = itertools.count(1)
        self.local_address: str | None = None
        self.acs_ns = soap.NS_CWMP_10  # the namespace the ACS chose last time (S-15)
        self.answered = 0  # ACS requests answered in the current (or last) session
        self.last_failure = ""  # why the last failed session failed

    def add_request_source(self, source: CpeRequestSource) -> None:
        """Register another source of CPE requests (e.g. the transfer queue)."""
        self._sources.append(source)

    async def run(self, retry_count: int, *, heartbeat: bool = False) -> bool:
        """One session; True when it ended successfully. Never raises.

        With ``heartbeat`` its Inform carries "14 HEARTBEAT" alone (Annex O): the queued
        events and value changes wait for a session of their own, and the CPE sends no
        requests of its own (they ride on the events that wait).

        Logs one info line when it starts (its events) and one when it ends: RPCs
        answered, duration, outcome (a warning with the reason when it failed).
        """
        self._dispatcher.new_session()
        for source in self._sources:
            source.session_started()
        client = self._http_factory()
        started = self._clock.seconds()
        self.answered = 0
        failure = ""
        try:
            await self._session(client, retry_count, heartbeat)
        except (AcsHttpError, SessionFailed) as exc:
            failure = str(exc) or type(exc).__name__
        except Exception:
            _log.failure("session failed with an internal error")
            failure = "internal error"
        finally:
            self.local_address = client.local_address or self.local_address
            try:
                await client.close()
            except Exception:
                _log.failure("closing the ACS connection")
        took, answered = self._clock.seconds() - started, _requests(self.answered)
        if failure:
            self.last_failure = failure
            _log.warn(
                "session failed after {took:.2f} s ({answered} answered): {reason}",
                took=took,
                answered=answered,
                reason=failure,
            )
            return False
        _log.info(
            "session ended: ok, {answered} answered in {took:.2f} s", answered=answered, took=took
        )
        return True

    # -- the session ---------------------------------------------------------

    def _next_id(self) -> str:
        return f"cwmpd-{next(self._ids)}"

    def _now(self) -> str:
        return datetime.fromtimestamp(self._clock.seconds()).astimezone().isoformat("T", "seconds")

    async def _session(self, client: HttpClient, retry_count: int, heartbeat: bool) -> None:
        if heartbeat:
            events = [EventStruct(HEARTBEAT)]
        else:
            bootstrap = any(e.code == BOOTSTRAP for e in self._events.queued())
            if self._model.pending_value_changes() and not bootstrap:
                self._events.add(VALUE_CHANGE)  # E-7; a bootstrap reports no changes (E-4)
            events = self._events.pending()
        _log.info(
            "session started: {events}{retry}",
            events=", ".join(e.code for e in events) or "no events",
            retry=f" (retry {retry_count})" if retry_count else "",
        )
        view = self._dispatcher.view  # Instance Aliases in the names, in InstanceAlias mode
        inform = messages.Inform(
            device_id=await self._model.device_id(),
            events=tuple(events),
            max_envelopes=1,
            current_time=self._now(),
            retry_count=retry_count,
            parameters=tuple(await view.inform_parameters([e.code for e in events])),
        )
        first = soap.Envelope(
            body=inform,
            ns=compat.inform_namespace(events, self.acs_ns),
            id=self._next_id(),
            supported_cwmp_versions=SUPPORTED_CWMP_VERSIONS,
        )
        answer = await self._request(client, first)
        if not isinstance(answer.body, messages.InformResponse):
            raise SessionFailed(f"ACS answered Inform with {_describe(answer.body)}")
        if not heartbeat:
            self._delivered_inform(events)
        ns = _VERSION_NS.get(answer.use_cwmp_version or "", answer.ns)
        self.acs_ns = ns
        if not (answer.hold_requests or heartbeat):
            await self._cpe_requests(client, ns)
        await self._acs_requests(client)

    def _delivered_inform(self, events: list[EventStruct]) -> None:
        self._events.inform_delivered(events)
        self._model.inform_delivered()

    async def _request(self, client: HttpClient, env: soap.Envelope) -> soap.Envelope:
        """Send a CPE request; return the ACS answer, re-sending on 8005 (S-22)."""
        for _ in range(MAX_RETRY_REQUEST + 1):
            answer = await self._post(client, env)
            if answer is None:
                raise SessionFailed(f"ACS sent no answer to {env.body.name}")
            if isinstance(answer, soap.BadEnvelope):
                raise SessionFailed(f"unreadable answer to {env.body.name}: {answer.fault}")
            if isinstance(answer.body, messages.Fault) and answer.body.code == 8005:
                _log.info("ACS asked to retry {method}", method=env.body.name)
                continue
            return answer
        raise SessionFailed(f"ACS kept answering 8005 to {env.body.name}")

    async def _cpe_requests(self, client: HttpClient, ns: str) -> None:
        for source in self._sources:
            for request in source.pending_requests():
                if not compat.defined(request.name, ns):
                    _log.warn(
                        "{method} does not exist in {ns}: kept until the ACS speaks a newer CWMP",
                        method=request.name,
                        ns=ns,
                    )
                    continue
                env = soap.Envelope(body=compat.adapt(request, ns), ns=ns, id=self._next_id())
                answer = await self._request(client, env)
                if isinstance(answer.body, messages.Fault):
                    _log.warn(
                        "ACS refused {method}: {code} {string}; kept for a later session",
                        method=request.name,
                        code=answer.body.code,
                        string=answer.body.string,
                    )
                    continue
                source.delivered(request, answer.body)

    async def _acs_requests(self, client: HttpClient) -> None:
        """Empty POST, then answer each ACS request until the ACS sends nothing (S-8, S-23)."""
        reply: soap.Envelope | None = None
        for _ in range(MAX_ACS_MESSAGES):
            incoming = await self._post(client, reply)
            if incoming is None:
                return
            reply = await self._answer(incoming)
            if reply is not None:
                self.answered += 1
        raise SessionFailed(f"ACS sent more than {MAX_ACS_MESSAGES} messages in one session")

    async def _answer(self, incoming: soap.Envelope | soap.BadEnvelope) -> soap.Envelope | None:
        if isinstance(incoming, soap.BadEnvelope):
            _log.warn("bad message from the ACS: {fault}", fault=str(incoming.fault))
            return incoming.to_envelope()
        body = incoming.body
        if isinstance(body, messages.Fault) or body.name.endswith("Response"):
            # Never answer a response or a fault (S-21): carry on with an empty POST.
            _log.warn("unexpected {what} from the ACS ignored", what=_describe(body))
            return None
        if not compat.defined(body.name, incoming.ns):
            # Its response would not exist in that namespace either (A.6): not supported there.
            unsupported = CwmpFault(9000, f"{body.name} is not part of {incoming.ns}")
            return soap.Envelope(
                messages.Fault.from_exception(unsupported), incoming.ns, incoming.id
            )
        invalid = compat.invalid_arguments(body, incoming.ns)
        if invalid:
            fault = messages.Fault.from_exception(CwmpFault(9003, invalid))
            return soap.Envelope(fault, incoming.ns, incoming.id)
        response = compat.adapt(await self._dispatcher.answer(body), incoming.ns)
        return soap.Envelope(body=response, ns=incoming.ns, id=incoming.id)

    async def _post(
        self, client: HttpClient, env: soap.Envelope | None
    ) -> soap.Envelope | soap.BadEnvelope | None:
        _log.debug("CPE -> ACS {what}", what=_summary(env))
        if self._on_exchange is not None:
            self._on_exchange("CPE -> ACS", None if env is None else env.body)
        try:
            response = await client.post(None if env is None else soap.serialize(env))
        except ResponseTooLarge:
            return soap.BadEnvelope(
                CwmpFault(9004, "Message too large"), soap.NS_CWMP_10, None, None
            )
        if response.code == 204 or not response.body.strip():
            _log.debug("ACS -> CPE (empty: {code})", code=response.code)
            if self._on_exchange is not None:
                self._on_exchange("ACS -> CPE", None)
            return None
        try:
            parsed = soap.parse(response.body, max_size=self._max_body)
        except soap.BadEnvelope as bad:
            return bad
        _log.debug("ACS -> CPE {what}", what=_summary(parsed))
        if self._on_exchange is not None:
            self._on_exchange("ACS -> CPE", parsed.body)
        return parsed


def _requests(count: int) -> str:
    return f"{count} ACS request{'' if count == 1 else 's'}"


def _summary(env: soap.Envelope | None) -> str:
    """One line for the debug log: the RPC, its cwmp:ID, and for faults the code (no values,
    so no secret ever reaches the log)."""
    if env is None:
        return "(empty)"
    return f"{_describe(env.body)} id={env.id} ns={env.ns.rsplit(':', 1)[-1]}"


def _describe(body: messages.Message) -> str:
    if isinstance(body, messages.Fault):
        return f"fault {body.code} {body.string}"
    return body.name
