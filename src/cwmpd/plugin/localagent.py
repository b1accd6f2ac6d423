"""Device.LocalAgent., the USP Agent's own object (TR-181 2.19), declared when USP is enabled.

Like ManagementServer (``management.py``), the agent keeps these values itself: stored and
persisted in the agent's store, reset to the factory values by a factory reset. The factory
values come from the configuration as a plain mapping of concrete names
(``Device.LocalAgent.Controller.1.EndpointID`` ...), which also creates the factory
instances. ``EndpointID`` is computed: the configured one, else ``os::<OUI>-<SerialNumber>``
(TR-369 R-ARC.2's "os" authority scheme for an OUI-identified device).

Not declared here: ``Subscription.{i}.`` (the subscriptions), ``ControllerTrust.``
(``trust_objects.py``) and the objects cwmpd does not implement (Threshold, Monitor,
Watchdog, Certificate, Request, E2ESession).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cwmpd.datamodel.bindings import Declarations
from cwmpd.plugin.api import PluginError

ROOT = "Device."
LOCAL_AGENT = "Device.LocalAgent."
ENDPOINT_ID = LOCAL_AGENT + "EndpointID"

#: Relative name -> factory default (None: the data model's default).
LOCAL_AGENT_KEPT: dict[str, str | None] = {
    "SupportedProtocols": "MQTT,WebSocket,UDS",  # the MTPs this agent implements
    "AdvertisedDeviceSubtypes": "",
    "MaxSubscriptionChangeAdoptionTime": None,
    "MTP.{i}.Alias": "",
    "MTP.{i}.Enable": None,
    "MTP.{i}.Status": "Down",
    "MTP.{i}.Protocol": "MQTT",
    "MTP.{i}.EnableMDNS": None,
    "MTP.{i}.MQTT.Reference": "",
    "MTP.{i}.MQTT.ResponseTopicConfigured": "",
    "MTP.{i}.MQTT.ResponseTopicDiscovered": "",
    "MTP.{i}.MQTT.PublishQoS": "0",
    "Controller.{i}.Alias": "",
    "Controller.{i}.EndpointID": "",
    "Controller.{i}.ControllerCode": "",
    "Controller.{i}.ProvisioningCode": "",
    "Controller.{i}.Enable": None,
    "Controller.{i}.AssignedRole": "",
    "Controller.{i}.Credential": "",
    "Controller.{i}.PeriodicNotifInterval": "86400",
    "Controller.{i}.PeriodicNotifTime": "0001-01-01T00:00:00Z",
    "Controller.{i}.USPNotifRetryMinimumWaitInterval": None,
    "Controller.{i}.USPNotifRetryIntervalMultiplier": None,
    "Controller.{i}.OnBoardingComplete": None,
    "Controller.{i}.OnBoardingRestartTime": None,
    "Controller.{i}.MTP.{i}.Alias": "",
    "Controller.{i}.MTP.{i}.Enable": None,
    "Controller.{i}.MTP.{i}.Protocol": "MQTT",
    "Controller.{i}.MTP.{i}.Order": "1",
    "Controller.{i}.MTP.{i}.MQTT.Topic": "",
    "Controller.{i}.MTP.{i}.MQTT.PublishRetainResponse": None,
    "Controller.{i}.MTP.{i}.MQTT.PublishRetainNotify": None,
    "Controller.{i}.MTP.{i}.MQTT.AgentMTPReference": None,
    "Controller.{i}.MTP.{i}.WebSocket.Host": "",
    "Controller.{i}.MTP.{i}.WebSocket.Port": None,
    "Controller.{i}.MTP.{i}.WebSocket.Path": "",
    "Controller.{i}.MTP.{i}.WebSocket.EnableEncryption": None,
    "Controller.{i}.MTP.{i}.WebSocket.KeepAliveInterval": None,
    "Controller.{i}.MTP.{i}.WebSocket.SessionRetryMinimumWaitInterval": None,
    "Controller.{i}.MTP.{i}.WebSocket.SessionRetryIntervalMultiplier": None,
    # the values Device.Boot! carries to this Controller (cwmpd.uspagent.notify)
    "Controller.{i}.BootParameter.{i}.Alias": "",
    "Controller.{i}.BootParameter.{i}.Enable": None,
    "Controller.{i}.BootParameter.{i}.ParameterName": None,
}


def _identity_value(decl: Declarations, name: str) -> str:
    """A DeviceInfo value known without the model: a getter's, else the factory/default."""
    get = decl.getters.get(name)
    if get is not None:
        return get(name)
    return decl.factory_values.get(name) or decl.store_params.get(name) or ""


def default_endpoint_id(decl: Declarations) -> str:
    """``os::<OUI>-<SerialNumber>`` of the device ``decl`` describes."""
    oui = _identity_value(decl, ROOT + "DeviceInfo.ManufacturerOUI")
    serial = _identity_value(decl, ROOT + "DeviceInfo.SerialNumber")
    return f"os::{oui}-{serial}"


def declare_local_agent(
    decl: Declarations,
    factory_values: Mapping[str, str],
    *,
    uptime: Callable[[], int],
    software_version: str,
) -> None:
    """Declare Device.LocalAgent. in ``decl``; ``factory_values`` by concrete name (an
    ``EndpointID`` of "" or none: the default). ``uptime()``: seconds since the agent
    started."""
    if decl.root != ROOT:
        raise PluginError(f"USP needs a Device. model, not {decl.root}")
    values = dict(factory_values)
    for name in values:
        if not name.startswith(LOCAL_AGENT):
            raise ValueError(f"{name} is not a Device.LocalAgent. parameter")
    configured = values.pop(ENDPOINT_ID, "")
    decl.getter(ENDPOINT_ID, lambda _: configured or default_endpoint_id(decl))
    decl.getter(LOCAL_AGENT + "UpTime", lambda _: str(uptime()))
    decl.getter(LOCAL_AGENT + "SoftwareVersion", lambda _: software_version)
    for rel, default in LOCAL_AGENT_KEPT.items():
        decl.store(LOCAL_AGENT + rel, default)
    decl.factory(values)
