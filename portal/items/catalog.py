"""The ``portal`` catalog: items by type, relation, unit, state, deadline, and Chinese full text.

Listings and search never ask Casbin per item. For the person and the unit they act as,
:func:`visible` asks the policy engine which (relation, item type) pairs allow ``view`` and turns
them into one catalog query over the ``relations`` tokens (``recipient:cj-yushan``, ``reader:*``);
a policy change is in force at once, with no reindexing. The union is exactly what per-item
decisions allow: an item is visible when one of the unit's relations to it (or ``none``, when it
has none) allows ``view`` for its type, and that is what the query says.

Chinese text: hypatia's default splitter keeps a whole Chinese clause as one word, so
:class:`CJKBigramSplitter` cuts text into segments at punctuation and spaces, and each segment into
overlapping pairs of units (a unit is one CJK character or one ASCII word), with a boundary word
between segments so that no phrase matches across punctuation. The ``chars`` keyword index answers
one-character queries, which bigrams cannot. :func:`text_query` also expands the standard
abbreviations of government bodies (``市场监管`` ↔ ``市场监督管理``, see :data:`ABBREVIATIONS`).
"""

import re
import unicodedata
from itertools import islice

from hypatia.query import Any, Comparator, Contains, Eq, NotAny, Or
from hypatia.text import widcode
from hypatia.text.setops import mass_weightedIntersection
from hypatia.text.lexicon import CaseNormalizer, Lexicon
from hypatia.util import ResultSet
from substanced.catalog import Field, Keyword, Text, catalog_factory, indexview, indexview_defaults

from ..security import NONE
from . import EVERYONE, RELATIONS, Item, SUPERVISION

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = r"[0-9A-Za-z_]+"
#: One unit of a segment: a CJK character or an ASCII word (letters, digits, underscore).
UNIT = re.compile(rf"[{CJK}]|{WORD}")
#: A run of units with no space or punctuation inside.
SEGMENT = re.compile(rf"(?:[{CJK}]|{WORD})+")
CJK_CHAR = re.compile(rf"^[{CJK}]$")
#: The word the splitter puts between segments; only :class:`InSequence` looks for it.
BOUNDARY = "\x1e"


def normalize(text):
    """NFKC: full-width digits and letters become ASCII, compatibility ideographs unified."""
    return unicodedata.normalize("NFKC", text)


def segment_words(segment):
    """The words of one segment: a bigram per adjacent pair of units, each ASCII word also alone.

    ``12号文件`` gives ``12, 12号, 号文, 文件``: ``2026`` and ``12号`` are both found, and a query's
    words are always a contiguous run of a matching document's words, so phrase search works.
    """
    units = UNIT.findall(segment)
    if len(units) == 1:
        return units
    words = []
    for i, unit in enumerate(units):
        if not CJK_CHAR.match(unit):
            words.append(unit)
        if i + 1 < len(units):
            words.append(unit + units[i + 1])
    return words


class CJKBigramSplitter:
    """A hypatia lexicon splitter: segments into unit bigrams, segments apart by :data:`BOUNDARY`.

    hypatia splits a phrase query twice (the query, then each word it got), so a text that is one
    segment of at most two units is taken as one word already split: ``process`` is idempotent.
    ``version`` is part of the text indexes' hash: changing it marks them for reindexing.
    """

    version = 2

    def process(self, texts):
        words = []
        for text in texts:
            if text == BOUNDARY:
                words.append(BOUNDARY)
                continue
            segments = SEGMENT.findall(normalize(text))
            if len(segments) == 1 and len(UNIT.findall(segments[0])) <= 2:
                words.append(segments[0])
                continue
            for i, segment in enumerate(segments):
                if i:
                    words.append(BOUNDARY)
                words.extend(segment_words(segment))
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
        # The lexicon is in ``kw`` only while ``__call__`` builds the index: leave it out, or the
        # hash stored then never equals the one computed at start, and every start reindexes.
        values.pop("lexicon", None)
        splitter = CJKBigramSplitter
        values["splitter"] = f"{splitter.__module__}.{splitter.__qualname__}:{splitter.version}"
        return values


