"""The whole data model through the real agent: every parameter of TR-181 and TR-098, on the wire.

The device is ``tests/support/wholemodel`` (every parameter of the root, agent-stored, a valid
value each; tables with one or two instances). One CWMP session per root against the
scripted ACS on loopback carries: GPN of the root (NextLevel false), GPN of every object
with NextLevel true and false, GPV and GPA of the whole tree, SPV of every writable
parameter (in batches) to its other value, GPV of the whole tree again, then SPV back to
the first values written the non-canonical way a sloppy ACS writes them (``1``, ``+007``,
lowercase hex, ``+00:00``, blanks in lists; every xsi:type xsd:string), a GPV, then
AddObject on every writable table, GPV and GPN of the root, DeleteObject of each new
instance and a last GPV. Checked:

* every message the agent sent validates against the CWMP XSDs (xsi:type included);
* the names are exactly the model's, with the data model's Writable, and each NextLevel
  answer agrees with the full listing;
* every value read is the value stored, typed as the data model says (lists as xsd:string);
* every table counter (``numEntriesParameter``) equals its instance count;
* every writable parameter round-trips: the value set is the value read back, in its
  canonical form;
* a new instance reads its data-model defaults, valid for their types (or the TR-106 null
  value), AddObject on a full table is 9004, and the counters follow; deleting the new
  instances gives back exactly the model read before AddObject.

ManagementServer parameters the agent acts on (URL, STUN, periodic Inform ...) are read and
listed but not set: changing them would end the session or reach beyond loopback.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet.defer import ensureDeferred

from conformance.xsd import validate_envelope
from cwmpd.config import parse_config
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.paths import generic, parent
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.cwmp.types import null_value
from cwmpd.datamodel.schema import ParamMeta
from cwmpd.datamodel.validate import check_value
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession, Exchange
from support.agent_harness import AgentRunner, reactor
from support.wholemodel.device import Plan, plan

SUPPORT = Path(__file__).resolve().parent.parent / "support" / "wholemodel"
ROOTS = {"Device.": ("tr181", "top"), "InternetGatewayDevice.": ("tr098", "all")}
SPV_BATCH = 1000


@dataclass
class Run:
    """One whole-model session and what was asked in it."""

    plan: Plan
    session: AcsSession
    objects: list[str]
    spv: list[dict[str, str]]
    spv_back: list[dict[str, str]]  # name -> canonical value, sent in its sloppy form
    added: list[str]  # the tables AddObject was sent for

    def answers(self, kind: type[Any]) -> list[Any]:
        """The agent's answers of one message class, in order."""
        return [r for r in self.session.responses if isinstance(r, kind)]


def _settable(p: Plan) -> dict[str, str]:
    """Concrete writable parameter -> the value the ACS sets it to."""
    return {
        name: p.values[name].other
        for name, meta in p.params.items()
        if meta.writable
        and name not in p.counters
        and not name.startswith(p.agent_kept)
        and meta.name not in p.no_value
    }


def sloppy(meta: ParamMeta, value: str) -> str:
    """``value`` as a sloppy but correct ACS may write it (same value, not canonical)."""
    if meta.is_list:
        if meta.nested and meta.inner_items is None:
            return value.replace("],[", "], [")
        return value.replace(",", " , ")
    t = meta.type
    if t == "boolean":
        return " 1 " if value == "true" else "0"
    if t in ("int", "unsignedInt", "long", "unsignedLong"):
        return "-00" + value[1:] if value.startswith("-") else " +00" + value
    if t == "decimal":
        digits = value.lstrip("-")
        return ("-0" if value.startswith("-") else "+0") + digits + ("0" if "." in digits else ".0")
    if t == "hexBinary":
        return value.lower()
    if t == "base64" and len(value) > 4:
        return value[:4] + "\n" + value[4:]
    if t == "dateTime" and value.endswith("Z"):
        return value[:-1] + "+00:00"
    return value


def _batches(values: dict[str, str]) -> list[dict[str, str]]:
    names = sorted(values)
    return [
        {n: values[n] for n in names[i : i + SPV_BATCH]} for i in range(0, len(names), SPV_BATCH)
    ]


