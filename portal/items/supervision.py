"""Supervision covers what was sent: the ``supervisor`` relation, recorded when an item is sent.

The 区司法局's supervisors read every unit's records, but not a unit's drafts, which only that unit
sees (``docs/filings.md``). Their row names the relation ``supervisor`` (``p, role:supervisor,
kind:supervisor, supervisor, *, view``), and an item gets that relation for every unit
(``supervisor:*``) the first time it is recorded (:func:`portal.items.record`) once sent: when it has
left the draft state, or another unit stands in a relation to it. It keeps it afterwards (a filing
returned for correction stays under supervision). Listings and per-item decisions read the same
relation, so search, counts and pages agree.

Items of sites older than this relation get it from the evolution step :func:`supervise_sent_items`.
"""

from substanced.event import ObjectModified

from . import EVERYONE, SUPERVISION, Item, ItemRecorded

#: The state of an item its unit is still writing.
DRAFT = "draft"


def is_sent(item):
    """Whether ``item`` has left its unit: out of the draft state, or related to another unit."""
    if item.state != DRAFT:
        return True
    return any(
        unit != item.owner
        for relation, units in item.relations.items()
        if relation != SUPERVISION
        for unit in units
    )


def is_supervised(item):
    return EVERYONE in item.units_in(SUPERVISION)


def supervise(item):
    """Put a sent item under supervision; True if it was not yet."""
    if is_supervised(item) or not is_sent(item):
        return False
    item.relate(SUPERVISION, EVERYONE)
    return True


def on_item_recorded(event):
    if supervise(event.item):
        # record() has indexed the item already; index the new relation too (once per item).
        registry = event.request.registry
        registry.subscribers((ObjectModified(event.item), event.item), None)


#: The supervisors' row before this relation: every item, drafts included.
READ_ALL_ROW = ("role:supervisor", "kind:supervisor", "*", "*", "view")
#: What replaces it (``policies/policy.csv``).
SUPERVISION_ROWS = (
    ("role:supervisor", "kind:supervisor", SUPERVISION, "*", "view"),
    ("role:supervisor", "kind:supervisor", "none", "tenant", "view"),
)


def supervise_sent_items(root, registry):
    """Evolution step: every sent item of an older site under supervision, and indexed so; the
    supervisors' read-all row replaced by the rows of sent items, in its place.

    A site whose portal admins had removed the read-all row gets neither new row: both count as
    seeded, so a removed row stays removed.
    """
    for tenant in root["tenants"].values():
        for item in tenant.values():
            if isinstance(item, Item) and supervise(item):
                registry.subscribers((ObjectModified(item), item), None)
    store = root.policy_store
    if store.contains("p", READ_ALL_ROW):
        store.update("p", READ_ALL_ROW, SUPERVISION_ROWS[0])
        store.add("p", SUPERVISION_ROWS[1])
    seeded = getattr(root, "seeded_policy_rows", None)
    if seeded is not None and ("p", *READ_ALL_ROW) in seeded:
        for row in SUPERVISION_ROWS:
            seeded.add(("p", *row))


#: The step's name in Substance D's list of finished steps.
SUPERVISION_STEP = "portal.items.supervision.supervise_sent_items"


def includeme(config):
    config.add_subscriber(on_item_recorded, ItemRecorded)
    config.add_evolution_step(supervise_sent_items, name=SUPERVISION_STEP)