def characters(text):
    """The distinct CJK characters of a text, for one-character queries."""
    return sorted(set(re.findall(rf"[{CJK}]", normalize(text))))


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
    figures = Keyword()


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
        if item is None:
            return default
        # A document's own year (e.g. its issue date's) where it has one, else the year it was made.
        return getattr(item, "document_year", None) or item.created.year

    @indexview()
    def category(self, default):
        return self._value(default, getattr(self.resource, "category", None) or None)

    @indexview()
    def number(self, default):
        return self._value(default, getattr(self.resource, "number", None) or None)

    @indexview()
    def figures(self, default):
        """The supervision figures the item counts in (``measure|unit|yyyymm``, portal.supervision)."""
        from ..supervision.figures import figure_keys

        item = self._item()
        keys = () if item is None else figure_keys(item)
        return list(keys) if keys else default

    # The words: in the catalog, unless a full-text store beside it keeps them (portal.fulltext).

    def _words_elsewhere(self):
        from ..fulltext import current_fulltext

        return current_fulltext() is not None

    @indexview()
    def title(self, default):
        if self._words_elsewhere():
            return default
        return self._value(default, getattr(self.resource, "title", None) or None)

    @indexview()
    def text(self, default):
        item = self._item()
        return default if item is None or self._words_elsewhere() else item.searchable_text()

    @indexview()
    def chars(self, default):
        item = self._item()
        if item is None or self._words_elsewhere():
            return default
        return characters(item.searchable_text())


@indexview(catalog_name="system", index_name="text", context=Item)
def item_text_in_system_catalog(resource, default):
    """Items are searched in the ``portal`` catalog; the back office's text index leaves them out."""
    return default


def portal_catalog(request):
    return request.root["catalogs"]["portal"]


def item_types(registry):
    """Every registered item type name (filled in by each workflow's ``includeme``)."""
    return tuple(sorted(getattr(registry, "portal_item_types", {})))


def register_item_type(config, item_type, title, workflow=None):
    """``config.add_item_type('penalty_filing', '行政处罚决定备案', workflow)``: make listings know
    the type (and its states' titles, which search offers to narrow by)."""
    types = getattr(config.registry, "portal_item_types", None)
    if types is None:
        types = config.registry.portal_item_types = {}
    types[item_type] = title
    if workflow is not None:
        config.registry.__dict__.setdefault("portal_item_workflows", {})[item_type] = workflow


def item_workflows(registry):
    """``{item type: workflow}`` of the registered types that have one."""
    return dict(getattr(registry, "portal_item_workflows", {}))


class WithoutAny(NotAny):
    """``NotAny`` that, inside an ``And``, takes its matches away from what comes before it.

    The same answer as ``NotAny``, without first building the set of every indexed document.
    """

    def intersect(self, left, names):
        if not len(left):
            return self.family.IF.Set()
        matches = self.index.applyAny(self._get_value(names))
        return self.family.IF.difference(left, matches) if len(matches) else left


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
    # The supervision relation does not take ``none`` away (``Item.relations_of``).
    mine = [
        f"{relation}:{holder}"
        for relation in RELATIONS
        if relation != SUPERVISION
        for holder in (unit, EVERYONE)
    ]
    by_type = {}
    for relation, item_type in pairs:
        by_type.setdefault(item_type, set()).add(relation)
    clauses = []
    for item_type, allowed in sorted(by_type.items()):
        type_clause = Eq(catalog["item_type"], item_type)
        if set(RELATIONS) | {NONE} <= allowed:
            clauses.append(type_clause)
            continue
        tokens = [
            f"{relation}:{holder}" for relation in sorted(allowed - {NONE}) for holder in (unit, EVERYONE)
        ]
        if NONE in allowed:
            # Items of the type where the unit has no relation at all, or one that is allowed.
            unrelated = type_clause & WithoutAny(catalog["relations"], mine)
            clauses.append(
                unrelated | (type_clause & Any(catalog["relations"], tokens)) if tokens else unrelated
            )
        else:
            clauses.append(type_clause & Any(catalog["relations"], tokens))
    query = clauses[0]
    for clause in clauses[1:]:
        query = query | clause
    return query


