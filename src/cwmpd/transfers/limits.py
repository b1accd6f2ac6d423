"""The timeouts and redirect budget of a file transfer, apart from the HTTP client itself.

Here so that configuring the transfers at start-up does not load the HTTP client
(cwmpd.transfers.http), which only a Download or Upload needs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HttpLimits:
    """Timeouts (seconds) and redirect budget of one transfer."""

    connect_timeout: float = 30.0
    idle_timeout: float = 60.0
    total_timeout: float = 3600.0
    max_redirects: int = 5
