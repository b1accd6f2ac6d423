#!/usr/bin/env python3
"""A tiny device stand-in for the backend tests: values in DIR/values.json.

Commands: get NAME, set NAME VALUE, setstdin NAME, setenv NAME, dump, links, add,
delete KEY.
A file DIR/fail-NAME makes ``set NAME`` fail (exit 1, message on stderr); every call is
appended to DIR/calls.log (one JSON list per line) so tests can count processes.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

DIR = Path(sys.argv[1])
CMD = sys.argv[2]
ARGS = sys.argv[3:]
VALUES = DIR / "values.json"


def load() -> dict[str, Any]:
    values: dict[str, Any] = json.loads(VALUES.read_text()) if VALUES.exists() else {}
    return values


def save(values: dict[str, Any]) -> None:
    VALUES.write_text(json.dumps(values))


with open(DIR / "calls.log", "a") as log:
    log.write(json.dumps([CMD, *ARGS]) + "\n")

values = load()
if CMD == "get":
    print(values.get(ARGS[0], ""))
elif CMD in ("set", "setstdin", "setenv"):
    name = ARGS[0]
    if CMD == "set":
        value = ARGS[1]
    else:
        value = sys.stdin.read() if CMD == "setstdin" else os.environ["VALUE"]
    if (DIR / f"fail-{name}").exists():
        print(f"cannot set {name}: device says no", file=sys.stderr)
        sys.exit(1)
    values[name] = value
    save(values)
elif CMD == "dump":
    print(json.dumps(values))
elif CMD == "links":
    print(json.dumps(values.get("_links", [])))
elif CMD == "add":
    links = values.get("_links", [])
    key = f"new{len(links)}"
    links.append({"ifname": key, "mtu": 1500, "link_type": "ether"})
    values["_links"] = links
    save(values)
    print(key)
elif CMD == "delete":
    values["_links"] = [x for x in values.get("_links", []) if x["ifname"] != ARGS[0]]
    save(values)
else:
    print(f"unknown command {CMD}", file=sys.stderr)
    sys.exit(2)
