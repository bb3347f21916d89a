"""Run the benchmarks: every module named `*_bench` in this package, or those named on the command line
(`python -m bench parse archive` runs parse_bench and archive_bench)."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def benches() -> list[str]:
    """The benchmark names (module names without `_bench`), sorted."""
    return sorted(m.name[: -len("_bench")] for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                  if m.name.endswith("_bench"))


def run(names: list[str]) -> int:
    known = benches()
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    for name in names or known:
        print(f"== {name}_bench", flush=True)
        sys.argv = [f"bench.{name}_bench"]  # each main() sees no arguments meant for this runner
        importlib.import_module(f"bench.{name}_bench").main()
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
