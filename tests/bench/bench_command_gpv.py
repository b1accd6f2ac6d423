"""Benchmark: GPV of 200 command-backed parameters vs running their commands one by one.

Run: ``.venv/bin/python tests/bench/bench_command_gpv.py``. The mapping reads 40 process
rows x 5 parameters from one command; the baseline spawns that command once per value,
as a per-parameter agent would. Prints wall times, process counts and the ratio.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cwmpd.reactors import AgentReactor, agent_reactor

ROWS = 40
FIELDS = ("PID", "Command", "Size", "Priority", "State")
SCRIPT = (
    "import json\n"
    "row = lambda i: {'pid': i, 'cmd': f'p{i}', 'size': i * 10, 'prio': 20, 'state': 'Running'}\n"
    f"print(json.dumps([row(i) for i in range(1, {ROWS + 1})]))\n"
)
JSON_KEY = {"PID": "pid", "Command": "cmd", "Size": "size", "Priority": "prio", "State": "state"}


def mapping(script: Path) -> str:
    """A mapping reading 200 values from one command."""
    proc = "Device.DeviceInfo.ProcessStatus.Process."
    out = [
        'root = "Device."\nmanagement_server = true\n',
        f'[sources.ps]\ncommand = {json.dumps([sys.executable, str(script)])}\nformat = "json"\n',
        f'[tables."{proc}{{i}}."]\nsource = "ps"\nkey = "pid"\n',
    ]
    for field in FIELDS:
        out.append(f'[params."{proc}{{i}}.{field}"]\nrow = "{JSON_KEY[field]}"\n')
    return "".join(out)


def main() -> None:
    """Measure both ways and print the comparison."""
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred

    from cwmpd.datamodel.schema import load_schema
    from cwmpd.datamodel.vendor import with_vendor
    from cwmpd.plugin.load import declare_all, load_plugin, model_from_declarations, schema_prefixes
    from cwmpd.plugin.mapping import MappingPlugin

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        script = base / "ps.py"
        script.write_text(SCRIPT)
        plugin = base / "plugin"
        plugin.mkdir()
        (plugin / "plugin.py").write_text(
            "from cwmpd.plugin.mapping import plugin_factory\ncreate = plugin_factory(__file__)\n"
        )
        (plugin / "mapping.toml").write_text(mapping(script))
        result: dict[str, Any] = {}

        async def run(reactor: AgentReactor) -> None:
            device = load_plugin(str(plugin), state_dir=base / "state", reactor=reactor)
            assert isinstance(device, MappingPlugin)  # its process runner counts the spawns
            decl = declare_all([device])
            schema = load_schema(decl.root, prefixes=schema_prefixes(decl))
            model = model_from_declarations(decl, with_vendor(schema, decl.vendor), base / "state")
            start = time.perf_counter()
            values = await model.get_parameter_values(["Device.DeviceInfo.ProcessStatus.Process."])
            result["wall"] = time.perf_counter() - start
            result["count"] = len(values)
            result["spawned"] = device.runner.spawned

        d = Deferred.fromCoroutine(run(agent_reactor(reactor)))
        d.addErrback(lambda f: result.setdefault("error", f))
        d.addBoth(lambda _: reactor.stop())
        reactor.run()
        if "error" in result:
            result["error"].raiseException()
        start = time.perf_counter()
        for _ in range(result["count"]):
            subprocess.run([sys.executable, str(script)], capture_output=True, check=True)
        direct = time.perf_counter() - start
    n = result["count"]
    print(f"GPV of {n} command-backed parameters")
    print(f"  cwmpd mapped backend: {result['wall']:.3f} s, {result['spawned']} process(es)")
    print(f"  one command per parameter: {direct:.3f} s, {n} processes")
    print(
        f"  ratio direct/cwmpd: {direct / result['wall']:.1f}x wall,"
        f" {n / result['spawned']:.0f}x processes"
    )


if __name__ == "__main__":
    main()
