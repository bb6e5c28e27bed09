"""How fast ``portal-populate`` fills a site, and where its time goes.

    .venv/bin/python benchmarks/populate.py [--items 10000] [--units 27] [--batch 500] [--profile 40]

Makes a new site in ``benchmarks/results/populate-<N>/`` with ``development.ini``'s settings (its
ZODB connection cache of 50,000 objects; the demo people, not the demo examples), then runs the
console script on it (``portal.populate.script.main``) and prints its progress, the items per
second (wall clock, and per second of this process's CPU: the code's own speed on a machine shared
with other work), the bytes the storage grew by, and with ``--profile N`` cProfile's N most
expensive functions, cumulative and by their own time.
"""

import argparse
import configparser
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))

import portal  # noqa: E402
from portal.populate import script  # noqa: E402


def write_ini(directory):
    """``development.ini`` with its ``var/`` in ``directory``, the demo examples left out."""
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    parser.read(PROJECT / "development.ini", encoding="utf-8")
    lines = ["[app:main]", "use = call:portal:main"]
    for key, value in parser.items("app:main"):
        if key == "use":
            continue
        value = value.replace("%(here)s/var", str(directory)).replace("%(here)s", str(PROJECT))
        if key == "portal.demo_content":
            value = "false"
        if key == "pyramid.reload_templates":
            value = "false"
        lines.append(f"{key} = {value}")
    ini = directory / "populate.ini"
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ini


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=None)
    parser.add_argument("--years", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--attachments", type=float, default=1.0)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    directory = HERE / "results" / f"populate-{args.items}"
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "blobs").mkdir(parents=True)
    ini = write_ini(directory)
    # The site first (its start is not the populate's time).
    app = portal.main({"__file__": str(ini)}, **site_settings(ini))
    for db in app.registry._zodb_databases.values():
        db.close()
    app.registry.portal_indexer.stop()
    size = os.path.getsize(directory / "Data.fs")
    load = os.getloadavg()
    print(
        f"{args.items:,} items, {os.cpu_count()} cores, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; Python {sys.version.split()[0]}",
        flush=True,
    )
    argv = [str(ini), "--items", str(args.items), "--batch", str(args.batch), "--years", str(args.years)]
    argv += ["--attachments", str(args.attachments)]
    if args.units:
        argv += ["--units", str(args.units)]
    if args.profile:
        argv += ["--profile", str(args.profile)]
    wall, cpu = time.perf_counter(), time.process_time()
    script.main(argv)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    grown = os.path.getsize(directory / "Data.fs") - size
    blobs = sum(1 for _ in (directory / "blobs").rglob("*.blob"))
    load = os.getloadavg()
    print(
        f"\nwhole script: {wall:.1f} s wall ({args.items / wall:.0f} items/s), {cpu:.1f} s CPU "
        f"({args.items / cpu:.0f} items per CPU second); Data.fs grew {grown / 1e6:.0f} MB "
        f"({grown / args.items / 1024:.1f} KB an item), {blobs:,} blob files; "
        f"load average afterwards {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def site_settings(ini):
    from pyramid.paster import get_appsettings

    return dict(get_appsettings(str(ini)))


if __name__ == "__main__":
    main()
