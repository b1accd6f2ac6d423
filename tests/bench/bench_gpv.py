"""Benchmark: GetParameterValues of a partial path over a 10,000-parameter model.

Agent time = parse the request envelope, answer it through the RPC dispatcher and the data
model, serialize the response. Baseline, measured in the same run: lxml alone parsing the
same request bytes and building the same response with ElementMaker. Prints the ratio
(target: at most 3). Run: python tests/bench/bench_gpv.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from lxml import etree
from lxml.builder import ElementMaker
from twisted.internet.defer import Deferred

from cwmpd.cwmp import messages as m
from cwmpd.cwmp import soap
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.factory import model_from_declarations, schema_prefixes
from cwmpd.datamodel.schema import load_schema
from cwmpd.session.dispatch import Dispatcher

INSTANCES = 1000
FIELDS = (
    "Enable",
    "Alias",
    "Name",
    "Status",
    "Type",
    "IPv4Enable",
    "IPv6Enable",
    "ULAEnable",
    "LowerLayers",
    "MaxMTUSize",
)
ROUNDS = 15
SOAP_ENV, SOAP_ENC = soap.SOAP_ENV, soap.SOAP_ENC
XSI, XSD = "http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/2001/XMLSchema"


def build_dispatcher(state: Path) -> Dispatcher:
    """A model with INSTANCES x len(FIELDS) = 10,000 store-backed parameters."""
    decl = Declarations("Device.")
    defaults = {
        "Enable": "true",
        "IPv4Enable": "true",
        "IPv6Enable": "false",
        "ULAEnable": "false",
        "MaxMTUSize": "1500",
        "Status": "Up",
        "Type": "Normal",
    }
    for field in FIELDS:
        decl.store(f"Device.IP.Interface.{{i}}.{field}", defaults.get(field, ""))
    decl.factory({f"Device.IP.Interface.{i}.Name": f"eth{i}" for i in range(1, INSTANCES + 1)})
    model = model_from_declarations(
        decl, load_schema("Device.", prefixes=schema_prefixes(decl)), state
    )
    return Dispatcher(model, add_event=lambda c, k: None, schedule_inform=lambda d, k: None)


def agent_round(dispatcher: Dispatcher, request: bytes) -> bytes:
    """What the agent does for one GPV request: parse, answer, serialize (synchronously)."""
    env = soap.parse(request)
    results: list[m.Message] = []
    Deferred.fromCoroutine(dispatcher.answer(env.body)).addCallback(results.append)
    (answer,) = results
    assert isinstance(answer, m.GetParameterValuesResponse)
    return soap.serialize(soap.Envelope(answer, env.ns, env.id))


def baseline_round(request: bytes, values: list[tuple[str, str, str]]) -> bytes:
    """lxml alone: parse the same request and build the same response with ElementMaker."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(request, parser)
    ident = root.findtext(f"{{{SOAP_ENV}}}Header/{{{soap.NS_CWMP_10}}}ID")
    soapenv = ElementMaker(
        namespace=SOAP_ENV,
        nsmap={
            "soap-env": SOAP_ENV,
            "soap-enc": SOAP_ENC,
            "xsd": XSD,
            "xsi": XSI,
            "cwmp": soap.NS_CWMP_10,
        },
    )
    cwmp = ElementMaker(namespace=soap.NS_CWMP_10)
    plain = ElementMaker()
    xsi_type = f"{{{XSI}}}type"
    items = [
        plain.ParameterValueStruct(plain.Name(n), plain.Value(v, {xsi_type: f"xsd:{t}"}))
        for n, v, t in values
    ]
    plist = plain.ParameterList(
        *items, {f"{{{SOAP_ENC}}}arrayType": f"cwmp:ParameterValueStruct[{len(items)}]"}
    )
    env = soapenv.Envelope(
        soapenv.Header(cwmp.ID(ident or "", {f"{{{SOAP_ENV}}}mustUnderstand": "1"})),
        soapenv.Body(cwmp.GetParameterValuesResponse(plist)),
    )
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def timed(fn: object, *args: object) -> float:
    """Median wall time of ROUNDS calls."""
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn(*args)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Measure both and print the ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        dispatcher = build_dispatcher(Path(tmp))
        request = soap.serialize(
            soap.Envelope(m.GetParameterValues(names=("Device.IP.Interface.",)), id="bench-1")
        )
        response = soap.parse(agent_round(dispatcher, request))
        assert isinstance(response.body, m.GetParameterValuesResponse)
        values = [(p.name, p.value, p.type) for p in response.body.parameters]
        count = sum(1 for n, _, _ in values if not n.endswith("NumberOfEntries"))
        assert count >= INSTANCES * len(FIELDS), count
        agent = timed(agent_round, dispatcher, request)
        base = timed(baseline_round, request, values)
    print(
        f"bench_gpv: GPV Device.IP.Interface. over {len(values)} parameters: "
        f"agent {agent * 1000:.1f} ms, lxml+ElementMaker baseline {base * 1000:.1f} ms, "
        f"ratio {agent / base:.2f} (target <= 3)"
    )


if __name__ == "__main__":
    main()
