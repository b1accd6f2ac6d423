"""A name resolver that answers IP literals at once, for the fleet's process.

Twisted's default resolver looks every host up in a thread, even "127.0.0.1"; with
thousands of sessions a minute that is a thread hand-off per session. Names that are not
IP literals go to the resolver it wraps.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IHostResolution,
    IResolutionReceiver,
)
from zope.interface import implementer


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Nothing to cancel: the answer was immediate."""


@implementer(IHostnameResolver)
class LiteralResolver:
    """IP literals resolved synchronously; other names by ``inner``."""

    def __init__(self, inner: IHostnameResolver) -> None:
        self._inner = inner

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        """As IHostnameResolver; an IP literal of a wanted family is answered now."""
        try:
            ip = ipaddress.ip_address(hostName)
        except ValueError:
            return self._inner.resolveHostName(
                resolutionReceiver, hostName, portNumber, addressTypes, transportSemantics
            )
        kind: type[IPv4Address] | type[IPv6Address] = (
            IPv4Address if ip.version == 4 else IPv6Address
        )
        if addressTypes is not None and kind not in addressTypes:
            return self._inner.resolveHostName(
                resolutionReceiver, hostName, portNumber, addressTypes, transportSemantics
            )
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        resolutionReceiver.addressResolved(kind(transportSemantics, str(ip), portNumber))  # type: ignore[arg-type]
        resolutionReceiver.resolutionComplete()
        return resolution
