"""考核评分: the evaluation standard as data, each unit's score for a period, and the ranks.

A standard (评分标准) is a base score and rules. A rule names what it counts, a registered measure
(``requests.late``) or the warnings of the overview (``yellow``, ``red``), and the points each counted
item is worth: negative deducts (−2 per late answer), positive adds (a bonus). Its cap bounds what the
rule can take away or add in one period. A unit's score is the base plus every rule's points, never
below zero.

Every saved version is kept (:class:`Standards`): the rules, the base, who saved it, when and why.
Until the supervisor saves one, the default standard (:func:`default_standard`) applies, made from
the measures the flows registered, so a flow added later is scored at once. Scores use the version in
force when they are computed, and say which.

Only the units held to the duties are scored: the district's departments and its townships (the
judicial organs are listed on the overview but are not evaluated by the 区司法局).

The counts are the overview's (:mod:`.overview`): the counters of the period for measures, the
warnings at this moment for ``yellow`` and ``red``. Nothing here loads an item.
"""

import datetime
from dataclasses import dataclass
from functools import cached_property
from decimal import Decimal

from persistent import Persistent
from persistent.list import PersistentList

from ..items import now
from .figures import counts_of, measures
from .overview import warnings_per_unit

#: What a rule may count beside the measures: the overview's warnings, at the moment of scoring.
WARNING_RULES = {"yellow": "黄色预警（1个工作日内到期）", "red": "红色预警（已超期）"}
#: The kinds of the units scored and ranked, in the order the ranking lists them.
SCORED_KINDS = ("department", "township")
DEFAULT_BASE = Decimal(100)
ZERO = Decimal(0)
#: The default deduction per item and its cap, by the kind of the measure.
DEFAULT_BY_KIND = {"late": (Decimal(-2), Decimal(20)), "refused": (Decimal(-5), Decimal(30))}
#: Accountability decisions (责任追究) against a unit: measures ``accountability.*`` about decisions.
ACCOUNTABILITY = "accountability."
DEFAULT_ACCOUNTABILITY = (Decimal(-5), Decimal(30))
DEFAULT_RED = (Decimal(-1), Decimal(10))


def is_accountability_decision(measure):
    """Whether a measure counts 责任追究 decisions against the unit (a deduction in the default)."""
    if not measure.key.startswith(ACCOUNTABILITY) or measure.kind not in ("", "duty"):
        return False
    tail = measure.key[len(ACCOUNTABILITY) :]
    return "决定" in measure.title or tail in ("decisions", "decided")


def number(value):
    """A score as people write it: ``-2``, ``0.5``, ``100`` (no trailing zeros)."""
    if value is None:
        return ""
    return format(value.normalize() + 0, "f")  # + 0: no "-0"


@dataclass(frozen=True)
class Rule:
    """One line of the standard: ``points`` per counted item (negative: a deduction), at most
    ``cap`` in total (None: no cap)."""

    key: str
    title: str
    points: Decimal
    cap: Decimal | None = None

    def points_for(self, count):
        """``(points, capped)`` of ``count`` items under this rule."""
        total = self.points * count + 0  # + 0: never Decimal("-0")
        if self.cap is not None and abs(total) > self.cap:
            return (self.cap if total > 0 else -self.cap), True
        return total, False

    @property
    def is_bonus(self):
        return self.points > 0

    def describe(self):
        per = f"每件{'加' if self.is_bonus else '扣'} {number(abs(self.points))} 分"
        return per + (f"，最多{'加' if self.is_bonus else '扣'} {number(self.cap)} 分" if self.cap else "")


