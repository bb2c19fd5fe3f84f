"""The ``iitstudies`` command line: run, status, sia, export, report, serve."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from flows.errors import UsageError, run_command

# Quiet, offline-friendly Prefect defaults (the user's environment wins).
PREFECT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "DASK_LOGGING__DISTRIBUTED": "warning",
    "DASK_DISTRIBUTED__WORKER__PRELOAD": '["flows.signals"]',  # local workers leave Ctrl-C to the run
}


def _prefect_env() -> None:
    for k, v in PREFECT_DEFAULTS.items():
        os.environ.setdefault(k, v)


def _parse_state(text: str) -> list[int]:
    parts = text.split(",") if "," in text else list(text.strip())
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise UsageError(f"--state must be 0/1 values like 100 or 1,0,0; got {text!r}") from None


def read_substrate(path: str | Path) -> Any:
    """The substrate in a JSON file; every problem is an error naming the file (and the key)."""
    import iitcore

    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except IsADirectoryError:
        raise UsageError(f"{p}: is a directory, not a substrate file") from None
    except OSError as exc:
        raise UsageError(f"{p}: cannot read the substrate file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{p}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise UsageError(f"{p}: not valid JSON: {exc}") from None
    try:
        return iitcore.Substrate.from_dict(data)
    except iitcore.InvalidSubstrateError as exc:
        raise iitcore.InvalidSubstrateError(f"{p}: {exc}") from None


def _units(text: str | None) -> list[int | str] | None:
    if text is None:
        return None
    return [int(u) if u.strip().isdigit() else u.strip() for u in text.split(",")]


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.config import load_config
    from pipelines.stages.generate import validate_study

    cfg = load_config(args.config)  # read once; errors are reported before Prefect or Dask start
    validate_study(cfg, str(args.config))
    if args.no_prefect:
        from pipelines.study import run_study

        summary: dict[str, Any] = vars(run_study(
            args.config, args.store, args.scheduler, args.allow_config_change, args.progress, cfg=cfg
        ))
    else:
        from flows.server import run_server
        from pipelines.lock import refuse_if_in_use

        refuse_if_in_use(args.store or cfg.store)  # before the Prefect server starts

        with run_server(float(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"])):
            from flows.study import study_flow

            summary = study_flow(
                str(args.config), args.store, args.scheduler, args.allow_config_change, args.progress, loaded=cfg
            )
    print(json.dumps(summary, indent=2))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from pipelines.study import status

    st = status(args.store)
    if args.json:
        print(json.dumps(st, indent=2))
        return 0
    print(f"study      {st['study']}  ({st['store']})")
    print(f"work units {st['work_units_done']}/{st['work_units_total']} done, "
          f"{st['work_units_total'] - st['work_units_done']} left")
    print(f"candidates {st['candidates_done']}/{st['candidates_total']} evaluated")
    print(f"tables     {', '.join(st['tables'])}")
    print(f"runs       {len(st['runs'])}")
    for i, r in enumerate(st["runs"]):
        print(f"  {i}: started {r['started']}, finished {r['finished'] or '-'}, "
              f"computed {r.get('computed_units', '-')} units on {r['cluster']} ({r['workers']} workers)")
    if st["in_use_by"]:
        print(f"in use by  {st['in_use_by']}")
    print(f"damage     {len(st['damage']) or 'none'}{' (a rerun recomputes what it holds)' if st['damage'] else ''}")
    for d in st["damage"]:
        print(f"  {d}")
    print(f"complete   {'yes' if st['complete'] else 'no'}")
    return 0


def cmd_sia(args: argparse.Namespace) -> int:
    import iitcore

    substrate = read_substrate(args.substrate)
    result = iitcore.sia(substrate, _parse_state(args.state), _units(args.units), compat=args.compat)
    d = result.to_dict()
    if args.json:
        print(json.dumps(d, indent=2))
        return 0
    rows = [
        ("units", f"{d['labels']} {d['units']}"),
        ("state", "".join(map(str, d["state"]))),
        ("phi_s", f"{d['phi']:.10g} bit"),
        ("phi_cause / phi_effect", f"{d['phi_cause']:.10g} / {d['phi_effect']:.10g} bit"),
        ("normalized phi_s", f"{d['normalized_phi']:.10g}"),
        ("cause state", "".join(map(str, d["cause_state"]["state"])) if d["cause_state"] else "-"),
        ("effect state", "".join(map(str, d["effect_state"]["state"])) if d["effect_state"] else "-"),
        ("MIP parts", str(d["partition"]["parts"]) if d["partition"] else "-"),
        ("MIP directions", str(d["partition"]["directions"]) if d["partition"] else "-"),
        ("reasons", ", ".join(d["reasons"]) or "-"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pipelines.export import export
    from pipelines.store import Store

    print(export(Store.open(args.store, mode="r"), args.format, args.out))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipelines.report import write_report
    from pipelines.store import Store

    print(write_report(Store.open(args.store, mode="r"), args.out))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.study import study_flow
    from pipelines.config import load_config
    from pipelines.stages.generate import validate_study

    cfg = load_config(args.config)
    validate_study(cfg, str(args.config))
    cron = args.cron or cfg.schedule
    if not cron:
        raise UsageError(f"{args.config}: no schedule: set 'schedule' (a cron string) in the config or pass --cron")
    study_flow.serve(
        name=args.name or cfg.study,
        cron=cron,
        parameters={"config": str(Path(args.config).resolve()), "store": str(Path(args.store or cfg.store).resolve())},
    )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="iitstudies", description="IIT 4.0 comparative studies: run YAML studies on Dask into Zarr stores."
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run or resume a study", description="Run (or resume) the study a YAML config describes, as a Prefect flow.")
    r.add_argument("config", help="study config (YAML)")
    r.add_argument("--store", help="store path (default: the config's 'store')")
    r.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786 (overrides the config's cluster)")
    r.add_argument("--allow-config-change", action="store_true", help="discard a store made from a different config and start again")
    r.add_argument("--no-prefect", action="store_true", help="run the stages in plain Python, without Prefect")
    bar = r.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show a progress bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="log progress lines instead of a bar")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("status", help="what a store holds and what is left", description="Show what a study store holds and what is left to do.")
    s.add_argument("store", help="study store (a .zarr directory)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_status)

    a = sub.add_parser("sia", help="phi_s of one system", description="System integrated information (phi_s) of one substrate in one state.")
    a.add_argument("substrate", help="substrate JSON (a reference network object or iitcore's units form)")
    a.add_argument("--state", required=True, help="state of every unit, e.g. 100 or 1,0,0")
    a.add_argument("--units", help="candidate units, indices or labels, e.g. 0,1 or A,B (default: all)")
    a.add_argument("--compat", default="iit4_2023", choices=["iit4_2023", "pyphi-feature-iit4"], help="formalism variant")
    a.add_argument("--json", action="store_true", help="print the full result as JSON")
    a.set_defaults(func=cmd_sia)

    e = sub.add_parser("export", help="export a store's tables", description="Export every table of a study store.")
    e.add_argument("store", help="study store (a .zarr directory)")
    e.add_argument("--format", required=True, choices=["netcdf", "csv", "parquet"], help="output format")
    e.add_argument("--out", help="output file (netcdf) or directory (csv, parquet); default beside the store")
    e.set_defaults(func=cmd_export)

    rp = sub.add_parser(
        "report",
        help="comparative report of a finished study",
        description="Write the functional-vs-phenomenal equivalence report of a finished study store "
        "(Markdown with figures, tables as CSV, NetCDF/Parquet/CSV exports). Reads only the store.",
    )
    rp.add_argument("store", help="study store (a .zarr directory)")
    rp.add_argument("--out", help="output directory (default: beside the store, e.g. studies/x-report)")
    rp.set_defaults(func=cmd_report)

    v = sub.add_parser("serve", help="serve a scheduled deployment", description="Serve the study flow as a Prefect deployment on a cron schedule (needs a Prefect server for schedules to fire).")
    v.add_argument("config", help="study config (YAML)")
    v.add_argument("--cron", help="cron schedule (default: the config's 'schedule')")
    v.add_argument("--name", help="deployment name (default: the study name)")
    v.add_argument("--store", help="store path (default: the config's 'store')")
    v.set_defaults(func=cmd_serve)
    return p


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("iitstudies")
    except metadata.PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _prefect_env()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("iitstudies").setLevel(logging.INFO)
    on_stop = "; finished work units are kept in the store: the same command resumes" if args.command == "run" else ""
    return run_command(lambda: args.func(args), args.debug, on_stop)
