"""The machine line of the peer benchmarks' reports (bench/peer_bench.py, bench/grid_peer_bench.py)."""

from __future__ import annotations

import os
import platform


def machine_line(with_load: bool = True) -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    line = f"{cpu}, {os.cpu_count()} logical CPUs, {mem:.1f} GiB, Python {platform.python_version()}"
    return line + (f", load average {os.getloadavg()[0]:.1f} at the start" if with_load else "")
