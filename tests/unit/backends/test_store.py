"""The store backend: factory vs changed values, one write per commit, undo, instance numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.backends.base import Backend, BackendError
from cwmpd.backends.store import SharedFactory, StoreBackend

FACTORY = {"Device.A.1.X": "f1", "Device.A.3.X": "f3", "Device.B": "b"}


def test_store_is_a_backend(tmp_path: Path) -> None:
    """StoreBackend satisfies the Backend protocol."""
    assert isinstance(StoreBackend(tmp_path / "s.json", {}), Backend)


@pytest_twisted.ensureDeferred
async def test_factory_instances_come_from_names(tmp_path: Path) -> None:
    """Concrete factory names imply the factory instances of their tables."""
    store = StoreBackend(tmp_path / "s.json", FACTORY)
    assert list(await store.list_instances("Device.A.")) == [1, 3]
    assert list(await store.list_instances("Device.C.")) == []


@pytest_twisted.ensureDeferred
async def test_commit_writes_once_and_abort_undoes(tmp_path: Path) -> None:
    """A commit is one file write; aborting after commit restores the old values."""
    store = StoreBackend(tmp_path / "s.json", FACTORY)
    tx = await store.begin({"Device.B": "new", "Device.N": "n"})
    assert store.value("Device.B") == "b" and store.writes == 0
    assert await tx.commit() is False
    assert store.writes == 1
    assert await store.get_many(["Device.B", "Device.N", "Device.Z"]) == {
        "Device.B": "new",
        "Device.N": "n",
    }
    await tx.abort()
    assert store.value("Device.B") == "b" and store.value("Device.N") is None
    assert StoreBackend(tmp_path / "s.json", FACTORY).value("Device.B") == "b"


@pytest_twisted.ensureDeferred
async def test_add_delete_never_reuse_numbers(tmp_path: Path) -> None:
    """New numbers are past every number ever given out, also after a restart."""
    store = StoreBackend(tmp_path / "s.json", FACTORY)
    assert await store.add_instance("Device.A.", {"X": "v"}) == 4
    await store.delete_instance("Device.A.4.")
    assert store.value("Device.A.4.X") is None
    again = StoreBackend(tmp_path / "s.json", FACTORY)
    assert await again.add_instance("Device.A.", {}) == 5
    with pytest.raises(BackendError):
        await again.delete_instance("Device.A.4.")


@pytest_twisted.ensureDeferred
async def test_factory_reset_forgets_changes(tmp_path: Path) -> None:
    """Factory reset brings back factory values and instances."""
    store = StoreBackend(tmp_path / "s.json", FACTORY)
    store.write({"Device.B": "changed"})
    await store.delete_instance("Device.A.1.")
    store.factory_reset()
    assert store.value("Device.B") == "b"
    assert list(await store.list_instances("Device.A.")) == [1, 3]


def test_corrupt_state_is_an_error(tmp_path: Path) -> None:
    """A corrupt state file is reported, not silently dropped."""
    (tmp_path / "s.json").write_text("{nope")
    with pytest.raises(ValueError, match="corrupt"):
        StoreBackend(tmp_path / "s.json", {})


@pytest_twisted.ensureDeferred
async def test_stores_on_shared_factory_values_keep_their_own(tmp_path: Path) -> None:
    """Two stores on one SharedFactory: each its own factory values and instances, its own
    changes and factory reset; the shared values stay as they were."""
    shared = SharedFactory(FACTORY)
    one = StoreBackend(tmp_path / "1.json", {**FACTORY, "Device.B": "b1"}, shared=shared)
    two = StoreBackend(tmp_path / "2.json", {**FACTORY, "Device.A.5.X": "f5"}, shared=shared)
    assert one.value("Device.B") == "b1" and two.value("Device.B") == "b"
    assert list(await one.list_instances("Device.A.")) == [1, 3]
    assert list(await two.list_instances("Device.A.")) == [1, 3, 5]
    await (await one.begin({"Device.A.1.X": "changed"})).commit()
    await one.delete_instance("Device.A.3.")
    assert two.value("Device.A.1.X") == "f1" and two.value("Device.A.3.X") == "f3"
    one.factory_reset()
    assert one.value("Device.A.1.X") == "f1" and one.value("Device.B") == "b1"
    assert list(await one.list_instances("Device.A.")) == [1, 3]
    assert shared.values == FACTORY
