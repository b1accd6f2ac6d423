"""Fuzz the CWMP codec with mutated real captures: only BadEnvelope may come out, never 9002.

Every XML message under spec/captures (both directions, the .xml files and the bodies of
the .http dumps) is a seed, and so is every RPC of tests/conformance/samples.py in each
namespace that defines it (the captures hold no ChangeDUState, ScheduleDownload...).
A case is a seed plus up to four mutations, at byte level (bit flips, junk, truncation,
cut or doubled ranges, namespace swaps, re-encodings, declarations, bodies over max_size)
or at tree level (element deletion, duplication, reordering, renaming, attribute and text
changes, huge values, deep nesting, wide fan-out). What the agent does with ACS input is checked:

* ``soap.parse`` raises ``BadEnvelope`` and nothing else, and never with 9002, the code
  its safety net gives to a codec bug (any other exception inside the decoder);
* the fault envelope the agent would send back serializes and reads back as that fault;
* a message that parses re-serializes and reads back equal (what the ACS side does).

Cases are plain tuples so that tests/bench/bench_fuzz_codec.py can draw the same kinds
with ``random.Random`` at a higher rate. The hypothesis run is derandomized (same cases on
every machine) and keeps no example database.
"""

from __future__ import annotations

import copy
import os
import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conformance import samples
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import DEFAULT_MAX_SIZE, BadEnvelope, Envelope, parse, serialize

REPO = Path(__file__).resolve().parents[2]
INTERNAL_ERROR = 9002
Case = tuple[int, tuple[tuple[Any, ...], ...]]

# -- seeds --------------------------------------------------------------------------------


def captures_dir() -> Path | None:
    """spec/captures from CWMPD_SPEC_DIR (default ../shared/spec), None when missing."""
    spec = Path(os.environ.get("CWMPD_SPEC_DIR", REPO.parent / "shared" / "spec"))
    path = spec / "captures"
    return path if path.is_dir() else None


def _http_body(raw: bytes) -> bytes | None:
    _head, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    body = body.strip()
    return body if sep and body.startswith(b"<") else None


@cache
def seeds() -> tuple[tuple[str, bytes], ...]:
    """(relative path, bytes) of every XML message in the captures, sorted by path."""
    root = captures_dir()
    if root is None:
        return ()
    out: list[tuple[str, bytes]] = []
    for path in sorted(root.rglob("*")):
        if path.suffix == ".xml":
            out.append((str(path.relative_to(root)), path.read_bytes()))
        elif path.suffix == ".http":
            body = _http_body(path.read_bytes())
            if body is not None:
                out.append((str(path.relative_to(root)), body))
    for ns in samples.NAMESPACES:
        messages = samples.cpe_messages() + samples.acs_messages()
        for i, msg in enumerate(samples.for_namespace(messages, ns)):
            env = Envelope(msg, ns=ns, id=f"s{i}", hold_requests=i % 5 == 0, session_timeout=30)
            out.append((f"samples/{ns[-3:]}/{msg.name}", serialize(env)))
    return tuple(out)


