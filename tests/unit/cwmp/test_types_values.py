"""cwmpd.cwmp.types: lexical forms, ranges, canonical forms and null values of every type."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cwmpd.cwmp import types


@pytest.mark.parametrize(
    ("type_name", "text", "value"),
    [
        ("int", "-2147483648", -(2**31)),
        ("int", "2147483647", 2**31 - 1),
        ("int", "+007", 7),
        ("unsignedInt", "0", 0),
        ("unsignedInt", "4294967295", 2**32 - 1),
        ("long", "-9223372036854775808", -(2**63)),
        ("long", "9223372036854775807", 2**63 - 1),
        ("unsignedLong", "18446744073709551615", 2**64 - 1),
        ("unsignedInt", " 42 ", 42),
    ],
)
def test_integer_boundaries_accepted(type_name: str, text: str, value: int) -> None:
    """Every integer type accepts its exact bounds (and XSD sign/blank forms)."""
    assert types.parse(type_name, text) == value


@pytest.mark.parametrize(
    ("type_name", "text"),
    [
        ("int", "-2147483649"),
        ("int", "2147483648"),
        ("unsignedInt", "4294967296"),
        ("unsignedInt", "-1"),
        ("long", "9223372036854775808"),
        ("long", "-9223372036854775809"),
        ("unsignedLong", "18446744073709551616"),
        ("unsignedLong", "-1"),
        ("int", ""),
        ("int", "1.0"),
        ("int", "0x10"),
        ("unsignedInt", "1e3"),
        ("int", "١٢"),  # Arabic-Indic digits are not XSD digits
    ],
)
def test_integers_out_of_range_or_malformed_rejected(type_name: str, text: str) -> None:
    """One past each bound, and non-XSD numerals, raise ValueError."""
    with pytest.raises(ValueError):
        types.parse(type_name, text)


def test_integer_canonical_drops_sign_and_leading_zeros() -> None:
    """Canonical integers have no "+" and no leading zeros; "-0" becomes "0"."""
    assert types.canonical("unsignedInt", "+000120") == "120"
    assert types.canonical("int", "-0") == "0"
    assert types.canonical("long", "-0042") == "-42"


@pytest.mark.parametrize(
    ("text", "value"), [("1", True), ("true", True), ("0", False), ("false", False)]
)
def test_boolean_accepts_four_forms(text: str, value: bool) -> None:
    """T-3: "0", "1", "true" and "false" are booleans; canonical output is "true"/"false"."""
    assert types.parse("boolean", text) is value
    assert types.canonical("boolean", text) == ("true" if value else "false")


@pytest.mark.parametrize("text", ["TRUE", "yes", "2", "", "on"])
def test_boolean_rejects_other_words(text: str) -> None:
    """Anything but the four XSD forms is not a boolean."""
    with pytest.raises(ValueError):
        types.parse("boolean", text)


def test_decimal() -> None:
    """xsd:decimal parses to Decimal, canonicalizes leading zeros, refuses exponents."""
    assert types.parse("decimal", "-1.50") == Decimal("-1.50")
    assert types.canonical("decimal", "+001.50") == "1.50"
    assert types.canonical("decimal", "-0.0") == "0.0"
    assert types.canonical("decimal", ".5") == "0.5"
    for bad in ("1e5", "NaN", "INF", "1.2.3", ""):
        with pytest.raises(ValueError):
            types.parse("decimal", bad)


def test_hex_binary() -> None:
    """hexBinary needs an even number of hex digits; canonical form is uppercase."""
    assert types.parse("hexBinary", "00ff") == b"\x00\xff"
    assert types.canonical("hexBinary", "00ff") == "00FF"
    assert types.canonical("hexBinary", "") == ""
    for bad in ("0", "zz", "0g"):
        with pytest.raises(ValueError):
            types.parse("hexBinary", bad)


def test_base64() -> None:
    """base64 allows blanks inside, needs correct padding, and re-encodes without blanks."""
    assert types.parse("base64", "aGVs bG8=") == b"hello"
    assert types.canonical("base64", "aGVs\nbG8=") == "aGVsbG8="
    for bad in ("aGVsbG8", "a===", "!!!!"):
        with pytest.raises(ValueError):
            types.parse("base64", bad)


def test_string_is_unchanged() -> None:
    """Strings are taken verbatim, blanks included."""
    assert types.canonical("string", "  a b ") == "  a b "


def test_unknown_type_rejected() -> None:
    """An unknown type name is a ValueError, not a silent pass."""
    with pytest.raises(ValueError):
        types.parse("float", "1")
    with pytest.raises(ValueError):
        types.null_value("IPAddress")


@pytest.mark.parametrize(
    ("type_name", "null"),
    [
        ("string", ""),
        ("base64", ""),
        ("hexBinary", ""),
        ("unsignedInt", "0"),
        ("unsignedLong", "0"),
        ("int", "-1"),
        ("long", "-1"),
        ("decimal", "-1"),
        ("boolean", "false"),
        ("dateTime", "0001-01-01T00:00:00Z"),
    ],
)
def test_null_values(type_name: str, null: str) -> None:
    """T-7: the null value of each base type, itself a valid value of that type."""
    assert types.null_value(type_name) == null
    types.parse(type_name, null)
