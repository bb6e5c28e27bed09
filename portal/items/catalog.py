"""The ``portal`` catalog: items by type, relation, unit, state, deadline, and Chinese full text.

Listings and search never ask Casbin per item. For the person and the unit they act as,
:func:`visible` asks the policy engine which (relation, item type) pairs allow ``view`` and turns
them into one catalog query over the ``relations`` tokens (``recipient:cj-yushan``, ``reader:*``);
a policy change is in force at once, with no reindexing. The union is exactly what per-item
decisions allow: an item is visible when one of the unit's relations to it (or ``none``, when it
has none) allows ``view`` for its type, and that is what the query says.

Chinese text: hypatia's default splitter keeps a whole Chinese clause as one word, so
:class:`CJKBigramSplitter` cuts CJK runs into overlapping character pairs (ASCII words stay whole);
the ``chars`` keyword index answers one-character queries, which bigrams cannot.
"""

import re

from hypatia.query import Any, Contains, Eq, NotAny
from hypatia.text.lexicon import CaseNormalizer, Lexicon
from substanced.catalog import Field, Keyword, Text, catalog_factory, indexview, indexview_defaults

from ..security import NONE
from . import RELATIONS, EVERYONE

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN = re.compile(rf"[{CJK}]+|[0-9A-Za-z_]+(?:[.\-][0-9A-Za-z_]+)*")
CJK_RUN = re.compile(rf"^[{CJK}]+$")


def bigrams(run):
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


class CJKBigramSplitter:
    """A hypatia lexicon splitter: CJK runs into character bigrams, other words kept whole."""

    def process(self, texts):
        words = []
        for text in texts:
            for token in TOKEN.findall(text):
                words.extend(bigrams(token) if CJK_RUN.match(token) else [token])
        return words

    def processGlob(self, texts):
        return self.process(texts)


def make_lexicon():
    return Lexicon(CJKBigramSplitter(), CaseNormalizer())


class ChineseText(Text):
    """A text index factory giving each index its own CJK lexicon.

    Substance D's ``Text(lexicon=...)`` would share one lexicon object between databases (a second
    database then refuses it as foreign) and hashes only its class name, so a changed splitter would
    go unnoticed; here the splitter's name is part of the hash, and a change marks the index stale.
    """

    def __call__(self, catalog_name, index_name):
        self.kw["lexicon"] = make_lexicon()
        try:
            return super().__call__(catalog_name, index_name)
        finally:
            del self.kw["lexicon"]

    def hashvalues(self):
        values = super().hashvalues()
        values["splitter"] = f"{CJKBigramSplitter.__module__}.{CJKBigramSplitter.__qualname__}"
        return values


def characters(text):
    """The distinct CJK characters of a text, for one-character queries."""
    return sorted(set(re.findall(rf"[{CJK}]", text)))


@catalog_factory("portal")
class PortalIndexes:
    item_type = Field()
    relations = Keyword()
    owner = Field()
    state = Field()
    is_open = Field()
    created = Field()
    modified = Field()
    due = Field()
    awaiting = Keyword()
    year = Field()
    category = Field()
    number = Field()
    title = ChineseText()
    text = ChineseText()
    chars = Keyword()


def due_key(due):
    """A sortable number for a deadline: ``yyyymmddHHMM`` (dates count as the end of the day)."""
    if due is None:
        return None
    if hasattr(due, "hour"):
        return int(due.strftime("%Y%m%d%H%M"))
    return int(due.strftime("%Y%m%d")) * 10000 + 2359


