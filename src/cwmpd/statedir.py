"""StateDir: the name of every file the agent keeps in device.state_dir, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StateDir:
    """The state folder of one agent; each property is one file (or folder) in it."""

    root: Path

    @property
    def lock(self) -> Path:
        """Held while an agent runs on this folder (cwmpd.state.StateLock)."""
        return self.root / "cwmpd.lock"

    @property
    def agent(self) -> Path:
        """Boot id, ACS URL of the last bootstrap, a Reboot owed across a restart."""
        return self.root / "agent.json"

    @property
    def events(self) -> Path:
        """The Inform event queue (survives crashes and reboots)."""
        return self.root / "events.json"

    @property
    def store(self) -> Path:
        """Agent-stored parameter values."""
        return self.root / "datamodel.json"

    @property
    def attributes(self) -> Path:
        """Notification and AccessList attributes."""
        return self.root / "attributes.json"

    @property
    def changes(self) -> Path:
        """Value changes owed to the ACS."""
        return self.root / "changes.json"

    @property
    def transfers(self) -> Path:
        """Download/Upload/ScheduleDownload records and their TransferCompletes."""
        return self.root / "transfers.json"

    @property
    def spool(self) -> Path:
        """Downloaded files waiting to be applied (unless transfers.spool_dir says otherwise)."""
        return self.root / "spool"

    @property
    def connreq(self) -> Path:
        """The published ConnectionRequestURL and what it was derived from."""
        return self.root / "connreq.json"

    @property
    def connreq_trusted(self) -> Path:
        """Connection Request sources that once authenticated (lock-out exemptions)."""
        return self.root / "connreq-trusted.json"

    @property
    def connreq_udp(self) -> Path:
        """The last UDP Connection Request timestamp and id (replay guard)."""
        return self.root / "connreq-udp.json"

    @property
    def autonomous(self) -> Path:
        """AutonomousTransferCompletes not yet delivered."""
        return self.root / "autonomous.json"

    @property
    def web_content(self) -> Path:
        """Files of Download FileType "2 Web Content"."""
        return self.root / "files" / "web"

    @property
    def du_jobs(self) -> Path:
        """ChangeDUState jobs until their DUStateChangeComplete is acknowledged."""
        return self.root / "du-jobs.json"

    @property
    def du_autonomous(self) -> Path:
        """AutonomousDUStateChangeCompletes not yet delivered."""
        return self.root / "du-autonomous.json"

    @property
    def software(self) -> Path:
        """Deployment and execution units with their instance numbers (SoftwareModules)."""
        return self.root / "software.json"

    def plugin(self, name: str) -> Path:
        """The own folder of plugin ``name``."""
        return self.root / "plugins" / name

    @property
    def usp_notify(self) -> Path:
        """USP Notifies sent with send_resp and not yet answered (NotifRetry)."""
        return self.root / "usp-notify.json"
