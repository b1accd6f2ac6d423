"""A simulated device claims only profiles it has, and every name it lists answers GPV.

The profiles come from the BBF XML itself (``<profile>`` elements of TR-098 1.8 and
TR-181 2.19, with ``base``/``extends`` followed): for each profile the device's
DeviceSummary claims, every required parameter of every instance of each required
object must answer GetParameterValues, and a ``readWrite`` one must be writable in GPN.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import pytest_twisted
from lxml import etree
from twisted.internet.task import Clock

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.schema import generic_path
from cwmpd.diagnostics.suite import Diagnostics
from cwmpd.plugin.load import build_model, source_tree_plugins
from support.fakes import stand_in

MODELS = {
    "InternetGatewayDevice": "tr-098-1-8-0-full.xml",
    "Device": "tr-181-2-19-1-cwmp-full.xml",
}
PLUGINS = {"simulated": "Device.", "simulated098": "InternetGatewayDevice."}

#: (generic object, parameter or None, requirement) triples of one profile.
Requirement = tuple[str, str | None, str]


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2]


def read_profiles(path: Path) -> dict[str, list[Requirement]]:
    """Every profile of the file's last model, its base and extended profiles included."""
    tree = etree.parse(str(path))
    model = [e for e in tree.getroot() if _local(e.tag) == "model"][-1]
    own: dict[str, tuple[list[Requirement], list[str]]] = {}
    for prof in model:
        if _local(prof.tag) != "profile":
            continue
        reqs: list[Requirement] = []
        for obj in prof:
            if _local(obj.tag) != "object":
                continue
            ref = obj.get("ref", "")
            reqs.append((ref, None, obj.get("requirement", "")))
            for par in obj:
                if _local(par.tag) == "parameter":
                    reqs.append((ref, par.get("ref", ""), par.get("requirement", "")))
        parents = [prof.get("base", ""), *prof.get("extends", "").split()]
        own[prof.get("name", "").strip()] = (reqs, [p for p in parents if p])

    def full(name: str) -> list[Requirement]:
        reqs, parents = own[name]
        return [r for p in parents for r in full(p)] + reqs

    return {name: full(name) for name in own}


def claimed(summary: str) -> list[str]:
    """The profiles a DeviceSummary lists: ``Root:1.4[](Baseline:1, WiFiLAN:1)``."""
    return [p.strip() for group in re.findall(r"\(([^)]*)\)", summary) for p in group.split(",")]


async def answers(model: DataModel, name: str) -> bool:
    """Whether GetParameterValues of ``name`` is answered (not a fault)."""
    try:
        await model.get_parameter_values([name])
    except CwmpFault:
        return False
    return True


@pytest.fixture(scope="module")
def profiles(spec: Path) -> dict[str, dict[str, list[Requirement]]]:
    """The profiles of both root models."""
    return {root: read_profiles(spec / "datamodel" / f) for root, f in MODELS.items()}


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
@pytest_twisted.ensureDeferred
async def test_claimed_profiles_have_their_required_parameters(
    tmp_path: Path, plugin: str, profiles: dict[str, dict[str, list[Requirement]]]
) -> None:
    """Each claimed profile: required objects exist, their parameters answer GPV."""
    root = PLUGINS[plugin]
    model, _ = build_model(
        [str(source_tree_plugins() / plugin)],
        state_dir=tmp_path,
        factory_values={},
        reactor=stand_in(Clock()),
        diagnostics=lambda root: Diagnostics(stand_in(Clock()), root),
    )
    infos = {p.name: p.writable for p in await model.get_parameter_names("", False)}
    summary_name = root + "DeviceSummary"
    if summary_name not in infos:
        assert root == "Device.", "TR-098 Baseline:1 requires DeviceSummary"
        return  # Device:2 has no DeviceSummary: it claims no profile
    (summary,) = await model.get_parameter_values([summary_name])
    names = claimed(summary.value)
    assert names, summary.value
    objects = [n for n in infos if n.endswith(".")]
    missing = []
    for profile in names:
        assert profile in profiles[root.rstrip(".")], f"unknown profile {profile}"
        for obj, param, requirement in profiles[root.rstrip(".")][profile]:
            instances = [o for o in objects if generic_path(o) == obj]
            if param is None:
                # A table may be empty; an object inside an empty table cannot exist.
                table = obj[: obj.rfind(".{i}.") + 5] if ".{i}." in obj else ""
                owners = [o for o in objects if generic_path(o) == table] if table else [""]
                needed = requirement != "notSpecified" and not obj.endswith(".{i}.")
                if needed and owners and not instances:
                    missing.append(f"{profile}: object {obj}")
                continue
            for inst in instances:
                name = inst + param
                if name not in infos or not await answers(model, name):
                    missing.append(f"{profile}: {name}")
                elif requirement == "readWrite" and not infos[name]:
                    missing.append(f"{profile}: {name} is not writable")
    assert missing == [], "\n".join(missing)


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
@pytest_twisted.ensureDeferred
async def test_every_listed_parameter_answers_gpv(tmp_path: Path, plugin: str) -> None:
    """Every parameter GetParameterNames lists answers GetParameterValues on its own."""
    model, _ = build_model(
        [str(source_tree_plugins() / plugin)],
        state_dir=tmp_path,
        factory_values={},
        reactor=stand_in(Clock()),
        diagnostics=lambda root: Diagnostics(stand_in(Clock()), root),
    )
    listed = [p.name for p in await model.get_parameter_names("", False)]
    silent = [n for n in listed if not n.endswith(".") and not await answers(model, n)]
    assert silent == []
    assert len(listed) > 100
