"""svimpact: run, reproduce, validate and gate Year One evaluation batches; manage data.

Errors svimpact raises on purpose are printed as one clear message (exit status 2); a batch with
a failed notebook exits with status 1.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from svimpact.exceptions import SvimpactError

__all__ = ["main"]


def _cmd_run(args: argparse.Namespace) -> int:
    from svimpact.report.batch import run_batch

    start = time.perf_counter()
    result = run_batch(args.params, out=args.out, jobs=args.jobs, resume=args.resume, scheduler=args.scheduler)
    print(f"svimpact run took {time.perf_counter() - start:.1f} s; status: "
          f"{'complete' if result.ok else 'FAILED'}; manifest: {result.manifest}")
    return 0 if result.ok else 1


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from svimpact.report.reproduce import reproduce

    report = reproduce(args.manifest, out=args.out, jobs=args.jobs)
    print(report.summary())
    return 0 if report.ok else 1


def _cmd_validate(args: argparse.Namespace) -> int:
    from svimpact.io.validate import validate_batch

    report = validate_batch(args.params)
    print(report.summary())
    return 0 if report.ok else 1


def _cmd_gate(args: argparse.Namespace) -> int:
    from svimpact.gate import gate_report

    report = gate_report(args.report_dir, args.params)
    print(report.summary())
    return 0 if report.ok else 1


def _cmd_generate(args: argparse.Namespace) -> int:
    from svimpact.datasets import generate_synthetic

    manifest = generate_synthetic(args.root, seed=args.seed)
    for key, entry in manifest["files"].items():
        print(f"wrote {entry['path']} ({key})")
    print(f"SYNTHETIC data written under {Path(args.root).resolve()} with seed {args.seed}")
    return 0


def _cmd_lcr(args: argparse.Namespace) -> int:
    from svimpact.datasets.real_areas import LCR_FILES, build_lcr

    provenance = build_lcr(args.data_dir, args.out)
    out = Path(args.out).resolve()
    for name in LCR_FILES.values():
        print(f"wrote {out / name}")
    counts = ", ".join(f"{k} {v}" for k, v in provenance["lsoas_per_borough"].items())
    print(f"real Liverpool City Region geography (OGL v3; see LICENCE.md): LSOAs per borough: {counts}")
    for note in provenance["conversion_notes"]:
        print(f"note: {note}")
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from svimpact.io.fetch import fetch, list_files

    if args.list:
        table = list_files()
        print(table[["name", "publisher", "pinned", "description"]].to_string(index=False))
        return 0
    paths = fetch(args.names or None, cache_dir=args.cache_dir, allow_unpinned=args.allow_unpinned)
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from svimpact._version import __version__
    from svimpact.datasets import DEFAULT_SEED

    parser = argparse.ArgumentParser(prog="svimpact", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"svimpact {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a batch of notebooks and build the chapter")
    run.add_argument("params", help="batch manifest, e.g. params/year_one.yaml")
    run.add_argument("--out", help="output directory (default: output_dir in the manifest)")
    run.add_argument("--jobs", type=int, help="notebooks to run in parallel (default: jobs in the manifest)")
    run.add_argument("--resume", action="store_true",
                     help="skip notebooks whose inputs and params are unchanged since they last succeeded")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="run the notebooks as Dask tasks: 'local' for a LocalCluster of --jobs workers, or a "
                          "scheduler address such as tcp://host:8786 (workers need the same environment and paths)")
    run.set_defaults(func=_cmd_run)

    rep = sub.add_parser("reproduce", help="re-run a batch and compare every table and figure with its manifest")
    rep.add_argument("manifest", help="e.g. reports/year-one/manifest.json")
    rep.add_argument("--out", help="where to write the re-run (default: a temporary directory)")
    rep.add_argument("--jobs", type=int, help="notebooks to run in parallel (default: jobs in the manifest)")
    rep.set_defaults(func=_cmd_reproduce)

    val = sub.add_parser("validate", help="check params and input data without running notebooks")
    val.add_argument("params", help="batch manifest, e.g. params/year_one.yaml")
    val.set_defaults(func=_cmd_validate)

    gate = sub.add_parser("gate", help="scan a report directory for small counts, identifiers and postcodes")
    gate.add_argument("report_dir", help="e.g. reports/year-one")
    gate.add_argument("--params", help="batch manifest (default: the one named in REPORT_DIR/manifest.json)")
    gate.set_defaults(func=_cmd_gate)

    data = sub.add_parser("data", help="data sets")
    dsub = data.add_subparsers(dest="data_command", required=True)
    gen = dsub.add_parser("generate", help="(re)generate the bundled SYNTHETIC data deterministically")
    gen.add_argument("--root", default=".", help="repository root holding data/ and shapefiles/")
    gen.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    gen.set_defaults(func=_cmd_generate)
    lcr = dsub.add_parser("lcr", help="rebuild the shipped real Liverpool City Region geography (data/lcr: IoD2025, "
                                      "simplified ONS boundaries, provenance) from the official files")
    lcr.add_argument("--data-dir", required=True,
                     help="folder laid out like ../shared/reference-data (IoD2025, ONS lookups, boundaries)")
    lcr.add_argument("--out", default="data/lcr", help="where to write (default: data/lcr, the shipped copy)")
    lcr.set_defaults(func=_cmd_lcr)
    fet = dsub.add_parser("fetch", help="download official IoD, ONS lookup and boundary files into a cache, "
                                        "verifying checksums (the only command that uses the network)")
    fet.add_argument("names", nargs="*", help="files to fetch (default: every file with a pinned checksum)")
    fet.add_argument("--cache-dir", help="cache directory (default: $SVIMPACT_DATA_DIR or the user cache)")
    fet.add_argument("--allow-unpinned", action="store_true",
                     help="also download files with no pinned checksum, printing the sha256 to pin")
    fet.add_argument("--list", action="store_true", help="list the files the registry knows and exit")
    fet.set_defaults(func=_cmd_fetch)
    return parser


def _terminate(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None  # stop workers and kernels too
    try:
        return int(args.func(args))
    except SvimpactError as exc:
        print(f"svimpact: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("svimpact: interrupted; the run stopped before its chapter and manifest were written, so the output "
              "folder is incomplete: run again (with --resume to keep notebooks that finished)", file=sys.stderr)
        return 130
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