async def _session(root: str, state: Path) -> Run:
    folder, copies = ROOTS[root]
    p = plan(root, copies)
    objects = sorted(p.objects)
    sets = _settable(p)
    batches = _batches(sets)
    initial = {n: p.values[n].initial for n in sets}
    back_batches = _batches({n: v for n, v in initial.items() if sloppy(p.params[n], v) != v})
    acs = ScriptedAcs()
    acs.queue(m.GetParameterNames(path="", next_level=False))
    acs.queue(m.GetParameterValues(names=(root,)))
    acs.queue(m.GetParameterAttributes(names=(root,)))
    acs.queue(m.SetParameterAttributes(parameters=(SPA(root, True, 2, True, ("Subscriber",)),)))
    acs.queue(m.GetParameterAttributes(names=(root,)))
    for obj in objects:
        acs.queue(m.GetParameterNames(path=obj, next_level=True))
        acs.queue(m.GetParameterNames(path=obj, next_level=False))
    for i, batch in enumerate(batches):
        wire = "unsignedInt" if i % 2 else "string"  # lists: the item type or xsd:string
        params = tuple(
            PV(n, v, wire if p.params[n].is_list and p.params[n].type == "unsignedInt" else "")
            for n, v in batch.items()
        )
        acs.queue(m.SetParameterValues(parameters=_typed(p, params), parameter_key=f"k{i}"))
    acs.queue(m.GetParameterValues(names=(root,)))
    for i, batch in enumerate(back_batches):
        params = tuple(PV(n, sloppy(p.params[n], v), "string") for n, v in batch.items())
        acs.queue(m.SetParameterValues(parameters=params, parameter_key=f"back{i}"))
    acs.queue(m.GetParameterValues(names=(root,)))
    added = [  # one concrete table per generic one: the one under the first instances
        t
        for t in sorted(p.instances)
        if (o := p.objects[t]) is not None
        and o.writable
        and not t.startswith(p.agent_kept)
        and all(seg == "1" for seg in t.split(".") if seg.isdigit())
    ]
    for i, table in enumerate(added):
        acs.queue(m.AddObject(object_name=table, parameter_key=f"add{i}"))
    acs.queue(m.GetParameterValues(names=(root,)))
    acs.queue(m.GetParameterNames(path=root, next_level=False))
    new: list[str] = []
    deleting: list[bool] = []

    def delete_the_new_ones(_: AcsSession, x: Exchange) -> None:
        """Once the GPN after AddObject is answered: DeleteObject each new instance, GPV."""
        if isinstance(x.sent, m.AddObject) and isinstance(x.received, m.AddObjectResponse):
            new.append(f"{x.sent.object_name}{x.received.instance_number}.")
        elif isinstance(x.sent, m.GetParameterNames) and x.sent.path == root and new:
            if deleting:  # only after the first GPN of the root that follows AddObject
                return
            deleting.append(True)
            for i, instance in enumerate(new):
                acs.queue(m.DeleteObject(object_name=instance, parameter_key=f"del{i}"))
            acs.queue(m.GetParameterValues(names=(root,)))

    acs.on_exchange(delete_the_new_ones)
    url = await acs.listen(reactor)
    runner = AgentRunner(
        parse_config(
            f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
            # GPN of the root after AddObject lists ~17.7k TR-181 names, over the default
            # budget of 16384 (which would answer 9004, as it should).
            "max_response_values = 65536\n"
            "[connection_request]\nenable = false\n"
            f'[device]\nplugins = ["{SUPPORT / folder}"]\nstate_dir = "{state}"\n'
            '[control]\nsocket = ""\n'
        )
    )
    try:
        runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=120)
    finally:
        runner.stop()
        await acs.stop()
    return Run(p, session, objects, batches, back_batches, added)


def _wire(meta: ParamMeta) -> str:
    """The xsi:type TR-069 wants: the data model type, xsd:string for a TR-106 list."""
    return "string" if meta.is_list else meta.type


def _typed(p: Plan, params: tuple[PV, ...]) -> tuple[PV, ...]:
    """xsi:type as a careful ACS sends it (lists: as given), every other one its own type."""
    return tuple(PV(x.name, x.value, x.type or _wire(p.params[x.name])) for x in params)


@pytest.fixture(scope="module", params=list(ROOTS))
def run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, spec: Path
) -> Run:
    """The whole-model session of one root (run once per root for all the checks)."""
    root = request.param
    state = tmp_path_factory.mktemp(ROOTS[root][0])
    result: Run = pytest_twisted.blockon(ensureDeferred(_session(root, state)))
    settable = sum(len(b) for b in result.spv)
    print(
        f"\nwhole model {root}: {len(result.plan.params)} parameters "
        f"({len(result.plan.counters)} counters), {len(result.objects)} objects, "
        f"{settable} set by SPV ({sum(len(b) for b in result.spv_back)} set back, sloppily), "
        f"{len(result.session.raw_requests)} messages"
    )
    return result


