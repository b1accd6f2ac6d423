"""DUManager with a task.Clock, the real EventQueue, the simulated execution environment and
a fake file server: per-operation faults, ordering, exactly-once delivery, the policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.plugin.execenvs import SimulatedExecEnv
from cwmpd.session.events import EventQueue
from cwmpd.transfers.du.autonomous import policy_allows
from cwmpd.transfers.du.inventory import Inventory
from cwmpd.transfers.du.manager import DUManager
from cwmpd.transfers.du.settings import DUSettings
from cwmpd.transfers.errors import TransferError
from support.fakes import stand_in

UUID = "11111111-2222-4333-8444-555555555555"
ON = {"Enable": "true", "OperationTypeFilter": "Install"}


def done(coroutine: Any) -> Any:
    """The result of a coroutine that needs no reactor turn (its Deferred fired at once)."""
    d = Deferred.fromCoroutine(coroutine)
    out: list[Any] = []
    d.addBoth(out.append)
    assert out, "the coroutine waited"
    if isinstance(out[0], Failure):
        out[0].raiseException()
    return out[0]


class FakeClient:
    """Serves ``files`` by URL (a TransferError is raised)."""

    def __init__(self, files: dict[str, Any]) -> None:
        self.files = files

    async def get(
        self, url: str, dest: Path, *, expected: int, space: int, progress: Any = None
    ) -> int:
        what = self.files.get(url, TransferError(9010, "no such file"))
        if isinstance(what, Deferred):
            what = await what
        if isinstance(what, TransferError):
            raise what
        dest.write_bytes(what)
        return len(what)

    async def put(self, url: str, source: Path, content_type: str) -> int:
        raise AssertionError("no PUT")

    async def close(self) -> None:
        return None


class World:
    """One manager over a state folder; ``restart()`` builds a fresh one on the same files."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.clock = task.Clock()
        self.clock.advance(1_700_000_000)
        self.files: dict[str, Any] = {
            "http://f/app.pkg": b"Version: 1.0\n",
            "http://f/v2/app.pkg": b"Version: 2.0\n",
            "http://f/other.pkg": b"Version: 1.0\n",
        }
        self.policy: dict[str, str] = {}
        self.sessions = 0
        self.restart()

    def restart(self) -> None:
        self.events = EventQueue(self.tmp / "events.json")
        env = SimulatedExecEnv(self.tmp / "packages.json")
        inventory = Inventory("Device.", (env,), self.tmp / "software.json")

        def ask() -> None:
            self.sessions += 1

        self.manager = DUManager(
            DUSettings(
                reactor=stand_in(self.clock),
                inventory=inventory,
                jobs_path=self.tmp / "du-jobs.json",
                autonomous_path=self.tmp / "du-autonomous.json",
                spool=self.tmp / "spool",
                events=self.events,
                request_session=ask,
                policy=lambda name: self.policy.get(name, ""),
                client=lambda user, password: FakeClient(self.files),
            )
        )
        self.manager.start()

    def rpc(self, *ops: m.DUOperation, key: str = "k") -> m.Message:
        """The answer to one ChangeDUState (everything here completes synchronously)."""
        answer: m.Message = done(self.manager.change_du_state(m.ChangeDUState(ops, key)))
        return answer

    def change(self, *ops: m.DUOperation, key: str = "k") -> m.DUStateChangeComplete:
        """One ChangeDUState in a session, run after it; its DUStateChangeComplete."""
        self.manager.session_started()
        answer = self.rpc(*ops, key=key)
        assert answer == m.ChangeDUStateResponse()
        self.manager.after_session()
        self.manager.before_session()
        (complete,) = self.manager.pending_requests()
        assert isinstance(complete, m.DUStateChangeComplete)
        return complete

    def ack(self) -> None:
        for request in self.manager.pending_requests():
            self.manager.delivered(request, m.DUStateChangeCompleteResponse())
        self.manager.after_session()


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def codes(world: World) -> list[str]:
    return [e.code for e in world.events.queued()]


