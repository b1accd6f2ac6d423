"""CWMP path-name helpers under their older name, for plugins: they live in cwmpd.cwmp.paths.

Backends use them too, and backends sit below the data model, so the rules moved to the
protocol package; this module only re-exports them.
"""

from __future__ import annotations

from cwmpd.cwmp.paths import (
    INSTANCE,
    ancestors,
    generic,
    is_instance,
    is_partial,
    last_segment,
    parent,
    under,
    well_formed,
)

__all__ = [
    "INSTANCE",
    "ancestors",
    "generic",
    "is_instance",
    "is_partial",
    "last_segment",
    "parent",
    "under",
    "well_formed",
]
