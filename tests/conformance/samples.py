"""Schema-valid sample messages of every RPC, per CWMP namespace (shared by codec tests).

Values respect each namespace's content rules: cwmp-1-0 only knows fault codes 9000-9013,
TransferComplete codes {0, 9001, 9002, 9010-9012}, Notification 0-2 and the classic event
codes; ScheduleDownload, CancelTransfer and ChangeDUState exist only in cwmp-1-2, and
GetAllQueuedTransfers and AutonomousTransferComplete from cwmp-1-1 on.
"""

from __future__ import annotations

from cwmpd.cwmp import compat
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.faults import SetParameterValuesFault
from cwmpd.cwmp.soap import NS_CWMP_10, NS_CWMP_11, NS_CWMP_12
from cwmpd.cwmp.structs import (
    DeviceId,
    EventStruct,
    ParameterAttributeStruct,
    ParameterInfoStruct,
    ParameterValueStruct,
    SetParameterAttributesStruct,
)

NAMESPACES = (NS_CWMP_10, NS_CWMP_11, NS_CWMP_12)
T0 = "2024-05-01T10:00:00+02:00"
T1 = "2024-05-01T10:00:07Z"
UUID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

#: Whether a namespace declares an RPC: the agent's own table (cwmpd.cwmp.compat).
defined_in = compat.defined


def _values(n: int) -> tuple[ParameterValueStruct, ...]:
    types = ("string", "unsignedInt", "int", "boolean", "dateTime", "base64", "long")
    samples = ("wan & <lan>", "42", "-1", "true", T1, "AAEC", "-9000000000")
    return tuple(
        ParameterValueStruct(f"Device.X_00AABB_T.{i}.V", samples[i % 7], types[i % 7])
        for i in range(n)
    )


def cpe_messages() -> list[m.Message]:
    """One or more instances of every message a CPE emits."""
    device = DeviceId("ACME & Co", "00AABB", "Box<1>", "SN-1")
    events = (EventStruct("0 BOOTSTRAP"), EventStruct("1 BOOT"), EventStruct("M Reboot", "k1"))
    return [
        m.Inform(device, events, 1, T0, 0, _values(7)),
        m.Inform(device, (), 1, T0, 3, ()),
        m.GetRPCMethodsResponse(("GetRPCMethods", "GetParameterValues", "Download")),
        m.GetParameterValuesResponse(_values(12)),
        m.GetParameterValuesResponse(()),
        m.SetParameterValuesResponse(1),
        m.GetParameterNamesResponse(
            (ParameterInfoStruct("Device.", False), ParameterInfoStruct("Device.A.B", True))
        ),
        m.GetParameterAttributesResponse(
            (
                ParameterAttributeStruct("Device.A", 2, ("Subscriber",)),
                ParameterAttributeStruct("Device.B", 0, ()),
            )
        ),
        m.SetParameterAttributesResponse(),
        m.AddObjectResponse(3, 0),
        m.DeleteObjectResponse(1),
        m.RebootResponse(),
        m.FactoryResetResponse(),
        m.DownloadResponse(),
        m.DownloadResponse(0, T0, T1),
        m.UploadResponse(),
        m.ScheduleInformResponse(),
        m.ScheduleDownloadResponse(),
        m.GetQueuedTransfersResponse((m.QueuedTransfer("k1", 1), m.QueuedTransfer("k2", 2))),
        m.GetAllQueuedTransfersResponse(
            (m.AllQueuedTransfer("k1", 2, True, "1 Firmware Upgrade Image", 1024, "fw.bin"),)
        ),
        m.CancelTransferResponse(),
        m.ChangeDUStateResponse(),
        m.Fault(9000),
        m.Fault(
            9003,
            set_faults=(
                SetParameterValuesFault("Device.A", 9005),
                SetParameterValuesFault("Device.B", 9007, "bad value"),
            ),
        ),
        m.Fault(9003, "header not understood", soap_code="MustUnderstand"),
        m.TransferComplete("k1", 0, "", T0, T1),
        m.TransferComplete("k2", 9010, "File transfer failure", T0, T1),
        m.AutonomousTransferComplete(
            "http://a", "http://t", True, "1 Firmware Upgrade Image", 10, "", 0, "", T0, T1
        ),
        m.DUStateChangeComplete(
            (
                m.OpResult(
                    UUID,
                    "Device.SoftwareModules.DeploymentUnit.1",
                    "1.0",
                    "Installed",
                    True,
                    "Device.SoftwareModules.ExecutionUnit.1",
                    T0,
                    T1,
                ),
                m.OpResult(UUID, "", "", "Failed", False, "", T0, T1, 9018, "corrupt <file>"),
            ),
            "cdu",
        ),
        m.DUStateChangeComplete((m.OpResult(UUID, "", "", "Uninstalled", True, "", T0, T1),)),
        m.AutonomousDUStateChangeComplete(
            (
                m.OpResult(
                    UUID,
                    "Device.SoftwareModules.DeploymentUnit.2",
                    "2",
                    "Installed",
                    True,
                    "",
                    T0,
                    T1,
                    operation="Install",
                ),
            )
        ),
        m.GetRPCMethods(),
        m.RequestDownload("1 Firmware Upgrade Image", (("Version", "1.2.3"), ("Channel", "beta"))),
        m.RequestDownload("2 Web Content"),
    ]


