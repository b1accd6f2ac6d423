"""Benchmark-style fuzz run: 100,000 mutated captures through the codec, on 2 processes.

The same seeds, mutations and property as tests/security/test_codec_fuzz.py (only a
BadEnvelope, never 9002; faults and decoded messages round-trip), with the cases drawn by
``random.Random`` from fixed seeds instead of hypothesis: the same 100,000 cases on every
run, at several times hypothesis's rate. Prints cases/s and the distinct fault codes hit;
exits 1 naming the first failing case (replay it with build() and check()).
Baseline, measured in the same run: lxml alone parsing the same bytes (the ratio is the
codec's cost per case over bare parsing). Run: python tests/bench/bench_fuzz_codec.py [N]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from pathlib import Path
from random import Random

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS / "security"), str(TESTS)]

from lxml import etree  # noqa: E402

from security import test_codec_fuzz as fuzz  # noqa: E402

PROCESSES = 2
CASES = 100_000
BARE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def run(worker: int, n: int) -> tuple[Counter[int | None], float, float, str | None]:
    """``n`` cases from seed ``worker``: fault codes, codec seconds, bare lxml seconds, failure."""
    rng = Random(1000 + worker)
    codes: Counter[int | None] = Counter()
    codec = bare = 0.0
    for _ in range(n):
        case = fuzz.random_case(rng)
        data = fuzz.build(case)
        start = time.perf_counter()
        try:
            codes[fuzz.check(data)] += 1
        except Exception as exc:
            return codes, codec, bare, f"case {case!r}: {exc!r}"[:2000]
        middle = time.perf_counter()
        with suppress(etree.XMLSyntaxError, ValueError):
            etree.fromstring(data.lstrip(), BARE)
        codec += middle - start
        bare += time.perf_counter() - middle
    return codes, codec, bare, None


def main() -> int:
    """Run the cases on PROCESSES workers and print the figures."""
    if not fuzz.seeds():
        print("bench_fuzz_codec: spec/captures missing (set CWMPD_SPEC_DIR)")
        return 2
    total = int(sys.argv[1]) if len(sys.argv) > 1 else CASES
    shares = [total // PROCESSES + (i < total % PROCESSES) for i in range(PROCESSES)]
    start = time.perf_counter()
    with ProcessPoolExecutor(PROCESSES) as pool:
        results = list(pool.map(run, range(PROCESSES), shares))
    wall = time.perf_counter() - start
    codes: Counter[int | None] = Counter()
    for found, _, _, _ in results:
        codes.update(found)
    codec = sum(r[1] for r in results)
    bare = sum(r[2] for r in results)
    done = sum(codes.values())
    faults = sorted(c for c in codes if c is not None)
    print(
        f"bench_fuzz_codec: {done} cases over {len(fuzz.seeds())} seeds on {PROCESSES} processes "
        f"in {wall:.1f} s: {done / wall:.0f} cases/s; {len(faults)} distinct fault codes "
        f"{faults}; decoded {codes[None]}; " + ", ".join(f"{c}: {codes[c]}" for c in faults)
    )
    print(
        f"bench_fuzz_codec: codec parse+checks {codec / done * 1e6:.0f} us/case, "
        f"bare lxml parse {bare / done * 1e6:.0f} us/case, ratio {codec / max(bare, 1e-9):.1f}"
    )
    failures = [r[3] for r in results if r[3] is not None]
    for failure in failures:
        print(f"bench_fuzz_codec: FAILED {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
