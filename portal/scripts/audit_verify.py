"""``portal-audit-verify <ini file> [--anchor LENGTH:HEAD]``: check the audit trail's hash chain.

Prints the chain's length and head, then 完整 (exit code 0) or the first broken entry, named by its
position, key, time, unit, person, action and item, with what was expected and what was found
(exit code 1). ``--anchor`` also checks a length and head noted down at an earlier check (see
``docs/audit.md``). The check reads the database in one transaction, one consistent state, and
only reads; progress goes to the standard error.
"""

import argparse
import re
import sys

from pyramid.paster import bootstrap
from pyramid.traversal import resource_path

from ..audit.chain import Verification
from ..audit.views import time_text

#: Links or entries checked between two reports of progress (and two emptyings of the cache).
BATCH = 50_000


def anchor(value):
    match = re.fullmatch(r"\s*([1-9][0-9]*)\s*:\s*([0-9a-fA-F]{64})\s*", value)
    if match is None:
        raise argparse.ArgumentTypeError("expected LENGTH:HEAD, e.g. 1234:<64 hexadecimal digits>")
    return int(match.group(1)), match.group(2).lower()


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="portal-audit-verify", description="Check the audit trail's hash chain (审计链校验)."
    )
    parser.add_argument("config_uri", help="the portal's ini file, e.g. production.ini")
    parser.add_argument(
        "--anchor", type=anchor, default=None, help="LENGTH:HEAD noted down at an earlier check"
    )
    return parser.parse_args(argv)


def describe(root, trail, broken):
    """The lines naming the broken entry."""
    pair = trail.entries.get(broken.key) if broken.key is not None else None
    item_oid, entry = pair if pair is not None else (broken.item_oid, None)
    where = f"第 {broken.number} 条" if broken.number is not None else "不在链上的记录"
    lines = [f"已损坏：{where}" + (f"（键 {broken.key}）" if broken.key is not None else "")]
    lines.append(f"  问题：{broken.explanation}")
    if broken.when is not None:
        lines.append(f"  时间：{time_text(broken.when)}")
    if entry is not None:
        lines.append(f"  单位：{getattr(entry, 'unit_title', '') or getattr(entry, 'unit', '')}")
        lines.append(f"  人员：{getattr(entry, 'name', '')}（{getattr(entry, 'login', '')}）")
        lines.append(f"  操作：{getattr(entry, 'title', '')}（{getattr(entry, 'action', '')}）")
    if item_oid is not None:
        resource = root.__objectmap__.object_for(item_oid)
        if resource is root:
            lines.append("  事项：平台本身（权限规则、登录等）")
        elif resource is not None:
            lines.append(f"  事项：{getattr(resource, 'title', '')} {resource_path(resource)}")
        else:
            lines.append("  事项：已不存在")
    lines.append(f"  应为：{broken.expected}")
    lines.append(f"  实为：{broken.found}")
    return lines


def main(argv=None, out=None, err=None):
    args = parse_args(argv)
    out = out or sys.stdout
    err = err or sys.stderr
    env = bootstrap(args.config_uri)
    try:
        root = env["root"]
        trail = root.audit_trail
        print(f"审计链：链上 {trail.chain_length} 条，链头 {trail.chain_head.hex()}", file=out)
        if trail.waiting is not None and len(trail.waiting):
            print(f"待入链 {len(trail.waiting)} 条（刚写入，尚未入链，不影响校验）", file=out)
        verification = Verification.of(trail, args.anchor)
        while not verification.step(trail, limit=BATCH):
            root._p_jar.cacheMinimize()
            done = f"链上已核对 {verification.checked} / {verification.target} 条"
            if verification.entries_seen:
                done += f"，记录已核对 {verification.entries_seen} 条"
            print(done, file=err, flush=True)
        broken = verification.broken
        if broken is None:
            anchored = f"，与记下的第 {args.anchor[0]} 条的链头一致" if args.anchor else ""
            print(f"完整：链上 {verification.checked} 条均与入链时一致{anchored}", file=out)
            return 0
        for line in describe(root, trail, broken):
            print(line, file=out)
        return 1
    finally:
        env["closer"]()
        # Let go of the storage (a FileStorage admits one process at a time).
        for db in env["registry"]._zodb_databases.values():
            db.close()


if __name__ == "__main__":
    sys.exit(main())