def _none(found: Iterable[str], what: str, limit: int = 25) -> None:
    """Fail with the count and the first ``limit`` findings, if there are any."""
    out = list(found)
    assert not out, f"{len(out)} {what}:\n" + "\n".join(out[:limit])


def test_every_message_validates_against_the_xsds(run: Run, spec: Path) -> None:
    """Inform, GPN/GPV/GPA/SPV responses: no schema error (value vs xsi:type included)."""

    def errors() -> Iterator[str]:
        for body in run.session.raw_requests:
            if body.strip():
                for e in validate_envelope(spec, body):
                    yield e[:300]

    assert run.session.completed
    _none(errors(), "schema errors")


def test_the_names_are_the_models(run: Run) -> None:
    """GPN of the root lists exactly the planned objects and parameters, with Writable."""
    gpn = run.answers(m.GetParameterNamesResponse)[0]
    got = {i.name: i.writable for i in gpn.parameters}
    p = run.plan
    want = {n: meta.writable for n, meta in p.params.items()}
    want.update({n: bool(o and o.writable and o.is_table) for n, o in p.objects.items()})
    _none((f"missing {n}" for n in sorted(set(want) - set(got))), "names missing")
    _none((f"extra {n}" for n in sorted(set(got) - set(want))), "names not in the model")
    _none((f"{n}: {got[n]}" for n in sorted(want) if n in got and want[n] != got[n]), "Writable")


def test_next_level_answers_agree_with_the_full_listing(run: Run) -> None:
    """GPN(obj, true) = the direct children, GPN(obj, false) = obj and all below, per object."""
    answers = run.answers(m.GetParameterNamesResponse)[:-1]  # the last one: after AddObject
    full = sorted(i.name for i in answers[0].parameters)
    children: dict[str, set[str]] = {}
    for n in full:
        children.setdefault(parent(n), set()).add(n)

    def below(obj: str) -> list[str]:
        return full[bisect_left(full, obj) : bisect_left(full, obj + "\U0010ffff")]

    def problems() -> Iterator[str]:
        pairs = zip(run.objects, zip(answers[1::2], answers[2::2], strict=True), strict=True)
        for obj, (next_true, next_false) in pairs:
            if {i.name for i in next_true.parameters} != children.get(obj, set()):
                yield f"{obj} NextLevel=true"
            if sorted(i.name for i in next_false.parameters) != below(obj):
                yield f"{obj} NextLevel=false"

    assert len(answers) == 1 + 2 * len(run.objects)
    _none(problems(), "GPN answers that disagree with the full listing")


def _expected_initial(run: Run, name: str) -> str | None:
    """The value the device starts with (None: not checked, the agent keeps it)."""
    p = run.plan
    meta = p.params[name]
    if name in p.counters:
        return str(len(p.instances[p.counters[name]]))
    if meta.hidden:
        return null_value(_wire(meta))
    if name.startswith(p.agent_kept) and "{i}" not in meta.name:
        return None
    return p.values[name].initial


def test_gpv_reads_every_value_with_its_wire_type(run: Run) -> None:
    """GPV of the root: every parameter once, its stored value, xsi:type = data model type
    (xsd:string for lists); counters equal the instance counts."""
    first = run.answers(m.GetParameterValuesResponse)[0]
    got = {v.name: v for v in first.parameters}
    assert len(got) == len(first.parameters) == len(run.plan.params)

    def problems() -> Iterator[str]:
        for name, meta in run.plan.params.items():
            value = got[name]
            want_type = _wire(meta)
            if value.type != want_type:
                yield f"{name}: xsi:type {value.type}, want {want_type}"
            want = _expected_initial(run, name)
            if want is not None and value.value != want:
                yield f"{name}: {value.value[:60]!r}, want {want[:60]!r}"

    _none(problems(), "values or types not as stored")


def test_every_table_counter_equals_its_instance_count(run: Run) -> None:
    """Each counter the data model names reads as the number of instances of its table."""
    values = {v.name: v.value for v in run.answers(m.GetParameterValuesResponse)[0].parameters}
    p = run.plan
    expected = {n: str(len(p.instances[t])) for n, t in p.counters.items()}
    _none(
        (f"{n}: {values.get(n)}, want {v}" for n, v in expected.items() if values.get(n) != v),
        "counters wrong or missing",
    )


