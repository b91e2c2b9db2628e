"""Run every benchmark module (or those named): `python -m benchmarks [extraction crawl ...] [--flags]`.

Flags after the names go to each named module's own parser, so
`python -m benchmarks load --engine elasticsearch` is the same as `python -m benchmarks.load --engine
elasticsearch`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import time
from pathlib import Path


def split_arguments(argv: list[str]) -> tuple[list[str], list[str]]:
    """Module names come first; everything from the first flag on belongs to the modules."""
    for position, argument in enumerate(argv):
        if argument.startswith("-"):
            return argv[:position], argv[position:]
    return argv, []


def run(module, flags: list[str]):
    takes_argv = bool(inspect.signature(module.main).parameters)
    if flags and not takes_argv:
        raise SystemExit(f"benchmark {module.__name__} takes no flags: {' '.join(flags)}")
    # An explicit list keeps a module's parser away from this command's own sys.argv.
    return module.main(flags) if takes_argv else module.main()


def main(argv: list[str]) -> int:
    names, flags = split_arguments(argv)
    here = Path(__file__).parent
    modules = names or sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    if flags and not names:
        raise SystemExit(
            "name the benchmark the flags are for, e.g. `python -m benchmarks load --engine sqlite`"
        )
    failed = []
    for name in modules:
        print(f"\n=== benchmark: {name} ===", flush=True)
        started = time.perf_counter()
        try:
            result = run(importlib.import_module(f"benchmarks.{name}"), flags)
            if isinstance(result, int) and result:
                failed.append(name)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed.append(name)
            print(f"benchmark {name} failed: {type(exc).__name__}: {exc}", flush=True)
        print(f"=== {name}: {time.perf_counter() - started:.1f} s ===", flush=True)
    if failed:
        print(f"\nfailed benchmarks: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
