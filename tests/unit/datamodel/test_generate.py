"""cwmpd.datamodel.generate on small hand-written data-model documents (no spec needed)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cwmpd.datamodel.generate import SpecError, convert
from cwmpd.datamodel.schema import Schema, read_schema

HEAD = '<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:t">'
TYPES = """
  <dataType name="Base"><string><size maxLength="45"/></string></dataType>
  <dataType name="Narrow" base="Base"><size maxLength="15"/><pattern value="\\d+"/></dataType>
  <dataType name="Pair"><list minItems="2" maxItems="2"/><unsignedInt/></dataType>
"""


def _convert(tmp_path: Path, body: str, types: str = TYPES) -> Schema:
    path = tmp_path / "m.xml"
    path.write_text(f'{HEAD}{types}<model name="Device:9.9">{body}</model></dm:document>')
    root, text = convert(path)
    assert root == "Device."
    return read_schema(io.StringIO(text))


def test_named_types_inherit_and_override_facets(tmp_path: Path) -> None:
    """A derived type replaces the facets it restates, keeps the others; list types stay lists."""
    s = _convert(
        tmp_path,
        """<object name="Device." access="readOnly" minEntries="1" maxEntries="1">
          <parameter name="A" access="readWrite">
            <syntax><dataType ref="Narrow"/></syntax></parameter>
          <parameter name="B"><syntax><dataType ref="Base"/></syntax></parameter>
          <parameter name="C"><syntax><dataType ref="Pair"/></syntax></parameter>
          <parameter name="D" access="readWrite"><syntax>
            <list maxItems="3"><size maxLength="100"/></list><dataType ref="Narrow"/>
            <default type="object" value="1,2"/></syntax></parameter>
        </object>""",
    )
    a, b, c, d = (s.param(f"Device.{n}") for n in "ABCD")
    assert a is not None and b is not None and c is not None and d is not None
    assert (a.type, a.max_length, a.patterns, a.writable) == ("string", 15, (r"\d+",), True)
    assert (b.max_length, b.patterns, b.writable) == (45, (), False)
    assert (c.type, c.is_list, c.max_items) == ("unsignedInt", True, 2)
    assert (d.is_list, d.max_items, d.max_length, d.item_max_length) == (True, 3, 100, 15)
    assert (d.default, d.default_type) == ("1,2", "object")


def test_deleted_items_are_skipped_and_defaults_apply(tmp_path: Path) -> None:
    """status="deleted" parameters and enumerations vanish; XSD attribute defaults apply."""
    s = _convert(
        tmp_path,
        """<object name="Device.">
          <parameter name="Gone" status="deleted"><syntax><int/></syntax></parameter>
          <parameter name="E"><syntax><string>
            <enumeration value="x"/><enumeration value="y" status="deleted"/>
          </string></syntax></parameter>
        </object>
        <object name="Device.T.{i}." access="readWrite" minEntries="0" maxEntries="unbounded"/>""",
    )
    assert s.param("Device.Gone") is None
    e = s.param("Device.E")
    assert e is not None and e.enums == ("x",) and not e.writable
    root = s.object("Device.")
    assert root is not None and (root.writable, root.min_entries, root.max_entries) == (
        False,
        1,
        1,
    )
    table = s.object("Device.T.{i}.")
    assert table is not None and table.is_table and table.writable and table.max_entries is None


@pytest.mark.parametrize(
    "body",
    [
        '<object name="Device."><parameter name="X"><syntax><dataType ref="Nope"/></syntax>'
        "</parameter></object>",
        '<object name="Device."><parameter name="X"><syntax/></parameter></object>',
        '<object name="Device."/><object name="Device."/>',
        '<object name="Device."><parameter name="X"><syntax><string>'
        '<enumeration value="a&#9;b"/></string></syntax></parameter></object>',
    ],
)
def test_malformed_models_are_spec_errors(tmp_path: Path, body: str) -> None:
    """Undefined types, missing base types, duplicates and unstorable values raise SpecError."""
    with pytest.raises(SpecError):
        _convert(tmp_path, body)