def test_results_in_order_with_faults(world: World) -> None:
    """Each operation's result, in order; a failed one does not stop the next."""
    complete = world.change(
        m.DUOperation("Install", url="http://f/app.pkg", uuid=UUID),
        m.DUOperation("Install", url="http://f/app.pkg"),  # 9026: app is installed
        m.DUOperation("Install", url="http://f/x.pkg", uuid="not-a-uuid"),  # 9022
        m.DUOperation("Update", uuid=UUID, url="http://f/app.pkg"),  # 9032: same version
        m.DUOperation("Install", url="http://f/gone", uuid=UUID.replace("1", "9")),
        m.DUOperation("Update", uuid=UUID, url="http://f/v2/app.pkg"),
    )
    got = [(r.fault_code, r.current_state, r.version) for r in complete.results]
    assert got == [
        (0, "Installed", "1.0"),
        (9026, "Failed", ""),
        (9022, "Failed", ""),
        (9032, "Installed", "1.0"),
        (9017, "Failed", ""),
        (0, "Installed", "2.0"),
    ]
    assert complete.command_key == "k"
    assert all(r.uuid for r in complete.results)
    assert sorted(codes(world)) == ["11 DU STATE CHANGE COMPLETE", "M ChangeDUState"]
    assert world.sessions >= 1


def test_fetch_failure_codes_are_du_codes(world: World) -> None:
    """A 9010 of the fetch becomes 9017; 9016 stays (both are DU fault codes or made one)."""
    world.files["http://f/a.pkg"] = TransferError(9010, "cut")
    world.files["http://f/b.pkg"] = TransferError(9016, "404")
    complete = world.change(
        m.DUOperation("Install", url="http://f/a.pkg"),
        m.DUOperation("Install", url="http://f/b.pkg"),
    )
    assert [r.fault_code for r in complete.results] == [9017, 9016]


def test_delivered_once_and_events_dropped(world: World) -> None:
    """Acknowledged: the job and its events go; a restart sends nothing again."""
    world.change(m.DUOperation("Install", url="http://f/app.pkg"))
    world.ack()
    assert world.manager.pending_requests() == [] and codes(world) == []
    world.restart()
    world.manager.before_session()
    assert world.manager.pending_requests() == [] and codes(world) == []


def test_unacknowledged_survives_a_restart(world: World) -> None:
    """Not acknowledged: after a restart the same DUStateChangeComplete, events still queued."""
    first = world.change(m.DUOperation("Install", url="http://f/app.pkg"))
    world.restart()
    world.manager.before_session()
    assert world.manager.pending_requests() == [first]
    assert "M ChangeDUState" in codes(world)


def test_first_listing_takes_stock(tmp_path: Path) -> None:
    """Units there before the agent's first listing are adopted, not reported; one that
    appears later is (event 12), once."""
    (tmp_path / "packages.json").write_text('{"base": {"version": "1"}}')
    world = World(tmp_path)
    world.policy.update(Enable="true", OperationTypeFilter="Install,Update,Uninstall")
    assert [u.name for u in world.manager.inventory.units.values()] == ["base"]
    assert world.manager.autonomous.pending_requests() == [] and codes(world) == []
    (tmp_path / "packages.json").write_text('{"base": {"version": "1"}, "late": {}}')
    world.restart()
    (report,) = world.manager.autonomous.pending_requests()
    assert isinstance(report, m.AutonomousDUStateChangeComplete)
    assert [(r.operation, r.deployment_unit_ref) for r in report.results] == [
        ("Install", "Device.SoftwareModules.DeploymentUnit.2")
    ]
    assert codes(world) == ["12 AUTONOMOUS DU STATE CHANGE COMPLETE"]
    world.manager.autonomous.delivered(report, m.AutonomousDUStateChangeCompleteResponse())
    world.restart()
    assert world.manager.autonomous.pending_requests() == [] and codes(world) == []


