"""Builders of raw SOAP text for codec tests (hand-written XML, any prefixes)."""

from __future__ import annotations

NS10 = "urn:dslforum-org:cwmp-1-0"


def envelope(
    body: str,
    header: str = "",
    ns: str = NS10,
    env_ns: str = "http://schemas.xmlsoap.org/soap/envelope/",
    prolog: str = "",
) -> bytes:
    """An envelope with prefixes soap/enc/xsi/xsd/cwmp around ``header`` and ``body``."""
    return (
        f"{prolog}<soap:Envelope xmlns:soap='{env_ns}'"
        " xmlns:enc='http://schemas.xmlsoap.org/soap/encoding/'"
        " xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'"
        " xmlns:xsd='http://www.w3.org/2001/XMLSchema'"
        f" xmlns:cwmp='{ns}'>"
        f"<soap:Header>{header}</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def id_header(value: str = "req-7") -> str:
    """A cwmp:ID header."""
    return f"<cwmp:ID soap:mustUnderstand='1'>{value}</cwmp:ID>"
