"""Benchmark: evaluating each shipped stack offline under mocks (what the tests and the offline plan do).

    .venv/bin/python benchmarks/evaluate_stacks.py [--rounds 5]

Prints, per stack, the resource count and the evaluation time (first run in the process, which pays the
lazy imports of the provider SDKs, then the median of the following rounds), and the process's peak
memory. Target: a warm evaluation stays under 1 s per stack, so the offline plan feels instant.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from offline.graph import evaluate_stack  # noqa: E402

WARM_TARGET_SECONDS = 1.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{'stack':<8} {'resources':>9} {'first (s)':>10} {'warm median (s)':>16}")
    failed = False
    for stack in ("dev", "staging", "prod"):
        started = time.perf_counter()
        graph = evaluate_stack(stack)
        first = time.perf_counter() - started
        timings = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            evaluate_stack(stack)
            timings.append(time.perf_counter() - started)
        warm = statistics.median(timings)
        failed |= warm > WARM_TARGET_SECONDS
        print(f"{stack:<8} {len(graph.resources):>9} {first:>10.2f} {warm:>16.2f}")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mib:.0f} MiB; warm target {WARM_TARGET_SECONDS} s per stack: {'missed' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
