"""Run every benchmark module in this package (or those named on the command line)."""

import importlib
import os
import pkgutil
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "max_site.test_settings")


def main() -> None:
    import django

    import bench

    # Some benchmark modules import models at the top: the apps load before any of them.
    django.setup()

    names = sys.argv[1:] or sorted(m.name for m in pkgutil.iter_modules(bench.__path__))
    for name in names:
        if name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):
            continue
        print(f"\n=== bench.{name} ===", flush=True)
        started = time.perf_counter()
        module.main()
        print(f"(bench.{name} took {time.perf_counter() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
