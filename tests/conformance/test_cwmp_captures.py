"""Every real-world capture under spec/captures parses (liberal input) or gets the right fault.

Capture licences (see spec/captures/README.md): GenieACS messages (AGPL project output),
genieacs-sim (MIT), perl-cwmp (GPL), cwmp_ex (Artistic-2.0), clj.tr069 (EPL-1.0). They
are read in place from the spec folder and never copied into this repository.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conformance.xsd import validate_envelope
from cwmpd.cwmp.soap import NS_CWMP_11, BadEnvelope, parse, serialize

pytestmark = pytest.mark.spec

#: Captures that must NOT become a Message, with the fault they must get and why.
EXPECTED_FAULTS = {
    # clj.tr069 writes cwmp:HoldRequest (no "s") with mustUnderstand="1": a header we do not
    # understand, so SOAP 1.1 demands a MustUnderstand fault; ns and cwmp:ID are kept.
    "clj.tr069/Inform.xml": (9003, "MustUnderstand", NS_CWMP_11),
}

#: Parsed captures whose values (not structure) break the schema, so their re-encoding does.
OFF_SPEC_VALUES = {
    "clj.tr069/AddObject.xml": "ObjectName without trailing dot",
    "clj.tr069/DeleteObject.xml": "ObjectName without trailing dot",
    "clj.tr069/AutonomousTransferComplete.xml": "FileType 'test type'",
    "clj.tr069/Download.xml": "FileType 'filetype'",
    "clj.tr069/DeleteObjectResponse.xml": "Status 2",
    "clj.tr069/DownloadResponse.xml": "Status 2",
    "clj.tr069/SetParameterValuesResponse.xml": "Status 2",
    "cwmp_ex/inform/cycto.xml": "lower-case OUI, CurrentTime '2019-03-05T11:54::14'",
    "perl-cwmp/SpeedTouch-706/Inform.xml": "dateTime value 0000-00-00T00:00:00",
    "perl-cwmp/SpeedTouch-780/Inform.xml": "dateTime value 0000-00-00T00:00:00",
    "perl-cwmp/dump/BANT-W/6.2.17.5/Inform.http": "dateTime value 0000-00-00T00:00:00",
    "perl-cwmp/dump/BANT-R/7.4.1.7/GetParameterAttributesResponse.http": "AccessList 'subscriber'",
    "genieacs-1.2.16-e2e/spv-boolean-invalid-maybe.xml": "xsd:boolean value 'maybe'",
}

#: genieacs-1.2.16-e2e names its files by shape: "<rpc abbreviation>-<what is special>.xml".
E2E_RPCS = {
    "spa": "SetParameterAttributes",
    "spv": "SetParameterValues",
    "gpn": "GetParameterNames",
    "deleteobject": "DeleteObject",
}

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def body_of(path: Path) -> bytes:
    """The SOAP body of a capture; perl-cwmp .http dumps start with HTTP request headers."""
    data = path.read_bytes()
    if path.suffix == ".http":
        return _BLANK_LINE.split(data, maxsplit=1)[1]
    return data


def expected_rpc(path: Path) -> str:
    """The RPC a capture holds, from its name (tr098-X.xml, X.xml, spa-*.xml, inform/...)."""
    if path.parent.name == "inform":
        return "Inform"
    if path.parent.name == "genieacs-1.2.16-e2e":
        return E2E_RPCS[path.stem.split("-", 1)[0]]
    stem = path.stem.split("-", 1)[1] if path.stem.startswith(("tr098-", "tr181-")) else path.stem
    return {"ParameterValue": "GetParameterValuesResponse"}.get(stem, stem)


def _ids(paths: list[tuple[str, Path]]) -> list[object]:
    return [pytest.param(rel, path, id=rel) for rel, path in paths]


def capture_files() -> list[tuple[str, Path]]:
    """(relative name, path) of every capture; empty when the spec folder is absent."""
    default = Path(__file__).resolve().parents[3] / "shared" / "spec"
    root = Path(os.environ.get("CWMPD_SPEC_DIR", default)) / "captures"
    files = sorted(p for p in root.rglob("*") if p.suffix in (".xml", ".http"))
    return [(p.relative_to(root).as_posix(), p) for p in files]


CAPTURES = capture_files()


def test_capture_corpus_is_complete(spec: Path) -> None:
    """The corpus seen by these tests is the whole captures folder (77 messages)."""
    assert len(CAPTURES) == len(list((spec / "captures").rglob("*.xml"))) + len(
        list((spec / "captures").rglob("*.http"))
    )
    assert len(CAPTURES) >= 70


@pytest.mark.parametrize(("rel", "path"), _ids(CAPTURES))
def test_capture_parses(spec: Path, rel: str, path: Path) -> None:
    """Each capture becomes its RPC, or the documented BadEnvelope with ns and ID kept."""
    data = body_of(path)
    if rel in EXPECTED_FAULTS:
        code, soap_code, ns = EXPECTED_FAULTS[rel]
        with pytest.raises(BadEnvelope) as info:
            parse(data)
        bad = info.value
        assert (bad.fault.code, bad.soap_code, bad.ns) == (code, soap_code, ns)
        assert bad.id and bad.method == expected_rpc(path)
        return
    env = parse(data)
    assert env.body.name == ("Fault" if path.stem.endswith("Fault") else expected_rpc(path))


PARSED = [(rel, path) for rel, path in CAPTURES if rel not in EXPECTED_FAULTS]


@pytest.mark.parametrize(("rel", "path"), _ids(PARSED))
def test_capture_reencodes_valid(spec: Path, rel: str, path: Path) -> None:
    """Re-serializing a parsed capture yields schema-valid XML unless its values are off-spec."""
    errors = validate_envelope(spec, serialize(parse(body_of(path))))
    if rel in OFF_SPEC_VALUES:
        assert errors, f"expected the off-spec value to show: {OFF_SPEC_VALUES[rel]}"
    else:
        assert errors == []
