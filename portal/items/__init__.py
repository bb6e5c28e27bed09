"""Items: what units file, send and share, with their relations, history, deadlines and attachments.

Every workflow's content type subclasses :class:`Item`. An item lives in the folder of the unit
that created it (its owner) and records which other units stand in which relation to it
(``recipient``, ``cc``, ...). Casbin decides on those relations (see :mod:`portal.security`); the
catalog indexes them as ``relation:unit`` tokens so listings never ask per item
(see :mod:`portal.items.catalog`).

A workflow is a :class:`Workflow`: states and transitions, each transition naming the Casbin action
it needs. :meth:`Workflow.fire` checks state and permission, and records the transition in the
item's own history (permanent, unlike Substance D's capped audit log) and the site's audit trail.
"""

import contextlib
import copyreg
import datetime
import threading
from zoneinfo import ZoneInfo

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from pyramid.httpexceptions import HTTPForbidden
from substanced.event import ObjectModified
from substanced.folder import Folder

from ..calendar import SHANGHAI
from ..security import NONE, OWNER

#: Relations a unit may stand in to an item. ``none`` is implied when it has none of them.
RELATIONS = ("owner", "recipient", "cc", "consultee", "participant", "reader", "supervisor")
#: The relation every unit has to an item once it was sent (see :mod:`.supervision`): what the
#: supervisors' row reads. It does not count as a relation for ``none``, which keeps meaning "no
#: relation other than this one".
SUPERVISION = "supervisor"
#: The token standing for "every unit" in a relation.
EVERYONE = "*"


#: The moment this thread's model code takes as now, while :func:`at` holds one.
_clock = threading.local()


def now():
    """The current time, aware, in Asia/Shanghai (or the moment :func:`at` set for this thread).

    Every step of every flow takes its time from here: when an item was created, sent, received
    or answered, its history entries, its notifications and its clocks."""
    moment = getattr(_clock, "moment", None)
    return moment if moment is not None else datetime.datetime.now(SHANGHAI)


@contextlib.contextmanager
def at(moment):
    """Run model code as if it were ``moment`` (an aware datetime; naive is China time), in this
    thread only: :func:`now` returns it until the block ends, and the block's steps are recorded,
    numbered and timed then (``portal-populate`` files a past year this way). Blocks may nest."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    previous = getattr(_clock, "moment", None)
    _clock.moment = moment.astimezone(SHANGHAI)
    try:
        yield _clock.moment
    finally:
        _clock.moment = previous


def _reduce_zone(zone):
    """Pickle a ``ZoneInfo`` by its key: ZODB's pickler (zodbpickle, protocol 3) cannot pickle the
    class method ``ZoneInfo`` reduces itself to, so no aware datetime could be stored without this."""
    return ZoneInfo, (zone.key,)


copyreg.pickle(ZoneInfo, _reduce_zone)


class WorkflowError(Exception):
    """A transition that cannot happen now; the message is for the person who asked."""


class Entry(Persistent):
    """One line of an item's history: who did what, when, as which unit, with which comment."""

    def __init__(
        self,
        action,
        title,
        login,
        name,
        unit,
        unit_title,
        comment="",
        state_from=None,
        state_to=None,
        when=None,
        details=None,
    ):
        self.action = action
        self.title = title
        self.login = login
        self.name = name
        self.unit = unit
        self.unit_title = unit_title
        self.comment = comment
        self.state_from = state_from
        self.state_to = state_to
        self.when = when or now()
        self.details = dict(details or {})


class ItemRecorded:
    """Event sent by :func:`record` after it appended ``entry`` to ``item``'s history.

    Subscribers (e.g. notifications) learn what happened without each workflow telling them.
    """

    def __init__(self, item, entry, request):
        self.item = item
        self.entry = entry
        self.request = request


