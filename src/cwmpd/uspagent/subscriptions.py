"""Device.LocalAgent.Subscription.{i}. (TR-369 R-NOT.0) read into :class:`Subscription` rows.

The table is agent-kept (declared by cwmpd.plugin.usp_subscriptions); this module reads
it for ``cwmpd.uspagent.notify``, which acts on the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.types import UNKNOWN_TIME, parse_datetime
from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.usp_subscriptions import AGENT_KEPT as AGENT_KEPT
from cwmpd.plugin.usp_subscriptions import GENERIC as GENERIC
from cwmpd.plugin.usp_subscriptions import TABLE as TABLE

#: NotifType values (the data model's enumeration).
VALUE_CHANGE = "ValueChange"
OBJECT_CREATION = "ObjectCreation"
OBJECT_DELETION = "ObjectDeletion"
OPERATION_COMPLETE = "OperationComplete"
EVENT = "Event"


@dataclass(frozen=True)
class Subscription:
    """One row of the table: ``path`` is its instance ("Device.LocalAgent.Subscription.3.")."""

    path: str
    enable: bool
    id: str
    recipient: str
    notif_type: str
    references: tuple[str, ...]
    persistent: bool
    time_to_live: int
    notif_retry: bool
    notif_expiration: int
    creation_date: datetime | None

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the subscription across table re-reads (path, ID, type)."""
        return (self.path, self.id, self.notif_type)

    @property
    def active(self) -> bool:
        """Enabled, with an ID and a Recipient: it may notify."""
        return self.enable and bool(self.id) and bool(self.recipient)

    def expires_at(self) -> float | None:
        """POSIX time at which TimeToLive removes the row (None: it does not expire)."""
        if self.time_to_live <= 0 or self.creation_date is None:
            return None
        return self.creation_date.timestamp() + self.time_to_live


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def parse_date(text: str) -> datetime | None:
    """A dateTime value as an aware datetime; None for the Unknown Time or a bad value."""
    if not text or text == UNKNOWN_TIME:
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def rows(values: Mapping[str, str]) -> list[Subscription]:
    """The subscriptions in ``values`` (concrete name -> value of the table's parameters)."""
    by_row: dict[str, dict[str, str]] = {}
    for name, value in values.items():
        if not name.startswith(TABLE):
            continue
        number, _, rel = name[len(TABLE) :].partition(".")
        if number.isdigit() and rel in AGENT_KEPT:
            by_row.setdefault(f"{TABLE}{number}.", {})[rel] = value
    out = []
    for path in sorted(by_row, key=lambda p: int(p[len(TABLE) : -1])):
        row = by_row[path]
        refs = tuple(r.strip() for r in row.get("ReferenceList", "").split(",") if r.strip())
        out.append(
            Subscription(
                path=path,
                enable=row.get("Enable") in ("true", "1"),
                id=row.get("ID", ""),
                recipient=row.get("Recipient", "").rstrip("."),
                notif_type=row.get("NotifType", ""),
                references=refs,
                persistent=row.get("Persistent") in ("true", "1"),
                time_to_live=_int(row.get("TimeToLive", "0")),
                notif_retry=row.get("NotifRetry") in ("true", "1"),
                notif_expiration=_int(row.get("NotifExpiration", "0")),
                creation_date=parse_date(row.get("CreationDate", "")),
            )
        )
    return out


async def read_subscriptions(model: DataModel) -> list[Subscription]:
    """Every row of the table (none when the model has no such table)."""
    try:
        found = await model.get_parameter_values([TABLE])
    except CwmpFault:
        return []
    return rows({v.name: v.value for v in found})
