"""Fixtures for the transfer loopback tests: a file server and a throwaway PKI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet.interfaces import IListeningPort

from cwmpd.testing.pki import CertificateAuthority, IssuedCert, make_ca, make_cert
from support.logged import capturing
from support.web import stop_all
from support.xfer_servers import FileServer, Listening, listen


@dataclass(frozen=True)
class Pki:
    """A CA, a server certificate for 127.0.0.1, and one for another name only."""

    ca: CertificateAuthority
    server: IssuedCert
    other_name: IssuedCert


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """The throwaway PKI, made once per run."""
    d: Path = tmp_path_factory.mktemp("xfer-pki")
    ca = make_ca(d)
    return Pki(
        ca, make_cert(ca, ["127.0.0.1"], d, "server"), make_cert(ca, ["files.example"], d, "x")
    )


@pytest.fixture
def serve() -> Iterator[Callable[..., Awaitable[Listening]]]:
    """Start FileServers on loopback; all stop at teardown."""
    ports: list[IListeningPort] = []

    async def start(server: FileServer | None = None, tls: Any = None) -> Listening:
        served = await listen(server or FileServer(), tls)
        ports.append(served.port)
        return served

    yield start
    pytest_twisted.blockon(stop_all(ports))


@pytest.fixture
def events() -> Iterator[list[dict[str, Any]]]:
    """Every cwmpd.transfers log event while the test runs."""
    with capturing(lambda event: event.get("log_namespace") == "cwmpd.transfers") as log:
        yield log.events
