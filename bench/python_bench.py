"""The Python package against the C++ library and the CLI (issue 15).

A. rateopt.optimise on N policies from numpy arrays, against the C++ solve alone (the library's own
   timing of optimise(), result.seconds): target ≤ 1.1×.
B. The whole Python path (numpy arrays in, multipliers and the per-policy DataFrame out) against the
   CLI's whole command (`rateopt optimise --book book.csv`: read, solve, write policies.csv and
   result.json) and against the round trip a notebook needs without the package (write the CSV, run the
   command, read policies.csv back with polars).

    .venv/bin/python bench/python_bench.py --sizes 1000000,10000000 --repeat 3

Writes bench/results/python_<date>.json and .md with the machine described.  Every figure is measured
in this run; the machine's load average is recorded before and after.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import statistics
import subprocess
import tempfile
import time

import numpy as np

import rateopt
from rateopt._columns import NUMERIC_COLUMNS

ROOT = pathlib.Path(__file__).resolve().parents[1]
OPTIONS = dict(lr_max=0.68, retention_min=0.78, max_rate_change=0.25, enbp_buffer=0.01, device="cpu")


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    revision = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True)
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "memory_gib": round(memory / 1048576, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "rateopt": rateopt.__version__,
        "git_revision": revision.stdout.strip(),
        "cuda_compiled": rateopt.cuda_compiled,
    }


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def numpy_book(n: int) -> dict[str, np.ndarray]:
    """The benchmark book as plain numpy arrays (float64, renewal_flag bool), no ids: what a notebook holds."""
    book = rateopt.generate_book(n, seed=2026)
    arrays = {c: np.array(book[c]) for c in NUMERIC_COLUMNS}
    arrays["renewal_flag"] = np.array(book["renewal_flag"])
    return arrays


def median(values: list[float]) -> float:
    return statistics.median(values)


def part_a(arrays: dict, repeat: int) -> dict:
    python, library = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        result = rateopt.optimise(arrays, **OPTIONS)
        python.append(time.perf_counter() - start)
        library.append(result.seconds)
        assert result.converged, result.message
    return {
        "python_seconds": python,
        "library_seconds": library,
        "ratio_of_medians": median(python) / median(library),
        "passes": result.passes,
        "status": result.status,
    }


def part_b(arrays: dict, cli: pathlib.Path, repeat: int, workdir: pathlib.Path) -> dict:
    import polars as pl

    python = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = rateopt.optimise(arrays, **OPTIONS)
        table = result.to_polars()
        python.append(time.perf_counter() - start)
        assert table.height == len(arrays["technical_price"])

    book_path, config_path, out = workdir / "book.csv", workdir / "config.json", workdir / "out"
    config_path.write_text(json.dumps(OPTIONS))
    write, command, read = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        rateopt.Book(arrays).write_csv(book_path)
        write.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([str(cli), "optimise", "--book", str(book_path), "--config", str(config_path), "--out-dir",
                        str(out), "--force"], check=True, capture_output=True)
        command.append(time.perf_counter() - start)
        start = time.perf_counter()
        back = pl.read_csv(out / "policies.csv")
        read.append(time.perf_counter() - start)
        assert back.height == len(arrays["technical_price"])
    book_path.unlink()
    round_trip = [w + c + r for w, c, r in zip(write, command, read)]
    return {
        "python_path_seconds": python,
        "cli_command_seconds": command,
        "csv_write_seconds": write,
        "csv_read_back_seconds": read,
        "cli_round_trip_seconds": round_trip,
        "cli_command_over_python": median(command) / median(python),
        "cli_round_trip_over_python": median(round_trip) / median(python),
    }


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"# Python package benchmark, {report['date']}",
        "",
        "## Machine",
        "",
        f"{m['cpu']}, {m['logical_cpus']} logical CPUs (a 2-core CPU box, shared with other builds: load "
        f"average before {report['load_before']}, after {report['load_after']}), {m['memory_gib']} GiB; Python "
        f"{m['python']}, numpy {m['numpy']}; rateopt {m['rateopt']} at {m['git_revision']}, CUDA compiled in: "
        f"{m['cuda_compiled']} (no GPU on this box: device cpu).",
        "",
        "## Command",
        "",
        "```",
        report["command"],
        "```",
        "",
        "Book: rateopt.generate_book(N, seed 2026) as numpy arrays (float64 columns, renewal_flag bool, no "
        "policy ids); options: lr_max 0.68, retention_min 0.78, max_rate_change 0.25, enbp_buffer 0.01, "
        f"device cpu. Medians of {report['repeat']} runs; every run is listed in the JSON.",
        "",
        "## A. rateopt.optimise from numpy arrays vs the C++ solve alone (target ≤ 1.1×)",
        "",
        "| N | Python call, s | C++ optimise(), s | ratio | passes |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, r in report["sizes"].items():
        a = r["a"]
        lines.append(f"| {int(n):.0e} | {median(a['python_seconds']):.3f} | {median(a['library_seconds']):.3f} | "
                     f"{a['ratio_of_medians']:.3f} | {a['passes']} |")
    lines += [
        "",
        "## B. The whole Python path vs the CLI",
        "",
        "Python path: arrays → rateopt.optimise → result.to_polars() (the per-policy table). CLI command: "
        "`rateopt optimise --book book.csv --config c.json --out-dir d` (read, solve, write policies.csv and "
        "result.json). Round trip: write the book CSV (rateopt's writer) + the command + read policies.csv "
        "back with polars, what a notebook does without the package.",
        "",
        "| N | Python path, s | CLI command, s | CSV write, s | read back, s | round trip, s | command / Python | round trip / Python |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, r in report["sizes"].items():
        b = r["b"]
        if b is None:
            continue
        lines.append(
            f"| {int(n):.0e} | {median(b['python_path_seconds']):.3f} | {median(b['cli_command_seconds']):.3f} | "
            f"{median(b['csv_write_seconds']):.3f} | {median(b['csv_read_back_seconds']):.3f} | "
            f"{median(b['cli_round_trip_seconds']):.3f} | {b['cli_command_over_python']:.2f}× | "
            f"{b['cli_round_trip_over_python']:.2f}× |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cli", default=str(ROOT / "build" / "rateopt"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / f"python_{datetime.date.today()}"))
    args = parser.parse_args()
    report = {
        "date": str(datetime.date.today()),
        "command": "python bench/python_bench.py " + " ".join(f"--{k} {v}" for k, v in vars(args).items() if k != "out"),
        "repeat": args.repeat,
        "machine": machine(),
        "load_before": load(),
        "sizes": {},
    }
    with tempfile.TemporaryDirectory() as d:
        for n in (int(float(s)) for s in args.sizes.split(",")):
            arrays = numpy_book(n)
            report["sizes"][str(n)] = {"a": part_a(arrays, args.repeat), "b": part_b(arrays, pathlib.Path(args.cli),
                                                                               args.repeat, pathlib.Path(d))}
            print(n, json.dumps(report["sizes"][str(n)]["a"]["ratio_of_medians"]), flush=True)
            del arrays
    report["load_after"] = load()
    pathlib.Path(args.out + ".json").write_text(json.dumps(report, indent=1) + "\n")
    pathlib.Path(args.out + ".md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
