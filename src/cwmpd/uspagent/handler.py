"""The seam between the USP endpoint (Records in and out of MTPs) and the message handlers.

The endpoint decodes a Record, checks it (``cwmpd.usp.records.receive``) and hands each
request Msg to a :class:`MessageHandler`; what the handler answers goes back to the sender.
"""

from __future__ import annotations

from typing import Protocol

from twisted.internet.defer import Deferred

from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb


class MessageHandler(Protocol):
    """Answers the Msgs of Controllers (the Agent's side of TR-369 6.1)."""

    def handle(self, msg: pb.Msg, controller_id: str) -> Deferred[pb.Msg | None]:
        """The response or Error for ``msg`` from ``controller_id``; None for no answer
        (a response Msg such as NotifyResp, which answers the Agent's own request)."""
        ...
