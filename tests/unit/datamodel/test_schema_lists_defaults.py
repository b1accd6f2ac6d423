"""Generated metadata of TR-106 lists (minItems, nesting) and of defaults as wire values."""

from __future__ import annotations

import io
from pathlib import Path

from cwmpd.datamodel.generate import convert
from cwmpd.datamodel.schema import ParamMeta, Schema, read_schema

HEAD = '<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:t">'
TYPES = '<dataType name="Pair"><list minItems="2" maxItems="2"/><unsignedInt/></dataType>'


def _convert(tmp_path: Path, params: str) -> Schema:
    path = tmp_path / "m.xml"
    body = (
        f'<object name="Device." access="readOnly" minEntries="1" maxEntries="1">{params}</object>'
    )
    path.write_text(f'{HEAD}{TYPES}<model name="Device:9.9">{body}</model></dm:document>')
    return read_schema(io.StringIO(convert(path)[1]))


def _param(schema: Schema, name: str) -> ParamMeta:
    meta = schema.param("Device." + name)
    assert meta is not None
    return meta


def test_list_facets_and_nesting(tmp_path: Path) -> None:
    """minItems, item sizes, bracketed strings and lists of a list type are all recorded."""
    s = _convert(
        tmp_path,
        """<parameter name="Flat" access="readWrite"><syntax>
             <list minItems="8" maxItems="8"/><unsignedInt><range maxInclusive="7"/></unsignedInt>
           </syntax></parameter>
           <parameter name="Rows" access="readWrite"><syntax>
             <list minItems="4" maxItems="4" nestedBrackets="required"><size/></list>
             <string><size minLength="31" maxLength="31"/></string></syntax></parameter>
           <parameter name="Pairs" access="readWrite"><syntax>
             <list minItems="1" maxItems="48" nestedBrackets="required"/>
             <dataType ref="Pair"/></syntax></parameter>""",
    )
    flat, rows, pairs = (_param(s, n) for n in ("Flat", "Rows", "Pairs"))
    assert (flat.min_items, flat.max_items, flat.nested, flat.ranges) == (8, 8, False, ((None, 7),))
    assert (rows.nested, rows.inner_items, rows.item_min_length, rows.item_max_length) == (
        True,
        None,
        31,
        31,
    )
    assert (pairs.type, pairs.min_items, pairs.max_items, pairs.inner_items) == (
        "unsignedInt",
        1,
        48,
        (2, 2),
    )
    assert flat.wire_type == rows.wire_type == pairs.wire_type == "string"


def test_defaults_are_wire_values(tmp_path: Path) -> None:
    """The XML's bracketed list defaults lose their brackets; a default that is not a value
    of its type (TR-098's dateTime default "") is dropped, so the null value applies."""
    s = _convert(
        tmp_path,
        """<parameter name="Ports"><syntax><list/><int/>
             <default type="object" value="[-1]"/></syntax></parameter>
           <parameter name="Empty"><syntax><list/><string/>
             <default type="object" value="[]"/></syntax></parameter>
           <parameter name="Rows"><syntax><list nestedBrackets="required"/><string/>
             <default type="object" value="[a,b],[c]"/></syntax></parameter>
           <parameter name="When"><syntax><dateTime/>
             <default type="object" value=""/></syntax></parameter>
           <parameter name="Text"><syntax><string/>
             <default type="object" value="[x]"/></syntax></parameter>""",
    )
    assert _param(s, "Ports").default == "-1"
    assert _param(s, "Empty").default == ""
    assert _param(s, "Rows").default == "[a,b],[c]"
    assert (_param(s, "When").default, _param(s, "When").default_type) == (None, None)
    assert _param(s, "Text").default == "[x]"
