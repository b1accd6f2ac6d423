"""The base of every CWMP RPC body: declarative arguments, encode() and decode().

Hand-written because the CWMP XSD types are not expressible with lxml.objectify without
codegen; each RPC dataclass lists its arguments once (``ARGS``) and inherits both
directions from here.
"""

from __future__ import annotations

from typing import ClassVar, Self

from lxml import etree

from cwmpd.cwmp.soapenc import Arg, put_args, read_args
from cwmpd.cwmp.xmlns import NS_CWMP_10, NSMAPS


class Message:
    """A CWMP RPC request, response or Fault, carried in the SOAP Body.

    Subclasses are frozen dataclasses whose ``ARGS`` list the XML arguments in schema
    order; ``name`` is the RPC element's local name.
    """

    __slots__ = ()
    name: ClassVar[str]
    ARGS: ClassVar[tuple[Arg, ...]] = ()

    @classmethod
    def qname(cls, ns: str) -> str:
        """The Clark name of the body element for CWMP namespace ``ns``."""
        return f"{{{ns}}}{cls.name}"

    def encode(self, ns: str = NS_CWMP_10) -> etree._Element:
        """A standalone element for this message in namespace ``ns`` (prefixes declared)."""
        try:
            nsmap = NSMAPS[ns]
        except KeyError:
            raise ValueError(f"not a CWMP namespace: {ns!r}") from None
        elem = etree.Element(self.qname(ns), nsmap=nsmap)
        self.fill(elem, ns)
        return elem

    def encode_into(self, parent: etree._Element, ns: str) -> etree._Element:
        """Append this message to ``parent`` (the SOAP Body, whose root declares prefixes)."""
        elem = etree.SubElement(parent, self.qname(ns))
        self.fill(elem, ns)
        return elem

    def fill(self, elem: etree._Element, ns: str) -> None:
        """Write the arguments into the message element ``elem``."""
        put_args(elem, self, self.ARGS)

    @classmethod
    def decode(cls, elem: etree._Element) -> Self:
        """Build the message from its body element; CwmpFault 9003 when arguments are wrong."""
        return cls(**read_args(elem, cls.ARGS, cls.name))
