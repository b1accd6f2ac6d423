"""Benchmark: GetParameterValues of a partial path over a 10,000-parameter model.

Agent time = parse the request envelope, answer it through the RPC dispatcher and the data
model, serialize the response; measured cold (each round on a freshly built model, so the
instance index is built by the GPV itself, as after every session end) and warm (the same
model again, index cached). Baseline, measured in the same run: lxml alone parsing the
same request bytes and building the same response (the same document, checked by C14N),
by the fastest of four lxml methods: ElementMaker, SubElement with pre-built qualified
names, a deep-copied struct template, the xmlfile incremental writer. Prints every
candidate, then both ratios against the fastest (target: at most 3).
Run: python tests/bench/bench_gpv.py
"""

from __future__ import annotations

import copy
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from lxml.builder import ElementMaker  # type: ignore[import-not-found]  # not in lxml-stubs 0.5
from twisted.internet.defer import Deferred

from cwmpd.cwmp import messages as m
from cwmpd.cwmp import soap
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.schema import load_schema
from cwmpd.plugin.load import model_from_declarations, schema_prefixes
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
NSMAP = {
    "soap-env": SOAP_ENV,
    "soap-enc": SOAP_ENC,
    "xsd": XSD,
    "xsi": XSI,
    "cwmp": soap.NS_CWMP_10,
}
ENVELOPE, HEADER, BODY = (f"{{{SOAP_ENV}}}{n}" for n in ("Envelope", "Header", "Body"))
CWMP_ID = f"{{{soap.NS_CWMP_10}}}ID"
GPV_RESPONSE = f"{{{soap.NS_CWMP_10}}}GetParameterValuesResponse"
ID_PATH = f"{{{SOAP_ENV}}}Header/{CWMP_ID}"
MUST_UNDERSTAND = f"{{{SOAP_ENV}}}mustUnderstand"
ARRAY_TYPE = f"{{{SOAP_ENC}}}arrayType"
XSI_TYPE = f"{{{XSI}}}type"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
Values = list[tuple[str, str, str]]


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


def _parse_request(request: bytes) -> str:
    """Every baseline starts like the agent: parse the request, read the cwmp:ID."""
    root = etree.fromstring(request, PARSER)
    return root.findtext(ID_PATH) or ""


def _response_head(ident: str, count: int) -> tuple[etree._Element, etree._Element]:
    """Envelope, Header/ID and Body/GetParameterValuesResponse/ParameterList, by SubElement."""
    sub = etree.SubElement
    root = etree.Element(ENVELOPE, nsmap=NSMAP)
    sub(sub(root, HEADER), CWMP_ID, {MUST_UNDERSTAND: "1"}).text = ident
    response = sub(sub(root, BODY), GPV_RESPONSE)
    return root, sub(response, "ParameterList", {ARRAY_TYPE: f"cwmp:ParameterValueStruct[{count}]"})


def baseline_element_maker(request: bytes, values: Values) -> bytes:
    """lxml's ElementMaker builder (the former baseline: 4-6x slower than the others)."""
    ident = _parse_request(request)
    soapenv = ElementMaker(namespace=SOAP_ENV, nsmap=NSMAP)
    cwmp = ElementMaker(namespace=soap.NS_CWMP_10)
    plain = ElementMaker()
    items = [
        plain.ParameterValueStruct(plain.Name(n), plain.Value(v, {XSI_TYPE: f"xsd:{t}"}))
        for n, v, t in values
    ]
    plist = plain.ParameterList(*items, {ARRAY_TYPE: f"cwmp:ParameterValueStruct[{len(items)}]"})
    env = soapenv.Envelope(
        soapenv.Header(cwmp.ID(ident, {MUST_UNDERSTAND: "1"})),
        soapenv.Body(cwmp.GetParameterValuesResponse(plist)),
    )
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def baseline_subelement(request: bytes, values: Values) -> bytes:
    """etree.SubElement with pre-built qualified names, one xsi:type dict per type."""
    root, plist = _response_head(_parse_request(request), len(values))
    sub = etree.SubElement
    types: dict[str, dict[str, str]] = {}
    for n, v, t in values:
        attrib = types.get(t) or types.setdefault(t, {XSI_TYPE: "xsd:" + t})
        struct = sub(plist, "ParameterValueStruct")
        sub(struct, "Name").text = n
        sub(struct, "Value", attrib).text = v
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def baseline_template_copy(request: bytes, values: Values) -> bytes:
    """A deep copy (in C) of a pre-built struct per xsi:type, texts set, appended."""
    root, plist = _response_head(_parse_request(request), len(values))
    templates: dict[str, etree._Element] = {}
    clone, append = copy.deepcopy, plist.append
    for n, v, t in values:
        template = templates.get(t)
        if template is None:
            template = templates[t] = etree.Element("ParameterValueStruct")
            etree.SubElement(template, "Name")
            etree.SubElement(template, "Value", {XSI_TYPE: "xsd:" + t})
        struct = clone(template)
        name, value = struct
        name.text, value.text = n, v
        append(struct)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def baseline_xmlfile(request: bytes, values: Values) -> bytes:
    """lxml.etree.xmlfile, the incremental writer: no tree at all, escaping done in C."""
    ident = _parse_request(request)
    out = io.BytesIO()
    types: dict[str, dict[str, str]] = {}
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(ENVELOPE, nsmap=NSMAP):
            with xf.element(HEADER), xf.element(CWMP_ID, {MUST_UNDERSTAND: "1"}):
                xf.write(ident)
            array = {ARRAY_TYPE: f"cwmp:ParameterValueStruct[{len(values)}]"}
            with xf.element(BODY), xf.element(GPV_RESPONSE), xf.element("ParameterList", array):
                element, write = xf.element, xf.write
                for n, v, t in values:
                    attrib = types.get(t) or types.setdefault(t, {XSI_TYPE: "xsd:" + t})
                    with element("ParameterValueStruct"):
                        with element("Name"):
                            write(n)
                        with element("Value", attrib):
                            write(v)
    return out.getvalue()