class Item(Folder):
    """Base of every workflow item. Subclasses set ``item_type``, ``type_title`` and ``workflow``."""

    item_type = "item"
    type_title = "事项"
    workflow = None
    title = ""
    owner = ""
    number = ""
    state = ""
    created = None
    modified = None
    creator = ""
    #: When the next step is due (a ``date`` for working-day clocks, an aware ``datetime`` for hours).
    due = None
    #: Whether ``due`` is provisional (a year without calendar data).
    due_provisional = False
    #: The units whose move it is (they see it under "to do" and "due").
    awaiting = ()
    #: What the item waits for, in words (e.g. "等待区市监局签收").
    waiting_for = ""
    #: Free text the search should find beside the title (set by subclasses).
    searchable_fields = ("title", "number")

    def __init__(self, owner, title="", creator=""):
        super().__init__()
        self.owner = owner
        self.title = title
        self.creator = creator
        self.created = self.modified = now()
        self.relations = OOBTree()
        self.history = PersistentList()
        if self.workflow is not None:
            self.state = self.workflow.initial

    # relations -----------------------------------------------------------------------------------

    def relate(self, relation, unit):
        """Record that ``unit`` (a unit code, or ``"*"`` for every unit) stands in ``relation``."""
        if relation not in RELATIONS:
            raise ValueError(f"unknown relation {relation!r}")
        units = set(self.relations.get(relation, ()))
        if unit not in units:
            units.add(unit)
            self.relations[relation] = tuple(sorted(units))

    def unrelate(self, relation, unit):
        units = set(self.relations.get(relation, ()))
        units.discard(unit)
        if units:
            self.relations[relation] = tuple(sorted(units))
        elif relation in self.relations:
            del self.relations[relation]

    def units_in(self, relation):
        return tuple(self.relations.get(relation, ()))

    def relations_of(self, unit):
        """The relations ``unit`` stands in to this item (``owner`` for the unit that created it)."""
        found = [OWNER] if unit == self.owner else []
        for relation, units in self.relations.items():
            if (unit in units or EVERYONE in units) and relation not in found:
                found.append(relation)
        if found == [SUPERVISION]:
            found.append(NONE)
        return found

    def relation_tokens(self):
        """``relation:unit`` tokens for the catalog (``owner`` included)."""
        tokens = {f"{OWNER}:{self.owner}"}
        for relation, units in self.relations.items():
            tokens.update(f"{relation}:{unit}" for unit in units)
        return sorted(tokens)

    # text and deadlines --------------------------------------------------------------------------

    def searchable_text(self):
        """Everything search should find: the fields named by ``searchable_fields`` and attachments."""
        parts = [str(getattr(self, name, "") or "") for name in self.searchable_fields]
        parts.extend(att.text for att in self.attachments() if att.text)
        return "\n".join(part for part in parts if part)

    def attachments(self):
        return [value for value in self.values() if isinstance(value, Attachment)]

    @property
    def is_open(self):
        return self.workflow is not None and self.state not in self.workflow.final

    @property
    def state_title(self):
        return self.workflow.states.get(self.state, self.state) if self.workflow else ""

    def set_due(self, due, awaiting=(), waiting_for="", provisional=False):
        """Start (or stop, with ``due=None``) the item's clock."""
        self.due = due
        self.awaiting = tuple(awaiting)
        self.waiting_for = waiting_for
        self.due_provisional = provisional


class Attachment(Persistent):
    """A file attached to an item: a ZODB blob, with what search needs of its text."""

    def __init__(self, filename, mimetype, size, blob, text="", kind="", uploaded_by=""):
        self.filename = filename
        self.mimetype = mimetype
        self.size = size
        self.blob = blob
        self.text = text
        self.kind = kind
        self.uploaded_by = uploaded_by
        self.uploaded = now()

    # An attachment is seen by whoever may see its item, and by no one else.
    @property
    def item_type(self):
        return self.__parent__.item_type

    def relations_of(self, unit):
        return self.__parent__.relations_of(unit)


class Transition:
    """A move from some states to one, allowed by a Casbin action on the item."""

    def __init__(self, name, title, sources, target, action=None):
        self.name = name
        self.title = title
        self.sources = tuple(sources)
        self.target = target
        self.action = action or name


