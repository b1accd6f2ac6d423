"""transfers.json as the agent wrote it before State and Kind became enums still loads, and
is written back the same: the persisted values did not change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cwmpd.transfers.record import Kind, State
from cwmpd.transfers.store import TransferStore

#: Written by the TransferStore of commit 6c2826d (states and kinds as plain strings).
OLD = Path(__file__).with_name("transfers_v1.json")


def test_a_queue_written_by_the_string_constants_loads(tmp_path: Path) -> None:
    """Every record of the old file loads, as the State and Kind members of its strings."""
    shutil.copy(OLD, tmp_path / "transfers.json")
    store = TransferStore(tmp_path / "transfers.json")
    assert [(t.id, t.kind, t.state) for t in store] == [
        (1, Kind.DOWNLOAD, State.QUEUED),
        (2, Kind.DOWNLOAD, State.AWAITING_BOOT),
        (3, Kind.UPLOAD, State.UPLOADING),
        (4, Kind.SCHEDULE_DOWNLOAD, State.COMPLETE),
        (5, Kind.DOWNLOAD, State.FETCHED),
        (6, Kind.DOWNLOAD, State.FETCHING),
        (7, Kind.DOWNLOAD, State.APPLYING),
    ]
    assert all(type(t.state) is State and type(t.kind) is Kind for t in store)
    assert store.new_id() == 8
    awaiting = store.get(2)
    assert awaiting is not None and (awaiting.boot_id, awaiting.self_reboot) == ("boot-1", True)


def test_it_is_written_back_unchanged(tmp_path: Path) -> None:
    """Saving the loaded queue gives the same document: the values on disk are the same."""
    path = tmp_path / "transfers.json"
    shutil.copy(OLD, path)
    store = TransferStore(path)
    first = store.get(1)
    assert first is not None
    store.put(first)  # rewrites the whole file
    assert json.loads(path.read_text()) == json.loads(OLD.read_text())
    assert path.read_bytes() == OLD.read_bytes()


def test_an_unknown_state_is_dropped_alone(tmp_path: Path) -> None:
    """A record whose state is no State member is dropped; the others load."""
    data = json.loads(OLD.read_text())
    data["transfers"][0]["state"] = "half-done"
    (tmp_path / "transfers.json").write_text(json.dumps(data))
    assert [t.id for t in TransferStore(tmp_path / "transfers.json")] == [2, 3, 4, 5, 6, 7]
