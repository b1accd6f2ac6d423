"""Device.LocalAgent. (TR-181, USP): declared only with USP on, kept and persisted by the
agent like ManagementServer, reset by a factory reset; EndpointID os::<OUI>-<SerialNumber>."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.api import PluginError
from cwmpd.plugin.load import build_model
from support.fakes import stand_in

LA = "Device.LocalAgent."
C1 = LA + "Controller.1."
FACTORY = {C1 + "EndpointID": "proto::controller-1", C1 + "MTP.1.MQTT.Topic": "/usp/c"}


def _model(state: Path, clock: Clock, usp: dict[str, str] | None = FACTORY) -> DataModel:
    model, _ = build_model(
        ["simulated"], state_dir=state, factory_values={}, reactor=stand_in(clock), usp=usp
    )
    return model


async def _value(model: DataModel, name: str) -> str:
    (got,) = await model.get_parameter_values([name])
    return got.value


@pytest_twisted.ensureDeferred
async def test_cwmp_only_has_no_local_agent(tmp_path: Path) -> None:
    """Without USP the model has no Device.LocalAgent. (9005, as before)."""
    model = _model(tmp_path, Clock(), usp=None)
    with pytest.raises(CwmpFault) as fault:
        await model.get_parameter_values([LA])
    assert fault.value.code == 9005


def test_cwmp_only_does_not_load_the_usp_metadata(tmp_path: Path) -> None:
    """A CWMP-only build never reads data/Device.usp.tsv.gz (its memory is USP's to pay)."""
    script = (
        "from pathlib import Path\n"
        "from twisted.internet.task import Clock\n"
        "from cwmpd.plugin.load import build_model\n"
        "from cwmpd.datamodel.uspmeta import load_usp_meta\n"
        f"build_model(['simulated'], state_dir=Path({str(tmp_path)!r}), factory_values={{}},"
        " reactor=Clock())\n"
        "print(load_usp_meta.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


@pytest_twisted.ensureDeferred
async def test_local_agent_values(tmp_path: Path) -> None:
    """EndpointID defaults to os::<OUI>-<SerialNumber>; the factory values create the
    Controller and its MTP; UpTime counts from the agent's start."""
    clock = Clock()
    clock.advance(500)
    model = _model(tmp_path, clock)
    serial = await _value(model, "Device.DeviceInfo.SerialNumber")
    assert await _value(model, LA + "EndpointID") == f"os::00CAFE-{serial}"
    assert await _value(model, C1 + "EndpointID") == "proto::controller-1"
    assert await _value(model, C1 + "MTP.1.MQTT.Topic") == "/usp/c"
    assert await _value(model, LA + "ControllerNumberOfEntries") == "1"
    assert await _value(model, LA + "SupportedProtocols") == "MQTT,WebSocket,UDS"
    clock.advance(42)
    assert await _value(model, LA + "UpTime") == "42"
    with pytest.raises(CwmpFault):
        await model.set_parameter_values([PV(LA + "EndpointID", "os::x")], "k")


@pytest_twisted.ensureDeferred
async def test_configured_endpoint_id_wins(tmp_path: Path) -> None:
    """An EndpointID in the factory values replaces the default."""
    model = _model(tmp_path, Clock(), usp={LA + "EndpointID": "proto::me"})
    assert await _value(model, LA + "EndpointID") == "proto::me"


@pytest_twisted.ensureDeferred
async def test_values_persist_and_factory_reset_restores(tmp_path: Path) -> None:
    """A change survives a restart (same state folder); a factory reset brings back the
    factory values and instances."""
    clock = Clock()
    model = _model(tmp_path, clock)
    await model.set_parameter_values([PV(C1 + "EndpointID", "proto::other")], "k")
    number, _ = await model.add_object(LA + "MTP.", "k")
    restarted = _model(tmp_path, clock)
    assert await _value(restarted, C1 + "EndpointID") == "proto::other"
    assert await _value(restarted, LA + "MTPNumberOfEntries") == "1"
    restarted.factory_reset()
    assert await _value(restarted, C1 + "EndpointID") == "proto::controller-1"
    assert await _value(restarted, LA + "MTPNumberOfEntries") == "0"
    assert number == 1


def test_local_agent_names_are_checked(tmp_path: Path) -> None:
    """A factory value outside Device.LocalAgent. is refused; USP needs a Device. model."""
    with pytest.raises(ValueError, match="LocalAgent"):
        _model(tmp_path, Clock(), usp={"Device.DeviceInfo.ProvisioningCode": "x"})
    with pytest.raises(PluginError, match="Device"):
        build_model(
            ["simulated098"],
            state_dir=tmp_path / "igd",
            factory_values={},
            reactor=stand_in(Clock()),
            usp={},
        )
