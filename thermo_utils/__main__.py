"""Command line: ``python -m thermo_utils run | build | robustness | params | data | list`` (``-h`` for each)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

import yaml

from thermo_utils.harness.registry import CHAPTERS, PROFILES, get_chapter


def _parse_value(text: str):
    """-p values as papermill reads them: numbers, booleans, lists in YAML syntax, else strings."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _parameters_cell(slug: str, write: bool) -> int:
    """Print the chapter's parameters cell as its config declares it; with ``write``, put it in the notebook."""
    chapter = get_chapter(slug)
    text = importlib.import_module(f"thermo_utils.chapters.{slug}.config").SPEC.parameters_cell()
    if not write:
        print(text)
        return 0
    notebook = json.loads(chapter.notebook.read_text())
    cells = [c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{chapter.notebook} has {len(cells)} cells tagged 'parameters'; expected one")
    cells[0]["source"] = text.splitlines(keepends=True)
    chapter.notebook.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    print(f"parameters cell of {chapter.notebook} rewritten ({text.count(chr(10)) - 1} lines)")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m thermo_utils", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute one chapter with papermill")
    run.add_argument("slug")
    run.add_argument("--profile", default="classroom")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    run.add_argument("--force", action="store_true", help="re-execute even if cached")
    build = sub.add_parser("build", help="execute every chapter and build the HTML book")
    build.add_argument("--profile", default="classroom")
    build.add_argument("--force", action="store_true")
    build.add_argument("--jobs", type=int, default=1, help="chapters run at once (each in its own process)")
    build.add_argument("--only", default=None, help="comma-separated chapters to run and show (others: a one-line page)")
    robust = sub.add_parser("robustness", help="run chapters at several seeds and record which verdicts change")
    robust.add_argument("--profile", default="classroom")
    robust.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    robust.add_argument("--only", nargs="+", default=None, metavar="SLUG", help="chapters to run (default: all)")
    robust.add_argument("--jobs", type=int, default=1, help="runs at once (each in its own process)")
    robust.add_argument("--force", action="store_true")
    robust.add_argument("--collect", action="store_true",
                        help="run nothing: record the verdicts of the results files already there")
    params = sub.add_parser("params", help="print (or --write) a chapter's parameters cell from its config")
    params.add_argument("slug")
    params.add_argument("--write", action="store_true", help="replace the notebook's parameters cell")
    sub.add_parser("data", help="prepare the datasets in the data directory")
    sub.add_parser("list", help="list the chapters")
    args = parser.parse_args(argv)

    from thermo_utils.harness import runner
    from thermo_utils.harness.profiles import ConfigError

    try:
        if args.command in ("run", "build", "robustness") and args.profile not in PROFILES:
            raise ValueError(f"unknown profile {args.profile!r}; valid profiles: {', '.join(PROFILES)}")
        if getattr(args, "jobs", 1) < 1:
            raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
        if args.command == "run":
            get_chapter(args.slug)
            params = {name: _parse_value(value) for name, value in args.parameter}
            runner.run_chapter(args.slug, args.profile, params, force=args.force)
            return 0
        if args.command == "build":
            only = set(args.only.split(",")) if args.only else None
            return runner.build(args.profile, force=args.force, only=only, jobs=args.jobs)
        if args.command == "robustness":
            from thermo_utils.harness.robustness import run_robustness

            return run_robustness(args.profile, args.seeds, args.only, jobs=args.jobs, force=args.force,
                                  collect=args.collect)
        if args.command == "params":
            return _parameters_cell(args.slug, args.write)
        if args.command == "data":
            from thermo_utils.core.datasets import prepare_all

            return prepare_all()
        for chapter in CHAPTERS:
            print(f"{chapter.slug:20s} {chapter.source}")
        return 0
    except (ValueError, ConfigError, runner.ChapterFailed) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2 if not isinstance(err, runner.ChapterFailed) else 1


if __name__ == "__main__":
    sys.exit(main())