@dataclass(frozen=True)
class Standard:
    """One version of the standard. ``version`` 0 is the default, never saved."""

    base: Decimal
    rules: tuple
    version: int = 0
    login: str = ""
    name: str = ""
    at: datetime.datetime | None = None
    note: str = ""

    @property
    def title(self):
        if not self.version:
            return "默认评分标准"
        return f"第 {self.version} 版评分标准"

    def as_entry(self):
        """The stored shape: plain values only, so that no class of ours is pickled in it."""
        return {
            "base": str(self.base),
            "rules": [
                (rule.key, rule.title, str(rule.points), "" if rule.cap is None else str(rule.cap))
                for rule in self.rules
            ],
            "login": self.login,
            "name": self.name,
            "at": self.at,
            "note": self.note,
        }

    @classmethod
    def from_entry(cls, entry, version):
        rules = tuple(
            Rule(key, title, Decimal(points), Decimal(cap) if cap else None)
            for key, title, points, cap in entry["rules"]
        )
        return cls(
            Decimal(entry["base"]),
            rules,
            version,
            entry.get("login", ""),
            entry.get("name", ""),
            entry.get("at"),
            entry.get("note", ""),
        )

    def same_rules(self, other):
        return self.base == other.base and self.rules == other.rules


class Standards(Persistent):
    """Every saved version of the standard, oldest first; a version is never changed once saved."""

    def __init__(self):
        self.versions = PersistentList()

    def add(self, standard):
        self.versions.append(standard.as_entry())
        return self.get(len(self.versions))

    def get(self, version):
        if not 1 <= version <= len(self.versions):
            return None
        return Standard.from_entry(self.versions[version - 1], version)

    def latest(self):
        return self.get(len(self.versions)) if self.versions else None

    def __len__(self):
        return len(self.versions)


def standards_of(root):
    return getattr(root, "supervision_standards", None)


def default_rules(registry=None):
    """The default rules from the registered measures: −2 per late item (at most −20 a measure),
    −5 per refusal (at most −30), −5 per accountability decision (at most −30), −1 per red warning
    (at most −10)."""
    rules = []
    for measure in measures(registry):
        if measure.kind in DEFAULT_BY_KIND:
            points, cap = DEFAULT_BY_KIND[measure.kind]
        elif is_accountability_decision(measure):
            points, cap = DEFAULT_ACCOUNTABILITY
        else:
            continue
        rules.append(Rule(measure.key, f"{measure.group}：{measure.title}", points, cap))
    rules.append(Rule("red", WARNING_RULES["red"], *DEFAULT_RED))
    return tuple(rules)


def default_standard(registry=None):
    return Standard(DEFAULT_BASE, default_rules(registry))


def current_standard(root, registry=None):
    """The standard in force: the latest saved version, else the default."""
    standards = standards_of(root)
    latest = standards.latest() if standards is not None else None
    return latest if latest is not None else default_standard(registry)


def history(root):
    """Every saved version, newest first."""
    standards = standards_of(root)
    if standards is None:
        return []
    return [standards.get(n) for n in range(len(standards), 0, -1)]


def save_standard(root, base, rules, login, name, note, moment=None):
    """Keep a new version of the standard; returns it (its ``version`` numbered from 1)."""
    standards = standards_of(root)
    if standards is None:
        standards = root.supervision_standards = Standards()
    return standards.add(Standard(base, tuple(rules), 0, login, name, moment or now(), note))


def rule_keys(registry=None):
    """``{key: title}`` of everything a rule may count, measures first, then the warnings."""
    keys = {m.key: f"{m.group}：{m.title}" for m in measures(registry)}
    keys.update(WARNING_RULES)
    return keys


# Scores -----------------------------------------------------------------------------------------


@dataclass
class Line:
    rule: Rule
    count: int
    points: Decimal
    capped: bool = False


