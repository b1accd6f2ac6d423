"""A throwaway prosody (Debian's XMPP server) on loopback, and an XMPP peer playing the ACS.

``Prosody``: its own config, data folder and TLS certificate (made by cwmpd.testing.pki for
the XMPP domain), c2s only (no s2s, no HTTP), TLS required, accounts made with
``prosodyctl register``; ``start``, ``kill`` (SIGKILL) and ``start`` again on the same port.

``XmppPeer``: a twisted.words client (the ACS's side) that sends connection-request iqs
and tells how each was answered.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twisted.internet import defer
from twisted.internet.endpoints import HostnameEndpoint
from twisted.words.protocols.jabber import client, error, jid, xmlstream

from cwmpd.connreq.xmppstanza import connection_request
from cwmpd.http.tls import TlsPolicy, tls_policy_for
from cwmpd.testing.pki import CertificateAuthority, make_ca, make_cert
from support.agent_harness import reactor

DOMAIN = "cwmpd.test"


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Prosody:
    """prosody on 127.0.0.1:``port`` serving ``DOMAIN``, its files under ``folder``."""

    def __init__(self, folder: Path, ca: CertificateAuthority | None = None) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.ca = ca or make_ca(folder, common_name="prosody test CA")
        cert = make_cert(self.ca, [DOMAIN], folder, "xmpp-server")
        self.port = free_port()
        self.log = folder / "prosody.log"
        (folder / "data").mkdir(exist_ok=True)
        # As root (CI), prosody stays root: mod_posix refuses that without run_as_root, and
        # prosodyctl would switch to user prosody, who cannot write pytest's tmp_path.
        as_root = ["run_as_root = true", 'prosody_user = "root"', 'prosody_group = "root"']
        lines = [
            *(as_root if os.geteuid() == 0 else []),
            f"data_path = {_lua(str(folder / 'data'))}",
            f"certificates = {_lua(str(folder))}",
            f"log = {{ debug = {_lua(str(self.log))} }}",
            'interfaces = { "127.0.0.1" }',
            f"c2s_ports = {{ {self.port} }}",
            "c2s_direct_tls_ports = { }",
            "legacy_ssl_ports = { }",
            "s2s_ports = { }",
            'modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping" }',
            'modules_disabled = { "s2s" }',
            'authentication = "internal_plain"',
            "c2s_require_encryption = true",
            "allow_registration = false",
            f"VirtualHost {_lua(DOMAIN)}",
            f"  ssl = {{ certificate = {_lua(str(cert.cert_path))}; "
            f"key = {_lua(str(cert.key_path))} }}",
        ]
        self.config = folder / "prosody.cfg.lua"
        self.config.write_text("\n".join(lines) + "\n")
        self.process: subprocess.Popen[bytes] | None = None

    def register(self, user: str, password: str) -> None:
        """Create an account (prosodyctl, bounded in time)."""
        subprocess.run(
            ["prosodyctl", "--config", str(self.config), "register", user, DOMAIN, password],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def start(self) -> None:
        """Start in the foreground (-F) and wait until the c2s port answers."""
        self.process = subprocess.Popen(
            ["prosody", "-F", "--config", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        self.stop()
        raise RuntimeError(f"prosody did not start on port {self.port}:\n{tail}")

    def kill(self) -> None:
        """SIGKILL, as a crash would (the kernel closes its sockets)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: the connections stay open, nothing is answered (a half-open link)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after ``freeze``."""
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 10 s)."""
        if self.process is not None:
            self.thaw()
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            self.process = None


@dataclass(frozen=True)
class Reply:
    """How an iq was answered: "result", or "error" with its condition and type."""

    kind: str
    condition: str = ""
    error_type: str = ""


class XmppPeer:
    """An XMPP client (the ACS) logged in to ``server``; ``send`` connection requests."""

    def __init__(self, server: Prosody, user: str, password: str, resource: str = "acs") -> None:
        self.server = server
        self.jid = f"{user}@{DOMAIN}/{resource}"
        self._password = password
        self.xs: Any = None

    async def connect(self) -> None:
        """Log in (TLS verified against the test CA); fails after 15 s."""
        creator = tls_policy_for(TlsPolicy(ca_file=str(self.server.ca.cert_path)))
        who = jid.JID(self.jid)
        factory: Any = client.XMPPClientFactory(  # type: ignore[no-untyped-call]
            who, self._password, configurationForTLS=creator.creatorForNetloc(b"cwmpd.test", 0)
        )
        authed: defer.Deferred[Any] = defer.Deferred()
        factory.addBootstrap(xmlstream.STREAM_AUTHD_EVENT, authed.callback)
        factory.addBootstrap(xmlstream.INIT_FAILED_EVENT, authed.errback)
        endpoint = HostnameEndpoint(reactor, "127.0.0.1", self.server.port)
        await endpoint.connect(factory)
        self.xs = await authed.addTimeout(15, reactor)

    async def send(self, to: str, username: str, password: str, timeout: float = 10) -> Reply:
        """One connection request to ``to``; how it was answered."""
        iq: Any = xmlstream.IQ(self.xs, "set")  # type: ignore[no-untyped-call]
        request: Any = connection_request(to, username, password)
        iq.addChild(request.firstChildElement())
        d: defer.Deferred[Any] = iq.send(to=to)
        try:
            await d.addTimeout(timeout, reactor)
        except error.StanzaError as exc:
            return Reply("error", str(exc.condition), str(exc.type))
        return Reply("result")

    def close(self) -> None:
        """Drop the connection."""
        if self.xs is not None and self.xs.transport is not None:
            self.xs.transport.loseConnection()
        self.xs = None
