"""cwmpd.cwmp.types dateTime handling: T-5 absolute times and T-6 relative (since boot) times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cwmpd.cwmp import types


def test_unknown_and_infinite_time_constants() -> None:
    """T-5: the Unknown and Infinite times parse as UTC at the ends of the calendar."""
    assert types.UNKNOWN_TIME == "0001-01-01T00:00:00Z"
    assert types.INFINITE_TIME == "9999-12-31T23:59:59Z"
    assert types.parse_datetime(types.UNKNOWN_TIME) == datetime(1, 1, 1, tzinfo=UTC)
    assert types.parse_datetime(types.INFINITE_TIME) == datetime(
        9999, 12, 31, 23, 59, 59, tzinfo=UTC
    )


def test_parse_forms() -> None:
    """Z, ±hh:mm, fractional seconds (truncated past µs) and untimezoned forms all parse."""
    plus2 = timezone(timedelta(hours=2))
    assert types.parse_datetime("2024-05-01T10:00:00+02:00") == datetime(
        2024, 5, 1, 10, tzinfo=plus2
    )
    assert types.parse_datetime("2024-05-01T10:00:00.123456789Z") == datetime(
        2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC
    )
    assert types.parse_datetime("2024-05-01T10:00:00-00:00").utcoffset() == timedelta(0)
    naive = types.parse_datetime("2024-05-01T10:00:00")
    assert naive.tzinfo is None
    west = types.parse_datetime("2024-05-01T10:00:00.5-05:30")
    assert west.utcoffset() == -timedelta(hours=5, minutes=30)
    assert west.microsecond == 500000


@pytest.mark.parametrize(
    "text",
    [
        "2024-13-01T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2024-05-01 10:00:00Z",
        "2024-05-01T25:00:00Z",
        "2024-05-01T10:00:00+15:00",
        "2024-05-01T10:00Z",
        "0000-01-01T00:00:00Z",
        "",
    ],
)
def test_bad_datetimes_rejected(text: str) -> None:
    """Impossible dates, missing seconds, bad offsets and year 0 are ValueErrors."""
    with pytest.raises(ValueError):
        types.parse("dateTime", text)


def test_format_datetime() -> None:
    """UTC (and naive) times end in Z; other zones carry ±hh:mm; precision keeps µs digits."""
    dt = datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)
    assert types.format_datetime(dt) == "2024-05-01T08:00:00Z"
    assert types.format_datetime(dt, precision=6) == "2024-05-01T08:00:00.123456Z"
    plus2 = dt.astimezone(timezone(timedelta(hours=2)))
    assert types.format_datetime(plus2) == "2024-05-01T10:00:00+02:00"
    minus = dt.astimezone(timezone(-timedelta(hours=3, minutes=30)))
    assert types.format_datetime(minus) == "2024-05-01T04:30:00-03:30"
    assert types.format_datetime(datetime(1, 1, 1, tzinfo=UTC)) == types.UNKNOWN_TIME
    assert types.format_datetime(datetime(2024, 1, 1)) == "2024-01-01T00:00:00Z"


def test_format_round_trips() -> None:
    """What format_datetime writes, parse_datetime reads back to the same instant."""
    dt = datetime(2031, 7, 9, 23, 59, 58, 250000, tzinfo=timezone(timedelta(hours=-7)))
    assert types.parse_datetime(types.format_datetime(dt, precision=6)) == dt


def test_relative_time_since_boot() -> None:
    """T-6: 2 d 3 h 4 m 5 s since boot is the untimezoned 0001-01-03T03:04:05."""
    text = types.format_relative(2 * 86400 + 3 * 3600 + 4 * 60 + 5)
    assert text == "0001-01-03T03:04:05"
    parsed = types.parse_datetime(text)
    assert types.is_relative(parsed)
    assert types.relative_seconds(parsed) == 183845
    assert types.format_relative(0) == "0001-01-01T00:00:00"
    with pytest.raises(ValueError):
        types.format_relative(-1)


def test_absolute_times_are_not_relative() -> None:
    """A zoned time, or an untimezoned one from year 1000 on, is not a relative time."""
    assert not types.is_relative(types.parse_datetime("0001-01-03T03:04:05Z"))
    assert not types.is_relative(types.parse_datetime("2024-01-03T03:04:05"))


def test_canonical_keeps_precision_and_zone() -> None:
    """Canonical dateTime keeps its digits and offset, writing ±00:00 as Z (T-5)."""
    assert types.canonical("dateTime", "0001-01-01T00:00:00.000000Z") == (
        "0001-01-01T00:00:00.000000Z"
    )
    assert types.canonical("dateTime", "2024-05-01T10:00:00+00:00") == "2024-05-01T10:00:00Z"
    assert types.canonical("dateTime", "2024-05-01T10:00:00+02:00") == "2024-05-01T10:00:00+02:00"