def acs_messages() -> list[m.Message]:
    """One or more instances of every message an ACS emits."""
    window = m.TimeWindow(0, 3600, "1 At Any Time", "", -1)
    return [
        m.InformResponse(1),
        m.GetRPCMethods(),
        m.GetRPCMethodsResponse(("Inform", "TransferComplete")),
        m.GetParameterValues(("Device.", "Device.DeviceInfo.SoftwareVersion")),
        m.SetParameterValues(_values(7), "key-1"),
        m.GetParameterNames("Device.", True),
        m.GetParameterNames("", False),
        m.GetParameterAttributes(("Device.A",)),
        m.SetParameterAttributes(
            (
                SetParameterAttributesStruct("Device.A", True, 2, False, ()),
                SetParameterAttributesStruct("Device.B.", False, 0, True, ("Subscriber",)),
            )
        ),
        m.AddObject("Device.IP.Interface.", "k"),
        m.DeleteObject("Device.IP.Interface.3.", ""),
        m.Reboot("reboot-1"),
        m.FactoryReset(),
        m.Download("dl", "1 Firmware Upgrade Image", "http://fs/fw.bin", "u", "p", 10, "fw", 0),
        m.Upload("ul", "1 Vendor Configuration File", "http://fs/up", delay_seconds=5),
        m.ScheduleInform(30, "si"),
        m.ScheduleDownload("sd", "1 Firmware Upgrade Image", "http://f", "", "", 0, "", (window,)),
        m.GetQueuedTransfers(),
        m.GetAllQueuedTransfers(),
        m.CancelTransfer("dl"),
        m.ChangeDUState(
            (
                m.DUOperation("Install", url="http://du/pkg", uuid=UUID, execution_env_ref="EE.1"),
                m.DUOperation("Update", uuid=UUID, version="2.0"),
                m.DUOperation("Uninstall", uuid=UUID),
            ),
            "cdu",
        ),
        m.TransferCompleteResponse(),
        m.AutonomousTransferCompleteResponse(),
        m.DUStateChangeCompleteResponse(),
        m.AutonomousDUStateChangeCompleteResponse(),
        m.RequestDownloadResponse(),
        m.Fault(8005),
    ]


def for_namespace(messages: list[m.Message], ns: str) -> list[m.Message]:
    """The messages namespace ``ns`` defines."""
    return [msg for msg in messages if defined_in(msg.name, ns)]
