"""The persisted ChangeDUState jobs: one JSON file rewritten through cwmpd.state.

Like cwmpd.transfers.store: each change is written before the caller acts on it, and a
failed write leaves memory as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from twisted.logger import Logger

from cwmpd.state import read_json, write_json
from cwmpd.transfers.du.record import Job

_FORMAT = 1
_log = Logger(namespace="cwmpd.transfers.du")


class JobsFull(Exception):
    """``capacity`` jobs are held already (ChangeDUState answers 9004)."""


class JobStore:
    """Jobs by id, in arrival order; every change is persisted at once."""

    def __init__(self, path: Path, capacity: int = 16) -> None:
        self._path = Path(path)
        self.capacity = capacity
        self._items: dict[int, Job] = {}
        self._next_id = 1
        self._load()

    def __iter__(self) -> Iterator[Job]:
        """The jobs in arrival order."""
        return iter(list(self._items.values()))

    def get(self, job_id: int) -> Job | None:
        """The job with this id, or None once removed."""
        return self._items.get(job_id)

    def new_id(self) -> int:
        """An id never used by this store."""
        return self._next_id

    def add(self, job: Job) -> Job:
        """Append ``job``; JobsFull past capacity."""
        if len(self._items) >= self.capacity:
            raise JobsFull(f"{len(self._items)} ChangeDUState jobs held already")
        return self._save({**self._items, job.id: job}, max(self._next_id, job.id + 1), job)

    def put(self, job: Job) -> Job:
        """Replace the job with the same id (persisted before returning)."""
        if job.id not in self._items:
            raise KeyError(job.id)
        return self._save({**self._items, job.id: job}, self._next_id, job)

    def remove(self, job_id: int) -> None:
        """Forget a job (persisted before returning)."""
        if job_id in self._items:
            items = dict(self._items)
            del items[job_id]
            self._save(items, self._next_id, None)

    def _save(self, items: dict[int, Job], next_id: int, job: Job | None) -> Job:
        data = {
            "version": _FORMAT,
            "next_id": next_id,
            "jobs": [j.to_json() for j in items.values()],
        }
        write_json(self._path, data)  # OSError: nothing changed
        self._items, self._next_id = items, next_id
        return job  # type: ignore[return-value]

    def _load(self) -> None:
        try:
            data = read_json(self._path, None)
        except ValueError as exc:
            _log.error("{error}; starting with no ChangeDUState jobs", error=exc)
            return
        if not isinstance(data, dict) or data.get("version") != _FORMAT:
            if data is not None:
                _log.error("ignoring ChangeDUState jobs {path} of unknown format", path=self._path)
            return
        for item in data.get("jobs", []):
            try:
                job = Job.from_json(item)
            except ValueError as exc:
                _log.error("dropping unreadable ChangeDUState job: {error}", error=exc)
                continue
            self._items[job.id] = job
        next_id = data.get("next_id", 1)
        self._next_id = max(
            [next_id if isinstance(next_id, int) else 1, *(i + 1 for i in self._items)]
        )
