"""Run every benchmark module (or those named): `python -m benchmarks [extraction crawl ...]`."""
from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(names: list[str]) -> int:
    here = Path(__file__).parent
    modules = names or sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    failed = []
    for name in modules:
        print(f"\n=== benchmark: {name} ===", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            module.main()
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed.append(name)
            print(f"benchmark {name} failed: {type(exc).__name__}: {exc}", flush=True)
        print(f"=== {name}: {time.perf_counter() - started:.1f} s ===", flush=True)
    if failed:
        print(f"\nfailed benchmarks: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