class Workflow:
    """States and transitions of one item type. Plain module-level data: nothing here is pickled."""

    def __init__(self, initial, states, transitions, final=()):
        self.initial = initial
        self.states = dict(states)
        self.transitions = {t.name: t for t in transitions}
        self.final = frozenset(final)

    def available(self, item, request):
        """The transitions the person may fire now, for the buttons of the item's page."""
        return [
            t
            for t in self.transitions.values()
            if item.state in t.sources and request.permits(item, t.action)
        ]

    def check(self, item, request, name):
        transition = self.transitions.get(name)
        if transition is None:
            raise WorkflowError("没有这一操作")
        if item.state not in transition.sources:
            raise WorkflowError(f"“{item.title}”当前状态为“{item.state_title}”，不能{transition.title}")
        if not request.permits(item, transition.action):
            raise HTTPForbidden(f"当前单位无权{transition.title}")
        return transition

    def fire(self, item, request, name, comment="", before_record=None, **details):
        """Check and make the transition; returns the history entry.

        ``before_record(item, request)``, if given, runs once the item is in its new state and before
        the step is recorded (a flow sets its clock there, so that notifications say what is awaited
        now, not what was awaited before).
        """
        transition = self.check(item, request, name)
        state_from = item.state
        item.state = transition.target
        if before_record is not None:
            before_record(item, request)
        return record(
            item,
            request,
            transition.name,
            transition.title,
            comment,
            state_from=state_from,
            state_to=transition.target,
            **details,
        )


def record(item, request, action, title, comment="", state_from=None, state_to=None, **details):
    """Append to the item's history (the audit trail follows after the commit); reindex the item."""
    from ..people import display_name

    unit = request.acting_unit
    tenant = request.root["tenants"].get(unit)
    entry = Entry(
        action,
        title,
        request.login,
        display_name(request.user),
        unit,
        tenant.title if tenant is not None else unit,
        comment,
        state_from,
        state_to,
        details=details,
    )
    item.history.append(entry)
    item.modified = entry.when
    # The indexer copies the entry to the site's audit trail after the commit (portal.audit).
    reindex(item, request)
    request.registry.notify(ItemRecorded(item, entry, request))
    return entry


def reindex(item, request=None):
    """Tell Substance D the item changed, so the catalogs index it again.

    Once per item and transaction is enough: the catalogs are brought in line with the item as it
    is when its transaction has committed (:mod:`portal.indexing`), so a step after the first in
    the same transaction (several steps on one item, the supervision relation after a step) adds
    nothing but work. After a savepoint is rolled back, items are told again."""
    registry = request.registry if request is not None else None
    if registry is None:
        from pyramid.threadlocal import get_current_registry

        registry = get_current_registry()
    told = _told_in_transaction(item)
    if told is not None:
        if id(item) in told:
            return
        told.add(item)
    # Substance D's content subscribers listen for (event, object), not for the event alone.
    event = ObjectModified(item)
    registry.subscribers((event, item), None)


class _Told:
    """The items told changed in a transaction (by id, each kept until the transaction ends).

    Joined to the transaction as a data manager only to hear of a savepoint's rollback, after which
    every item is told again (the catalogs' queued actions were rolled back with it)."""

    def __init__(self, manager):
        self.transaction_manager = manager
        self.ids = {}

    def __contains__(self, key):
        return key in self.ids

    def add(self, item):
        # The item is kept, so that no other object takes its id while the transaction lasts.
        self.ids[id(item)] = item

    def savepoint(self):
        return _ToldSavepoint(self)

    def abort(self, transaction):
        self.ids = {}

    tpc_begin = commit = tpc_vote = tpc_finish = tpc_abort = abort

    def sortKey(self):
        return "portal.items.reindex"


class _ToldSavepoint:
    def __init__(self, told):
        self.told = told

    def rollback(self):
        self.told.ids = {}


def _told_in_transaction(item):
    """The transaction's :class:`_Told` (joined on first use), or None outside any transaction."""
    import transaction as transactions

    jar = getattr(item, "_p_jar", None)
    manager = jar.transaction_manager if jar is not None else transactions.manager
    try:
        current = manager.get()
    except Exception:  # an explicit manager with no transaction begun
        return None
    try:
        return current.data(_Told)
    except KeyError:
        told = _Told(manager)
        current.join(told)
        current.set_data(_Told, told)
        return told


def includeme(config):
    config.include(".catalog")
    config.include(".supervision")
    config.scan(".views")
