#!/usr/bin/env python3
"""Exit 0 only if argv[1] is exactly the hostile test value (one literal argv element)."""

import sys

EXPECTED = "; rm -rf / $(reboot) \nsecond line"
if len(sys.argv) != 3 or sys.argv[1] != EXPECTED:
    print(f"argv was split or altered: {sys.argv[1:]!r}", file=sys.stderr)
    sys.exit(7)
with open(sys.argv[2], "w") as f:
    f.write(sys.argv[1])
