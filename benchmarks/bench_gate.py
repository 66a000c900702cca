"""Benchmark: the disclosure gate over the Year One demo report.

Run: ``.venv/bin/python benchmarks/bench_gate.py [--report reports/year-one] [--rounds 5]``.
Without ``--report`` the Year One batch is run first into a temporary folder. Reports the time to
read what the gate looks for from the inputs (identifiers raw and pseudonymised, postcodes, dates
of birth, free text) and the min and median time of the scan itself, with the number of files.
Target (issue 12): the scan of the demo's outputs in about 1 s on the 2-core build machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--batch", type=Path, default=ROOT / "params" / "year_one.yaml")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    from svimpact.gate import input_identifiers
    from svimpact.gate.batch import scan_services
    from svimpact.gate.match import needles_for
    from svimpact.io.params import load_batch

    with tempfile.TemporaryDirectory() as tmp:
        report = args.report
        if report is None:
            from svimpact.report.batch import run_batch

            report = Path(tmp) / "year-one"
            if not run_batch(args.batch, out=report, progress=None).ok:
                print("the batch failed or its gate found something: nothing to time", file=sys.stderr)
                return 1
        services = load_batch(args.batch)[1]
        start = time.perf_counter()
        look = input_identifiers(services)
        inputs = time.perf_counter() - start
        times, cpu, result = [], [], None
        for _ in range(args.rounds):
            needles_for.cache_clear()  # each round builds its look-up, as a fresh batch does
            start, start_cpu = time.perf_counter(), time.process_time()
            result = scan_services(report, services, look)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        assert result is not None
        print(f"gate: inputs read in {inputs:.2f} s ({len(look.identifiers)} identifiers raw and pseudonymised)")
        print(f"gate: scan of {len(result.files_scanned)} files: min {min(times):.2f} s, "
              f"median {statistics.median(times):.2f} s (CPU {statistics.median(cpu):.2f} s) over {args.rounds} round(s); "
              f"{'passed' if result.ok else f'{len(result.findings)} finding(s)'}")
        return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