def test_a_shutdown_is_no_outcome(world: World) -> None:
    """stop() in mid-fetch: no result is persisted; the next start runs the install again."""
    slow: Deferred[bytes] = Deferred()
    world.files["http://f/slow.pkg"] = slow
    world.manager.session_started()
    world.rpc(m.DUOperation("Install", url="http://f/slow.pkg"))
    world.manager.after_session()
    world.manager.stop()
    (job,) = world.manager.store
    assert not job.complete and job.operations[0].result is None
    world.files["http://f/slow.pkg"] = b"Version: 7\n"
    world.restart()
    world.manager.before_session()
    (complete,) = world.manager.pending_requests()
    assert isinstance(complete, m.DUStateChangeComplete)
    assert [(r.fault_code, r.version) for r in complete.results] == [(0, "7")]


def test_uninstall_and_unknown(world: World) -> None:
    """Uninstall by UUID removes the unit; an unknown one is 9028."""
    world.change(m.DUOperation("Install", url="http://f/app.pkg", uuid=UUID))
    world.ack()
    complete = world.change(
        m.DUOperation("Uninstall", uuid=UUID), m.DUOperation("Uninstall", uuid=UUID), key="u"
    )
    (ok, unknown) = complete.results
    assert (ok.fault_code, ok.current_state, ok.uuid) == (0, "Uninstalled", UUID)
    assert ok.deployment_unit_ref == "Device.SoftwareModules.DeploymentUnit.1"
    assert (unknown.fault_code, unknown.current_state) == (9028, "Failed")
    assert world.manager.inventory.units == {}


def test_instance_numbers_are_not_reused(world: World) -> None:
    """A new unit after an uninstall gets a new DeploymentUnit and ExecutionUnit number."""
    world.change(m.DUOperation("Install", url="http://f/app.pkg", uuid=UUID))
    world.ack()
    world.change(m.DUOperation("Uninstall", uuid=UUID), key="u")
    world.ack()
    (result,) = (world.change(m.DUOperation("Install", url="http://f/other.pkg"), key="o")).results
    assert result.deployment_unit_ref.endswith("DeploymentUnit.2")
    assert result.execution_unit_refs.endswith("ExecutionUnit.2")


def test_queue_full_is_9004(world: World) -> None:
    """Past capacity ChangeDUState answers 9004."""
    world.manager.session_started()
    op = m.DUOperation("Install", url="http://f/app.pkg")
    for _ in range(world.manager.store.capacity):
        world.rpc(op)
    with pytest.raises(CwmpFault) as full:
        world.rpc(op)
    assert full.value.code == 9004


@pytest.mark.parametrize(
    ("policy", "operation", "code", "allowed"),
    [
        ({}, "Install", 0, False),  # disabled by default
        ({**ON, "OperationTypeFilter": "Install,Update"}, "Install", 0, True),
        ({**ON, "OperationTypeFilter": "Install,Update"}, "Uninstall", 0, False),
        ({**ON, "OperationTypeFilter": ""}, "Install", 0, False),  # empty: as if disabled
        ({**ON, "ResultTypeFilter": "Failure"}, "Install", 0, False),
        ({**ON, "ResultTypeFilter": "Success"}, "Install", 9018, False),
        ({**ON, "ResultTypeFilter": "Failure"}, "Install", 9018, False),  # no FaultCodeFilter
        ({**ON, "ResultTypeFilter": "Failure", "FaultCodeFilter": "9018"}, "Install", 9018, True),
        ({**ON, "FaultCodeFilter": "9018"}, "Install", 9001, False),
        ({**ON, "FaultCodeFilter": "9018, 9001"}, "Install", 9001, True),
    ],
)
def test_policy(policy: dict[str, str], operation: str, code: int, allowed: bool) -> None:
    """DUStateChangeComplPolicy: Enable, OperationTypeFilter, ResultTypeFilter, FaultCodeFilter."""
    result = m.OpResult(UUID, "", "", "Installed", True, "", "", "", code, "", operation)
    assert policy_allows(lambda name: policy.get(name, ""), result) is allowed
