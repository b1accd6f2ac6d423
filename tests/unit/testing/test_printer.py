"""The demo's readable rendering of exchanges."""

from __future__ import annotations

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import Envelope
from cwmpd.cwmp.structs import (
    DeviceId,
    EventStruct,
    ParameterInfoStruct,
    ParameterValueStruct,
)
from cwmpd.testing.acs_record import AcsSession, Exchange
from cwmpd.testing.printer import format_exchange, format_message, format_session, live_printer

INFORM = m.Inform(
    device_id=DeviceId("cwmpd", "00D09E", "Simulated", "SIM0001"),
    events=(EventStruct("0 BOOTSTRAP"), EventStruct("M Reboot", "rb-1")),
    max_envelopes=1,
    current_time="2026-01-01T00:00:00Z",
    retry_count=0,
    parameters=(ParameterValueStruct("Device.DeviceInfo.SoftwareVersion", "1.0.0"),),
)


def test_inform_block_shows_events_and_parameters() -> None:
    """An Inform renders its direction, events with command keys, and each parameter."""
    text = format_exchange(Exchange(m.InformResponse(max_envelopes=1), INFORM, True))
    first, param, answer = text.splitlines()
    assert first.startswith("CPE -> ACS  Inform  ")
    assert "events=[0 BOOTSTRAP, M Reboot(rb-1)]" in first
    assert "00D09E-Simulated-SIM0001" in first
    assert param.strip() == "Device.DeviceInfo.SoftwareVersion=1.0.0"
    assert answer == "ACS -> CPE  InformResponse  max_envelopes=1"


def test_acs_request_comes_first_and_lists_entries() -> None:
    """For ACS requests the request is printed first, then the CPE answer's entries."""
    gpn = m.GetParameterNames(path="Device.ManagementServer.", next_level=True)
    answer = m.GetParameterNamesResponse(
        parameters=(ParameterInfoStruct("Device.ManagementServer.URL", True),)
    )
    lines = format_exchange(Exchange(gpn, answer)).splitlines()
    assert lines[0].startswith("ACS -> CPE  GetParameterNames  path=Device.ManagementServer.")
    assert lines[1] == "CPE -> ACS  GetParameterNamesResponse"
    assert lines[2].strip() == "Device.ManagementServer.URL  writable"


def test_passwords_are_masked_and_raw_and_missing_shown() -> None:
    """Password arguments print as ***; raw bytes and a missing answer say so."""
    spv = m.SetParameterValues(
        parameters=(ParameterValueStruct("Device.ManagementServer.Username", "u"),),
        parameter_key="k1",
    )
    assert "parameter_key=k1" in format_message("ACS -> CPE", spv)
    download = m.Download(
        command_key="d",
        file_type="1 Firmware Upgrade Image",
        url="http://x/fw",
        username="u",
        password="hunter2",
        file_size=1,
        target_file_name="",
        delay_seconds=0,
        success_url="",
        failure_url="",
    )
    text = format_message("ACS -> CPE", download)
    assert "hunter2" not in text and "password=***" in text
    assert "(raw 5 bytes) <oops" in format_message("CPE -> ACS", b"<oops")
    assert "no answer" in format_message("CPE -> ACS", None)


def test_session_and_live_printer() -> None:
    """format_session has a header; live_printer writes a session banner then each exchange."""
    session = AcsSession(0, INFORM, Envelope(INFORM))
    exchange = Exchange(m.InformResponse(max_envelopes=1), INFORM, True)
    session.exchanges.append(exchange)
    session.completed = True
    assert format_session(session).splitlines()[0].startswith("=== session 1  events=[0 BOOTSTRAP")
    out: list[str] = []
    live_printer(out.append)(session, exchange)
    assert out[0] == "=== session 1" and out[1].startswith("CPE -> ACS  Inform")


def test_password_parameter_values_are_masked() -> None:
    """SetParameterValues of a Password/Passphrase/PreSharedKey parameter prints *** instead."""
    ms = "Device.ManagementServer."
    spv = m.SetParameterValues(
        parameters=(
            ParameterValueStruct(ms + "ConnectionRequestPassword", "hunter2"),
            ParameterValueStruct("Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "wpa-pass"),
            ParameterValueStruct("Device.WiFi.AccessPoint.1.Security.PreSharedKey", "abcdef12"),
            ParameterValueStruct(ms + "ConnectionRequestUsername", "cr-user"),
            ParameterValueStruct(ms + "Password", ""),
        ),
        parameter_key="k1",
    )
    text = format_message("ACS -> CPE", spv)
    assert "hunter2" not in text and "wpa-pass" not in text and "abcdef12" not in text
    assert f"{ms}ConnectionRequestPassword=***" in text
    assert f"{ms}ConnectionRequestUsername=cr-user" in text
    assert text.rstrip().endswith(f"{ms}Password=")
