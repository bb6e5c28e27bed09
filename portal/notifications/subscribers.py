"""Notifications from items' history: whatever a workflow records, the units concerned hear of it.

Every :func:`portal.items.record` sends :class:`~portal.items.ItemRecorded`. The units the item now
awaits are told what happened and what is expected of them; units related to the item since the
last entry (a new recipient, a unit sent a copy) are told they now stand in that relation. Only
members who may see the item are notified, and never the person who acted.

An item type may say itself who hears of each step: ``item.notices(entry, request)`` returns
``[(units, roles, text)]``, the people who must act next and the sentence they read (nobody for a
unit's own routine steps). It then replaces the rule above.
"""

from ..items import EVERYONE, ItemRecorded
from ..security import OWNER
from . import notify_units

#: How a newly related unit is told what it is to the item.
RELATION_TITLES = {
    "recipient": "本单位为接收单位",
    "cc": "抄送本单位",
    "consultee": "征求本单位意见",
    "participant": "本单位为参与单位",
    "reader": "供本单位阅知",
}


def what_happened(item, entry):
    """``鱼山镇人民政府 报送了《…》`` (the acting unit, the history entry's title, the item)."""
    return f"{entry.unit_title} {entry.title}了《{item.title}》"


def new_relations(item):
    """``{unit: relation}`` for the units related to the item since this was last asked.

    The tokens seen so far are kept on the item (``announced_relations``) so each new relation is
    announced once; ``"*"`` (every unit) is never announced one by one.
    """
    announced = set(getattr(item, "announced_relations", ()))
    tokens = [token for token in item.relation_tokens() if not token.startswith(f"{OWNER}:")]
    found = {}
    for token in tokens:
        relation, _, unit = token.partition(":")
        if token not in announced and unit != EVERYONE:
            found.setdefault(unit, relation)
    if set(tokens) != announced:
        item.announced_relations = tuple(tokens)
    return found


def on_item_recorded(event):
    item, entry, request = event.item, event.entry, event.request
    root, policy, actor = request.root, request.policy, request.login
    notices = getattr(item, "notices", None)
    if notices is not None:
        new_relations(item)  # announced by the notices themselves
        for units, roles, text in notices(entry, request):
            notify_units(root, policy, item, units, text, exclude=actor, roles=roles)
        return
    happened = what_happened(item, entry)
    awaiting = tuple(item.awaiting) if item.is_open else ()
    if awaiting:
        text = f"{happened}，{item.waiting_for or '等待本单位办理'}"
        notify_units(root, policy, item, awaiting, text, exclude=actor)
    for unit, relation in sorted(new_relations(item).items()):
        if unit in awaiting or unit == entry.unit:
            continue
        text = f"{happened}，{RELATION_TITLES.get(relation, '本单位与此事项相关')}"
        notify_units(root, policy, item, [unit], text, exclude=actor)


def includeme(config):
    config.add_subscriber(on_item_recorded, ItemRecorded)
