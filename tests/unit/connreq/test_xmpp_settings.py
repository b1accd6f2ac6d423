"""Device.XMPP.Connection.{i}. as settings: read from the model, the TR-181 retry policy."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.config import ConfigError, parse_config
from cwmpd.connreq.xmppsettings import XmppServer, XmppSettings, read
from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.load import build_model, config_factory_values, xmpp_values
from support.fakes import stand_in

CONN = "Device.XMPP.Connection.1."
XMPP = (
    '[xmpp]\nserver = "xmpp.example.net"\nport = 5223\ndomain = "example.net"\n'
    'username = "gw1"\npassword = "pw"\nallowed_jids = ["acs@example.net", "ops@example.net/x"]\n'
)


def _model(tmp_path: Path, toml: str) -> DataModel:
    config = parse_config(f'[acs]\nurl = "http://acs.example"\n{toml}')
    model, _ = build_model(
        ["simulated"],
        state_dir=tmp_path,
        factory_values=lambda root: config_factory_values(config, root),
        reactor=stand_in(Clock()),
    )
    return model


def test_the_xmpp_section_gives_factory_values() -> None:
    config = parse_config(f'[acs]\nurl = "http://acs.example"\n{XMPP}')
    values = xmpp_values("Device.", config.xmpp)
    assert values[CONN + "Enable"] == "true"
    assert values[CONN + "UseTLS"] == "true"
    assert values[CONN + "Server.1.ServerAddress"] == "xmpp.example.net"
    assert values["Device.ManagementServer.ConnReqXMPPConnection"] == "Device.XMPP.Connection.1"
    assert values["Device.ManagementServer.ConnReqAllowedJabberIDs"] == (
        "acs@example.net,ops@example.net/x"
    )
    assert xmpp_values("InternetGatewayDevice.", config.xmpp) == {}
    assert xmpp_values("Device.", parse_config('[acs]\nurl = "http://a"\n').xmpp) == {}


@pytest.mark.parametrize(
    "bad",
    ['username = "u"', "port = 0", "retry_initial_interval = 0", 'allowed_jids = ["a,b"]'],
)
def test_bad_xmpp_settings_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="xmpp"):
        parse_config(f'[acs]\nurl = "http://acs.example"\n[xmpp]\n{bad}\n')


@pytest.mark.spec
@pytest_twisted.ensureDeferred
async def test_read_the_configured_connection(tmp_path: Path) -> None:
    model = _model(tmp_path, XMPP)
    settings = await read(model, "Device.XMPP.Connection.1")
    assert settings is not None
    assert settings.jid == "gw1@example.net/cwmpd"
    assert settings.password == "pw"
    assert settings.servers == (XmppServer(0, "xmpp.example.net", 5223),)
    assert (settings.use_tls, settings.keepalive_seconds, settings.connect_attempts) == (
        True,
        300.0,
        16,
    )
    assert model.value("Device.ManagementServer.SupportedConnReqMethods") == "HTTP"
    (password,) = await model.get_parameter_values([CONN + "Password"])
    assert password.value == ""  # hidden from the ACS, like every password
    model.set_local({CONN + "Status": "Enabled", CONN + "JabberID": "gw1@example.net/x"})
    assert await read(model, CONN) == settings  # what the client writes changes nothing
    model.set_local({CONN + "Enable": "false"})
    assert await read(model, CONN) is None
    assert await read(model, "Device.XMPP.Connection.7") is None
    assert await read(model, "") is None


@pytest.mark.spec
@pytest_twisted.ensureDeferred
async def test_no_xmpp_section_no_connection(tmp_path: Path) -> None:
    model = _model(tmp_path, "")
    assert model.value("Device.ManagementServer.ConnReqXMPPConnection") == ""
    assert await read(model, "Device.XMPP.Connection.1") is None


def test_retry_waits_follow_tr181() -> None:
    """Defaults: the n-th wait is at most 60 * 2 ** (n-1) s, and never above 30720 s."""
    settings = XmppSettings("Device.XMPP.Connection.1.", "u", "d", "r")
    rng = random.Random(7)
    for n in range(1, 20):
        waits = [settings.retry_wait(n, rng) for _ in range(50)]
        ceiling = min(60 * 2 ** (n - 1), 30720)
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling / 2  # random over the whole range, not a fixed value


def test_servers_by_priority_each_for_its_attempts() -> None:
    servers = (XmppServer(0, "a"), XmppServer(5, "b"))
    settings = XmppSettings("p.", "u", "d", "r", servers=servers, connect_attempts=2)
    assert [settings.server_for(n).address for n in range(6)] == list("aabbaa")
    assert XmppSettings("p.", "u", "d", "r").server_list() == (XmppServer(0, "d", 5222),)
