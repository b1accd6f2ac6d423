"""One Install, Update or Uninstall from start to its result, each step persisted first.

fetching (StartTime, attempts) -> the package spooled -> inspected: what it installs is
persisted (applying) -> the handler acts -> the inventory records the unit. After a crash
in ``applying`` the listing of the execution environment judges whether the handler's act
took effect before the act is tried again; an operation started ``max_attempts`` times
fails (9017 or 9001) rather than crash the agent in a loop.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Final

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.plugin.api import DeploymentUnit
from cwmpd.transfers.du.faults import DUError
from cwmpd.transfers.du.inventory import Unit, make_uuid
from cwmpd.transfers.du.record import APPLYING, FETCHING, UNKNOWN_TIME, Operation, Result, iso
from cwmpd.transfers.du.settings import DUSettings
from cwmpd.transfers.errors import TransferError
from cwmpd.transfers.settings import FileClient

_UUID: Final = re.compile(r"[A-Fa-f0-9]{8}-([A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}")

#: Persist the operation (the job's record rewritten); the operation as stored.
Put = Callable[[Operation], Operation]


def as_du(unit: Unit) -> DeploymentUnit:
    """The plugin's view of an installed unit."""
    return DeploymentUnit(unit.name, unit.version, unit.vendor, unit.description)