@cache
def seed_tree(index: int) -> etree._Element | None:
    """The seed's tree (parsed without any entity or network), None if it is not XML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(seeds()[index][1], parser)
    except etree.XMLSyntaxError:
        return None


# -- mutations ------------------------------------------------------------------------------

T = TypeVar("T")

JUNK: tuple[bytes, ...] = (
    b"<", b">", b"&", b"&amp;", b"&lol;", b"&#0;", b"&#x110000;", b"&#xD800;", b"]]>",
    b"<![CDATA[", b"<!--", b"-->", b"<?pi x?>", b"\xff", b"\xc0\x80", b"\xed\xa0\x80",
    b"\xef\xbb\xbf", b"\x00", b"\x1b", b'"', b"'", b"=", b":", b"xmlns=", b'xmlns:x="',
    b"</soap-env:Body>", b"<soap-env:Body>", b"<cwmp:ID>", b"</x>", b"\r\n", b"\t" * 64,
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b'<xi:include href="/etc/passwd"/>',
)  # fmt: skip
TEXTS: tuple[str, ...] = (
    "", " ", "0", "1", "-1", "01", "+7", "true", "FALSE", "maybe", "2147483648", "-2147483649",
    "4294967295", "4294967296", "9" * 30, "1e3", "0x10", " 42 ", "1.5", "NaN", "Device.",
    "Device..X", ".", "xsd:string[3]", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00",
    "\u202e\u0000"[:1], "\U0001f4a9", "é", "\ufffd", "a" * 33, "k" * 32, "x" * 70_000,
    "&<>\"'", "\n\t ", "urn:dslforum-org:cwmp-1-2",
)  # fmt: skip
NAMESPACES: tuple[str | None, ...] = (
    None, "", "urn:dslforum-org:cwmp-1-0", "urn:dslforum-org:cwmp-1-1",
    "urn:dslforum-org:cwmp-1-2", "urn:dslforum-org:cwmp-1-3", "urn:dslforum-org:cwmp-2-0",
    "http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope",
    "http://schemas.xmlsoap.org/soap/encoding/", "http://www.w3.org/2001/XInclude", "urn:x",
)  # fmt: skip
LOCAL_NAMES: tuple[str, ...] = (
    *sorted(m.RPC_TYPES), "Envelope", "Header", "Body", "Fault", "ID", "HoldRequests",
    "SessionTimeout", "NoMoreRequests", "ParameterList", "ParameterValueStruct", "Name",
    "Value", "ParameterNames", "string", "faultcode", "detail", "FaultCode", "include", "x",
)  # fmt: skip
ATTRIBUTES: tuple[str, ...] = (
    "{http://schemas.xmlsoap.org/soap/encoding/}arrayType",
    "{http://www.w3.org/2001/XMLSchema-instance}type",
    "{http://schemas.xmlsoap.org/soap/envelope/}mustUnderstand",
    "{http://schemas.xmlsoap.org/soap/envelope/}actor",
    "{http://schemas.xmlsoap.org/soap/envelope/}encodingStyle",
    "{http://www.w3.org/XML/1998/namespace}base",
    "href",
    "id",
    "x",
)
ATTR_VALUES: tuple[str, ...] = (
    "", "1", "0", "true", "xsd:string[1]", "xsd:string[99999999999999999999]",
    "cwmp:ParameterValueStruct[100001]", "cwmp:ParameterValueStruct[-1]", "xsd:string[]",
    "[", "[1", "xsd:string[ 0002 ]", "xsd:", ":", "xsd:base64Binary", "soap-enc:base64",
    "xsd:unsignedInt", "cwmp:", "http://schemas.xmlsoap.org/soap/actor/next", "urn:x",
    "file:///etc/passwd", "x" * 5000,
)  # fmt: skip
ENCODINGS: tuple[str, ...] = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp500")
DECLARATIONS: tuple[bytes, ...] = (
    b'<?xml version="1.0" encoding="UTF-8"?>', b'<?xml version="1.0" encoding="ISO-8859-1"?>',
    b'<?xml version="1.0" encoding="UTF-16"?>', b'<?xml version="1.1"?>', b"<?xml?>",
    b'<?xml version="1.0" encoding="EBCDIC"?>', b"\xef\xbb\xbf", b"\xff\xfe", b"\n\n  ",
)  # fmt: skip
NS_SWAPS: tuple[tuple[bytes, bytes], ...] = (
    (b"cwmp-1-0", b"cwmp-1-2"), (b"cwmp-1-0", b"cwmp-1-3"), (b"cwmp-1-2", b"cwmp-1-0"),
    (b"cwmp-1-", b"cwmp-9-"),
    (b"schemas.xmlsoap.org/soap/envelope/", b"www.w3.org/2003/05/soap-envelope"),
    (b"http://schemas.xmlsoap.org/soap/encoding/", b"urn:x"),
    (b"XMLSchema-instance", b"XMLSchema"), (b"xmlns:", b"xmlns:x"), (b"cwmp:", b"soap-env:"),
    (b"soap-env:", b""), (b"soapenv:", b"cwmp:"),
)  # fmt: skip

BYTE_OPS = (
    "flip", "set", "insert", "truncate", "cut", "double", "swap_ns", "encode", "prefix",
    "redeclare", "grow",
)  # fmt: skip
TREE_OPS = (
    "delete", "duplicate", "reverse", "move", "text", "tail", "attr", "strip_attrs",
    "rename", "retag_ns", "nest", "fan_out",
)  # fmt: skip
OPS = TREE_OPS + BYTE_OPS


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _pick(seq: Sequence[T], n: int) -> T:
    return seq[n % len(seq)]


def _tree_op(root: etree._Element, op: str, a: int, b: int, c: int) -> etree._Element:
    """Apply one tree mutation in place; returns the (possibly new) root."""
    elems = _elements(root)
    elem = _pick(elems, a)
    parent = elem.getparent()
    if op == "delete" and parent is not None:
        parent.remove(elem)
    elif op == "duplicate" and parent is not None:
        for _ in range(1 + c % 3):
            elem.addnext(copy.deepcopy(elem))
    elif op == "reverse":
        children = list(elem)
        for child in children:
            elem.remove(child)
        for child in reversed(children):
            elem.append(child)
    elif op == "move" and parent is not None:
        target = _pick(elems, b)
        if elem not in target.iterancestors() and target is not elem:
            target.insert(c % (len(target) + 1), elem)
    elif op == "text":  # on a leaf: that is where scalars are read
        leaves = [e for e in elems if not len(e)]
        _pick(leaves, a).text = _pick(TEXTS, b) * (1 + c % 2)
    elif op == "tail" and parent is not None:
        elem.tail = _pick(TEXTS, b)
    elif op == "attr":
        elem.set(_pick(ATTRIBUTES, b), _pick(ATTR_VALUES, c))
    elif op == "strip_attrs":
        elem.attrib.clear()
    elif op == "rename":
        ns = elem.tag[1:].partition("}")[0] if elem.tag[0] == "{" else None
        name = _pick(LOCAL_NAMES, b)
        elem.tag = f"{{{ns}}}{name}" if ns else name
    elif op == "retag_ns":
        ns = _pick(NAMESPACES, b)
        local = etree.QName(elem).localname
        elem.tag = f"{{{ns}}}{local}" if ns else local
    elif op == "nest":
        depth = 1 + (b * 37 + c) % 3000
        inner = elem
        for _ in range(depth):
            inner = etree.SubElement(inner, "n")
        inner.text = "deep"
    elif op == "fan_out":
        for _ in range(1 + (b * 13 + c) % 3000):
            etree.SubElement(elem, _pick(LOCAL_NAMES, c)).text = "x"
    return root


def _byte_op(data: bytes, op: str, a: int, b: int, c: int) -> bytes:
    n = max(len(data), 1)
    pos = a % n
    if op == "flip":
        buf = bytearray(data)
        if buf:
            buf[pos] ^= 1 << (b % 8)
        return bytes(buf)
    if op == "set":
        return data[:pos] + bytes([b % 256]) + data[pos + 1 :]
    if op == "insert":
        return data[:pos] + _pick(JUNK, b) * (1 + c % 4) + data[pos:]
    if op == "truncate":
        return data[:pos]
    if op == "cut":
        return data[:pos] + data[pos + 1 + b % 200 :]
    if op == "double":
        chunk = data[pos : pos + 1 + b % 400]
        return data[:pos] + chunk * (2 + c % 3) + data[pos:]
    if op == "swap_ns":
        old, new = _pick(NS_SWAPS, b)
        return data.replace(old, new)
    if op == "encode":
        try:
            return data.decode("utf-8").encode(_pick(ENCODINGS, b))
        except (UnicodeError, LookupError):
            return data
    if op == "prefix":
        return _pick(DECLARATIONS, b) + data
    if op == "redeclare":
        start, end = data.find(b"<?xml"), data.find(b"?>")
        rest = data[end + 2 :] if start == 0 and end > 0 else data
        return _pick(DECLARATIONS, b) + rest
    if op == "grow":  # past max_size one time in 64, else a few hundred KiB of blanks
        size = DEFAULT_MAX_SIZE + 1 if b % 64 == 0 else 1 + (c * 7) % 400_000
        return data[:pos] + b" " * size + data[pos:]
    raise ValueError(op)


def build(case: Case) -> bytes:
    """The bytes of ``case``: tree mutations first (on a copy of the seed), then byte ones."""
    index, ops = case
    index %= len(seeds())
    tree_ops = [op for op in ops if op[0] in TREE_OPS]
    data = seeds()[index][1]
    tree = seed_tree(index)
    if tree_ops and tree is not None:
        root = copy.deepcopy(tree)
        for op in tree_ops:
            root = _tree_op(root, *op)
        data = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    for op in ops:
        if op[0] in BYTE_OPS:
            data = _byte_op(data, *op)
    return data


def random_case(rng: random.Random) -> Case:
    """A case drawn from ``rng`` (the benchmark's generator)."""
    big = 1 << 16
    ops = tuple(
        (rng.choice(OPS), rng.randrange(big), rng.randrange(big), rng.randrange(big))
        for _ in range(rng.randint(1, 4))
    )
    return (rng.randrange(big), ops)


_INT = st.integers(0, (1 << 16) - 1)
CASES = st.tuples(
    _INT, st.lists(st.tuples(st.sampled_from(OPS), _INT, _INT, _INT), min_size=1, max_size=4)
).map(lambda t: (t[0], tuple(t[1])))


# -- the property ---------------------------------------------------------------------------


def check(data: bytes) -> int | None:
    """Decode ``data`` as the agent does; the fault code, or None when it decoded.

    AssertionError on any broken property (see the module docstring).
    """
    try:
        env = parse(data)
    except BadEnvelope as bad:
        code = bad.fault.code
        assert code != INTERNAL_ERROR, f"codec bug behind a 9002: {bad.fault.string}"
        answer = parse(serialize(bad.to_envelope()))
        assert isinstance(answer.body, m.Fault), answer
        assert answer.body.code == code, (answer.body, bad.fault)
        assert (answer.ns, answer.id) == (bad.ns, bad.id)
        return code
    again = parse(serialize(env))
    assert again == env, f"round trip changed the message:\n{env}\n{again}"
    return None


# -- tests ----------------------------------------------------------------------------------

pytestmark = pytest.mark.skipif(captures_dir() is None, reason="spec/captures missing")


def test_every_capture_is_a_seed() -> None:
    """Both directions of every capture set are there, and every seed itself passes."""
    names = [name for name, _ in seeds()]
    assert len(names) >= 150, len(names)
    for source in ("genieacs-1.2.16/acs-to-cpe", "genieacs-sim/cpe-to-acs", "perl-cwmp/dump"):
        assert any(name.startswith(source) for name in names), source
    for name, data in seeds():
        check(data)  # raises AssertionError naming the property
        assert name


@settings(
    max_examples=5_000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(CASES)
def test_mutated_captures_only_ever_fault(case: Case) -> None:
    """5,000 mutated captures: a BadEnvelope (never 9002) or a message that round-trips."""
    check(build(case))
