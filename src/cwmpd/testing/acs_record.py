"""What the scripted ACS saw: plain records of HTTP requests, exchanges and sessions."""

from __future__ import annotations

from dataclasses import dataclass, field

from cwmpd.cwmp.messages import Inform, Message, TransferComplete
from cwmpd.cwmp.soap import Envelope


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One HTTP request the ACS received and the status it answered with (0 = cut)."""

    method: str
    path: str
    status: int
    body: bytes
    authorization: str | None
    cookie: str | None
    soap_action: str | None
    content_type: str | None
    content_encoding: str | None = None  # of the request body as sent (gzip: compressed)
    accept_encoding: str | None = None


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its answer, seen from the ACS.

    For ACS requests (``by_cpe`` false) ``sent`` is the queued RPC (or raw bytes) and
    ``received`` the CPE's response or Fault (raw bytes if it did not decode, None if
    it never came). For CPE requests (Inform, TransferComplete, ...) ``received`` is
    the CPE's request and ``sent`` the ACS's answer.
    """

    sent: Message | bytes | None
    received: Message | bytes | None
    by_cpe: bool = False
    sent_id: str | None = None
    envelope: Envelope | None = None  # the received envelope, for its headers


@dataclass
class AcsSession:
    """One CWMP session, from its Inform to a 204 (completed) or a failure."""

    index: int
    inform: Inform
    inform_envelope: Envelope
    cookie: str | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    raw_requests: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    cookies_seen: list[str | None] = field(default_factory=list)
    authorization_seen: list[str | None] = field(default_factory=list)
    cpe_requests: list[Message] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    inform_answered: bool = False
    completed: bool = False
    failure: str | None = None

    @property
    def events(self) -> list[str]:
        """The Inform's event codes, in order."""
        return [e.code for e in self.inform.events]

    @property
    def command_keys(self) -> dict[str, str]:
        """Event code -> CommandKey, for the Inform's events."""
        return {e.code: e.command_key for e in self.inform.events}

    @property
    def parameters(self) -> dict[str, str]:
        """The Inform's ParameterList as name -> value."""
        return {p.name: p.value for p in self.inform.parameters}

    @property
    def transfer_completes(self) -> list[TransferComplete]:
        """TransferComplete requests the CPE sent in this session."""
        return [m for m in self.cpe_requests if isinstance(m, TransferComplete)]

    @property
    def acs_exchanges(self) -> list[Exchange]:
        """Only the exchanges the ACS started (its queued RPCs and their answers)."""
        return [x for x in self.exchanges if not x.by_cpe]

    @property
    def responses(self) -> list[Message | bytes | None]:
        """The CPE's answers to the ACS's requests, in order."""
        return [x.received for x in self.acs_exchanges]

    @property
    def ended(self) -> bool:
        """True once the session completed or failed."""
        return self.completed or self.failure is not None