def test_gpa_and_spa_cover_every_parameter(run: Run) -> None:
    """GPA of the root: one entry per parameter, Notification 2 where the data model forces
    it on, else 0, no AccessList. After SPA(root, active, Subscriber): 2 everywhere but on
    canDeny parameters (left at 0: a partial path skips what a parameter refuses)."""
    before, after = run.answers(m.GetParameterAttributesResponse)
    assert run.answers(m.SetParameterAttributesResponse)
    p = run.plan

    def problems() -> Iterator[str]:
        for gpa, when in ((before, "before"), (after, "after")):
            got = {a.name: a for a in gpa.parameters}
            if len(got) != len(gpa.parameters) or set(got) != set(p.params):
                yield f"{when}: {len(gpa.parameters)} entries for {len(p.params)} parameters"
                continue
            for name, meta in p.params.items():
                forced = meta.active_notify in ("forceEnabled", "forceDefaultEnabled")
                want: tuple[int, tuple[str, ...]]
                if when == "before":
                    want = (2 if forced else 0, ())
                else:
                    want = (0 if meta.active_notify == "canDeny" else 2, ("Subscriber",))
                if (got[name].notification, got[name].access_list) != want:
                    a = got[name]
                    yield f"{when} {name} ({meta.active_notify}): {a.notification} {a.access_list}"

    _none(problems(), "attributes not as the data model says")


def test_every_writable_parameter_round_trips(run: Run) -> None:
    """Each SPV batch is accepted, and the next GPV reads back exactly the values set
    (hidden ones: the null value), both rounds: canonical text, then sloppy text."""
    spv = run.answers(m.SetParameterValuesResponse)
    faults = [
        x.received
        for x in run.session.acs_exchanges
        if isinstance(x.sent, m.SetParameterValues) and isinstance(x.received, m.Fault)
    ]
    details = [f"{f.name}: {f.code} {f.string}" for x in faults for f in x.set_faults]
    _none(details or [f"{x.code} {x.string}" for x in faults], "SPV faults")
    assert len(spv) == len(run.spv) + len(run.spv_back)
    gpvs = run.answers(m.GetParameterValuesResponse)

    def problems(batches: list[dict[str, str]], gpv: Any, how: str) -> Iterator[str]:
        after = {v.name: v.value for v in gpv.parameters}
        for batch in batches:
            for name, value in batch.items():
                meta = run.plan.params[name]
                want = null_value(_wire(meta)) if meta.hidden else value
                if after[name] != want:
                    yield f"{how} {name}: want {want[:60]!r}, read {after[name][:60]!r}"

    _none(problems(run.spv, gpvs[1], "set"), "values not read back")
    _none(problems(run.spv_back, gpvs[2], "set back"), "sloppy values not read back canonical")


def test_added_instances_read_valid_defaults_and_are_counted(run: Run) -> None:
    """AddObject on every writable table: a new instance (9004 where maxEntries is reached),
    whose parameters read valid values of their types; every counter then still equals the
    instance count the final GPN shows."""
    p = run.plan
    adds = [x for x in run.session.acs_exchanges if isinstance(x.sent, m.AddObject)]
    assert [x.sent.object_name for x in adds] == run.added  # type: ignore[union-attr]

    def outcomes() -> Iterator[str]:
        for x in adds:
            table = x.sent.object_name  # type: ignore[union-attr]
            obj = p.objects[table]
            full = obj is not None and obj.max_entries is not None
            full = full and len(p.instances[table]) >= obj.max_entries  # type: ignore[union-attr,operator]
            got = x.received
            if full and not (isinstance(got, m.Fault) and got.code == 9004):
                yield f"{table}: full, want 9004, got {got!r}"
            elif not full and not isinstance(got, m.AddObjectResponse):
                yield f"{table}: {got!r}"

    _none(outcomes(), "AddObject answers not as the table's maxEntries says")
    final = run.answers(m.GetParameterValuesResponse)[3]
    names = [i.name for i in run.answers(m.GetParameterNamesResponse)[-1].parameters]

    def defaults() -> Iterator[str]:
        for v in final.parameters:
            if v.name in p.params:
                continue
            meta = p.schema.param(generic(v.name))
            if meta is None:
                yield f"{v.name}: not in the model"
                continue
            if v.type != _wire(meta):
                yield f"{v.name}: xsi:type {v.type}, want {_wire(meta)}"
            if v.value == null_value(_wire(meta)):
                continue
            try:
                check_value(meta, v.value, None, allow_readonly_enums=True)
            except CwmpFault as e:
                yield f"{v.name} = {v.value!r}: {e.string}"

    _none(defaults(), "new-instance values that are not valid for their parameter")
    values = {v.name: v.value for v in final.parameters}

    def counts() -> Iterator[str]:
        for counter, table in p.counters.items():
            if counter not in values:
                yield f"{counter}: missing"
                continue
            n = sum(1 for x in names if x.startswith(table) and x[len(table) : -1].isdigit())
            if values[counter] != str(n):
                yield f"{counter}: {values[counter]}, {n} instances"

    _none(counts(), "counters that do not match the instances after AddObject")


