"""The Request table of the running asynchronous commands, as the USP agent uses it.

The rows live in cwmpd.plugin.usp_requests' :class:`RequestTable` (a backend of the
shared model, persisted); this module finds it in the model and says what a row left
from an earlier run of the daemon means: a command that cannot resume after a restart
(all of them so far) ends with an error OperationComplete (TR-369 R-OPR.5's "the Agent
... cannot complete the operation").
"""

from __future__ import annotations

from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.usp_requests import GENERIC, Request, RequestTable
from cwmpd.usp.errors import ErrorCode

CANCEL = GENERIC + "Cancel()"
#: The error of a command the restart of the agent ended.
NOT_RESUMED = (int(ErrorCode.COMMAND_FAILURE), "the agent restarted; the command did not resume")
#: The error of a cancelled command.
CANCELED = (int(ErrorCode.COMMAND_CANCELED), "cancelled by Device.LocalAgent.Request.{i}.Cancel()")

__all__ = ["CANCEL", "CANCELED", "NOT_RESUMED", "Request", "RequestTable", "request_table"]


def request_table(model: DataModel) -> RequestTable | None:
    """The model's Request table, None when USP is off (or the model has none)."""
    backend = model.table_backend(GENERIC)
    return backend if isinstance(backend, RequestTable) else None