def visible_items(
    request,
    query=None,
    types=None,
    sort_index="modified",
    reverse=True,
    limit=None,
    action="view",
    exclude=None,
):
    """``(count, resultset)`` of the visible items matching ``query``, sorted.

    ``count`` is every match, also when ``limit`` keeps only the first of the sorted results.
    ``exclude`` is a query whose matches are taken away (by set difference, cheaply).
    ``resultset`` is lazy: iterate ``resultset.all()`` or page with :func:`sorted_page`; with
    ``sort_index=None`` it comes unsorted.
    """
    catalog = portal_catalog(request)
    scope = visible_scope(request, catalog, types=types, action=action)
    if scope is None:
        return 0, None
    result = scope
    if query is not None:
        ids = catalog.family.IF.intersection(scope.ids, query.execute().ids)
        result = ResultSet(ids, len(ids), scope.resolver)
    if exclude is not None and len(result):
        excluded = exclude.execute().ids
        if len(excluded):
            ids = catalog.family.IF.difference(result.ids, excluded)
            result = ResultSet(ids, len(ids), result.resolver)
    count = len(result)
    if sort_index and count:
        result = result.sort(catalog[sort_index], reverse=reverse, limit=limit)
    return count, result


def visible_scope(request, catalog, types=None, action="view"):
    """The visible items (a result set), or None; computed once per request for each (types, action).

    A page often lists several things (the home page's panels): they share one evaluation of the
    visibility query and intersect it with their own narrow queries.
    """
    cache = request.__dict__.setdefault("_portal_visible_scopes", {})
    key = (tuple(types) if types else None, action)
    if key not in cache:
        scope = visible_query(request, catalog, types=types, action=action)
        cache[key] = None if scope is None else scope.execute()
    return cache[key]


def sorted_page(result, index, reverse=False, start=0, size=20, then=None):
    """The objects ``start:start + size`` of ``result`` ordered by the field ``index``.

    Items the index holds no value for (no deadline, no number) come after the others, newest
    change first by the field ``then``; so every item has its place and counts stay true.
    Only the page's objects are loaded.
    """
    if result is None or not len(result) or size < 1:
        return []
    family = result.family
    ids = result.ids
    missing = family.IF.intersection(ids, index.not_indexed())
    present = family.IF.difference(ids, missing) if len(missing) else ids
    docids = []
    if start < len(present):
        ordered = first_in_order(index, present, reverse, start + size)
        docids = list(islice(ordered, start, start + size))
    if len(docids) < size and len(missing):
        offset = max(0, start - len(present))
        wanted = size - len(docids)
        if then is None:
            ordered = sorted(missing)
        else:
            ordered = then.sort(missing, reverse=True, limit=offset + wanted)
        docids.extend(islice(ordered, offset, offset + wanted))
    load = loader(result)
    return [load(docid) for docid in docids]


#: Walking one value of a field index (a persistent set of docids) costs about as much as sorting
#: this many docids by n-best (measured at 100,000 items).
WALK_COST = 10


def first_in_order(index, docids, reverse, limit):
    """The first ``limit`` of ``docids`` in the field index's order.

    When the docids are a good share of the index (an inbox among all items), walking the index's
    values from the wanted end finds a page after a few hundred values, where hypatia's n-best
    sort would look every docid up first; fewer docids are cheaper to sort.
    """
    numdocs = index.indexed_count()
    expected_walk = limit * numdocs / len(docids) if numdocs else float("inf")
    if expected_walk * WALK_COST > len(docids):
        return index.sort(docids, reverse=reverse, limit=limit)
    return islice(walk(index._fwd_index, docids, reverse), limit)


def walk(values, docids, reverse):
    """Docids in the order of ``values`` (a field index's value -> docids, as hypatia's own sorts
    use it), those in ``docids`` only."""
    for _, holders in reversed(values.items()) if reverse else values.items():
        for docid in holders:
            if docid in docids:
                yield docid


def loader(result):
    """A function from docid to object that walks the object map's stored path from the root:
    several times cheaper than the generic traversal Substance D's resolver does."""
    objectmap = getattr(result.resolver, "__self__", None)
    if objectmap is None or not hasattr(objectmap, "path_for"):
        return result.resolver

    def load(docid):
        path = objectmap.path_for(docid)
        resource = objectmap.root if path is not None else None
        for name in (path or ())[1:]:
            resource = resource.get(name)
            if resource is None:
                break
        return resource

    return load


