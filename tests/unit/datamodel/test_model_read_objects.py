"""DataModel.read_objects (the USP Get's read) against read_values, and the Index it reads."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import paths
from cwmpd.datamodel.counters import CounterBackend
from cwmpd.datamodel.model import DataModel
from support.datamodel_fakes import MS, make_model


@pytest_twisted.ensureDeferred
async def test_every_object_reads_as_read_values_reads_its_parameters(tmp_path: Path) -> None:
    """Per object: its own parameters (none of the objects below), sorted, relative names,
    the values read_values gives (stored, getter, default, counter, hidden null)."""
    model = make_model(tmp_path, factory={MS + "Password": "s3cret", MS + "URL": "http://a/"})
    index = await model.live_index()
    objects = sorted(index.objects)
    pairs, read = await model.read_objects(objects, {})
    values = await model.read_values(sorted(index.params))
    for obj, got in zip(objects, pairs, strict=True):
        own = sorted(n for n in index.params if paths.parent(n) == obj)
        assert list(got) == [(n[len(obj) :], values[n]) for n in own], obj
    assert values[MS + "Password"] == ""
    assert MS + "Password" not in read  # a hidden one is never asked for
    assert values["Device.DeviceInfo.UpTime"] == "42"
    assert values["Device.IP.Interface.1.IPv4AddressNumberOfEntries"] == "1"
    assert values["Device.IP.Interface.2.IPv4AddressNumberOfEntries"] == "0"
    assert read[MS + "URL"] == "http://a/"


@pytest_twisted.ensureDeferred
async def test_known_values_are_used_and_not_read_again(model: DataModel) -> None:
    """A value the caller already read (a search's) is the one given back."""
    name = "Device.IP.Interface.1.Name"
    pairs, read = await model.read_objects(["Device.IP.Interface.1."], {name: "seen"})
    got = dict(pairs[0])
    assert got["Name"] == "seen"
    assert name not in read
    assert set(read) <= {"Device.IP.Interface.1." + rel for rel in got} - {name}


@pytest_twisted.ensureDeferred
async def test_index_names_agree_with_its_children(model: DataModel) -> None:
    """The parameters and sorted lists built on first use cover what ``children`` lists,
    and each object's own parameters are its parameter children, sorted."""
    index = await model.live_index()
    listed = {kid for kids in index.children.values() for kid in kids} | {"Device."}
    assert set(index.params) | set(index.objects) == listed
    assert index.all_names == sorted(listed)
    assert index.param_names == sorted(index.params)
    assert index.object_names == sorted(index.objects)
    for obj, kids in index.children.items():
        names, _ = index.own[obj]
        assert list(names) == sorted(k for k in kids if not k.endswith("."))


@pytest_twisted.ensureDeferred
async def test_counts_built_with_the_index_are_what_counting_gives(model: DataModel) -> None:
    """The counters the Index counts while it is built equal counting its children."""
    index = await model.live_index()
    assert "Device.IP.InterfaceNumberOfEntries" in index.counts
    slow = CounterBackend(model.tree.counters)
    slow.index = dataclasses.replace(index, counts={})  # the per-name path alone
    assert await slow.get_many(list(index.counts)) == index.counts
    assert index.counts["Device.IP.InterfaceNumberOfEntries"] == "2"
