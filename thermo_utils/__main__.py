"""Command line: ``python -m thermo_utils run SLUG --profile P [-p NAME VALUE …] | build | data | list``."""

from __future__ import annotations

import argparse
import sys

import yaml

from .chapters import CHAPTERS, PROFILES, get_chapter


def _parse_value(text: str):
    """-p values as papermill reads them: numbers, booleans, lists in YAML syntax, else strings."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m thermo_utils", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute one chapter with papermill")
    run.add_argument("slug")
    run.add_argument("--profile", default="classroom")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    run.add_argument("--force", action="store_true", help="re-execute even if cached")
    build = sub.add_parser("build", help="execute every written chapter and build the HTML book")
    build.add_argument("--profile", default="classroom")
    build.add_argument("--force", action="store_true")
    build.add_argument("--jobs", type=int, default=1, help="chapters run at once (each in its own process)")
    build.add_argument("--only", default=None, help="comma-separated chapters to run and show (others: planned pages)")
    sub.add_parser("data", help="prepare the datasets in the data directory")
    sub.add_parser("list", help="list the chapters")
    args = parser.parse_args(argv)

    from . import runner
    from .profiles import ConfigError

    try:
        if args.command in ("run", "build") and args.profile not in PROFILES:
            raise ValueError(f"unknown profile {args.profile!r}; valid profiles: {', '.join(PROFILES)}")
        if args.command == "run":
            get_chapter(args.slug)
            params = {name: _parse_value(value) for name, value in args.parameter}
            runner.run_chapter(args.slug, args.profile, params, force=args.force)
            return 0
        if args.command == "build":
            only = set(args.only.split(",")) if args.only else None
            if args.jobs < 1:
                raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
            return runner.build(args.profile, force=args.force, only=only, jobs=args.jobs)
        if args.command == "data":
            from .datasets import prepare_all

            return prepare_all()
        for chapter in CHAPTERS:
            print(f"{chapter.slug:20s} {'written' if chapter.written else 'planned':8s} {chapter.source}")
        return 0
    except (ValueError, ConfigError, runner.ChapterFailed) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2 if not isinstance(err, runner.ChapterFailed) else 1


if __name__ == "__main__":
    sys.exit(main())
