"""Stable instance numbers per key ("eth0" is always Interface.2), persisted via cwmpd.state.

Written only when a key gets a new number, so polling a table does not wear the flash.
Numbers are never reused; keys gone for long are pruned once the map grows past a margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cwmpd.state import read_json, write_json

_SPARE = 64


class InstanceNumbers:
    """Maps (concrete table, key) to an instance number, remembered across restarts."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        state: Any = read_json(path, {}) if path is not None else {}
        self._tables: dict[str, dict[str, Any]] = state if isinstance(state, dict) else {}
        self.writes = 0

    def assign(self, table: str, keys: Sequence[str]) -> dict[str, int]:
        """Numbers for ``keys`` of ``table``, giving new keys the next free numbers."""
        entry = self._tables.setdefault(table, {"keys": {}, "next": 1})
        known: dict[str, int] = entry["keys"]
        changed = False
        for key in keys:
            if key not in known:
                known[key] = int(entry["next"])
                entry["next"] = known[key] + 1
                changed = True
        if len(known) > len(keys) + _SPARE:
            live = set(keys)
            for key in sorted((k for k in known if k not in live), key=known.__getitem__):
                if len(known) <= len(keys) + _SPARE // 2:
                    break
                del known[key]
            changed = True
        if changed:
            self._save()
        return {k: known[k] for k in keys}

    def forget(self, table: str, key: str) -> None:
        """Drop ``key`` (a deleted instance); its number is not given out again."""
        entry = self._tables.get(table)
        if entry is not None and entry["keys"].pop(key, None) is not None:
            self._save()

    def _save(self) -> None:
        if self.path is not None:
            self.writes += 1
            write_json(self.path, self._tables)
