"""Fleet metrics: histogram percentiles, merging shards, the report's round trip."""

from __future__ import annotations

from pathlib import Path

from cwmpd.fleet.metrics import Histogram, Metrics
from cwmpd.fleet.report import Report, merge_files


def test_percentiles_within_a_bucket() -> None:
    """p50/p90/p99 of 1..1000 ms are within 5 % of the exact values; max is exact."""
    h = Histogram()
    for ms in range(1, 1001):
        h.add(ms / 1000)
    for p, exact in ((50, 0.5), (90, 0.9), (99, 0.99)):
        assert exact <= h.percentile(p) <= exact * 1.051
    assert h.max == 1.0
    assert Histogram().percentile(99) == 0.0


def test_merged_histograms_equal_the_whole() -> None:
    """Two halves merged give the percentiles of all the samples."""
    whole, a, b = Histogram(), Histogram(), Histogram()
    for i in range(1, 501):
        whole.add(i / 100)
        (a if i % 2 else b).add(i / 100)
    a.merge(b)
    assert a.summary() == whole.summary()
    assert Histogram.from_json(a.to_json()).summary() == whole.summary()


def _report(devices: list[list[object]], ok: int) -> Report:
    m = Metrics()
    for _ in range(ok):
        m.rpc("Inform", 0.01)
        m.session_done(0.02, "")
    m.session_done(0.5, "ACS answered Inform with fault 8002: nope")
    return Report("0", {}, ["0/2"], 10.0, 2.0, 1000, devices, {"up": len(devices)}, 1.0,
                  [1] * len(devices), m)  # fmt: skip


def test_report_round_trip_and_merge(tmp_path: Path) -> None:
    """Written, read back and merged: counts add, failures group by cause, devices unite."""
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    _report([[0, "F0", "tr181"]], 3).write(a)
    two = _report([[1, "F1", "tr181"]], 2)
    two.shards = ["1/2"]
    two.write(b)
    merged = merge_files([a, b])
    assert merged.metrics.sessions_ok == 5
    assert merged.metrics.failures == {"ACS answered Inform with fault 8002": 2}
    assert merged.metrics.rpcs["Inform"].count == 5
    assert sorted(d[1] for d in merged.devices) == ["F0", "F1"]
    assert merged.shards == ["0/2", "1/2"]
    assert merged.max_rss_kib == 2000
    assert "5 sessions ok" in merged.summary()
