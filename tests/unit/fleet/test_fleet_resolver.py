"""The fleet's resolver answers IP literals at once and passes names on."""

from __future__ import annotations

from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address

from cwmpd.fleet.resolver import LiteralResolver


class Receiver:
    """Records what a resolution reports."""

    def __init__(self) -> None:
        self.began = False
        self.addresses: list[Any] = []
        self.done = False

    def resolutionBegan(self, resolution: object) -> None:
        self.began = True

    def addressResolved(self, address: object) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        self.done = True


class Inner:
    """The wrapped resolver: records the names it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def resolveHostName(self, receiver: Any, name: str, *args: Any) -> Any:
        self.asked.append(name)
        return None


def test_literals_at_once_names_passed_on() -> None:
    """127.0.0.1 and ::1 resolve synchronously; acs.example goes to the inner resolver."""
    inner = Inner()
    resolver = LiteralResolver(inner)  # type: ignore[arg-type]
    four, six, name = Receiver(), Receiver(), Receiver()
    resolver.resolveHostName(four, "127.0.0.1", 7547)  # type: ignore[arg-type]
    resolver.resolveHostName(six, "::1", 80)  # type: ignore[arg-type]
    resolver.resolveHostName(name, "acs.example", 80)  # type: ignore[arg-type]
    assert four.began and four.done and four.addresses == [IPv4Address("TCP", "127.0.0.1", 7547)]
    assert six.addresses == [IPv6Address("TCP", "::1", 80)]
    assert inner.asked == ["acs.example"] and not name.began
    only_six = Receiver()
    resolver.resolveHostName(only_six, "127.0.0.1", 1, [IPv6Address])  # type: ignore[arg-type]
    assert inner.asked == ["acs.example", "127.0.0.1"]
