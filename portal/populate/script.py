"""``portal-populate <ini> --items N [--units M] [--years Y] [--seed S] [--batch B]``: fill a site with
a realistic year (or several) of its district's work (see :mod:`portal.populate`).

Progress goes to stderr (items, rate, time left); the summary (items by type and state) to stdout.
A FileStorage admits one process at a time: stop the portal first. On ZEO or RelStorage the portal
may keep serving, but nobody should be writing meanwhile (the run does not retry a batch).
"""

import argparse
import cProfile
import datetime
import io
import pstats
import sys

from pyramid.paster import bootstrap

from . import DEFAULT_BATCH, populate


def moment(value):
    """An ISO date-time; without a zone it is China time."""
    from ..calendar import SHANGHAI

    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: {value!r}") from error
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=SHANGHAI)
    return parsed.astimezone(SHANGHAI)


def positive(kind):
    def parse(value):
        number = kind(value)
        if number <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0: {value!r}")
        return number

    return parse


def share(value):
    number = float(value)
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError(f"a share from 0 to 1: {value!r}")
    return number


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="portal-populate",
        description="Fill a site with a realistic year (or several) of its units' work, step by step.",
    )
    parser.add_argument("config_uri", help="the portal's ini file, e.g. development.ini")
    parser.add_argument("--items", type=positive(int), required=True, help="how many items to add")
    parser.add_argument(
        "--units",
        type=positive(int),
        default=None,
        help="make the site this many units (adds departments and townships)",
    )
    parser.add_argument(
        "--years", type=positive(float), default=1.0, help="spread the work over this many past years"
    )
    parser.add_argument("--seed", type=int, default=2026, help="the same seed makes the same items")
    parser.add_argument("--batch", type=positive(int), default=DEFAULT_BATCH, help="items per transaction")
    parser.add_argument("--now", type=moment, default=None, help="the present of the run (ISO; default now)")
    parser.add_argument(
        "--attachments", type=share, default=1.0, help="share of the usual attachments to add (0 for none)"
    )
    parser.add_argument(
        "--password", default=None, help="the password of the people added (default demo12345)"
    )
    parser.add_argument(
        "--no-deadlines",
        dest="deadlines",
        action="store_false",
        help="leave out the deadline run at the end (reminders, overdue marks)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="print the N functions taking the most time (cProfile)",
    )
    return parser.parse_args(argv)


def main(argv=None, out=None, err=None):
    args = parse_args(argv)
    out, err = out or sys.stdout, err or sys.stderr
    env = bootstrap(args.config_uri)
    registry = env["registry"]
    profiler = cProfile.Profile() if args.profile else None
    try:
        if profiler is not None:
            profiler.enable()
        summary = populate(
            registry,
            args.items,
            units=args.units,
            years=args.years,
            seed=args.seed,
            batch=args.batch,
            moment=args.now,
            attachments=args.attachments,
            password=args.password,
            deadlines=args.deadlines,
            out=err,
        )
        if profiler is not None:
            profiler.disable()
    finally:
        env["closer"]()
        indexer = getattr(registry, "portal_indexer", None)
        if indexer is not None:
            indexer.stop()
        # Let go of the storage (a FileStorage admits one process at a time).
        for db in registry._zodb_databases.values():
            db.close()
    for line in summary.lines():
        print(line, file=out)
    if profiler is not None:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
        print(text.getvalue(), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
