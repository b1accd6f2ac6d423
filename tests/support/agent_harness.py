"""Run the real agent in-process against the scripted ACS, on loopback (and the typed reactor)."""

from __future__ import annotations

import random
from pathlib import Path

from twisted.internet import reactor as _reactor

from cwmpd.config import Config, parse_config
from cwmpd.reactors import AgentReactor, agent_reactor
from cwmpd.service import CwmpAgent, makeService

reactor: AgentReactor = agent_reactor(_reactor)


def agent_config(
    state_dir: Path, acs_url: str, *, acs: str = "", device: str = "", connreq: str = ""
) -> Config:
    """A config for the simulated device talking to ``acs_url``; extra TOML lines per section."""
    text = (
        f'[acs]\nurl = "{acs_url}"\nperiodic_inform_interval = 0\n{acs}\n'
        f"[connection_request]\nenable = false\n{connreq}\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{state_dir}"\n{device}\n'
        f'[control]\nsocket = "{state_dir}/control.sock"\n'
    )
    return parse_config(text, "test.toml")


class AgentRunner:
    """Starts the agent; a reboot that needs the daemon restarted is done like a supervisor."""

    def __init__(self, config: Config, *, seed: int = 1) -> None:
        self.config = config
        self.seed = seed
        self.exits = 0
        self.agent: CwmpAgent | None = None

    def start(self) -> CwmpAgent:
        """Start a fresh agent process-equivalent on the same state dir."""
        agent = makeService(
            self.config, reactor, rng=random.Random(self.seed), on_exit=self._exited
        )
        agent.startService()
        self.agent = agent
        return agent

    def _exited(self) -> None:
        self.exits += 1
        agent, self.agent = self.agent, None
        if agent is not None and agent.running:
            agent.stopService()
        self.start()

    def stop(self) -> None:
        """Stop the running agent, if any."""
        agent, self.agent = self.agent, None
        if agent is not None and agent.running:
            agent.stopService()
