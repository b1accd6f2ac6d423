"""Benchmark: USP Get of a table over a 10,000-parameter model, against protobuf alone.

Agent time = decode the request Msg, answer it through the USP Dispatcher and the shared
DataModel (path resolution, one backend read, grouping per object), encode the response;
measured cold (a freshly built model each round: the instance index is built by the Get)
and warm (the same model, index cached). Baseline, measured in the same run: protobuf
alone decoding the same request bytes and building and encoding the same GetResp from the
values (checked equal to the agent's). Prints both ratios (target: at most 3).
Run: python tests/bench/bench_usp_get.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from twisted.internet.task import Clock

from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.schema import load_schema
from cwmpd.datamodel.uspmeta import with_usp
from cwmpd.plugin.load import model_from_declarations, schema_prefixes
from cwmpd.plugin.localagent import declare_local_agent
from cwmpd.plugin.trust_objects import declare_trust, with_trust
from cwmpd.plugin.usp_subscriptions import declare_subscriptions
from cwmpd.usp import messages
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.dispatch import Dispatcher

INSTANCES = 1000
FIELDS = (
    "Enable",
    "Alias",
    "Name",
    "Status",
    "Type",
    "IPv4Enable",
    "IPv6Enable",
    "ULAEnable",
    "LowerLayers",
    "MaxMTUSize",
)
ROUNDS = 15
CONTROLLER_ID = "proto::bench"
Groups = list[tuple[str, dict[str, str]]]


def build_dispatcher(state: Path) -> Dispatcher:
    """A model with INSTANCES x len(FIELDS) = 10,000 store-backed parameters, and
    Device.LocalAgent. as a USP agent has it: the requests come from its one Controller,
    given Full Access as a factory Controller is (cwmpd.plugin.load.build_model)."""
    decl = Declarations("Device.")
    for field in FIELDS:
        decl.store(f"Device.IP.Interface.{{i}}.{field}", "1500" if field == "MaxMTUSize" else "")
    decl.factory({f"Device.IP.Interface.{i}.Name": f"eth{i}" for i in range(1, INSTANCES + 1)})
    controller = {"Device.LocalAgent.Controller.1.EndpointID": CONTROLLER_ID}
    declare_local_agent(decl, with_trust(controller), uptime=lambda: 0, software_version="0")
    declare_subscriptions(decl)
    declare_trust(decl)
    schema = with_usp(load_schema("Device.", prefixes=schema_prefixes(decl)))
    model = model_from_declarations(decl, schema, state)
    return Dispatcher(model, clock=Clock(), reboot=lambda key: None, factory_reset=lambda: None)


def agent_round(dispatcher: Dispatcher, request: bytes) -> bytes:
    """What the agent does for one Get: decode, answer, encode (synchronously here)."""
    msg = pb.Msg.FromString(request)
    results: list[pb.Msg | None] = []
    dispatcher.handle(msg, CONTROLLER_ID).addCallback(results.append)
    (answer,) = results
    assert answer is not None
    return answer.SerializeToString()


def baseline(request: bytes, groups: Groups) -> bytes:
    """protobuf alone: decode the request, build the same GetResp, encode it."""
    msg = pb.Msg.FromString(request)
    answer = messages.response(msg.header.msg_id, pb.GetResp())  # filled in place, no copy
    resp = answer.body.response.get_resp
    result = resp.req_path_results.add(requested_path=msg.body.request.get.param_paths[0])
    add = result.resolved_path_results.add
    for path, params in groups:
        add(resolved_path=path, result_params=params)
    return answer.SerializeToString()


def interleaved(calls: dict[str, Callable[[int], object]]) -> dict[str, float]:
    """Median wall time of each call over ROUNDS rounds, the calls interleaved per round."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for i in range(ROUNDS):
        for name, call in calls.items():
            start = time.perf_counter()
            call(i)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    """Measure the agent (cold, warm) and the protobuf baseline; print the ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        request = messages.request(
            "bench-1", pb.Get(param_paths=["Device.IP.Interface."])
        ).SerializeToString()
        dispatcher = build_dispatcher(state / "warm")
        answer = pb.Msg.FromString(agent_round(dispatcher, request))
        (result,) = answer.body.response.get_resp.req_path_results
        groups = [(r.resolved_path, dict(r.result_params)) for r in result.resolved_path_results]
        count = sum(len(params) for _, params in groups)
        assert count >= INSTANCES * len(FIELDS), count
        assert pb.Msg.FromString(baseline(request, groups)) == answer
        fresh = [build_dispatcher(state / f"cold-{i}") for i in range(ROUNDS)]
        measured = interleaved(
            {
                "cold": lambda i: agent_round(fresh[i], request),
                "warm": lambda i: agent_round(dispatcher, request),
                "protobuf": lambda i: baseline(request, groups),
            }
        )
    cold, warm, base = measured["cold"], measured["warm"], measured["protobuf"]
    print(
        f"bench_usp_get: Get Device.IP.Interface. over {count} parameters: "
        f"agent cold {cold * 1000:.1f} ms, warm {warm * 1000:.1f} ms, "
        f"protobuf decode + build + encode {base * 1000:.1f} ms; "
        f"ratio cold {cold / base:.2f}, warm {warm / base:.2f} (target <= 3)"
    )


if __name__ == "__main__":
    main()