#: Standard abbreviations of government bodies and mechanisms (the 简称 the district's documents
#: use, e.g. 区市监局, 区卫健委), each with its full form. A query word containing either side also
#: finds the other: ``市场监管`` finds 市场监督管理, ``城市管理局`` finds 城管局. Pairs whose full
#: form merely contains the short one (法院/人民法院) need no entry: phrase search finds them.
ABBREVIATIONS = {
    "市场监管": "市场监督管理",
    "市监": "市场监督管理",
    "城管": "城市管理",
    "卫健": "卫生健康",
    "人社": "人力资源和社会保障",
    "住建": "住房和城乡建设",
    "农水": "农业农村水利",
    "医保": "医疗保障",
    "应急": "应急管理",
    "教体": "教育体育",
    "民宗": "民族宗教",
    "网信": "网络安全和信息化",
    "发改": "发展和改革",
    "自规": "自然资源和规划",
    "文旅": "文化和旅游",
    "两法衔接": "行政执法与刑事司法衔接",
}


def expansions(word):
    """Other spellings of ``word``: each abbreviation in it written out, and each full form in it
    abbreviated (longest first; a full form already written out is left alone)."""
    found = []
    for short, full in sorted(ABBREVIATIONS.items(), key=lambda pair: -len(pair[0])):
        if full in word:
            variant = word.replace(full, short)
        elif short in word:
            variant = word.replace(short, full)
        else:
            continue
        if variant != word and variant not in found:
            found.append(variant)
    return found


def query_words(words):
    """The query's words (split at spaces), NFKC-normalised, empty ones dropped."""
    return [word for word in normalize(words or "").split() if SEGMENT.search(word)]


class InSequence(Contains):
    """The word's segments in order, with punctuation between them where the word has it.

    Inside an ``And`` after the segments' own phrases it only checks the few documents left,
    reading their word sequences from the text index (no object is loaded); on its own it is
    hypatia's phrase search over the whole word.
    """

    def _words(self, names):
        return self.index.lexicon.termToWordIds(self._get_value(names))

    def _apply(self, names):
        return self.index.applyContains(f'"{self._get_value(names)}"')

    def intersect(self, left, names):
        if not len(left):
            return self.family.IF.Set()
        code = widcode.encode(self._words(names))
        docwords = self.index.index._docwords
        return self.family.IF.Set(docid for docid in left if docwords.get(docid, "").find(code) >= 0)


class FullTextSource:
    """What hypatia's query algebra needs of an index, for words kept outside the catalog
    (:mod:`portal.fulltext`): results resolve through the catalog's own object map."""

    def __init__(self, catalog, fulltext):
        self.catalog = catalog
        self.fulltext = fulltext
        self.family = catalog.family

    def qname(self):
        return "fulltext"

    def flush(self, *args, **kw):
        pass

    def resultset_from_query(self, query, names=None, resolver=None):
        return self.catalog["item_type"].resultset_from_query(query, names=names, resolver=resolver)


def store_term(word):
    """What the full-text store looks for to find ``word``: ``("char", c)`` for one CJK character,
    else ``("phrase", words)``: its segments' words in order, with boundaries where it has punctuation."""
    segments = SEGMENT.findall(word)
    if len(segments) == 1 and CJK_CHAR.match(segments[0]):
        return ("char", segments[0])
    return ("phrase", CJKBigramSplitter().process([BOUNDARY.join(segments)]))


class FullTextWord(Comparator):
    """One query word in the full-text store: its segments in order, punctuation between them where
    the word has it (the same words and boundaries the catalog's phrase search would look for).

    ``matched``: how many documents held it, once applied (what relevance weighs it by)."""

    operator = "matches"
    matched = None

    def _apply(self, names):
        kind, value = store_term(self._get_value(names))
        store = self.index.fulltext
        docids = store.character(value) if kind == "char" else store.phrase(value)
        self.matched = len(docids)
        return self.family.IF.Set(docids)

    @property
    def family(self):
        return self.index.family


