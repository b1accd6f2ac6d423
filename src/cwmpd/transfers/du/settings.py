"""DUSettings: what the ChangeDUState engine is made of, in one frozen value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cwmpd.http.tls import TlsPolicy
from cwmpd.reactors import AgentReactor
from cwmpd.transfers.du.inventory import Inventory
from cwmpd.transfers.limits import HttpLimits
from cwmpd.transfers.settings import Events, FileClient


@dataclass(frozen=True)
class DUSettings:
    """The collaborators and limits of one DUManager."""

    reactor: AgentReactor
    inventory: Inventory
    jobs_path: Path  # du-jobs.json
    autonomous_path: Path  # du-autonomous.json
    spool: Path
    events: Events
    request_session: Callable[[], None]
    #: ManagementServer.DUStateChangeComplPolicy.<name> as the data model holds it.
    policy: Callable[[str], str] = lambda name: ""
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    limits: HttpLimits = field(default_factory=HttpLimits)
    allow_basic_over_http: bool = False
    capacity: int = 16
    max_attempts: int = 3  # starts of an interrupted operation before it fails
    #: The file-server client of one fetch (username, password); None: FileServerClient.
    client: Callable[[str, str], FileClient] | None = None
