"""CWMP parameter types (TR-069 A.2.1, TR-106 §3.2): parse, canonical form, dateTime, nulls.

Hand-written because the stdlib has no XML Schema lexical parsers for these types and
lxml only validates whole documents; this module is pure and imports nothing of cwmpd.

Canonical (wire) forms chosen here: booleans are "true"/"false" (the XSD canonical form;
"0"/"1"/"true"/"false" are all accepted on input, T-3), integers carry no sign "+" and no
leading zeros, hexBinary is uppercase, base64 has no whitespace, and a dateTime keeps its
own precision and zone with "+00:00"/"-00:00" written "Z" (T-5).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

TYPES: frozenset[str] = frozenset(
    {
        "string",
        "int",
        "unsignedInt",
        "long",
        "unsignedLong",
        "boolean",
        "dateTime",
        "base64",
        "hexBinary",
        "decimal",
    }
)

INT_RANGES: dict[str, tuple[int, int]] = {
    "int": (-(2**31), 2**31 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "long": (-(2**63), 2**63 - 1),
    "unsignedLong": (0, 2**64 - 1),
}

UNKNOWN_TIME = "0001-01-01T00:00:00Z"
INFINITE_TIME = "9999-12-31T23:59:59Z"

_NULLS: dict[str, str] = {
    "string": "",
    "base64": "",
    "hexBinary": "",
    "unsignedInt": "0",
    "unsignedLong": "0",
    "int": "-1",
    "long": "-1",
    "decimal": "-1",
    "boolean": "false",
    "dateTime": UNKNOWN_TIME,
}

_INT_RE = re.compile(r"[+-]?[0-9]+")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_HEX_RE = re.compile(r"(?:[0-9A-Fa-f]{2})*")
_B64_RE = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_DATETIME_RE = re.compile(
    r"(?P<year>-?[0-9]{4,})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?:\.(?P<frac>[0-9]+))?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?"
)
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_YEAR_ONE = datetime(1, 1, 1)  # relative time is untimezoned by definition (T-6)


def _check_type(type_name: str) -> None:
    if type_name not in TYPES:
        raise ValueError(f"unknown parameter type {type_name!r}")


def parse_int(type_name: str, text: str) -> int:
    """Parse an integer type's lexical form and check the type's range."""
    t = text.strip()
    if not _INT_RE.fullmatch(t):
        raise ValueError(f"not a valid {type_name}: {text!r}")
    value = int(t)
    lo, hi = INT_RANGES[type_name]
    if not lo <= value <= hi:
        raise ValueError(f"{value} is out of the {type_name} range {lo}..{hi}")
    return value


def parse_boolean(text: str) -> bool:
    """Parse "true"/"false"/"1"/"0" (surrounding blanks allowed)."""
    try:
        return _BOOLEANS[text.strip()]
    except KeyError:
        raise ValueError(f"not a valid boolean: {text!r}") from None


def is_true(text: str) -> bool:
    """A stored xsd:boolean read leniently: "true"/"1" are true, anything else is false."""
    return text.strip() in ("true", "1")


def parse_decimal(text: str) -> Decimal:
    """Parse an xsd:decimal (no exponent, no NaN/INF)."""
    t = text.strip()
    if not _DECIMAL_RE.fullmatch(t):
        raise ValueError(f"not a valid decimal: {text!r}")
    try:
        return Decimal(t)
    except InvalidOperation:  # pragma: no cover - the regex already excludes these
        raise ValueError(f"not a valid decimal: {text!r}") from None


def parse_hex(text: str) -> bytes:
    """Parse an xsd:hexBinary (an even number of hex digits)."""
    t = text.strip()
    if not _HEX_RE.fullmatch(t):
        raise ValueError(f"not a valid hexBinary: {text!r}")
    return bytes.fromhex(t)


def parse_base64(text: str) -> bytes:
    """Parse an xsd:base64Binary; blanks between characters are allowed."""
    t = "".join(text.split())
    if len(t) % 4 or not _B64_RE.fullmatch(t):
        raise ValueError(f"not a valid base64: {text[:40]!r}")
    try:
        return base64.b64decode(t, validate=True)
    except binascii.Error:
        raise ValueError(f"not a valid base64: {text[:40]!r}") from None


def parse_datetime(text: str) -> datetime:
    """Parse an xsd:dateTime: fractional seconds, "Z", "±hh:mm" or untimezoned (naive result).

    Fractions beyond microseconds are truncated. Years outside 1..9999 are rejected.
    """
    m = _DATETIME_RE.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not a valid dateTime: {text!r}")
    tz: timezone | None = None
    zone = m["tz"]
    if zone == "Z":
        tz = UTC
    elif zone:
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            raise ValueError(f"bad time zone offset in dateTime: {text!r}")
        offset = timedelta(hours=hours, minutes=minutes)
        tz = UTC if not offset else timezone(-offset if zone[0] == "-" else offset)
    frac = (m["frac"] or "")[:6].ljust(6, "0")
    try:
        return datetime(
            int(m["year"]),
            int(m["month"]),
            int(m["day"]),
            int(m["hour"]),
            int(m["minute"]),
            int(m["second"]),
            int(frac),
            tzinfo=tz,
        )
    except ValueError as e:
        raise ValueError(f"not a valid dateTime: {text!r} ({e})") from None


def format_datetime(dt: datetime, *, precision: int = 0) -> str:
    """Format an absolute time: "Z" for UTC (or naive, taken as UTC), "±hh:mm" otherwise.

    ``precision`` is the number of fractional-second digits (0..6).
    """
    if not 0 <= precision <= 6:
        raise ValueError("precision must be 0..6")
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    text = f"{dt.year:04d}{text[text.index('-') :]}"  # strftime does not pad years < 1000
    if precision:
        text += "." + f"{dt.microsecond:06d}"[:precision]
    offset = dt.utcoffset()
    if offset is None or not offset:
        return text + "Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_relative(seconds: float) -> str:
    """Time since boot as TR-106 untimezoned year-1 time (T-6): 2d3h4m5s -> 0001-01-03T03:04:05."""
    if seconds < 0:
        raise ValueError("relative time cannot be negative")
    dt = _YEAR_ONE + timedelta(seconds=int(seconds))
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt:%H:%M:%S}"


def is_relative(dt: datetime) -> bool:
    """True for a TR-106 relative time: untimezoned and year < 1000 (T-6)."""
    return dt.tzinfo is None and dt.year < 1000


def relative_seconds(dt: datetime) -> float:
    """Seconds since boot encoded by a relative (year-1 based, untimezoned) time."""
    return (dt.replace(tzinfo=None) - _YEAR_ONE).total_seconds()


def _canonical_datetime(text: str) -> str:
    t = text.strip()
    parse_datetime(t)
    if t.endswith(("+00:00", "-00:00")):
        return t[:-6] + "Z"
    return t


def parse(type_name: str, text: str) -> object:
    """The Python value of ``text`` as ``type_name``: str, int, bool, datetime, bytes or Decimal.

    Raises ValueError for a bad lexical form, a value outside the type's range or an
    unknown type name.
    """
    _check_type(type_name)
    if type_name == "string":
        return text
    if type_name in INT_RANGES:
        return parse_int(type_name, text)
    if type_name == "boolean":
        return parse_boolean(text)
    if type_name == "dateTime":
        return parse_datetime(text)
    if type_name == "base64":
        return parse_base64(text)
    if type_name == "hexBinary":
        return parse_hex(text)
    return parse_decimal(text)


def canonical(type_name: str, text: str) -> str:
    """The normalized wire form of ``text`` as ``type_name`` (see the module docstring).

    Raises ValueError like :func:`parse`.
    """
    _check_type(type_name)
    if type_name == "string":
        return text
    if type_name in INT_RANGES:
        return str(parse_int(type_name, text))
    if type_name == "boolean":
        return "true" if parse_boolean(text) else "false"
    if type_name == "dateTime":
        return _canonical_datetime(text)
    if type_name == "base64":
        return base64.b64encode(parse_base64(text)).decode("ascii")
    if type_name == "hexBinary":
        return parse_hex(text).hex().upper()
    value = parse_decimal(text)
    return format(value.copy_abs() if value.is_zero() else value, "f")


def null_value(type_name: str) -> str:
    """The TR-106 null value (T-7): what hidden and command parameters read back as."""
    _check_type(type_name)
    return _NULLS[type_name]
