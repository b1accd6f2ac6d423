"""The whole simulated tree through GPN/GPV, and SPV edge values on every writable parameter."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterInfoStruct, ParameterValueStruct
from cwmpd.cwmp.types import INT_RANGES
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.schema import ParamMeta, generic_path, load_schema
from cwmpd.datamodel.validate import check_value
from cwmpd.datamodel.vendor import with_vendor
from cwmpd.plugin.load import load_plugin
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession, Exchange
from support.fakes import stand_in
from support.probe import assert_valid, run_sessions

SKIP = ("URL", "EnableCWMP", "DiagnosticsState", "PeriodicInformEnable", "UDPEchoConfig.Enable")


def bad_values(meta: ParamMeta) -> list[tuple[str, str, int]]:
    """(value, xsi type, expected per-parameter fault) cases for one writable parameter."""
    t = meta.type
    if t in INT_RANGES:
        hi = INT_RANGES[t][1]
        if meta.ranges and meta.ranges[0][1] is not None:
            hi = meta.ranges[0][1]
        return [(str(hi + 1), t, 9007), ("true", "boolean", 9006), ("", t, 9007), ("1x", t, 9007)]
    if t == "boolean":
        return [("2", t, 9007), ("yes", t, 9007), ("1", "int", 9006), ("", t, 9007)]
    if t == "dateTime":
        return [("2020-13-01T00:00:00Z", t, 9007), ("", t, 9007), ("1", "unsignedInt", 9006)]
    out = [("5", "int", 9006)]
    if meta.enums and not meta.is_list:
        out += [("Bogus", t, 9007), (meta.enums[0].lower(), t, 9007), ("", t, 9007)]
    elif meta.patterns and not meta.is_list:
        out.append(("256.1.1.1", t, 9007))
    elif meta.max_length:
        out.append(("x" * (meta.max_length + 1), t, 9007))
    return out


@pytest_twisted.ensureDeferred
async def test_whole_tree_and_spv_edges(tmp_path: Path, spec: Path) -> None:
    """GPN of every object both ways; GPV "Device." typed and valid (P-2..P-6, T-2); SPV faults."""
    acs = ScriptedAcs()
    decl = Declarations("Device.")  # the simulated device's vendor parameters join the schema
    load_plugin("simulated", state_dir=tmp_path / "decl", reactor=stand_in(Clock())).declare(decl)
    schema = with_vendor(load_schema("Device."), decl.vendor)
    acs.queue(m.GetParameterNames(path="", next_level=True))
    acs.queue(m.GetParameterNames(path="", next_level=False))
    expected: list[tuple[str, int]] = []

    def walk(session: AcsSession, ex: Exchange) -> None:
        if not (isinstance(ex.sent, m.GetParameterNames) and ex.sent.path == ""):
            return
        if not ex.sent.next_level and isinstance(ex.received, m.GetParameterNamesResponse):
            infos = ex.received.parameters
            for info in infos:
                if info.name.endswith("."):
                    acs.queue(m.GetParameterNames(path=info.name, next_level=True))
                    acs.queue(m.GetParameterNames(path=info.name, next_level=False))
            for info in infos:
                if info.writable and not info.name.endswith((".", *SKIP)):
                    meta = schema.param(generic_path(info.name))
                    assert meta is not None and meta.writable, info.name
                    for value, wire, code in bad_values(meta):
                        pv = ParameterValueStruct(info.name, value, wire)
                        acs.queue(m.SetParameterValues(parameters=(pv,), parameter_key="bad"))
                        expected.append((info.name, code))
            acs.queue(m.GetParameterValues(names=("Device.",)))

    acs.on_exchange(walk)
    (session,), _ = await run_sessions(tmp_path, acs, 1)
    root, everything, *rest = session.responses
    assert root == m.GetParameterNamesResponse(parameters=(ParameterInfoStruct("Device.", False),))
    assert isinstance(everything, m.GetParameterNamesResponse)
    names = [p.name for p in everything.parameters]
    assert names[0] == "Device." and len(names) == len(set(names))
    objects = [n for n in names if n.endswith(".")]
    gpn, spv, (gpv,) = rest[: 2 * len(objects)], rest[2 * len(objects) : -1], rest[-1:]
    for obj, (next_level, subtree) in zip(
        objects, zip(gpn[::2], gpn[1::2], strict=True), strict=True
    ):
        assert isinstance(next_level, m.GetParameterNamesResponse), obj
        assert isinstance(subtree, m.GetParameterNamesResponse), obj
        kids = [p.name for p in next_level.parameters]
        assert all(k.startswith(obj) and k != obj for k in kids)
        assert all("." not in k[len(obj) :].rstrip(".") for k in kids), obj
        assert subtree.parameters[0].name == obj
        assert {p.name for p in subtree.parameters} == {n for n in names if n.startswith(obj)}
    got = [(f.set_faults[0].name, f.set_faults[0].code) for f in spv if isinstance(f, m.Fault)]
    assert got == expected and len(spv) == len(expected) > 100
    assert isinstance(gpv, m.GetParameterValuesResponse)
    assert {p.name for p in gpv.parameters} == {n for n in names if not n.endswith(".")}
    for p in gpv.parameters:
        meta = schema.param(generic_path(p.name))
        assert meta is not None and p.type == meta.type, p
        check_value(meta, p.value, p.type, allow_readonly_enums=True)
    assert assert_valid(spec, [session]) == len(session.responses) + 1