@dataclass
class Card:
    """A unit's score for a period: the score, its ranks, and the lines of the standard.

    Only the counts that are not 0 are kept (``counts``: rule's position -> count); the lines are
    made when asked for. Scoring five hundred units under twenty rules would otherwise make ten
    thousand objects a request, which the cyclic garbage collector then walks again and again.
    """

    unit: str
    title: str
    kind: str
    kind_title: str
    standard: Standard
    counts: dict | None = None
    score: Decimal = ZERO
    rank: int = 0
    kind_rank: int = 0
    kind_count: int = 0

    @property
    def base(self):
        return self.standard.base

    @cached_property
    def lines(self):
        counts = self.counts or {}
        lines = []
        for position, rule in enumerate(self.standard.rules):
            count = counts.get(position, 0)
            points, capped = rule.points_for(count) if count else (ZERO, False)
            lines.append(Line(rule, count, points, capped))
        return lines

    def points(self):
        """The points of each rule that counted something."""
        rules = self.standard.rules
        return [rules[position].points_for(count)[0] for position, count in (self.counts or {}).items()]

    @property
    def deducted(self):
        return -sum((points for points in self.points() if points < 0), ZERO)

    @property
    def added(self):
        return sum((points for points in self.points() if points > 0), ZERO)


@dataclass
class Ranking:
    """Every scored unit's card for a period, best first (ties keep the overview's unit order)."""

    period: object
    standard: Standard
    cards: list
    moment: datetime.datetime
    kinds: dict

    def card(self, unit):
        for card in self.cards:
            if card.unit == unit:
                return card
        return None

    def __len__(self):
        return len(self.cards)


def scored_units(root):
    """``[(code, title, kind, kind title)]`` of the units scored, departments first, in code order."""
    from ..tenants import KINDS

    rows = []
    for code, tenant in root["tenants"].items():
        if tenant.kind in SCORED_KINDS:
            rows.append((SCORED_KINDS.index(tenant.kind), code, tenant.title or code, tenant.kind))
    rows.sort()
    return [(code, title, kind, KINDS.get(kind, kind)) for _, code, title, kind in rows]


def is_scored(tenant):
    return tenant is not None and tenant.kind in SCORED_KINDS


def counts_for(root, keys, period, moment):
    """``{key: {unit: count}}`` of the rules' keys: counters for measures, warnings at ``moment``."""
    counts = counts_of(root)
    result = {}
    warned = None
    for key in keys:
        if key in WARNING_RULES:
            if warned is None:
                catalog = root["catalogs"]["portal"]
                warned = warnings_per_unit(catalog, moment, root.calendar_overrides)
            result[key] = {unit: found.get(key, 0) for unit, found in warned.items()}
        else:
            result[key] = counts.per_unit(key, period) if counts is not None else {}
    return result


def rank(cards, key=lambda card: card.score):
    """Competition ranks (1, 2, 2, 4): the same score, the same rank. ``cards`` best first."""
    ranks = []
    previous = None
    for position, card in enumerate(cards, 1):
        value = key(card)
        if previous is None or value != previous[0]:
            previous = (value, position)
        ranks.append(previous[1])
    return ranks


def score_all(root, registry, period, standard=None, moment=None):
    """Every scored unit's :class:`Card` for ``period`` under ``standard`` (the one in force)."""
    standard = standard or current_standard(root, registry)
    moment = moment or now()
    found = counts_for(root, dict.fromkeys(rule.key for rule in standard.rules), period, moment)
    cards = []
    kinds = {}
    by_unit = {}
    for code, title, kind, kind_title in scored_units(root):
        card = by_unit[code] = Card(code, title, kind, kind_title, standard, score=standard.base)
        cards.append(card)
        kinds[kind] = kind_title
    # Rule by rule over the units that have something to count: most have nothing for most rules.
    for position, rule in enumerate(standard.rules):
        for code, count in found[rule.key].items():
            card = by_unit.get(code)
            if card is None or not count:
                continue
            if card.counts is None:
                card.counts = {}
            card.counts[position] = count
            card.score += rule.points_for(count)[0]
    for card in cards:
        if card.score < 0:
            card.score = ZERO
    cards.sort(key=lambda card: -card.score)  # stable: ties stay in the units' order
    for card, place in zip(cards, rank(cards), strict=True):
        card.rank = place
    for kind in kinds:
        same = [card for card in cards if card.kind == kind]
        for card, place in zip(same, rank(same), strict=True):
            card.kind_rank = place
            card.kind_count = len(same)
    return Ranking(period, standard, cards, moment, kinds)