def _round_of(
    build: Callable[[bytes, Values], bytes], request: bytes, values: Values
) -> Callable[[int], object]:
    """One measured round of a baseline: build the response for ``request``."""
    return lambda _i: build(request, values)


BASELINES: dict[str, Callable[[bytes, Values], bytes]] = {
    "ElementMaker": baseline_element_maker,
    "SubElement": baseline_subelement,
    "template deepcopy": baseline_template_copy,
    "xmlfile": baseline_xmlfile,
}


def interleaved(calls: dict[str, Callable[[int], object]]) -> dict[str, float]:
    """Median wall time of each call over ROUNDS rounds; each round calls every one once,
    in turn, so a busy neighbour slows them all alike. ``call(i)`` is round ``i``."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for i in range(ROUNDS):
        for name, call in calls.items():
            start = time.perf_counter()
            call(i)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def canonical(data: bytes) -> bytes:
    """C14N of a document: the same infoset whatever the writer's namespace order."""
    return etree.tostring(etree.fromstring(data, PARSER), method="c14n")


def main() -> None:
    """Measure the agent (cold, warm) and every baseline; print the ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        request = soap.serialize(
            soap.Envelope(m.GetParameterValues(names=("Device.IP.Interface.",)), id="bench-1")
        )
        dispatcher = build_dispatcher(state / "warm")
        agent_bytes = agent_round(dispatcher, request)
        response = soap.parse(agent_bytes)
        assert isinstance(response.body, m.GetParameterValuesResponse)
        values = [(p.name, p.value, p.type) for p in response.body.parameters]
        count = sum(1 for n, _, _ in values if not n.endswith("NumberOfEntries"))
        assert count >= INSTANCES * len(FIELDS), count
        for name, build in BASELINES.items():
            assert canonical(build(request, values)) == canonical(agent_bytes), name
        fresh = [build_dispatcher(state / f"cold-{i}") for i in range(ROUNDS)]  # lazy: no index
        calls: dict[str, Callable[[int], object]] = {
            "cold": lambda i: agent_round(fresh[i], request),
            "warm": lambda i: agent_round(dispatcher, request),
        }
        for name, build in BASELINES.items():
            calls[name] = _round_of(build, request, values)
        measured = interleaved(calls)
    cold, warm = measured.pop("cold"), measured.pop("warm")
    bases = measured
    fastest = min(bases, key=bases.__getitem__)
    base = bases[fastest]
    each = ", ".join(f"{name} {t * 1000:.1f} ms" for name, t in bases.items())
    print(f"bench_gpv: lxml baselines (parse + build + serialize): {each}; fastest: {fastest}")
    print(
        f"bench_gpv: GPV Device.IP.Interface. over {len(values)} parameters: "
        f"agent cold {cold * 1000:.1f} ms, warm {warm * 1000:.1f} ms, "
        f"lxml {fastest} baseline {base * 1000:.1f} ms; "
        f"ratio cold {cold / base:.2f}, warm {warm / base:.2f} (target <= 3)"
    )


if __name__ == "__main__":
    main()
