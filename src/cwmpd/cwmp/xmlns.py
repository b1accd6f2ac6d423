"""XML namespaces, prefixes and qualified names used on the CWMP wire (SOAP 1.1, TR-069 §3.5)."""

from __future__ import annotations

from typing import Final

NS_CWMP_10: Final = "urn:dslforum-org:cwmp-1-0"
NS_CWMP_11: Final = "urn:dslforum-org:cwmp-1-1"
NS_CWMP_12: Final = "urn:dslforum-org:cwmp-1-2"
CWMP_NAMESPACES: Final = (NS_CWMP_10, NS_CWMP_11, NS_CWMP_12)

SOAP_ENV: Final = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC: Final = "http://schemas.xmlsoap.org/soap/encoding/"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
XSD: Final = "http://www.w3.org/2001/XMLSchema"

#: Clark names of the attributes the codec reads and writes.
XSI_TYPE: Final = f"{{{XSI}}}type"
ARRAY_TYPE: Final = f"{{{SOAP_ENC}}}arrayType"
MUST_UNDERSTAND: Final = f"{{{SOAP_ENV}}}mustUnderstand"
ACTOR: Final = f"{{{SOAP_ENV}}}actor"
ACTOR_NEXT: Final = "http://schemas.xmlsoap.org/soap/actor/next"

#: The prefix bound to the CWMP namespace; arrayType and xsi:type values rely on it.
CWMP_PREFIX: Final = "cwmp"


def nsmap(ns: str) -> dict[str, str]:
    """The prefix map declared on every emitted envelope (and standalone RPC element)."""
    return {"soap-env": SOAP_ENV, "soap-enc": SOAP_ENC, "xsd": XSD, "xsi": XSI, CWMP_PREFIX: ns}


NSMAPS: Final = {ns: nsmap(ns) for ns in CWMP_NAMESPACES}


def local_name(tag: str) -> str:
    """The local part of a Clark-notation tag ("{ns}Name" -> "Name")."""
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


def namespace_of(tag: str) -> str | None:
    """The namespace of a Clark-notation tag, None when unqualified."""
    return tag[1:].partition("}")[0] if tag[:1] == "{" else None
