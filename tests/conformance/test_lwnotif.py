"""UDP lightweight notification payloads against cwmp-UDPLightweightNotification-1-0.xsd."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from conformance.xsd import validate_lwnotif
from cwmpd.cwmp import lwnotif

NOTE = lwnotif.Notification(
    timestamp=1_700_000_000,
    username="cpe-user",
    cnonce="0123456789abcdef",
    oui="00D09E",
    product_class="SimRouter",
    serial_number="SIM-0001",
    params=(
        ("Device.ManagementServer.UDPConnectionRequestAddress", "192.0.2.1:7547"),
        ("Device.DeviceInfo.X_<&>", 'a < b & "c"'),
    ),
)


def test_payload_validates(spec: Path) -> None:
    """The payload is the schema's lwn:Notification, escaping included."""
    assert validate_lwnotif(spec, lwnotif.payload(NOTE)) == []


def test_schema_catches_a_broken_payload(spec: Path) -> None:
    """The check can fail: no Param at all, or a lower-case OUI, is invalid."""
    empty = dataclasses.replace(NOTE, params=())
    assert validate_lwnotif(spec, lwnotif.payload(empty)) != []
    bad_oui = dataclasses.replace(NOTE, oui="00d09e")
    assert validate_lwnotif(spec, lwnotif.payload(bad_oui)) != []


def test_split_datagrams_each_validate_and_are_signed(spec: Path) -> None:
    """Many values go in several datagrams, each complete, signed and within budget."""
    many = lwnotif.Notification(
        1, "u", "c", "00D09E", "p", "s", tuple((f"Device.X.{i}.Value", "v" * 40) for i in range(60))
    )
    grams = list(lwnotif.split(many, "secret", "acs.example"))
    assert len(grams) > 1 and all(len(g) <= lwnotif.MAX_DATAGRAM for g in grams)
    names: list[str] = []
    for gram in grams:
        head, body = lwnotif.parse_datagram(gram)
        assert validate_lwnotif(spec, body) == []
        assert head["signature"] == lwnotif.signature(body, "secret")
        assert head["host"] == "acs.example"
        names += [p.split(b"</lwn:Name>")[0].decode() for p in body.split(b"<lwn:Name>")[1:]]
    assert names == [n for n, _ in many.params]
