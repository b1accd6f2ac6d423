"""SetParameterAttributes whose state write fails (EMFILE, ENOSPC) changes nothing: the
attributes in memory stay what is on disk, so a later write cannot persist them."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from cwmpd.backends.functions import FunctionBackend
from cwmpd.backends.store import StoreBackend
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.datamodel import attributes
from cwmpd.datamodel.attributes import AttributeStore
from cwmpd.datamodel.counters import CounterBackend
from cwmpd.datamodel.schema import load_schema
from cwmpd.datamodel.tree import GenericTree, Index
from cwmpd.plugin.load import schema_prefixes
from cwmpd.state import write_json
from support.datamodel_fakes import declarations

ALIAS = "Device.IP.Interface.1.Alias"


class FailingDisk:
    """A state writer failing while ``failing``."""

    def __init__(self) -> None:
        self.failing = False

    def __call__(self, path: Path, value: Any) -> None:
        """Write, or fail like a process out of file descriptors."""
        if self.failing:
            raise OSError(errno.EMFILE, "injected")
        write_json(path, value)


@pytest_twisted.ensureDeferred
async def test_failed_attribute_write_changes_nothing(tmp_path: Path) -> None:
    """update/forget_under/reset raise OSError and leave every attribute as it was."""
    decl = declarations()
    schema = load_schema("Device.", prefixes=schema_prefixes(decl))
    store = StoreBackend(tmp_path / "datamodel.json", decl.factory_values)
    tree = GenericTree.build(decl, schema, store, FunctionBackend(decl.getters), CounterBackend())
    index = await Index.build(tree)
    disk = FailingDisk()
    attrs = AttributeStore(tmp_path / "attributes.json", writer=disk)
    info = index.params[ALIAS]
    attrs.update(attributes.plan([SPA(ALIAS, True, 1, False, ())], index, attrs), index)
    disk.failing = True
    with pytest.raises(OSError):
        attrs.update(attributes.plan([SPA(ALIAS, True, 2, False, ())], index, attrs), index)
    with pytest.raises(OSError):
        attrs.forget_under("Device.IP.Interface.1.")
    with pytest.raises(OSError):
        attrs.reset()
    assert attrs.notification(ALIAS, info) == 1
    assert AttributeStore(tmp_path / "attributes.json").notification(ALIAS, info) == 1