class ScoredContains(Contains):
    """A phrase in a catalog text index that keeps, once applied, what the index answered: the
    matching docids with their Okapi BM25 scores (what relevance reads, without a second search)."""

    scores = None

    def _apply(self, names):
        self.scores = super()._apply(names)
        return self.scores


def word_query(catalog, word):
    """All of the word's segments, a phrase each (a lone CJK character by the ``chars`` index),
    and, for a word with punctuation inside (a document number), the segments in that order."""
    from ..fulltext import current_fulltext

    fulltext = current_fulltext()
    if fulltext is not None:
        return FullTextWord(FullTextSource(catalog, fulltext), word)
    segments = SEGMENT.findall(word)
    clauses = []
    for segment in segments:
        if CJK_CHAR.match(segment):
            clauses.append(Any(catalog["chars"], [segment]))
        else:
            # Quoted: a phrase, and never read as AND/OR/NOT by hypatia's query parser.
            clauses.append(ScoredContains(catalog["text"], f'"{segment}"'))
    query = clauses[0]
    for clause in clauses[1:]:
        query = query & clause
    if len(segments) > 1:
        query = query & InSequence(catalog["text"], BOUNDARY.join(segments))
    return query


def text_query(catalog, words):
    """A query for every word of ``words``; or None when there is nothing to search for.

    Each word is cut at punctuation into segments that must all occur, in order and with
    punctuation between them where the word has it (a document number like ``鱼山镇备〔2026〕12号``
    finds that number, not 鱼山镇备〔2026〕13号 beside a "第12号"). A CJK word may also be written with or
    without the standard abbreviations (:data:`ABBREVIATIONS`): ``市场监管 处罚`` finds 市场监督管理
    ... 行政处罚. Phrases never match across punctuation (the splitter's boundary word), so every
    hit contains each segment as written and counts need no filtering afterwards.

    A generic "characters in order" match for unknown abbreviations is left out on purpose: the
    catalog can only tell which documents hold the characters, not their order, so counts would
    need every candidate loaded and checked.
    """
    return TextSearch(catalog, words).query


