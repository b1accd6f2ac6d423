"""The ManagementServer parameters the agent keeps itself, for any device plugin to declare.

The agent reads and writes these (URL, credentials, intervals, Connection Request, STUN,
InformParameter, the AutonomousTransferComplete and DUStateChangeComplete policies,
HeartbeatPolicy, the lightweight notification destination), so every device has them,
stored and persisted by the agent whatever else the plugin maps.
"""

from __future__ import annotations

from cwmpd.datamodel.bindings import Declarations

#: Relative name -> factory default (None: the data model's default).
AGENT_KEPT: dict[str, str | None] = {
    "EnableCWMP": "true",
    "URL": "",
    "Username": "",
    "Password": "",
    "PeriodicInformEnable": "true",
    "PeriodicInformInterval": "3600",
    "PeriodicInformTime": "0001-01-01T00:00:00Z",
    "ParameterKey": "",
    "ConnectionRequestURL": "",
    "ConnectionRequestUsername": "",
    "ConnectionRequestPassword": "",
    "UpgradesManaged": "false",
    "DefaultActiveNotificationThrottle": "0",
    "CWMPRetryMinimumWaitInterval": "5",
    "CWMPRetryIntervalMultiplier": "2000",
    "HTTPConnectionRequestEnable": "true",
    "UDPConnectionRequestAddress": "",
    "STUNEnable": "false",
    "STUNServerAddress": "",
    "STUNServerPort": "3478",
    "STUNUsername": "",
    "STUNPassword": "",
    "STUNMaximumKeepAlivePeriod": "-1",
    "STUNMinimumKeepAlivePeriod": "0",
    "NATDetected": "false",
    "SupportedConnReqMethods": "HTTP",
    "AliasBasedAddressing": "false",
    "InstanceMode": "InstanceNumber",
    "AutoCreateInstances": "false",
    "InstanceWildcardsSupported": "true",
    "InformParameter.{i}.Enable": "false",
    "InformParameter.{i}.Alias": "",
    "InformParameter.{i}.ParameterName": "",
    "InformParameter.{i}.EventList": "",
    "AutonomousTransferCompletePolicy.Enable": "false",
    "AutonomousTransferCompletePolicy.TransferTypeFilter": "Both",
    "AutonomousTransferCompletePolicy.ResultTypeFilter": "Both",
    "AutonomousTransferCompletePolicy.FileTypeFilter": "",
    "HeartbeatPolicy.Enable": "false",
    "HeartbeatPolicy.ReportingInterval": "30",
    "HeartbeatPolicy.InitiationTime": "0001-01-01T00:00:00Z",
    "LightweightNotificationProtocolsSupported": "UDP",
    "LightweightNotificationProtocolsUsed": "",
    "UDPLightweightNotificationHost": "",
    "UDPLightweightNotificationPort": "7547",
    "LightweightNotificationTriggerInterval": "0",
    "LightweightNotificationTriggerTime": "0001-01-01T00:00:00Z",
    "DUStateChangeComplPolicy.Enable": "false",
    "DUStateChangeComplPolicy.OperationTypeFilter": "Install,Update,Uninstall",
    "DUStateChangeComplPolicy.ResultTypeFilter": "Both",
    "DUStateChangeComplPolicy.FaultCodeFilter": "",
    "ConnReqXMPPConnection": "",
    "ConnReqAllowedJabberIDs": "",
    "ConnReqJabberID": "",
}

#: Names TR-098 (InternetGatewayDevice:1.14) does not define (or, XMPP, cannot use).
NOT_IN_TR098 = frozenset(
    {
        "HTTPConnectionRequestEnable",
        "InstanceWildcardsSupported",
        "HeartbeatPolicy.Enable",
        "HeartbeatPolicy.ReportingInterval",
        "HeartbeatPolicy.InitiationTime",
        "LightweightNotificationTriggerInterval",
        "LightweightNotificationTriggerTime",
        "ConnReqXMPPConnection",
        "ConnReqAllowedJabberIDs",
        "ConnReqJabberID",
    }
)

#: Device.XMPP.* (TR-181 only), kept by the agent for XMPP Connection Requests (Annex K):
#: relative name -> default. UseTLS defaults to true (TR-181 says false): TLS is required
#: unless the ACS or the config file turns it off.
XMPP_KEPT: dict[str, str | None] = {
    "SupportedServerConnectAlgorithms": "ServerTable",
    "Connection.{i}.Enable": "false",
    "Connection.{i}.Alias": "",
    "Connection.{i}.Username": "",
    "Connection.{i}.Password": "",
    "Connection.{i}.Domain": "",
    "Connection.{i}.Resource": "",
    "Connection.{i}.JabberID": "",
    "Connection.{i}.Status": "Disabled",
    "Connection.{i}.LastChangeDate": "0001-01-01T00:00:00Z",
    "Connection.{i}.ServerConnectAlgorithm": "ServerTable",
    "Connection.{i}.KeepAliveInterval": "-1",
    "Connection.{i}.ServerConnectAttempts": "16",
    "Connection.{i}.ServerRetryInitialInterval": "60",
    "Connection.{i}.ServerRetryIntervalMultiplier": "2000",
    "Connection.{i}.ServerRetryMaxInterval": "30720",
    "Connection.{i}.UseTLS": "true",
    "Connection.{i}.TLSEstablished": "false",
    "Connection.{i}.Server.{i}.Enable": "false",
    "Connection.{i}.Server.{i}.Alias": "",
    "Connection.{i}.Server.{i}.Priority": "0",
    "Connection.{i}.Server.{i}.Weight": "-1",
    "Connection.{i}.Server.{i}.ServerAddress": "",
    "Connection.{i}.Server.{i}.Port": "5222",
}


def declare_management_server(decl: Declarations, root: str) -> None:
    """Declare every agent-kept ManagementServer parameter that ``root``'s model defines,
    and Device.XMPP.* under TR-181."""
    for rel, default in AGENT_KEPT.items():
        if root == "Device." or rel not in NOT_IN_TR098:
            decl.store(f"{root}ManagementServer.{rel}", default)
    if root == "Device.":
        for rel, default in XMPP_KEPT.items():
            decl.store(f"{root}XMPP.{rel}", default)
