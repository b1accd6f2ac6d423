"""Answers ACS requests: one handler per RPC the agent implements, nothing advertised beyond."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from twisted.logger import Logger

from cwmpd.cwmp import messages
from cwmpd.cwmp.eventcodes import M_REBOOT
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.acsview import AcsView
from cwmpd.datamodel.budget import ResponseBudget, ResponseLimits
from cwmpd.datamodel.model import DataModel

Handler = Callable[[Any], Awaitable[messages.Message]]

_log = Logger(namespace="cwmpd.session")


@dataclass
class AfterSession:
    """What the session asked to be done once it has ended (S-25)."""

    reboot: bool = False
    factory_reset: bool = False


class Dispatcher:
    """Maps each ACS request, by RPC name, to the coroutine that answers it.

    GPV, GPN and GPA responses are built within ``limits`` (9004 beyond them). The RPCs
    on parameters go through ``view``, the model as the ACS addresses it (Instance Aliases)."""

    def __init__(
        self,
        model: DataModel,
        *,
        add_event: Callable[[str, str], object],
        schedule_inform: Callable[[int, str], None],
        limits: ResponseLimits = ResponseLimits(),  # noqa: B008 (frozen, shared)
    ) -> None:
        self.view = AcsView(model)
        self._limits = limits
        self._add_event = add_event
        self._schedule_inform = schedule_inform
        self.after = AfterSession()
        self._handlers: dict[str, Handler] = {}  # registered: they win over the built-ins

    def register(self, name: str, handler: Handler) -> None:
        """Add (or replace) the handler of the RPC ``name`` ("Download"); GetRPCMethods lists
        it from then on. By name: the RPC's class need not be loaded before a request."""
        if name not in messages.RPC_TYPES:
            raise ValueError(f"not a CWMP RPC: {name!r}")
        self._handlers[name] = handler

    def methods(self) -> tuple[str, ...]:
        """Exactly the RPC names this agent answers (P-1)."""
        return tuple(sorted({*_BUILT_IN, *self._handlers}))

    def new_session(self) -> None:
        """Forget what the previous session asked for after it."""
        self.after = AfterSession()

    async def answer(self, request: messages.Message) -> messages.Message:
        """The response to ``request``, or a Fault message; never raises."""
        handler = self._handlers.get(request.name)
        built_in = _BUILT_IN.get(request.name)
        try:
            if handler is not None:
                return await handler(request)
            if built_in is not None:
                return await built_in(self, request)
        except CwmpFault as fault:
            return messages.Fault.from_exception(fault)
        except Exception:
            _log.failure("internal error answering {method}", method=request.name)
            return messages.Fault.from_exception(CwmpFault(9002))
        return messages.Fault.from_exception(CwmpFault(9000))

    def _budget(self) -> ResponseBudget:
        return ResponseBudget(self._limits)

    async def _get_rpc_methods(self, req: messages.GetRPCMethods) -> messages.Message:
        return messages.GetRPCMethodsResponse(methods=self.methods())

    async def _gpv(self, req: messages.GetParameterValues) -> messages.Message:
        params = await self.view.get_parameter_values(req.names, self._budget())
        return messages.GetParameterValuesResponse(parameters=tuple(params))

    async def _spv(self, req: messages.SetParameterValues) -> messages.Message:
        status = await self.view.set_parameter_values(req.parameters, req.parameter_key)
        return messages.SetParameterValuesResponse(status=status)

    async def _gpn(self, req: messages.GetParameterNames) -> messages.Message:
        params = await self.view.get_parameter_names(req.path, req.next_level, self._budget())
        return messages.GetParameterNamesResponse(parameters=tuple(params))

    async def _gpa(self, req: messages.GetParameterAttributes) -> messages.Message:
        params = await self.view.get_parameter_attributes(req.names, self._budget())
        return messages.GetParameterAttributesResponse(parameters=tuple(params))

    async def _spa(self, req: messages.SetParameterAttributes) -> messages.Message:
        await self.view.set_parameter_attributes(req.parameters)
        return messages.SetParameterAttributesResponse()

    async def _add_object(self, req: messages.AddObject) -> messages.Message:
        instance, status = await self.view.add_object(req.object_name, req.parameter_key)
        return messages.AddObjectResponse(instance_number=instance, status=status)

    async def _delete_object(self, req: messages.DeleteObject) -> messages.Message:
        status = await self.view.delete_object(req.object_name, req.parameter_key)
        return messages.DeleteObjectResponse(status=status)

    async def _reboot(self, req: messages.Reboot) -> messages.Message:
        # Queued (and persisted) now so that the CommandKey survives the reboot (E-6);
        # the Inform of this session has been sent already, so it goes in the next one.
        self._add_event(M_REBOOT, req.command_key)
        self.after.reboot = True
        return messages.RebootResponse()

    async def _factory_reset(self, req: messages.FactoryReset) -> messages.Message:
        self.after.factory_reset = True
        return messages.FactoryResetResponse()

    async def _schedule(self, req: messages.ScheduleInform) -> messages.Message:
        if req.delay_seconds <= 0:
            raise CwmpFault(9003, "DelaySeconds must be greater than 0")
        self._schedule_inform(req.delay_seconds, req.command_key)
        return messages.ScheduleInformResponse()


#: The RPCs every agent answers, by name: one table for every Dispatcher (a fleet holds
#: thousands), where ``register`` adds the others (Download, ChangeDUState ...).
_BUILT_IN: dict[str, Callable[[Dispatcher, Any], Awaitable[messages.Message]]] = {
    "GetRPCMethods": Dispatcher._get_rpc_methods,
    "GetParameterValues": Dispatcher._gpv,
    "SetParameterValues": Dispatcher._spv,
    "GetParameterNames": Dispatcher._gpn,
    "GetParameterAttributes": Dispatcher._gpa,
    "SetParameterAttributes": Dispatcher._spa,
    "AddObject": Dispatcher._add_object,
    "DeleteObject": Dispatcher._delete_object,
    "Reboot": Dispatcher._reboot,
    "FactoryReset": Dispatcher._factory_reset,
    "ScheduleInform": Dispatcher._schedule,
}