class TextSearch:
    """The words of a search: the catalog query that finds the hits (:attr:`query`, None when there
    is nothing to search for, see :func:`text_query`), and what relevance needs of the hits: which
    hold a query word in their title (:meth:`title_hits`) and how well each matches (:meth:`scores`).

    Both ask the store that holds the words (``portal.fulltext``) about the given docids only:
    SQLite's bm25 and PostgreSQL's ``ts_rank`` for those documents, or, with the words in the
    catalog, hypatia's Okapi BM25 scores, kept from the search itself. A word of one CJK character
    is never a title hit (no store keeps the titles' single characters).
    """

    def __init__(self, catalog, words):
        from ..fulltext import current_fulltext

        self.catalog = catalog
        self.family = catalog.family
        self.fulltext = current_fulltext()
        #: For each query word, its spellings (the word and its abbreviation variants) with their queries.
        self.words = []
        clauses = []
        for word in query_words(words):
            variants = [(variant, word_query(catalog, variant)) for variant in (word, *expansions(word))]
            self.words.append(variants)
            queries = [query for _, query in variants]
            clauses.append(queries[0] if len(queries) == 1 else Or(*queries))
        self.query = None
        if clauses:
            self.query = clauses[0]
            for clause in clauses[1:]:
                self.query = self.query & clause

    def title_hits(self, docids):
        """For each query word, the docids among ``docids`` whose title holds it (a set each)."""
        IF = self.family.IF
        found = []
        for variants in self.words:
            if self.fulltext is not None:
                phrases = [
                    value for kind, value in map(store_term, (v for v, _ in variants)) if kind == "phrase"
                ]
                ids = IF.Set(self.fulltext.title_matches(phrases, docids)) if phrases else IF.Set()
                found.append(IF.intersection(ids, docids) if len(ids) else IF.Set())
            else:
                ids = IF.Set()
                for variant, _ in variants:
                    ids = IF.union(ids, self._titled(variant, docids))
                found.append(ids)
        return found

    def _titled(self, variant, docids):
        """With the words in the catalog: the docids whose title index holds every word (bigram) of
        the variant's phrase segments, by intersecting their postings in C (the order of the words
        is not checked: in a title, the bigrams of a word all there but apart hardly happen, and
        hypatia's phrase check reads each candidate's words in Python)."""
        IF = self.family.IF
        index = self.catalog["title"].index
        words = [
            word
            for segment in SEGMENT.findall(variant)
            if not CJK_CHAR.match(segment)
            for word in index._lexicon.termToWordIds(segment)
        ]
        if not words:
            return IF.Set()
        ids = docids
        for wid in words:
            postings = index._wordinfo.get(wid)
            if not postings or not len(ids):
                return IF.Set()
            # A word's postings: a dict while few documents hold it, else a BTree (docid -> weight).
            ids = IF.intersection(ids, IF.Set(postings) if isinstance(postings, dict) else postings)
        return ids

    def scores(self, docids):
        """``{docid: score}`` for ``docids`` (higher: a better match); documents not scored get 0."""
        if self.fulltext is not None:
            terms = [
                [(store_term(variant), getattr(query, "matched", None)) for variant, query in variants]
                for variants in self.words
            ]
            return self.fulltext.relevance(docids, terms)
        IF = self.family.IF
        total = IF.Bucket()
        wanted = IF.Set(docids)
        for variants in self.words:
            for variant, query in variants:
                scores = self._catalog_scores(self.catalog["text"], variant, query)
                if scores is not None and len(scores):
                    _, mine = IF.weightedIntersection(scores, wanted, 1.0, 0.0)
                    _, total = IF.weightedUnion(total, mine)
        return {docid: total.get(docid, 0.0) for docid in docids}

    def _catalog_scores(self, index, variant, query=None):
        """A variant's Okapi scores in a catalog text index: the documents holding each of its
        phrase segments, with the sum of their scores (None when it has only single characters).
        From the search's own :class:`ScoredContains` when ``query`` ran, else asked now."""
        kept = {}
        if query is not None and index is self.catalog["text"]:
            leaves = query.queries if hasattr(query, "queries") else [query]
            kept = {leaf._value: leaf.scores for leaf in leaves if isinstance(leaf, ScoredContains)}
        buckets = []
        for segment in SEGMENT.findall(variant):
            if CJK_CHAR.match(segment):
                continue
            phrase = f'"{segment}"'
            scores = kept.get(phrase)
            if scores is None:
                scores = index.applyContains(phrase)
            buckets.append((scores, 1.0))
        if not buckets:
            return None
        return mass_weightedIntersection(buckets, self.family)


def folded_with_positions(text):
    """``(folded, positions)``: ``text`` NFKC-normalised and lower-cased character by character, and
    for each character of ``folded`` the index in ``text`` of the character it came from (NFKC and
    lower-casing may change lengths: “㈱” gives three characters, “ﬁ” two)."""
    folded, positions = [], []
    for index, char in enumerate(text):
        part = normalize(char).lower()
        folded.append(part)
        positions.extend([index] * len(part))
    return "".join(folded), positions


def snippet(text, words, width=40):
    """``(before, match, after)``: the first place in ``text`` where a query segment occurs, with
    some context either side (for the results page, which escapes it); None when none occurs.

    The match is found in the normalised text, and shown from the original (full-width punctuation
    stays full-width)."""
    text = text or ""
    folded, positions = folded_with_positions(text)
    best = None
    for word in query_words(words):
        for variant in (word, *expansions(word)):
            # The whole word as typed first (a document number), else its first segment found.
            for part in (variant, *SEGMENT.findall(variant)):
                part = part.lower()
                at = folded.find(part) if part else -1
                if at >= 0:
                    if best is None or at < best[0]:
                        best = (at, len(part))
                    break
    if best is None:
        return None
    at, length = best
    at, stop = positions[at], positions[at + length - 1] + 1
    start = max(0, at - width // 2)
    end = min(len(text), stop + width)
    before = ("…" if start > 0 else "") + " ".join(text[start:at].split())
    after = " ".join(text[stop:end].split()) + ("…" if end < len(text) else "")
    return before, text[at:stop], after


def includeme(config):
    config.add_directive("add_item_type", register_item_type)
    config.scan(".catalog")
