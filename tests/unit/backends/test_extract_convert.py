"""Named conversions in value extraction: prefix length <-> dotted netmask, bad input refused."""

from __future__ import annotations

import pytest

from cwmpd.backends.extract import Extract, ExtractError
from cwmpd.plugin.mapping_format import MappingError, param_spec


def test_prefix_length_becomes_netmask() -> None:
    """``convert = "netmask"`` turns a JSON prefix length into the dotted mask, then maps."""
    extract = Extract(json="prefixlen", convert="netmask", map={"255.255.255.255": "host"})
    assert extract.apply({"prefixlen": 24}) == "255.255.255.0"
    assert extract.apply({"prefixlen": 0}) == "0.0.0.0"  # noqa: S104 (a mask, not a bind)
    assert extract.apply({"prefixlen": 32}) == "host"


def test_netmask_becomes_prefix_length() -> None:
    """``convert = "prefixlen"`` is the inverse; a host mask or a gap in the mask is refused."""
    extract = Extract(convert="prefixlen")
    assert extract.apply("255.255.240.0\n") == "20"
    for bad in ("0.0.0.255", "255.0.255.0", "255.255.255", "garbage"):
        with pytest.raises(ExtractError):
            extract.apply(bad)


@pytest.mark.parametrize("bad", ["33", "-1", "", "24.5", "²"])
def test_bad_prefix_length_is_garbage_output(bad: str) -> None:
    """A prefix length that is not 0..32 is an ExtractError (fault 9002), not a crash."""
    with pytest.raises(ExtractError):
        Extract(convert="netmask").apply(bad)


def test_unknown_conversion_is_a_mapping_error() -> None:
    """A mapping naming an unknown conversion fails to load with one clear line."""
    with pytest.raises(MappingError, match="unknown convert 'rot13'"):
        param_spec("Device.X", {"command": ["true"], "convert": "rot13"})
