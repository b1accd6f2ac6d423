"""ManagementServer.InformParameter.{i} matching (E-10): which entries apply to which events.

A dozen lines of pattern rules with no library equivalent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cwmpd.cwmp.eventcodes import VALUE_CHANGE
from cwmpd.datamodel.tree import Index


def events_match(event_list: str, event_codes: Sequence[str]) -> bool:
    """True when an entry's EventList selects one of the events being delivered.

    An empty EventList means every event except "4 VALUE CHANGE".
    """
    wanted = {item.strip() for item in event_list.split(",") if item.strip()}
    if not wanted:
        return any(code != VALUE_CHANGE for code in event_codes)
    return any(code in wanted for code in event_codes)


def expand(pattern: str, index: Index) -> list[str]:
    """Parameter names an InformParameter ParameterName selects (unknown names: none).

    ``*`` stands for any instance number; a name ending with a dot selects every parameter
    below it.
    """
    if not pattern:
        return []
    if "*" not in pattern:
        if pattern.endswith("."):
            return index.params_under(pattern) if pattern in index.objects else []
        return [pattern] if pattern in index.params else []
    head = pattern[: pattern.index("*")]
    regex = re.compile(re.escape(pattern).replace(r"\*", "[0-9]+"))
    match = regex.match if pattern.endswith(".") else regex.fullmatch
    return [name for name in index.params_under(head) if match(name)]


def forced_pattern(pattern: str) -> str:
    """The generic name a ParameterName value refers to, to compare with forced parameters."""
    return re.sub(r"(?<=\.)(\*|[0-9]+)(?=\.|$)", "{i}", pattern)
