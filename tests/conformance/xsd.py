"""Offline validation of CWMP envelopes against the Broadband Forum XSDs (reusable test helper).

Use from any test (tests/ is on sys.path through the root conftest)::

    from conformance.xsd import validate_envelope
    assert validate_envelope(spec, serialize(env)) == []

Same two checks as ``spec/examples/validate_cwmp.py``: (1) the whole envelope against
soap-envelope.xsd plus the three cwmp namespaces (Body and detail are lax, so cwmp children
are checked), (2) the cwmp:<RPC> element alone, strictly, against its namespace's schema.
Remote schemaLocations are mapped to files in ``spec/xsd``; nothing touches the network.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
CWMP_SCHEMAS = {
    "urn:dslforum-org:cwmp-1-0": "cwmp-1-0.xsd",
    "urn:dslforum-org:cwmp-1-1": "cwmp-1-1.xsd",
    "urn:dslforum-org:cwmp-1-2": "cwmp-1-4.xsd",  # 1-3 and 1-4 extend the 1-2 namespace
}
_EXACT = {
    "http://schemas.xmlsoap.org/soap/envelope/": "soap-envelope.xsd",
    "http://schemas.xmlsoap.org/soap/encoding/": "soap-encoding.xsd",
}
_PREFIXES = ("http://www.broadband-forum.org/cwmp/", "https://www.broadband-forum.org/cwmp/")


class _LocalResolver(etree.Resolver):
    """Maps the schemas' remote URLs onto the vendored files."""

    def __init__(self, xsd_dir: Path) -> None:
        super().__init__()
        self.xsd_dir = xsd_dir

    # lxml-stubs 0.5 know neither the context lxml passes nor Resolver.resolve_filename
    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:  # type: ignore[override]
        """A local file for a known URL, else None (relative names resolve normally)."""
        if system_url in _EXACT:
            return self.resolve_filename(str(self.xsd_dir / _EXACT[system_url]), context)  # type: ignore[attr-defined]
        for prefix in _PREFIXES:
            if system_url.startswith(prefix):
                name = system_url[len(prefix) :]
                return self.resolve_filename(str(self.xsd_dir / name), context)  # type: ignore[attr-defined]
        return None


def _schema_parser(xsd_dir: Path) -> etree.XMLParser:
    # lxml-stubs 0.5 know resolve_entities as a bool only; lxml >= 5 also takes "internal"
    parser = etree.XMLParser(no_network=True, resolve_entities="internal")  # type: ignore[arg-type]
    parser.resolvers.add(_LocalResolver(xsd_dir))
    return parser


@functools.lru_cache(maxsize=4)
def schemas(spec_dir: Path) -> tuple[etree.XMLSchema, dict[str, etree.XMLSchema]]:
    """(envelope schema, {cwmp namespace: schema}), loaded once per spec folder."""
    xsd_dir = Path(spec_dir) / "xsd"
    parser = _schema_parser(xsd_dir)
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{name}"/>'
        for ns, name in [(SOAP_ENV, "soap-envelope.xsd"), *CWMP_SCHEMAS.items()]
    )
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'targetNamespace="urn:local:cwmp-envelope-wrapper">{imports}</xs:schema>'
    )
    doc = etree.fromstring(wrapper.encode(), parser, base_url=(xsd_dir / "wrapper.xsd").as_uri())
    envelope = etree.XMLSchema(doc)
    per_ns = {
        ns: etree.XMLSchema(etree.parse(str(xsd_dir / name), parser))
        for ns, name in CWMP_SCHEMAS.items()
    }
    return envelope, per_ns


def validate_envelope(spec_dir: Path, data: bytes) -> list[str]:
    """Every schema error of the SOAP message ``data`` (empty list = valid)."""
    envelope, per_ns = schemas(Path(spec_dir))
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    doc = etree.ElementTree(etree.fromstring(data, parser))
    errors: list[str] = []  # (lxml-stubs 0.5: an _ErrorLog is not iterable; lxml's is)
    if not envelope.validate(doc):
        errors += [f"envelope: {e}" for e in envelope.error_log]  # type: ignore[attr-defined]
    body = doc.getroot().find(f"{{{SOAP_ENV}}}Body")
    rpcs = [] if body is None else [c for c in body if isinstance(c.tag, str)]
    for rpc in rpcs:
        ns = etree.QName(rpc).namespace
        if ns == SOAP_ENV:
            continue  # soap-env:Fault; its detail/cwmp:Fault was checked laxly above
        schema = per_ns.get(ns or "")
        if schema is None:
            errors.append(f"no schema for namespace {ns!r}")
            continue
        standalone = etree.ElementTree(etree.fromstring(etree.tostring(rpc)))
        if not schema.validate(standalone):
            errors += [f"{etree.QName(rpc).localname}: {e}" for e in schema.error_log]  # type: ignore[attr-defined]
    return errors


@functools.lru_cache(maxsize=4)
def lwnotif_schema(spec_dir: Path) -> etree.XMLSchema:
    """cwmp-UDPLightweightNotification-1-0.xsd (TR-069 Annex M), its imports kept offline."""
    xsd_dir = Path(spec_dir) / "xsd"
    path = xsd_dir / "cwmp-UDPLightweightNotification-1-0.xsd"
    return etree.XMLSchema(etree.parse(str(path), _schema_parser(xsd_dir)))


def validate_lwnotif(spec_dir: Path, payload: bytes) -> list[str]:
    """Every schema error of a lightweight notification's XML payload (empty list = valid)."""
    schema = lwnotif_schema(Path(spec_dir))
    doc = etree.ElementTree(etree.fromstring(payload, etree.XMLParser(no_network=True)))
    if schema.validate(doc):
        return []
    return [str(e) for e in schema.error_log]  # type: ignore[attr-defined]
