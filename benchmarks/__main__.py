"""Run every benchmark: python -m benchmarks."""

import importlib
import pkgutil

import benchmarks

for info in pkgutil.iter_modules(benchmarks.__path__):
    if not info.name.startswith("_"):
        module = importlib.import_module(f"benchmarks.{info.name}")
        if hasattr(module, "main"):
            print(f"== {info.name}")
            module.main()