@indexview_defaults(catalog_name="portal")
class PortalIndexViews:
    """What each index holds of an item; anything that is not an item is left out."""

    def __init__(self, resource):
        self.resource = resource

    def _item(self):
        from . import Item

        return self.resource if isinstance(self.resource, Item) else None

    def _value(self, default, value):
        return default if self._item() is None or value is None else value

    @indexview()
    def item_type(self, default):
        return self._value(default, getattr(self.resource, "item_type", None))

    @indexview()
    def relations(self, default):
        item = self._item()
        return default if item is None else item.relation_tokens()

    @indexview()
    def owner(self, default):
        return self._value(default, getattr(self.resource, "owner", None))

    @indexview()
    def state(self, default):
        return self._value(default, getattr(self.resource, "state", None))

    @indexview()
    def is_open(self, default):
        item = self._item()
        return default if item is None else bool(item.is_open)

    @indexview()
    def created(self, default):
        item = self._item()
        return default if item is None else item.created.timestamp()

    @indexview()
    def modified(self, default):
        item = self._item()
        return default if item is None else item.modified.timestamp()

    @indexview()
    def due(self, default):
        item = self._item()
        if item is None or not item.is_open or item.due is None:
            return default
        return due_key(item.due)

    @indexview()
    def awaiting(self, default):
        item = self._item()
        return default if item is None or not item.is_open else list(item.awaiting)

    @indexview()
    def year(self, default):
        item = self._item()
        return default if item is None else item.created.year

    @indexview()
    def category(self, default):
        return self._value(default, getattr(self.resource, "category", None) or None)

    @indexview()
    def number(self, default):
        return self._value(default, getattr(self.resource, "number", None) or None)

    @indexview()
    def title(self, default):
        return self._value(default, getattr(self.resource, "title", None) or None)

    @indexview()
    def text(self, default):
        item = self._item()
        return default if item is None else item.searchable_text()

    @indexview()
    def chars(self, default):
        item = self._item()
        return default if item is None else characters(item.searchable_text())


def portal_catalog(request):
    return request.root["catalogs"]["portal"]


def item_types(registry):
    """Every registered item type name (filled in by each workflow's ``includeme``)."""
    return tuple(sorted(getattr(registry, "portal_item_types", {})))


def register_item_type(config, item_type, title):
    """``config.add_item_type('penalty_filing', '行政处罚决定备案')``: make listings know the type."""
    types = getattr(config.registry, "portal_item_types", None)
    if types is None:
        types = config.registry.portal_item_types = {}
    types[item_type] = title


def visible_query(request, catalog, types=None, action="view"):
    """A hypatia query for the items the person, acting as their unit, may ``action``; or None.

    ``types`` narrows to some item types. The pairs come from the policy engine (cached per
    person, unit and policy version); the result equals per-item ``request.permits``.
    """
    unit = request.acting_unit
    if request.login is None or unit is None:
        return None
    types = tuple(types or item_types(request.registry))
    relations = (*RELATIONS, NONE)
    pairs = request.policy.visible_pairs(request.login, unit, relations, types, action)
    if not pairs:
        return None
    mine = [f"{relation}:{holder}" for relation in RELATIONS for holder in (unit, EVERYONE)]
    by_type = {}
    for relation, item_type in pairs:
        by_type.setdefault(item_type, set()).add(relation)
    clauses = []
    for item_type, allowed in sorted(by_type.items()):
        type_clause = Eq(catalog["item_type"], item_type)
        if set(RELATIONS) | {NONE} <= allowed:
            clauses.append(type_clause)
            continue
        tokens = [f"{relation}:{holder}" for relation in sorted(allowed - {NONE})
                  for holder in (unit, EVERYONE)]
        if NONE in allowed:
            # Items of the type where the unit has no relation at all, or one that is allowed.
            unrelated = type_clause & NotAny(catalog["relations"], mine)
            clauses.append(unrelated | (type_clause & Any(catalog["relations"], tokens))
                           if tokens else unrelated)
        else:
            clauses.append(type_clause & Any(catalog["relations"], tokens))
    query = clauses[0]
    for clause in clauses[1:]:
        query = query | clause
    return query


def visible_items(request, query=None, types=None, sort_index="modified", reverse=True,
                  limit=None, action="view"):
    """``(count, resultset)`` of the visible items matching ``query``, sorted.

    ``resultset`` is lazy: iterate ``resultset.all()`` or page with ``itertools.islice``.
    """
    catalog = portal_catalog(request)
    scope = visible_query(request, catalog, types=types, action=action)
    if scope is None:
        return 0, None
    if query is not None:
        scope = scope & query
    result = scope.execute()
    if sort_index:
        result = result.sort(catalog[sort_index], reverse=reverse, limit=limit)
    return len(result), result


def text_query(catalog, words):
    """A query for every word: bigram phrases for CJK words, one-character words by ``chars``."""
    clauses = []
    for word in words.split():
        cjk = "".join(characters(word))
        if len(word) == 1 and cjk:
            clauses.append(Any(catalog["chars"], [word]))
        elif word:
            clauses.append(Contains(catalog["text"], word))
    if not clauses:
        return None
    query = clauses[0]
    for clause in clauses[1:]:
        query = query & clause
    return query


def includeme(config):
    config.add_directive("add_item_type", register_item_type)
    config.scan(".catalog")
