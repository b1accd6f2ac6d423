"""Fixtures for the ACS HTTP client loopback tests: servers, clients, a throwaway PKI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import defer
from twisted.internet.interfaces import IListeningPort
from twisted.web.resource import Resource

from cwmpd.http.tls import TlsPolicy
from cwmpd.session.http import AcsHttpClient
from cwmpd.testing.pki import make_ca, make_cert
from support.agent_harness import reactor
from support.httpc_servers import PASSWORD, USER, Pki, Served, listen
from support.web import stop_all


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Start loopback servers; all stop at teardown."""
    ports: list[IListeningPort] = []

    def start(resource: Resource, tls: Any = None, path: str = "/acs") -> Served:
        served = listen(resource, tls, path)
        ports.append(served.port)
        return served

    yield start
    pytest_twisted.blockon(stop_all(ports))


@pytest.fixture
def client() -> Iterator[Callable[..., AcsHttpClient]]:
    """Make AcsHttpClients (USER/PASSWORD by default); all closed at teardown."""
    made: list[AcsHttpClient] = []

    def make(url: str, tls: TlsPolicy | None = None, **kw: Any) -> AcsHttpClient:
        kw.setdefault("username", USER)
        kw.setdefault("password", PASSWORD)
        c = AcsHttpClient(reactor, url, tls=tls or TlsPolicy(), **kw)
        made.append(c)
        return c

    yield make
    pytest_twisted.blockon(defer.gatherResults([c.close() for c in made]))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """The throwaway PKI, made once per test run."""
    d = tmp_path_factory.mktemp("pki")
    ca = make_ca(d)
    return Pki(
        ca=ca,
        server=make_cert(ca, ["127.0.0.1", "localhost"], d, "server"),
        localhost_only=make_cert(ca, ["localhost"], d, "localhost-only"),
        client=make_cert(ca, ["cpe-0001"], d, "client", client=True),
        other_ca=make_ca(d, "other-ca", "unrelated CA"),
        dir=d,
    )
