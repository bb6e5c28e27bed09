"""``portal-deadlines <ini file> [--now ISO-datetime]``: reminders and overdue marks, run by cron.

Remind the units an item awaits one working day before it is due, and mark overdue items (a
history entry “已超期” and a notification to the awaiting and owner units), without anyone opening a
page. Idempotent: each item is reminded and marked once per due date, so running it every half hour
is safe. See ``docs/deadlines.md`` for the cron line.
"""

import argparse
import datetime
import sys

from pyramid.paster import bootstrap
from ZODB.POSException import ConflictError

from ..calendar import SHANGHAI
from ..deadlines import check_deadlines
from ..indexing import drain
from ..items import now

#: How often a run is tried again when a web request changed the same items at the same time.
ATTEMPTS = 3


def moment(value):
    """An ISO date-time; without a zone it is China time."""
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: {value!r}") from error
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=SHANGHAI)
    return parsed.astimezone(SHANGHAI)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="portal-deadlines",
        description="Remind units of items due within one working day and mark overdue items.",
    )
    parser.add_argument("config_uri", help="the portal's ini file, e.g. production.ini")
    parser.add_argument(
        "--now", type=moment, default=None, help="act as if it were this time (ISO, China time if no zone)"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    env = bootstrap(args.config_uri)
    try:
        request, root = env["request"], env["root"]
        when = args.now or now()
        # The catalogs first catch up with what requests committed and nobody indexed yet.
        drain(env["registry"])
        for attempt in range(ATTEMPTS):
            try:
                with request.tm:
                    counts = check_deadlines(root, request, when)
                break
            except ConflictError:
                if attempt == ATTEMPTS - 1:
                    raise
        drain(env["registry"])
    finally:
        env["closer"]()
        # Let go of the storage (a FileStorage admits one process at a time).
        for db in env["registry"]._zodb_databases.values():
            db.close()
    print(
        f"portal-deadlines {when:%Y-%m-%d %H:%M}: reminded {counts['reminded']} items, "
        f"marked {counts['overdue']} overdue, {counts['notifications']} notifications sent"
        + "".join(
            f", {key} {value}"
            for key, value in counts.items()
            if key not in ("reminded", "overdue", "notifications")
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
