"""The Device.LocalAgent.Subscription.{i}. parameters the agent keeps, declared when USP is on.

Like ManagementServer.* (cwmpd.plugin.management), the rows live in the agent's own store,
persisted with the other agent-stored values, so a Controller (USP Add) and an ACS
(AddObject) create and delete them through the one DataModel; cwmpd.uspagent acts on them.
Call ``declare_subscriptions`` beside ``declare_management_server`` only when the config
enables USP (a CWMP-only agent has no such table), for a Device. root.
"""

from __future__ import annotations

from cwmpd.datamodel.bindings import Declarations

TABLE = "Device.LocalAgent.Subscription."
GENERIC = TABLE + "{i}."

#: Relative name -> factory default of a new row (None: the data model's default).
AGENT_KEPT: dict[str, str | None] = {
    "Alias": None,
    "Enable": "false",
    "ID": None,
    "Recipient": None,
    "NotifType": None,
    "ReferenceList": None,
    "Persistent": "false",
    "TimeToLive": "0",
    "NotifRetry": "false",
    "NotifExpiration": "0",
    "CreationDate": None,
}


def declare_subscriptions(decl: Declarations) -> None:
    """Declare the Subscription table as agent-kept parameters (Device. models with USP on)."""
    for rel, default in AGENT_KEPT.items():
        decl.store(f"{GENERIC}{rel}", default)
