"""The bounded, persisted transfer queue: one JSON file rewritten through cwmpd.state.

Each change is written before the caller acts on it, so a SIGKILL at any point leaves
either the old or the new record on disk (never half of one). A failed write (OSError)
leaves memory as it was too, so a later write cannot persist a change nobody saw succeed.
The file is small: at most ``capacity`` records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from twisted.logger import Logger

from cwmpd.state import Writer, read_json, write_json
from cwmpd.transfers.record import Transfer

_FORMAT = 1
_log = Logger(namespace="cwmpd.transfers")


class QueueFull(Exception):
    """The queue holds ``capacity`` transfers already (Download answers 9004)."""


class TransferStore:
    """Transfers by id, in arrival order; every change is persisted at once."""

    def __init__(self, path: Path, capacity: int = 16, writer: Writer = write_json) -> None:
        """Load ``path`` (missing: empty queue; unreadable: logged, empty queue)."""
        self._path = Path(path)
        self._writer = writer
        self.capacity = capacity
        self._items: dict[int, Transfer] = {}
        self._next_id = 1
        self._load()

    def __iter__(self) -> Iterator[Transfer]:
        """The transfers in arrival order."""
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        """How many transfers are held."""
        return len(self._items)

    def get(self, transfer_id: int) -> Transfer | None:
        """The transfer with this id, or None once removed."""
        return self._items.get(transfer_id)

    def new_id(self) -> int:
        """An id never used by this store (persisted with the next save)."""
        return self._next_id

    def add(self, transfer: Transfer) -> Transfer:
        """Append ``transfer`` (its id must come from new_id()); QueueFull past capacity."""
        if len(self._items) >= self.capacity:
            raise QueueFull(f"{len(self._items)} transfers queued already")
        before, next_id = dict(self._items), self._next_id
        self._items[transfer.id] = transfer
        self._next_id = max(self._next_id, transfer.id + 1)
        self._save(before, next_id)
        return transfer

    def put(self, transfer: Transfer) -> Transfer:
        """Replace the record with the same id (persisted before returning)."""
        if transfer.id not in self._items:
            raise KeyError(transfer.id)
        before = dict(self._items)
        self._items[transfer.id] = transfer
        self._save(before, self._next_id)
        return transfer

    def remove(self, transfer_id: int) -> None:
        """Forget a transfer (persisted before returning); no error if already gone."""
        before = dict(self._items)
        if self._items.pop(transfer_id, None) is not None:
            self._save(before, self._next_id)

    def _save(self, before: dict[int, Transfer], next_id: int) -> None:
        """Persist; on OSError put memory back to ``before`` / ``next_id`` and raise."""
        try:
            self._writer(
                self._path,
                {
                    "version": _FORMAT,
                    "next_id": self._next_id,
                    "transfers": [t.to_json() for t in self._items.values()],
                },
            )
        except OSError:
            self._items, self._next_id = before, next_id
            raise

    def _load(self) -> None:
        try:
            data = read_json(self._path, None)
        except ValueError as exc:
            _log.error("{error}; starting with an empty transfer queue", error=exc)
            return
        if data is None:
            return
        if not isinstance(data, dict) or data.get("version") != _FORMAT:
            _log.error("ignoring transfer queue {path} of unknown format", path=self._path)
            return
        for item in data.get("transfers", []):
            try:
                record = Transfer.from_json(item)
            except ValueError as exc:
                _log.error("dropping unreadable transfer record: {error}", error=exc)
                continue
            self._items[record.id] = record
        next_id = data.get("next_id", 1)
        ids = [t.id + 1 for t in self._items.values()]
        self._next_id = max([next_id if isinstance(next_id, int) else 1, *ids])
