"""twistd dropin: ``twistd -n cwmpd --config FILE`` runs the agent under twistd.

Twisted's own IServiceMaker/IPlugin seam; kept import-light (cwmpd is imported only
when the service is made) because twistd imports every dropin to list plugins.
"""

from __future__ import annotations

from typing import Any

from twisted.application.service import IService, IServiceMaker
from twisted.plugin import IPlugin
from twisted.python import usage
from zope.interface import implementer


class Options(usage.Options):
    """Options of ``twistd cwmpd``."""

    synopsis = "--config FILE"
    optParameters = [  # noqa: RUF012 (Twisted's usage API reads this class attribute)
        ["config", "c", None, "TOML config file (see the README)"],
    ]

    def postOptions(self) -> None:
        """--config is required."""
        if not self["config"]:
            raise usage.UsageError("--config FILE is required")


@implementer(IServiceMaker, IPlugin)
class CwmpdServiceMaker:
    """Makes the agent service (cwmpd.service.makeService) for twistd."""

    tapname = "cwmpd"
    description = "TR-069 (CWMP) CPE agent"
    options = Options

    def makeService(self, options: Options) -> IService:
        """Load the config (a clear UsageError for a bad one) and build the agent."""
        from twisted.internet import reactor

        from cwmpd.config import ConfigError, load_config
        from cwmpd.service import makeService

        try:
            config = load_config(options["config"])
        except ConfigError as exc:
            raise usage.UsageError(str(exc)) from exc
        agent: Any = makeService(config, reactor)
        service: IService = agent
        return service


serviceMaker = CwmpdServiceMaker()
