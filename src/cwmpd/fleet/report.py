"""The fleet's JSON report: write one, read several, merge the shards into one."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cwmpd import state
from cwmpd.fleet.metrics import Metrics


@dataclass
class Report:
    """One run's (or several shards') figures."""

    version: str
    options: dict[str, Any]
    shards: list[str]
    wall_seconds: float
    cpu_seconds: float
    max_rss_kib: int
    devices: list[list[Any]]  # [n, serial, variant]
    devices_by_state: dict[str, int]
    first_sessions_seconds: float | None
    sessions: list[int]  # sessions per device, in no particular order
    metrics: Metrics = field(default_factory=Metrics)

    @property
    def sessions_per_second(self) -> float:
        """Successful sessions per second of wall time (shards run side by side)."""
        return self.metrics.sessions_ok / self.wall_seconds if self.wall_seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        """The report as written."""
        m = self.metrics
        return {
            "version": self.version,
            "options": self.options,
            "shards": self.shards,
            "devices_total": len(self.devices),
            "wall_seconds": round(self.wall_seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "max_rss_kib": self.max_rss_kib,
            "sessions_per_second": round(self.sessions_per_second, 2),
            "sessions_per_cpu_second": round(m.sessions_ok / self.cpu_seconds, 2)
            if self.cpu_seconds
            else 0.0,
            "first_sessions_seconds": self.first_sessions_seconds,
            "devices_by_state": dict(sorted(self.devices_by_state.items())),
            "sessions_per_device": dict(sorted(Counter(self.sessions).items())),
            "metrics": m.to_json(),
            "devices": sorted(self.devices),
        }

    def write(self, path: Path) -> None:
        """Write the report (atomically, like all state)."""
        state.atomic_write(path, json.dumps(self.to_json(), indent=1).encode() + b"\n", 0o644)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """Read a written report back."""
        per_device = Counter({int(k): int(v) for k, v in data["sessions_per_device"].items()})
        return cls(
            version=data["version"],
            options=data["options"],
            shards=list(data["shards"]),
            wall_seconds=float(data["wall_seconds"]),
            cpu_seconds=float(data["cpu_seconds"]),
            max_rss_kib=int(data["max_rss_kib"]),
            devices=[list(d) for d in data["devices"]],
            devices_by_state=dict(data["devices_by_state"]),
            first_sessions_seconds=data.get("first_sessions_seconds"),
            sessions=list(per_device.elements()),
            metrics=Metrics.from_json(data["metrics"]),
        )

    @classmethod
    def read(cls, path: Path) -> Report:
        """Read a report file."""
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def merge(self, other: Report) -> None:
        """Add a shard: devices and counts add up, wall time is the longest, RSS adds up."""
        self.shards += other.shards
        self.wall_seconds = max(self.wall_seconds, other.wall_seconds)
        self.cpu_seconds += other.cpu_seconds
        self.max_rss_kib += other.max_rss_kib
        self.devices += other.devices
        by_state = Counter(self.devices_by_state)
        by_state.update(other.devices_by_state)
        self.devices_by_state = dict(by_state)
        firsts = [t for t in (self.first_sessions_seconds, other.first_sessions_seconds) if t]
        both = self.first_sessions_seconds is not None and other.first_sessions_seconds is not None
        self.first_sessions_seconds = max(firsts) if both else None
        self.sessions += other.sessions
        self.metrics.merge(other.metrics)

    def summary(self) -> str:
        """A few lines for the terminal."""
        m = self.metrics
        s = m.session.summary()
        lines = [
            f"{len(self.devices)} devices, shards {', '.join(self.shards)}: "
            f"{m.sessions_ok} sessions ok, {m.sessions_failed} failed in "
            f"{self.wall_seconds:.1f} s ({self.sessions_per_second:.1f} sessions/s, "
            f"{self.cpu_seconds:.1f} CPU-s, max RSS {self.max_rss_kib / 1024:.0f} MiB)",
            f"session latency ms: p50 {s['p50_ms']} p90 {s['p90_ms']} p99 {s['p99_ms']} "
            f"max {s['max_ms']}",
        ]
        for name, h in sorted(m.rpcs.items()):
            r = h.summary()
            lines.append(
                f"  {name}: {r['count']} x, p50 {r['p50_ms']} p90 {r['p90_ms']} "
                f"p99 {r['p99_ms']} max {r['max_ms']} ms"
            )
        if m.failures:
            lines.append(
                "failures: " + ", ".join(f"{k} x{v}" for k, v in sorted(m.failures.items()))
            )
        return "\n".join(lines)


def merge_files(paths: list[Path]) -> Report:
    """The shards' reports merged into one (ValueError when a device is in two of them)."""
    if not paths:
        raise ValueError("no report to merge")
    merged = Report.read(paths[0])
    for path in paths[1:]:
        merged.merge(Report.read(path))
    serials = [d[1] for d in merged.devices]
    if len(set(serials)) != len(serials):
        raise ValueError("the reports share devices: not shards of one fleet")
    return merged