def test_inform_carries_model_parameters_typed_as_the_model_says(run: Run) -> None:
    """The bootstrap Inform's ParameterList: forced-inform parameters of the model, with
    their data-model types and the device's values."""
    params = run.session.inform.parameters
    assert params
    p = run.plan

    def problems() -> Iterator[str]:
        forced = {n for n, meta in p.params.items() if meta.forced_inform}
        got = {v.name for v in params}
        yield from (f"forced-inform {n} missing" for n in sorted(forced - got))
        for v in params:
            meta = p.params.get(v.name)
            if meta is None:
                yield f"{v.name}: not a parameter of the model"
                continue
            if v.type != _wire(meta):
                yield f"{v.name}: xsi:type {v.type}, want {_wire(meta)}"
            want = _expected_initial(run, v.name)
            if want is not None and v.value != want:
                yield f"{v.name}: {v.value!r}, want {want!r}"

    _none(problems(), "Inform parameters not as the model says")


def test_the_device_covers_every_parameter_of_the_model(
    run: Run, record_property: Callable[[str, object], None]
) -> None:
    """Every live parameter of the BBF model is exercised (7210 of TR-181 2.19.1's 7343
    are live, 133 are status="deleted"; TR-098 1.8: 1800 of 1801); the counts are recorded
    (junit properties) and printed by the fixture."""
    p = run.plan
    covered = {generic(n) for n in p.params}
    model = {meta.name for meta in p.schema.params()}
    assert covered == model
    assert len(model) == {"Device.": 7210, "InternetGatewayDevice.": 1800}[p.root]
    assert (
        len({generic(n) for n in p.counters})
        == {"Device.": 437, "InternetGatewayDevice.": 87}[p.root]
    )
    record_property("parameters", len(p.params))
    record_property("generic_parameters", len(model))
    record_property("counters", len(p.counters))
    record_property("objects", len(run.objects))
    record_property("set_by_spv", sum(len(b) for b in run.spv))
    record_property("no_valid_value", sorted(p.no_value))


def test_deleting_the_new_instances_gives_back_the_model(run: Run) -> None:
    """DeleteObject of every instance AddObject made: status 0 each, and the whole GPV is
    again the one read before AddObject (values, types, counters)."""
    made = [x for x in run.session.acs_exchanges if isinstance(x.received, m.AddObjectResponse)]
    deletes = [
        (x.sent, x.received)
        for x in run.session.acs_exchanges
        if isinstance(x.sent, m.DeleteObject)
    ]
    assert made and len(deletes) == len(made)
    _none(
        (
            f"{sent.object_name}: {received!r}"
            for sent, received in deletes
            if not isinstance(received, m.DeleteObjectResponse) or received.status != 0
        ),
        "DeleteObject answers other than status 0",
    )
    gpvs = run.answers(m.GetParameterValuesResponse)
    assert len(gpvs) == 5
    key = run.plan.agent_kept + "ParameterKey"
    before = {v.name: (v.value, v.type) for v in gpvs[2].parameters if v.name != key}
    after = {v.name: (v.value, v.type) for v in gpvs[4].parameters if v.name != key}
    assert [v.value for v in gpvs[4].parameters if v.name == key] == [f"del{len(deletes) - 1}"]
    _none(
        (
            f"{n}: {before.get(n)} -> {after.get(n)}"
            for n in sorted(set(before) | set(after))
            if before.get(n) != after.get(n)
        ),
        "differences from the model before AddObject",
    )