class OperationRunner:
    """Runs the operations of the jobs of one DUManager."""

    def __init__(self, settings: DUSettings) -> None:
        self.settings = settings
        self.inventory = settings.inventory

    def now(self) -> str:
        """The clock's time as a dateTime."""
        return iso(float(self.settings.reactor.seconds()))

    def success(self, op: Operation, unit: Unit, state: str, eu_refs: str | None = None) -> Result:
        """The result of a successful operation on ``unit``."""
        inv = self.inventory
        refs = inv.eu_refs(unit) if eu_refs is None else eu_refs
        return Result(
            unit.uuid,
            inv.du_ref(unit),
            unit.version[:32],
            state,
            True,
            refs,
            op.start_time,
            self.now(),
        )

    def failure(self, op: Operation, code: int, reason: str) -> Result:
        """The result of a failed operation: a failed Install installed nothing ("Failed");
        a failed Update or Uninstall leaves the unit as it is now, if there is one."""
        unit = None
        if op.kind != "Install" and op.uuid and _UUID.fullmatch(op.uuid):
            unit = self.inventory.find(uuid=op.uuid)
        if op.kind != "Install" and unit is None and op.target:
            unit = self.inventory.find(name=op.target, ee=op.ee)
        start = op.start_time if op.start_time != UNKNOWN_TIME else self.now()
        if unit is None:
            uuid = op.uuid if _UUID.fullmatch(op.uuid) else make_uuid("", op.url or op.uuid)
            version = op.version[:32]
            return Result(uuid, "", version, "Failed", False, "", start, self.now(), code, reason)
        inv = self.inventory
        return Result(
            unit.uuid, inv.du_ref(unit), unit.version[:32], "Installed", True,
            inv.eu_refs(unit), start, self.now(), code, reason,
        )  # fmt: skip

    async def run(self, op: Operation, spool: Path, put: Put) -> Result:
        """Run (or resume) ``op``; its result. DUError for a failure the ACS is told of."""
        if op.uuid and not _UUID.fullmatch(op.uuid):
            raise DUError(9022, f"invalid UUID {op.uuid[:40]!r}")
        if op.phase == APPLYING:
            try:
                judged = await self._judge(op)
            except CwmpFault as fault:  # the environment cannot even list its units
                raise DUError(fault.code, fault.string) from fault
            if judged is not None:
                return judged
        start = op.start_time if op.start_time != UNKNOWN_TIME else self.now()
        op = put(op.with_changes(phase=FETCHING, attempts=op.attempts + 1, start_time=start))
        if op.attempts > self.settings.max_attempts:
            raise DUError(9001, f"interrupted {op.attempts - 1} times")
        try:
            if op.kind == "Install":
                return await self._install(op, spool, put)
            if op.kind == "Update":
                return await self._update(op, spool, put)
            return await self._uninstall(op, put)
        except CwmpFault as fault:
            raise DUError(fault.code, fault.string) from fault
        finally:
            spool.unlink(missing_ok=True)

    async def _judge(self, op: Operation) -> Result | None:
        """After a crash in the handler's act: its result if the act took effect, else None."""
        handler = self.inventory.handler(op.ee)
        listed = {du.name: du for du in await handler.list()}
        du = listed.get(op.target)
        if op.kind == "Uninstall":
            if du is not None or op.result is None:
                return None
            gone = self.inventory.find(name=op.target, ee=op.ee)
            if gone is not None:
                self.inventory.forget(gone)
            return dataclasses.replace(op.result, complete_time=self.now())
        if du is None or du.version != op.target_version:
            return None
        unit = self.inventory.record(op.ee, du, uuid=op.uuid, url=op.url)
        return self.success(op, unit, "Installed")

    def _environment(self, op: Operation) -> int:
        ee = self.inventory.resolve_ee(op.ee_ref)
        if not ee:
            raise DUError(9023, f"unknown execution environment {op.ee_ref[:64]!r}")
        return ee

    async def _install(self, op: Operation, spool: Path, put: Put) -> Result:
        ee = self._environment(op)
        if op.uuid and self.inventory.find(uuid=op.uuid) is not None:
            raise DUError(9026, f"deployment unit {op.uuid} is installed already")
        handler = self.inventory.handler(ee)
        await self._fetch(op, op.url, spool)
        du = await handler.inspect(spool, op.url)
        if self.inventory.find(name=du.name, ee=ee) is not None:
            raise DUError(9026, f"{du.name[:64]} is installed already")
        op = put(op.with_changes(phase=APPLYING, ee=ee, target=du.name, target_version=du.version))
        installed = await handler.install(spool, op.url)
        unit = self.inventory.record(ee, installed, uuid=op.uuid, url=op.url)
        return self.success(op, unit, "Installed")

    async def _update(self, op: Operation, spool: Path, put: Put) -> Result:
        unit = None
        if op.uuid:
            unit = self.inventory.find(uuid=op.uuid, version=op.version)
            if unit is None:
                raise DUError(9028, f"no deployment unit {op.uuid} {op.version}".strip())
        url = op.url or (unit.url if unit is not None else "")
        if not url:
            raise DUError(9003, "Update without a URL of a unit installed without one")
        ee = unit.ee if unit is not None else self._environment(op)
        handler = self.inventory.handler(ee)
        await self._fetch(op, url, spool)
        du = await handler.inspect(spool, url)
        if unit is None:
            unit = self.inventory.find(name=du.name, ee=ee, version=op.version)
            if unit is None:
                raise DUError(9028, f"{du.name[:64]} is not installed")
        if du.name != unit.name:
            raise DUError(9018, f"the package installs {du.name[:64]}, not {unit.name[:64]}")
        if du.version and du.version == unit.version:
            raise DUError(9032, f"{unit.name[:64]} {du.version[:32]} is installed already")
        op = put(op.with_changes(phase=APPLYING, ee=ee, target=du.name, target_version=du.version))
        updated = await handler.update(as_du(unit), spool, url)
        unit = self.inventory.record(ee, updated, url=url)
        return self.success(op, unit, "Installed")

    async def _uninstall(self, op: Operation, put: Put) -> Result:
        ee = self._environment(op) if op.ee_ref else 0
        unit = self.inventory.find(uuid=op.uuid, version=op.version, ee=ee)
        if unit is None:
            raise DUError(9028, f"no deployment unit {op.uuid} {op.version}".strip())
        planned = self.success(op, unit, "Uninstalled")
        op = put(op.with_changes(phase=APPLYING, ee=unit.ee, target=unit.name, result=planned))
        await self.inventory.handler(unit.ee).uninstall(as_du(unit))
        self.inventory.forget(unit)
        return dataclasses.replace(planned, complete_time=self.now())

    async def _fetch(self, op: Operation, url: str, spool: Path) -> None:
        """GET ``url`` into ``spool`` with the transfers' client (TLS policy, size budget)."""
        spool.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = os.statvfs(spool.parent)
        client = self._client(op.username, op.password)
        try:
            await client.get(url, spool, expected=0, space=st.f_bavail * st.f_frsize)
        except TransferError as exc:
            raise DUError(exc.code, exc.reason, fetching=True) from exc
        finally:
            await client.close()

    def _client(self, username: str, password: str) -> FileClient:
        s = self.settings
        if s.client is not None:
            return s.client(username, password)
        # lazy: the HTTP client is loaded by the first fetch, not by every start-up.
        from cwmpd.transfers.http import FileServerClient

        return FileServerClient(
            s.reactor,
            s.tls,
            username,
            password,
            limits=s.limits,
            allow_basic_over_http=s.allow_basic_over_http,
        )
